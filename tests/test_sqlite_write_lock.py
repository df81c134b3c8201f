"""On SQLite, a citizen's submission holds the one write lock only while it writes.

These tests run the app on a database file of its own (not the suite's shared,
rolled-back connection), so the locks are the real ones: another connection
holds SQLite's write lock, as a busy worker process would.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feedback_app import db as db_module
from feedback_app.migrate import upgrade
from feedback_app.models import Agency, Response
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from tests.conftest import make_test_app
from tests.factories import Factory
from tests.test_public_form import answers, form_fields


@pytest.fixture(scope="module")
def migrated(database_url, tmp_path_factory) -> Path:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    path = tmp_path_factory.mktemp("lock") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture()
def own_app(tmp_path, monkeypatch, migrated) -> Iterator[tuple]:
    # a locked database answers after half a second here, not after 20
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 500)
    path = tmp_path / "own.db"
    shutil.copy(migrated, path)
    url = f"sqlite:///{path}"
    app = make_test_app(url, None)
    engine = app.extensions["db"].engine
    with Session(engine) as session, session.begin():
        factory = Factory(session)
        unit = factory.unit(name="Dinas Kependudukan dan Pencatatan Sipil")
        point = factory.service_point(unit=unit, name="Loket 1")
        service = factory.service(unit=unit, name="Perekaman KTP-el")
        ensure_default_survey(session, unit.agency_id)
        token = ensure_counter_link(session, point).token
        service_id = service.id
    yield app, path, f"/s/{token}", service_id
    engine.dispose()


def stored(app) -> int:
    with Session(app.extensions["db"].engine) as session:
        return session.scalar(select(func.count()).select_from(Response))


@pytest.fixture()
def writer(own_app) -> Iterator[sqlite3.Connection]:
    """Another connection in the middle of a write (BEGIN IMMEDIATE held)."""
    connection = sqlite3.connect(
        own_app[1], timeout=5, isolation_level=None, check_same_thread=False
    )
    connection.execute("BEGIN IMMEDIATE")
    yield connection
    if connection.in_transaction:
        connection.execute("ROLLBACK")
    connection.close()


def test_an_incomplete_form_is_answered_while_another_request_writes(own_app, writer):
    app, _, url, service_id = own_app
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200  # reading never waits for the lock
    missing_one = {**form_fields(page.get_data(as_text=True)), **answers(service_id)}
    del missing_one["U3"]
    sent = client.post(url, data=missing_one)
    # checking the answers only reads: the citizen hears what is missing at once
    assert sent.status_code == 422
    assert "wajib" in sent.get_data(as_text=True).lower()
    writer.execute("ROLLBACK")
    assert stored(app) == 0


def test_a_submission_waits_for_the_lock_and_is_stored_once(own_app, writer):
    app, _, url, service_id = own_app
    client = app.test_client()
    fields = {**form_fields(client.get(url).get_data(as_text=True)), **answers(service_id)}
    released = threading.Timer(0.2, lambda: writer.execute("COMMIT"))
    released.start()
    sent = client.post(url, data=fields)
    released.join()
    assert sent.status_code == 303
    assert client.post(url, data=fields).status_code == 303  # the same form again
    assert stored(app) == 1


def test_a_lock_held_too_long_stores_nothing_half_way(own_app, writer):
    app, _, url, service_id = own_app
    client = app.test_client()
    fields = {**form_fields(client.get(url).get_data(as_text=True)), **answers(service_id)}
    # the busy timeout ran out: "try again", and nothing of the submission was written
    assert client.post(url, data=fields).status_code == 503
    writer.execute("ROLLBACK")
    assert stored(app) == 0
    # the same form, sent again once the database is free, is stored
    assert client.post(url, data=fields).status_code == 303
    assert stored(app) == 1


def test_a_transaction_that_read_writes_after_another_connection_committed(own_app):
    """A GET that records something after reading (an export's audit row) must not fail.

    In WAL mode a transaction that has read cannot become the writer after another
    connection committed; the app restarts it as the writer before its first write.
    """
    app, path, _, _ = own_app
    engine = app.extensions["db"].engine
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(Agency)).scalar_one()
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("UPDATE agencies SET name = name || ' (baru)'")
        other.close()
        connection.execute(update(Agency).values(code=Agency.code + "-X"))
        connection.commit()
        names = connection.execute(select(Agency.name, Agency.code)).all()
    assert before == len(names) == 1
    assert names[0].name.endswith(" (baru)") and names[0].code.endswith("-X")  # both kept
