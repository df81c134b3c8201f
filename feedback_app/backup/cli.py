"""``flask backup create|verify|restore``: the operator's side of :mod:`.service`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from feedback_app.backup import BackupError
from feedback_app.backup.digests import Difference, TableDigest
from feedback_app.backup.service import (
    POSTGRESQL,
    Manifest,
    Verification,
    check_revision,
    check_target,
    create_backup,
    database_kind,
    default_name,
    manifest_path,
    read_manifest,
    restore_backup,
    verify_backup,
)
from feedback_app.db import utcnow

BACKUP_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("backup")
def backup_command() -> None:
    """Cadangkan, periksa dan pulihkan basis data."""


@backup_command.command("create")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Berkas tujuan (SQLite: akhiran .gz untuk kompresi). "
    "Bawaan: folder BACKUP_DIR atau instance/backups.",
)
@with_appcontext
def create_command(output: Path | None) -> None:
    """Buat cadangan dan manifest-nya (jumlah baris dan checksum tiap tabel)."""
    url = current_app.config["DATABASE_URL"]
    try:
        if output is None:
            folder = current_app.config.get("BACKUP_DIR") or Path(
                current_app.instance_path, "backups"
            )
            output = Path(folder) / default_name(database_kind(url), utcnow())
        manifest = create_backup(url, output)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        _(
            "Cadangan dibuat: %(path)s (%(size)s bait, sha256 %(sha)s).",
            path=output,
            size=f"{manifest.file_bytes:,}",
            sha=manifest.file_sha256,
        )
    )
    click.echo(_("Manifest: %(path)s", path=manifest_path(output)))
    click.echo(_summary(manifest))


@backup_command.command("verify")
@click.argument("path", type=BACKUP_FILE)
@click.option(
    "--full",
    is_flag=True,
    help="PostgreSQL: pulihkan ke basis data sementara dan hitung ulang checksum "
    "(tanpa ini hanya sha256 dan daftar isi arsip yang diperiksa).",
)
@with_appcontext
def verify_command(path: Path, full: bool) -> None:
    """Periksa berkas cadangan terhadap manifest-nya; keluar dengan status 1 jika tidak cocok."""
    try:
        check = verify_backup(path, full=full, server_url=current_app.config["DATABASE_URL"])
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_summary(check.manifest))
    _report(check)
    if not check.ok:
        raise click.ClickException(_("Cadangan TIDAK cocok dengan manifest-nya."))
    if check.tables is None:
        click.echo(
            _(
                "Cadangan cocok: sha256 sama dan semua tabel ada di arsip. "
                "Jalankan dengan --full untuk menghitung ulang baris dan checksum."
            )
        )
    else:
        click.echo(_("Cadangan utuh: jumlah baris dan checksum semua tabel cocok."))


@backup_command.command("restore")
@click.argument("path", type=BACKUP_FILE)
@click.option("--yes", is_flag=True, help="Jangan minta konfirmasi.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Ganti seluruh isi basis data dengan cadangan, lalu periksa hasilnya terhadap manifest.

    Hentikan aplikasi web dan worker lebih dulu: perubahan yang masuk selama
    pemulihan akan hilang atau membuat pemeriksaan akhir gagal.
    """
    url = current_app.config["DATABASE_URL"]
    try:
        manifest = read_manifest(path)
        check_target(manifest, url)
        note = check_revision(manifest)
        check = verify_backup(path, full=False)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_summary(manifest))
    if not check.ok:
        _report(check)
        raise click.ClickException(
            _("Pemulihan dibatalkan: berkas cadangan tidak cocok dengan manifest-nya.")
        )
    target = make_url(url).render_as_string(hide_password=True)
    question = _(
        "Semua data di %(target)s akan diganti dengan isi cadangan ini. Lanjutkan?", target=target
    )
    if not yes and not click.confirm(question):
        raise click.ClickException(_("Dibatalkan; basis data tidak diubah."))
    if manifest.database == POSTGRESQL:
        # this process keeps no connection open while the tables are replaced
        current_app.extensions["db"].engine.dispose()
    try:
        problems = restore_backup(url, path, manifest)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if problems:
        for difference in problems:
            click.echo(_difference(difference, _("basis data")), err=True)
        raise click.ClickException(
            _(
                "PEMULIHAN GAGAL DIPERIKSA: %(n)d tabel di %(target)s berbeda dari manifest.",
                n=len(problems),
                target=target,
            )
        )
    click.echo(
        _(
            "Pemulihan selesai: %(tables)d tabel di %(target)s cocok dengan manifest "
            "(jumlah baris dan checksum).",
            tables=len(manifest.tables),
            target=target,
        )
    )
    if note:
        click.echo(note)


def _summary(manifest: Manifest) -> str:
    return _(
        "Cadangan %(kind)s dibuat %(created)s oleh aplikasi versi %(version)s, "
        "skema %(revision)s: %(tables)d tabel, %(rows)s baris.",
        kind=manifest.database,
        created=manifest.created_at,
        version=manifest.app_version,
        revision=manifest.alembic_revision or "-",
        tables=len(manifest.tables),
        rows=f"{sum(t.rows for t in manifest.tables.values()):,}",
    )


def _report(check: Verification) -> None:
    if not check.file_matches:
        click.echo(
            _(
                "sha256 berkas TIDAK cocok: manifest %(expected)s, berkas %(actual)s.",
                expected=check.manifest.file_sha256,
                actual=check.file_sha256,
            ),
            err=True,
        )
    for problem in check.problems:
        click.echo(problem, err=True)
    for difference in check.differences:
        click.echo(_difference(difference, _("berkas")), err=True)


def _difference(difference: Difference, where: str) -> str:
    return _(
        "Tabel %(table)s berbeda: manifest %(expected)s, %(where)s %(actual)s.",
        table=difference.table,
        expected=_digest(difference.expected),
        where=where,
        actual=_digest(difference.actual),
    )


def _digest(digest: TableDigest | None) -> str:
    if digest is None:
        return _("tidak ada")
    return _("%(rows)d baris, checksum %(sha)s", rows=digest.rows, sha=digest.sha256[:16])
