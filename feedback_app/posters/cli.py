"""``flask posters``: one PDF with the posters of every counter of a unit or agency."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, select

from exports.posters import write_posters
from feedback_app.db import get_session
from feedback_app.models import Agency, Unit, subtree_ids
from feedback_app.posters.service import counters_query, poster_infos


@click.command("posters")
@click.option("--agency", "agency_code", required=True, help="Agency code.")
@click.option("--unit", "unit_code", help="Only this unit and the units below it.")
@click.option("--size", type=click.Choice(["A4", "A5"]), default="A4", show_default=True)
@click.option("--base-url", required=True, help="Public address, e.g. https://ulasan.kota.go.id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def posters_command(
    agency_code: str, unit_code: str | None, size: str, base_url: str, output: Path
) -> None:
    """Write the posters of every active counter into one PDF."""
    session = get_session()
    agency = session.scalar(select(Agency).where(Agency.code == agency_code.strip().upper()))
    if agency is None:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code.strip()))
    if agency is None:
        raise click.ClickException(f"unknown agency {agency_code!r}")
    unit_ids = None
    if unit_code:
        unit = session.scalar(
            select(Unit).where(Unit.agency_id == agency.id, Unit.code == unit_code.strip().upper())
        )
        if unit is None:
            raise click.ClickException(f"unknown unit {unit_code!r} in {agency.code}")
        unit_ids = subtree_ids(session, unit.id)
    total = session.scalar(
        select(func.count()).select_from(counters_query(agency.id, unit_ids).subquery())
    )
    if not total:
        raise click.ClickException("no active counters to print")
    with (
        click.progressbar(
            poster_infos(session, agency, unit_ids, base_url), length=total, label="Poster"
        ) as infos,
        output.open("wb") as sink,
    ):
        pages = write_posters(infos, sink, size)
    session.commit()  # new counters got their first public link
    click.echo(f"{pages} posters written to {output}")
