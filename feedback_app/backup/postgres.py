"""PostgreSQL backups with ``pg_dump --format=custom``, restored through ``pg_restore``.

The client programs must be at least as new as the server; the newest one is
not always on PATH, so Debian's ``/usr/lib/postgresql/<major>/bin`` is searched
too. Connection details go to them through libpq's environment variables
(``PGHOST``, ``PGPASSWORD``...), never on the command line and never through a
shell.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection

from feedback_app.backup import BackupError

#: where Debian and Ubuntu install each major version's client programs
VERSIONED_BIN = Path("/usr/lib/postgresql")

#: libpq connection parameters a SQLAlchemy URL may carry in its query string
_LIBPQ_QUERY = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


class ToolError(BackupError):
    """A PostgreSQL client program is missing or failed; the message says which and why."""


@dataclass(frozen=True)
class Tools:
    pg_dump: Path
    pg_restore: Path
    psql: Path


def server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def find_tools(major: int) -> Tools:
    """Client programs of the server's major version (or the nearest newer one)."""
    pg_dump = _find("pg_dump", major)
    # pg_restore and psql from the same folder, so they read what that pg_dump wrote
    folder = pg_dump.parent
    return Tools(
        pg_dump=pg_dump,
        pg_restore=_sibling(folder, "pg_restore", major),
        psql=_sibling(folder, "psql", major),
    )


def _sibling(folder: Path, name: str, major: int) -> Path:
    path = folder / name
    return path if os.access(path, os.X_OK) else _find(name, major)


def _find(name: str, major: int) -> Path:
    candidates = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    candidates.extend(sorted(VERSIONED_BIN.glob(f"*/bin/{name}")))
    found = []
    for path in candidates:
        version = _major_version(path)
        if version is not None and version >= major:
            found.append((version, str(path)))
    if not found:
        raise ToolError(
            _(
                "%(name)s untuk PostgreSQL %(major)d (atau lebih baru) tidak ditemukan di PATH "
                "maupun di %(folder)s/*/bin. Pasang paket postgresql-client-%(major)d.",
                name=name,
                major=major,
                folder=VERSIONED_BIN,
            )
        )
    # the version closest to the server's
    return Path(min(found)[1])


def _major_version(path: Path) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603 - a found client program, no shell
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(output)
    return int(match.group(1)) if match else None


def libpq_env(url: URL) -> dict[str, str]:
    """The process environment plus the URL's connection details as libpq variables."""
    env = dict(os.environ)
    for key, value in url.query.items():
        if key in _LIBPQ_QUERY:
            env[_LIBPQ_QUERY[key]] = value if isinstance(value, str) else value[-1]
    if url.host:
        env["PGHOST"] = url.host
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.username:
        env["PGUSER"] = url.username
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    if url.database:
        env["PGDATABASE"] = url.database
    return env


def dump(tools: Tools, url: URL, connection: Connection, output: Path) -> None:
    """Dump the database as ``connection``'s transaction sees it.

    The connection must be in a REPEATABLE READ transaction: pg_dump takes over
    its snapshot, so the file and whatever else that transaction reads (the
    manifest's checksums) describe exactly the same data.
    """
    snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    _run(
        [
            str(tools.pg_dump),
            "--format=custom",
            "--no-password",
            f"--snapshot={snapshot}",
            f"--file={output}",
        ],
        libpq_env(url),
    )


def archived_tables(tools: Tools, archive: Path) -> set[tuple[str, str]]:
    """(schema, table) of every table in the archive; fails if its contents cannot be read."""
    listing = _run([str(tools.pg_restore), "--list", str(archive)], dict(os.environ))
    return {
        (match.group(1), match.group(2))
        for match in map(_TABLE_ENTRY.match, listing.splitlines())
        if match
    }


def restore(tools: Tools, url: URL, archive: Path, drop_first: list[str]) -> None:
    """Replace the database's contents with the archive's, in one transaction.

    ``pg_restore --clean --if-exists --no-owner`` writes the SQL; psql runs it
    between BEGIN and COMMIT, after dropping ``drop_first`` (tables a newer
    schema added, which the archive does not know). COMMIT is sent only when
    pg_restore read the whole archive, so a damaged file changes nothing.
    """
    env = libpq_env(url)
    producer_command = [
        str(tools.pg_restore), "--clean", "--if-exists", "--no-owner", "--file=-", str(archive),
    ]  # fmt: skip
    consumer_command = [
        str(tools.psql), "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
    ]  # fmt: skip
    prelude = "BEGIN;\n" + "".join(f"DROP TABLE IF EXISTS {t} CASCADE;\n" for t in drop_first)
    with tempfile.TemporaryFile() as produced_errors, tempfile.TemporaryFile() as run_errors:
        producer = subprocess.Popen(  # noqa: S603 - fixed program, no shell
            producer_command, stdout=subprocess.PIPE, stderr=produced_errors, env=env
        )
        consumer = subprocess.Popen(  # noqa: S603 - fixed program, no shell
            consumer_command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=run_errors,
            env=env,
        )
        assert producer.stdout is not None and consumer.stdin is not None
        try:
            consumer.stdin.write(prelude.encode())
            while chunk := producer.stdout.read(1024 * 1024):
                consumer.stdin.write(chunk)
            if producer.wait() == 0:
                consumer.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error; its message says which
        finally:
            with suppress(BrokenPipeError):
                consumer.stdin.close()
            producer.stdout.close()
            if producer.poll() is None:
                producer.kill()
            producer.wait()
            consumer.wait()
        if consumer.returncode != 0:
            raise ToolError(f"psql: {_read(run_errors)}")
        if producer.returncode != 0:
            raise ToolError(f"pg_restore: {_read(produced_errors)}")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, no shell
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise ToolError(f"{Path(command[0]).name}: {error}") from None
    if done.returncode != 0:
        raise ToolError(f"{Path(command[0]).name}: {done.stderr.strip()}")
    return done.stdout


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode(errors="replace").strip()
