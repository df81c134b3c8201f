"""``flask import-org KIND FILE``: the import page's checks and writes, from a shell."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.db import get_session
from feedback_app.imports.kinds import KINDS
from feedback_app.imports.reader import ImportFileError, read_table
from feedback_app.imports.service import check_rows
from feedback_app.models import Agency


def _agency(session: Session, code: str | None) -> Agency:
    if code is None:
        agencies = list(session.scalars(select(Agency).limit(2)))
        if len(agencies) == 1:
            return agencies[0]
        raise click.UsageError(_("Sebutkan instansi tujuan dengan --agency KODE."))
    agency = session.scalar(select(Agency).where(func.upper(Agency.code) == code.strip().upper()))
    if agency is None:
        raise click.BadParameter(
            _("Instansi %(code)s tidak ditemukan.", code=code), param_hint="--agency"
        )
    return agency


@click.command("import-org")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--agency", "agency_code", metavar="KODE", help="Kode instansi tujuan.")
@click.option("--dry-run", is_flag=True, help="Periksa saja; tidak ada yang disimpan.")
@with_appcontext
def import_org(kind: str, path: Path, agency_code: str | None, dry_run: bool) -> None:
    """Impor unit, loket, jenis layanan atau pegawai dari berkas CSV/XLSX.

    Semua baris diperiksa dulu; jika ada masalah, semuanya dicetak, tidak ada
    yang disimpan, dan perintah keluar dengan status 1.
    """
    spec = KINDS[kind]
    session = get_session()
    agency = _agency(session, agency_code)
    try:
        table = read_table(
            path.name,
            path.read_bytes(),
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
            expected=set(spec.required),
        )
    except ImportFileError as error:
        click.echo(str(error), err=True)
        click.echo(_("Tidak ada data yang diimpor."), err=True)
        raise click.exceptions.Exit(1) from None

    with click.progressbar(length=len(table.rows), label=_("Memeriksa baris")) as bar:
        plan = check_rows(
            session,
            spec,
            table.rows,
            agency_id=agency.id,
            columns=table.headers,
            row_numbers=table.row_numbers,
            progress=bar.update,
        )
    for note in [*table.notes, *plan.notes]:
        click.echo(str(note))
    if not plan.ok:
        problems = plan.problems
        for problem in problems:
            click.echo(problem.describe(), err=True)
        click.echo(
            _("%(n)d masalah ditemukan; tidak ada data yang diimpor.", n=len(problems)), err=True
        )
        raise click.exceptions.Exit(1)

    if dry_run:
        result = plan.result()
        click.echo(
            _(
                "Berkas benar. Jika diimpor: %(created)d dibuat, %(updated)d diperbarui, "
                "%(unchanged)d tidak berubah. Tidak ada yang disimpan (--dry-run).",
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            )
        )
        return

    with click.progressbar(length=len(plan), label=_("Menyimpan")) as bar:
        result = plan.apply(bar.update)
    session.commit()
    click.echo(
        _(
            "%(kind)s ke %(agency)s: %(created)d dibuat, %(updated)d diperbarui, "
            "%(unchanged)d tidak berubah.",
            kind=spec.title,
            agency=agency.code,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )
