"""SQLite backups through SQLite's online backup API.

The copy is taken in one step inside a read transaction, so it is a consistent
snapshot even while the app writes (in WAL mode readers and writers do not
block each other). The copy is switched out of WAL mode so it is one file, and
gzip-compressed when its name ends in ``.gz``.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from feedback_app.backup import BackupError

#: how long a backup or restore waits for SQLite's lock, in seconds (as the app does)
LOCK_TIMEOUT = 20.0


class CorruptCopy(BackupError):
    """The backup file is not a readable SQLite database."""


def copy_database(database: Path, target: Path) -> None:
    """Write a consistent copy of the live ``database`` to ``target`` (one file, not WAL)."""
    with (
        closing(sqlite3.connect(database, timeout=LOCK_TIMEOUT)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")


def compress(source: Path, target: Path) -> None:
    with open(source, "rb") as raw, gzip.open(target, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, 1024 * 1024)


@contextmanager
def opened_copy(backup: Path) -> Iterator[Path]:
    """The backup as a plain database file in a private temporary folder, removed afterwards."""
    with TemporaryDirectory(prefix="feedback-backup-") as folder:
        plain = Path(folder) / "copy.db"
        if backup.name.endswith(".gz"):
            try:
                with gzip.open(backup, "rb") as packed, open(plain, "wb") as raw:
                    shutil.copyfileobj(packed, raw, 1024 * 1024)
            except (OSError, EOFError) as error:
                raise CorruptCopy(str(error)) from None
        else:
            shutil.copyfile(backup, plain)
        check_integrity(plain)
        yield plain


def check_integrity(database: Path) -> None:
    try:
        with closing(_read_only(database)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise CorruptCopy(str(error)) from None
    if result != [("ok",)]:
        raise CorruptCopy("; ".join(row[0] for row in result[:5]))


def read_only_engine(database: Path) -> Engine:
    """An engine that reads ``database`` without changing it (no WAL switch, no journal)."""
    return create_engine("sqlite://", creator=lambda: _read_only(database), poolclass=NullPool)


def restore_database(copy: Path, database: Path) -> None:
    """Overwrite the live ``database`` with ``copy``, page by page, under SQLite's lock.

    Going through the backup API (rather than replacing the file) keeps the
    app's open connections valid: they see the restored data on their next
    transaction, and the live file stays in WAL mode.
    """
    with (
        closing(_read_only(copy)) as source,
        closing(sqlite3.connect(database, timeout=LOCK_TIMEOUT)) as live,
    ):
        source.backup(live)
        live.execute("PRAGMA journal_mode=WAL")


def _read_only(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)
