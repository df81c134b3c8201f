"""Create, verify and restore backups; the commands in :mod:`.cli` only talk to the user.

Every backup file has a manifest beside it (``<file>.manifest.json``): when it
was made, by which app version, at which schema revision, the row count and
checksum of every table, and the file's SHA-256. Verifying recomputes them
from the file; restoring checks the file first and compares the restored
database with the manifest afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask_babel import gettext as _
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from feedback_app.backup import BackupError, postgres, sqlite
from feedback_app.backup.digests import (
    Difference,
    TableDigest,
    alembic_revision,
    differences,
    table_digests,
)
from feedback_app.db import make_engine
from feedback_app.migrate import alembic_config

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
MANIFEST_FORMAT = 1


@dataclass
class Manifest:
    created_at: str
    app_version: str
    alembic_revision: str | None
    database: str
    file: str
    file_sha256: str
    file_bytes: int
    tables: dict[str, TableDigest]
    #: PostgreSQL: the schema the tables were counted in and the server's version
    schema: str | None = None
    server_version: str | None = None
    format: int = MANIFEST_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        data = json.loads(raw)
        if data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        data["tables"] = {name: TableDigest(**t) for name, t in data["tables"].items()}
        return cls(**data)


@dataclass
class Verification:
    """What checking a backup file against its manifest found."""

    manifest: Manifest
    file_sha256: str
    #: recomputed from the file; None when only the archive's table list was read
    tables: dict[str, TableDigest] | None = None
    differences: list[Difference] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def file_matches(self) -> bool:
        return self.file_sha256 == self.manifest.file_sha256

    @property
    def ok(self) -> bool:
        return self.file_matches and not self.differences and not self.problems


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


def database_kind(url: str | URL) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise BackupError(_("Jenis basis data %(kind)s tidak didukung.", kind=backend))
    return backend


def default_name(kind: str, now: dt.datetime) -> str:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"feedback-{stamp}.db.gz" if kind == SQLITE else f"feedback-{stamp}.dump"


def app_version() -> str:
    try:
        return version("feedback_app")
    except PackageNotFoundError:
        return "unknown"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- create


def create_backup(url: str, output: Path) -> Manifest:
    """Back up the database at ``url`` to ``output`` and write the manifest beside it."""
    kind = database_kind(url)
    if output.exists():
        raise BackupError(_("Berkas %(path)s sudah ada; pilih nama lain.", path=output))
    if kind == POSTGRESQL and output.name.endswith(".gz"):
        raise BackupError(
            _("Format custom pg_dump sudah terkompresi; jangan beri akhiran .gz pada nama berkas.")
        )
    if not output.parent.exists():
        output.parent.mkdir(parents=True, mode=0o700)
    partial = output.with_name(output.name + ".part")
    try:
        if kind == SQLITE:
            manifest = _create_sqlite(_sqlite_path(url), output, partial)
        else:
            manifest = _create_postgresql(make_url(url), output, partial)
        _private(partial)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    manifest.file_sha256 = file_sha256(output)
    manifest.file_bytes = output.stat().st_size
    written = manifest_path(output)
    written.write_text(manifest.to_json())
    _private(written)
    return manifest


def _create_sqlite(database: Path, output: Path, partial: Path) -> Manifest:
    if not database.is_file():
        raise BackupError(_("Basis data %(path)s tidak ada.", path=database))
    compressed = output.name.endswith(".gz")
    plain = partial.with_name(partial.name + ".db") if compressed else partial
    try:
        sqlite.copy_database(database, plain)
        engine = sqlite.read_only_engine(plain)
        with engine.connect() as connection:
            revision = alembic_revision(connection)
            tables = table_digests(connection)
        engine.dispose()
        if compressed:
            sqlite.compress(plain, partial)
    finally:
        if compressed:
            plain.unlink(missing_ok=True)
    return _manifest(SQLITE, output, revision, tables)


def _create_postgresql(url: URL, output: Path, partial: Path) -> Manifest:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as base:
            connection = base.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                tools = postgres.find_tools(postgres.server_major(connection))
                schema = connection.execute(text("SELECT current_schema()")).scalar_one()
                server = connection.execute(text("SHOW server_version")).scalar_one()
                # pg_dump shares this transaction's snapshot: the counts describe the file
                postgres.dump(tools, url, connection, partial)
                revision = alembic_revision(connection, schema)
                tables = table_digests(connection, schema)
    finally:
        engine.dispose()
    manifest = _manifest(POSTGRESQL, output, revision, tables)
    manifest.schema = schema
    manifest.server_version = server
    return manifest


def _manifest(
    kind: str, output: Path, revision: str | None, tables: dict[str, TableDigest]
) -> Manifest:
    return Manifest(
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        app_version=app_version(),
        alembic_revision=revision,
        database=kind,
        file=output.name,
        file_sha256="",
        file_bytes=0,
        tables=tables,
    )


# --------------------------------------------------------------------------- verify


def read_manifest(backup: Path) -> Manifest:
    if not backup.is_file():
        raise BackupError(_("Berkas cadangan %(path)s tidak ada.", path=backup))
    path = manifest_path(backup)
    try:
        return Manifest.from_json(path.read_text())
    except FileNotFoundError:
        raise BackupError(
            _("Manifest %(path)s tidak ada; cadangan tidak dapat diperiksa.", path=path)
        ) from None
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(
            _("Manifest %(path)s tidak dapat dibaca: %(error)s", path=path, error=error)
        ) from None


def verify_backup(
    backup: Path, *, full: bool = True, server_url: str | None = None
) -> Verification:
    """Check ``backup`` against its manifest.

    SQLite: the copy's integrity, row counts and checksums. PostgreSQL: the
    archive's table list, and with ``full`` the counts and checksums after a
    restore into a temporary database on the server at ``server_url``.
    """
    manifest = read_manifest(backup)
    check = Verification(manifest=manifest, file_sha256=file_sha256(backup))
    if manifest.database == SQLITE:
        try:
            with sqlite.opened_copy(backup) as copy:
                engine = sqlite.read_only_engine(copy)
                with engine.connect() as connection:
                    check.tables = table_digests(connection)
                engine.dispose()
        except sqlite.CorruptCopy as error:
            check.problems.append(_("Berkas rusak: %(error)s", error=error))
            return check
    else:
        _verify_archive(backup, check)
        if full and not check.problems:
            if server_url is None or database_kind(server_url) != POSTGRESQL:
                raise BackupError(_("Pemeriksaan penuh perlu server PostgreSQL."))
            with _scratch_database(make_url(server_url)) as scratch:
                restore_postgresql(scratch, backup, manifest)
                check.tables = _digests_at(scratch, manifest.schema)
    if check.tables is not None:
        check.differences = differences(manifest.tables, check.tables)
    return check


def _verify_archive(backup: Path, check: Verification) -> None:
    major = int((check.manifest.server_version or "0").split(".")[0] or 0)
    tools = postgres.find_tools(major)
    try:
        archived = postgres.archived_tables(tools, backup)
    except postgres.ToolError as error:
        check.problems.append(_("Berkas rusak: %(error)s", error=error))
        return
    schema = check.manifest.schema or "public"
    names = {name for table_schema, name in archived if table_schema == schema}
    for name in sorted(check.manifest.tables.keys() - names):
        check.problems.append(_("Tabel %(table)s tidak ada di berkas.", table=name))
    for name in sorted(names - check.manifest.tables.keys()):
        check.problems.append(_("Tabel %(table)s tidak tercatat di manifest.", table=name))


@contextmanager
def _scratch_database(server: URL) -> Iterator[URL]:
    """An empty database beside ``server``'s, dropped afterwards."""
    name = f"{server.database}_verify_{secrets.token_hex(4)}"
    admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    quoted = postgres.quote_identifier(name)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quoted}"))
        try:
            yield server.set(database=name)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()


# --------------------------------------------------------------------------- restore


def check_revision(manifest: Manifest) -> str | None:
    """Refuse a backup whose schema is newer than this code; a note when it is older."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    revision = manifest.alembic_revision
    if revision is None or revision == head:
        return None
    try:
        known = script.get_revision(revision)
    except (CommandError, RevisionError):
        known = None
    if known is None:
        raise BackupError(
            _(
                "Cadangan memakai skema %(revision)s yang lebih baru dari (atau tidak dikenal "
                "oleh) aplikasi ini (skema %(head)s). Perbarui aplikasi dulu, lalu pulihkan.",
                revision=revision,
                head=head,
            )
        )
    return _(
        "Skema cadangan (%(revision)s) lebih lama dari aplikasi (%(head)s): "
        "jalankan `flask migrate` setelah pemulihan.",
        revision=revision,
        head=head,
    )


def check_target(manifest: Manifest, url: str) -> None:
    if manifest.database != database_kind(url):
        raise BackupError(
            _(
                "Cadangan %(backup)s tidak dapat dipulihkan ke basis data %(target)s.",
                backup=manifest.database,
                target=database_kind(url),
            )
        )


def restore_backup(url: str, backup: Path, manifest: Manifest) -> list[Difference]:
    """Replace the database at ``url`` with the backup; the tables that then differ."""
    check_target(manifest, url)
    if manifest.database == SQLITE:
        database = _sqlite_path(url)
        with sqlite.opened_copy(backup) as copy:
            sqlite.restore_database(copy, database)
        actual = _digests_at(make_url(url), None)
    else:
        target = make_url(url)
        restore_postgresql(target, backup, manifest)
        actual = _digests_at(target, manifest.schema)
    return differences(manifest.tables, actual)


def restore_postgresql(target: URL, backup: Path, manifest: Manifest) -> None:
    engine = create_engine(target, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            major = postgres.server_major(connection)
            schema = manifest.schema or "public"
            present = inspect(connection).get_table_names(schema=schema)
    finally:
        engine.dispose()
    tools = postgres.find_tools(major)
    archived = postgres.archived_tables(tools, backup)
    # tables a newer schema added would otherwise survive the restore
    stray = [
        f"{postgres.quote_identifier(schema)}.{postgres.quote_identifier(name)}"
        for name in present
        if (schema, name) not in archived
    ]
    postgres.restore(tools, target, backup, stray)


def _digests_at(url: URL, schema: str | None) -> dict[str, TableDigest]:
    engine: Engine = (
        make_engine(url.render_as_string(hide_password=False), poolclass=NullPool)
        if url.get_backend_name() == SQLITE
        else create_engine(url, poolclass=NullPool)
    )
    try:
        with engine.connect() as connection:
            return table_digests(connection, schema)
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(_("Hanya basis data SQLite berupa berkas yang dapat dicadangkan."))
    return Path(database)


def _private(path: Path) -> None:
    """Backups hold contact details citizens left: readable by the owner only."""
    os.chmod(path, 0o600)
