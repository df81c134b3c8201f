"""``flask rebuild-aggregates``: recompute the dashboard counts from the raw responses."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from feedback_app.db import get_session
from feedback_app.models import Response
from feedback_app.results.aggregates import rebuild


@click.command("rebuild-aggregates")
@with_appcontext
def rebuild_aggregates_command() -> None:
    """Recompute response and answer counts (after a restore, or to check them)."""
    session = get_session()
    total = session.scalar(select(func.count()).select_from(Response)) or 0
    with click.progressbar(length=total, label="Responses") as bar:
        counted = rebuild(session, progress=bar.update)
    session.commit()
    click.echo(f"{counted} responses counted.")
