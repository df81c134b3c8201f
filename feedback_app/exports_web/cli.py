"""``flask export run`` and ``flask export purge``: the export page on the command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from feedback_app import jobs
from feedback_app.db import get_session
from feedback_app.exports_web import service
from feedback_app.exports_web.selection import (
    Actor,
    Filters,
    InvalidFilters,
    OutOfScope,
    resolve,
)
from feedback_app.models import Agency, ExportJob, JobStatus, Unit, User


@click.group("export")
def export_command() -> None:
    """Export results (raw responses, IKM summary, comments, employee indicators)."""


@export_command.command("run")
@click.argument("kind", type=click.Choice(sorted(service.KINDS)))
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["csv", "xlsx", "pdf", "sav", "json"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--agency", "agency_code", help="Agency code (default: the user's agency).")
@click.option("--user", "email", help="Export as this user (scope and audit log).")
@click.option("--unit", "unit_code", help="Unit code: this unit and the units below it.")
@click.option("--period", help="2025, 2025-S1, 2025-Q3 or 2025-07 (default: this year).")
@click.option("--from", "date_from", help="Start date YYYY-MM-DD (instead of --period).")
@click.option("--to", "date_to", help="End date YYYY-MM-DD, inclusive.")
@click.option("--include-flagged", is_flag=True, help="Count responses set aside as suspicious.")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True)
@click.option("--decimal-comma", is_flag=True, help="Write 3,25 instead of 3.25 in CSV.")
@click.option("--codes", is_flag=True, help="Answer codes (4) instead of labels.")
@click.option("--background", is_flag=True, help="Queue the export for the worker and follow it.")
@with_appcontext
def run_command(
    kind: str,
    fmt: str,
    output: Path,
    agency_code: str | None,
    email: str | None,
    unit_code: str | None,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    include_flagged: bool,
    delimiter: str,
    decimal_comma: bool,
    codes: bool,
    background: bool,
) -> None:
    """Write one export to OUTPUT, with a progress bar."""
    if fmt not in service.KINDS[kind]:
        raise click.UsageError(f"{kind} exports come as {', '.join(service.KINDS[kind])}")
    session = get_session()
    user = None
    if email:
        user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None:
            raise click.UsageError(f"no user {email}")
        actor = service.actor_for(user)
    else:
        actor = Actor(agency_id=None)
    agency = None
    if agency_code:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.UsageError(f"no agency {agency_code}")
    elif actor.agency_id is None and user is None:
        raise click.UsageError("name an --agency or a --user")
    unit_id = None
    if unit_code:
        agency_id = agency.id if agency else actor.agency_id
        unit = session.scalar(
            select(Unit).where(Unit.agency_id == agency_id, Unit.code == unit_code)
        )
        if unit is None:
            raise click.UsageError(f"no unit {unit_code} in that agency")
        unit_id = unit.id
    try:
        filters = Filters(
            period=period,
            date_from=date_from,
            date_to=date_to,
            unit=unit_id,
            include_flagged=include_flagged,
            agency=agency.id if agency and actor.agency_id is None else None,
        )
        filters.period_range()
        selection = resolve(session, actor, filters)
    except InvalidFilters as problem:
        raise click.UsageError(problem.message) from None
    except OutOfScope as problem:
        raise click.UsageError(f"{problem} is outside the user's scope") from None
    options = service.Options(delimiter=delimiter, decimal_comma=decimal_comma, labelled=not codes)
    total = service.total_rows(session, selection, kind)
    if background:
        if user is None:
            raise click.UsageError("--background needs --user (the job belongs to a user)")
        _background(session, selection, kind, fmt, options, total, output)
        return
    service.audit(
        session, selection, "export", {"kind": kind, "format": fmt, "mode": "cli", "rows": total}
    )
    session.commit()
    partial = output.with_name(output.name + ".part")
    with (
        click.progressbar(length=total, label=f"{kind}.{fmt}", file=sys.stderr) as bar,
        open(partial, "wb") as handle,
    ):
        service.write_export(session, selection, kind, fmt, options, handle, bar.update)
    partial.replace(output)
    click.echo(f"{output} ({output.stat().st_size:,} bytes)")


def _background(session, selection, kind, fmt, options, total, output: Path) -> None:  # type: ignore[no-untyped-def]
    job = service.create_job(session, selection, kind, fmt, options, total)
    service.audit(
        session, selection, "export",
        {"kind": kind, "format": fmt, "mode": "background", "job": job.id, "rows": total},
    )  # fmt: skip
    session.commit()
    jobs.enqueue_export(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]
    shown = 0
    with click.progressbar(length=max(total, 1), label=f"job {job.id}", file=sys.stderr) as bar:
        while True:
            session.expire_all()
            current = session.get(ExportJob, job.id)
            assert current is not None
            target = current.total_rows or max(total, 1)
            done = target if current.status == JobStatus.DONE else current.done_rows
            if done > shown:
                bar.update(done - shown)
                shown = done
            if current.status in (JobStatus.DONE, JobStatus.FAILED):
                break
            session.rollback()
            time.sleep(0.5)
    if current.status == JobStatus.FAILED:
        raise click.ClickException(f"export failed: {current.error}")
    path = service.job_path(current)
    assert path is not None
    output.write_bytes(path.read_bytes())
    click.echo(f"{output} ({output.stat().st_size:,} bytes), job {job.id}")


@export_command.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove export files past EXPORT_RETENTION_HOURS."""
    removed = service.purge_expired()
    click.echo(f"{removed} expired export file(s) removed.")
