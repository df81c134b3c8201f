"""``flask backup``: round trips on real SQLite files and real PostgreSQL databases, and
the worker's hourly purge of contact details past their retention."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from feedback_app.backup import BackupError
from feedback_app.backup.digests import table_digests
from feedback_app.backup.postgres import VERSIONED_BIN, find_tools
from feedback_app.db import Base, utcnow
from feedback_app.demo_responses import load_demo_responses
from feedback_app.migrate import alembic_config, upgrade
from feedback_app.models import Agency, Response, ResponseContact, TimeZone, Unit
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from tests.conftest import make_test_app

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
ELEMENTS = [f"U{i}" for i in range(1, 10)]


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=["backup", *args], input=input)


def succeeds(app: Flask, *args: str, input: str | None = None) -> Result:
    result = run(app, *args, input=input)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def fails(app: Flask, *args: str, input: str | None = None) -> Result:
    result = run(app, *args, input=input)
    assert result.exit_code == 1, result.output + repr(result.exception)
    return result


def add_contacts(app: Flask, count: int = 5) -> None:
    """Contact details on a few complaints, as the public form stores them."""
    with app.app_context():
        session = app.extensions["db"].session_factory()
        responses = session.scalars(select(Response).order_by(Response.id).limit(count))
        for n, response in enumerate(responses):
            session.add(
                ResponseContact(
                    response_id=response.id,
                    name=f"Warga {n}",
                    phone=f"0812 0000 {n:04d}",
                    delete_after=utcnow() + dt.timedelta(days=90 - n),
                )
            )
        session.commit()
        session.close()


def change_data(session: Session) -> None:
    """What happens after a backup: contacts purged, answers deleted, a unit renamed."""
    session.execute(delete(ResponseContact))
    last = select(Response.id).order_by(Response.id.desc()).offset(199).limit(1).scalar_subquery()
    session.execute(delete(Response).where(Response.id >= last))
    session.scalars(select(Unit).order_by(Unit.id).limit(1)).one().name = "Dinas Berganti Nama"


def sqlite_contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read with plain sqlite3 (not the code under test)."""
    with sqlite3.connect(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        contents = {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()  # noqa: S608
            for name in names
        }
    connection.close()
    return contents


def manifest_of(backup: Path) -> dict[str, Any]:
    return json.loads(backup.with_name(backup.name + ".manifest.json").read_text())


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo city, a year of responses and some contacts."""
    path = tmp_path_factory.mktemp("backup") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    app = make_test_app(url, tmp_path_factory)
    result = app.test_cli_runner().invoke(args=["demo-data", "--no-responses"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = app.extensions["db"].session_factory()
        agency = session.scalars(select(Agency)).one()
        # a lighter year than `flask demo-data` adds, with the dashboards counted
        assert load_demo_responses(session, agency, now=utcnow(), per_day=0.3) > 500
        session.commit()
        session.close()
    add_contacts(app)
    app.extensions["db"].engine.dispose()  # the last connection folds the WAL into the file
    return path


@pytest.fixture()
def live(demo_file: Path, tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """An app serving its own copy of the demo database."""
    path = tmp_path / "live.db"
    shutil.copyfile(demo_file, path)
    app = make_test_app(f"sqlite:///{path}", None, BACKUP_DIR=str(tmp_path / "backups"))
    yield app, path
    app.extensions["db"].engine.dispose()


def test_sqlite_round_trip_while_the_app_reads_and_writes(live, tmp_path):
    app, path = live
    # a request still reading holds its snapshot during the backup ...
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    agencies_seen = reader.execute("SELECT count(*) FROM agencies").fetchone()[0]
    # ... while another one commits: the backup takes the newest committed state
    with app.app_context():
        session = app.extensions["db"].session_factory()
        session.add(Agency(code="baru", name="Pemerintah Kabupaten Baru", timezone=TimeZone.WIT))
        session.commit()
        session.close()
    original = sqlite_contents(path)

    backup = tmp_path / "cadangan.db.gz"
    result = succeeds(app, "create", "--output", str(backup))
    assert "Cadangan dibuat" in result.output
    assert reader.execute("SELECT count(*) FROM agencies").fetchone()[0] == agencies_seen
    reader.execute("ROLLBACK")
    reader.close()

    manifest = manifest_of(backup)
    assert manifest["database"] == "sqlite"
    assert manifest["alembic_revision"] == HEAD
    assert manifest["app_version"]
    assert dt.datetime.fromisoformat(manifest["created_at"]) <= dt.datetime.now(dt.UTC)
    assert {name: t["rows"] for name, t in manifest["tables"].items()} == {
        name: len(rows) for name, rows in original.items()
    }
    assert manifest["tables"]["responses"]["rows"] > 500
    assert manifest["tables"]["response_contacts"]["rows"] == 5
    assert manifest["tables"]["agencies"]["rows"] == agencies_seen + 1
    with gzip.open(backup) as packed:
        assert packed.read(16) == b"SQLite format 3\x00"
    assert backup.stat().st_mode & 0o077 == 0  # contact details: owner only

    # the app goes on: answers, contacts and an agency are removed, a unit renamed
    with app.app_context():
        session = app.extensions["db"].session_factory()
        change_data(session)
        session.execute(delete(Agency).where(Agency.code == "baru"))
        session.commit()
        session.close()
    assert sqlite_contents(path) != original

    result = succeeds(app, "restore", str(backup), "--yes")
    assert "Pemulihan selesai" in result.output and "cocok dengan manifest" in result.output
    assert sqlite_contents(path) == original
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()
    # the running app's pooled connections see the restored data
    with app.app_context():
        session = app.extensions["db"].session_factory()
        assert session.scalar(select(func.count()).select_from(Response)) == len(
            original["responses"]
        )
        assert session.scalar(select(func.count()).select_from(ResponseContact)) == 5
        session.close()
    # the checksums recomputed from the restored database match the manifest
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with engine.connect() as connection:
        restored = table_digests(connection)
    engine.dispose()
    assert {name: d.sha256 for name, d in restored.items()} == {
        name: t["sha256"] for name, t in manifest["tables"].items()
    }


def test_default_location_and_verify(live):
    app, _path = live
    result = succeeds(app, "create")
    backup = Path(re.search(r"Cadangan dibuat: (\S+) ", result.output).group(1))
    assert backup.parent == Path(app.config["BACKUP_DIR"])
    assert backup.name.endswith(".db.gz")
    result = succeeds(app, "verify", str(backup))
    assert "Cadangan utuh" in result.output


def test_verify_detects_a_changed_row(live, tmp_path):
    app, path = live
    backup = tmp_path / "cadangan.db"
    succeeds(app, "create", "-o", str(backup))
    assert "Cadangan utuh" in succeeds(app, "verify", str(backup)).output

    # still a valid database, one answer changed
    with sqlite3.connect(backup) as copy:
        copy.execute("""UPDATE responses SET answers = '{"U1": 1}' WHERE id = 1""")
    copy.close()
    result = fails(app, "verify", str(backup))
    assert "sha256 berkas TIDAK cocok" in result.output
    assert "Tabel responses berbeda" in result.output
    assert "Tabel units" not in result.output
    assert "TIDAK cocok dengan manifest" in result.output

    # such a file is never restored
    before = sqlite_contents(path)
    result = fails(app, "restore", str(backup), "--yes")
    assert "Pemulihan dibatalkan" in result.output
    assert sqlite_contents(path) == before


def test_verify_detects_a_damaged_compressed_file(live, tmp_path):
    app, _path = live
    backup = tmp_path / "cadangan.db.gz"
    succeeds(app, "create", "-o", str(backup))
    data = bytearray(backup.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    backup.write_bytes(bytes(data))
    result = fails(app, "verify", str(backup))
    assert "Berkas rusak" in result.output
    assert "sha256 berkas TIDAK cocok" in result.output


def test_restore_refuses_a_backup_from_a_newer_schema(live, tmp_path):
    app, path = live
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    connection.close()
    backup = tmp_path / "dari-masa-depan.db.gz"
    succeeds(app, "create", "-o", str(backup))
    assert manifest_of(backup)["alembic_revision"] == "ffffffffffff"
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (HEAD,))
        connection.execute("DELETE FROM response_contacts")
    connection.close()
    before = sqlite_contents(path)

    result = fails(app, "restore", str(backup), "--yes")
    assert "ffffffffffff" in result.output and "lebih baru" in result.output
    assert sqlite_contents(path) == before


def test_restore_asks_first(live, tmp_path):
    app, path = live
    backup = tmp_path / "cadangan.db.gz"
    succeeds(app, "create", "-o", str(backup))
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM response_contacts")
    connection.close()
    before = sqlite_contents(path)

    result = fails(app, "restore", str(backup), input="n\n")
    assert "akan diganti" in result.output and "Dibatalkan" in result.output
    assert sqlite_contents(path) == before

    result = succeeds(app, "restore", str(backup), input="y\n")
    assert len(sqlite_contents(path)["response_contacts"]) == 5


def test_refuses_to_overwrite_and_needs_the_manifest(live, tmp_path):
    app, _path = live
    backup = tmp_path / "cadangan.db.gz"
    succeeds(app, "create", "-o", str(backup))
    assert "sudah ada" in fails(app, "create", "-o", str(backup)).output
    backup.with_name(backup.name + ".manifest.json").unlink()
    assert "Manifest" in fails(app, "restore", str(backup), "--yes").output

    missing = make_test_app(f"sqlite:///{tmp_path / 'belum-ada.db'}", None)
    result = fails(missing, "create", "-o", str(tmp_path / "kosong.db.gz"))
    assert "tidak ada" in result.output
    assert not (tmp_path / "belum-ada.db").exists() and not (tmp_path / "kosong.db.gz").exists()


# --------------------------------------------------------------------------- PostgreSQL


def test_a_missing_client_program_is_named_with_its_package():
    with pytest.raises(BackupError, match="pg_dump untuk PostgreSQL 99 .*postgresql-client-99"):
        find_tools(99)


def _pg_dump_present() -> bool:
    return shutil.which("pg_dump") is not None or any(VERSIONED_BIN.glob("*/bin/pg_dump"))


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else "postgresql+psycopg://root@127.0.0.1:5432/test"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture()
def pg_pair() -> Iterator[tuple[str, str]]:
    """Two empty databases of this test's own (never the shared ``test``), dropped afterwards."""
    if not _pg_dump_present():
        pytest.skip("pg_dump is not installed")
    server = make_url(_server_url())
    suffix = secrets.token_hex(4)
    names = [f"backup_src_{suffix}", f"backup_dst_{suffix}"]
    admin = _libpq(server.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(  # type: ignore[misc]
            server.set(database=name).render_as_string(hide_password=False) for name in names
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            left = connection.execute(
                "SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"%{suffix}%",)
            ).fetchone()
        assert left == (0,), "a database of this test (or its verify copy) was left behind"


def copy_rows(source_url: str, target_url: str) -> None:
    """The SQLite demo data into a migrated PostgreSQL database, through the models' types."""
    source = create_engine(source_url, poolclass=NullPool)
    target = create_engine(target_url, poolclass=NullPool)
    with source.connect() as reading, target.begin() as writing:
        # surveys and survey_versions point at each other: no FK checks while copying
        writing.execute(text("SET LOCAL session_replication_role = replica"))
        for table in Base.metadata.sorted_tables:
            rows = [dict(row) for row in reading.execute(select(table)).mappings()]
            if rows:
                writing.execute(table.insert(), rows)
    source.dispose()
    target.dispose()


def pg_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(_libpq(url)) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        return {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()  # noqa: S608
            for name in names
        }


def test_postgresql_round_trip(pg_pair, demo_file, tmp_path):
    source_url, other_url = pg_pair
    upgrade(source_url)
    copy_rows(f"sqlite:///{demo_file}", source_url)
    app = make_test_app(source_url, None)
    original = pg_contents(source_url)

    # the checksums do not depend on the database: the same rows give the same manifest
    sqlite_engine = create_engine(f"sqlite:///{demo_file}", poolclass=NullPool)
    with sqlite_engine.connect() as connection:
        from_sqlite = table_digests(connection)
    sqlite_engine.dispose()

    backup = tmp_path / "cadangan.dump"
    with psycopg.connect(_libpq(source_url)) as reader:  # a reader holds a transaction open
        reader.execute("SELECT count(*) FROM responses").fetchone()
        result = succeeds(app, "create", "--output", str(backup))
    assert "Cadangan dibuat" in result.output
    manifest = manifest_of(backup)
    assert manifest["database"] == "postgresql" and manifest["alembic_revision"] == HEAD
    assert {name: (t["rows"], t["sha256"]) for name, t in manifest["tables"].items()} == {
        name: (d.rows, d.sha256) for name, d in from_sqlite.items()
    }
    assert manifest["tables"]["response_contacts"]["rows"] == 5
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    result = succeeds(app, "verify", str(backup))
    assert "--full" in result.output
    result = succeeds(app, "verify", "--full", str(backup))  # restored into a scratch database
    assert "Cadangan utuh" in result.output

    # the app goes on after the backup: rows deleted and changed
    with app.app_context():
        session: Session = app.extensions["db"].session_factory()
        change_data(session)
        session.commit()
        session.close()
    assert pg_contents(source_url) != original

    result = succeeds(app, "restore", str(backup), "--yes")
    assert "Pemulihan selesai" in result.output
    assert pg_contents(source_url) == original
    app.extensions["db"].engine.dispose()

    # into another database holding other rows, and a table only a newer schema has
    with psycopg.connect(_libpq(other_url)) as connection:
        connection.execute("CREATE TABLE agencies (id integer PRIMARY KEY, name text)")
        connection.execute("INSERT INTO agencies VALUES (1, 'Instansi Lain'), (99, 'Lagi')")
        connection.execute("CREATE TABLE stray_from_newer_schema (id integer PRIMARY KEY)")
    other = make_test_app(other_url, None)
    result = succeeds(other, "restore", str(backup), "--yes")
    assert pg_contents(other_url) == original
    other.extensions["db"].engine.dispose()

    # a damaged archive is caught and never restored
    data = bytearray(backup.read_bytes())
    data[len(data) // 2 :] = b"\x00" * (len(data) - len(data) // 2)
    backup.write_bytes(bytes(data))
    assert "sha256 berkas TIDAK cocok" in fails(app, "verify", str(backup)).output
    assert "Pemulihan dibatalkan" in fails(app, "restore", str(backup), "--yes").output
    assert pg_contents(source_url) == original


# --------------------------------------------------------------------------- contact purge


@pytest.fixture()
def counter(session, factory):
    unit = factory.unit(name="Dinas Kependudukan dan Pencatatan Sipil")
    point = factory.service_point(unit=unit, name="Loket 1")
    service = factory.service(unit=unit, name="Perekaman KTP-el")
    ensure_default_survey(session, unit.agency_id)
    return {"link": ensure_counter_link(session, point), "service": service}


def complain(client, counter, email: str, score: str) -> None:
    """A citizen answers badly and asks to be contacted."""
    url = f"/s/{counter['link'].token}"
    page = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page))
    data = {
        **fields,
        "layanan": str(counter["service"].id),
        **dict.fromkeys(ELEMENTS, score),
        "contact_wanted": "1",
        "contact_email": email,
    }
    assert client.post(url, data=data).status_code == 303


def test_worker_purges_contacts_past_their_retention(app, client, session, counter):
    complain(client, counter, "lama@contoh.co.id", score="1")
    complain(client, counter, "baru@contoh.co.id", score="2")
    old = session.scalars(
        select(ResponseContact).where(ResponseContact.email == "lama@contoh.co.id")
    ).one()
    old.delete_after = utcnow() - dt.timedelta(minutes=1)
    session.flush()

    app.extensions["huey_tasks"]["purge_contacts"].call_local()

    session.expire_all()
    assert session.scalars(select(ResponseContact.email)).all() == ["baru@contoh.co.id"]
    assert session.scalar(select(func.count()).select_from(Response)) == 2  # ratings stay


def test_contact_purge_runs_every_hour(app):
    huey = app.extensions["huey"]
    minute = int(app.config["CONTACT_PURGE_MINUTES"])

    def due(hour: int, minute: int) -> set[str]:
        # Huey keeps its schedule in naive UTC
        return {t.name for t in huey.read_periodic(dt.datetime(2026, 1, 1, hour, minute))}  # noqa: DTZ001

    assert all("purge_contacts" in due(hour, minute) for hour in range(24))
    assert "purge_contacts" not in due(3, (minute + 1) % 60)
