"""``flask send-digests``: the daily e-mail of new negative responses to the heads who chose it."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from feedback_app.db import get_session
from feedback_app.followups.notify import send_digests


@click.command("send-digests")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The local day to report (default: yesterday in each agency's time zone).",
)
@click.option("--base-url", default=None, help="Where links point (default: configuration).")
@with_appcontext
def send_digests_command(day: dt.datetime | None, base_url: str | None) -> None:
    """E-mail each head in daily mode the follow-ups of one day in their scope."""
    session = get_session()
    sent = send_digests(session, day.date() if day else None, base_url)
    session.commit()
    click.echo(f"{sent} digest e-mail(s) sent.")
