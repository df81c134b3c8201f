"""The database goes away: the public form answers 503 "coba lagi", keeps the answers,
writes nothing half-way, and the app recovers on the next request without a restart.

The outage is real, on a database of these tests' own (the shared server keeps
running for everybody else):

- SQLite: the app's connections are closed (as when a server restarts) and
  another connection holds an exclusive lock on the file past a short busy
  timeout, so the app can neither read nor write it;
- PostgreSQL (when ``TEST_DATABASE_URL`` names one): a dedicated database
  refuses new connections (``ALLOW_CONNECTIONS false``) and the app's
  connections are terminated; and a connection terminated between the view
  and the commit hook makes the commit itself fail.

The apps run with ``TESTING`` off, so a failing commit reaches the error pages
as it does in production instead of propagating into the test.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, make_url, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import feedback_app.db as database
from feedback_app import create_app
from feedback_app.db import db, make_engine
from feedback_app.migrate import upgrade
from feedback_app.models import AnswerCount, Response, ResponseCount
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.results.aggregates import rebuild
from tests.factories import Factory

ELEMENTS = [f"U{i}" for i in range(1, 10)]
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
COMMENT = "Antrean panjang, tetapi petugas ramah"


@dataclass
class Site:
    app: Flask
    engine: Engine
    url: str
    service_id: int
    #: the app's connections are cut between the view and the commit hook while set
    cut_before_commit: list[bool]


def _site(url: str) -> Site:
    upgrade(url)
    app = create_app(
        {
            "TESTING": False,
            "DATABASE_URL": url,
            "SECRET_KEY": "outage-test-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_CACHE_SECONDS": 0,
            "DATABASE_RETRY_AFTER": 7,
        }
    )
    engine = app.extensions["db"].engine
    with Session(engine) as session:
        factory = Factory(session)
        unit = factory.unit(name="Dinas Kependudukan dan Pencatatan Sipil")
        point = factory.service_point(unit=unit, name="Loket 1")
        service = factory.service(unit=unit, name="Perekaman KTP-el")
        ensure_default_survey(session, unit.agency_id)
        token = ensure_counter_link(session, point).token
        service_id = service.id
        session.commit()
    app.config["TEST_FORM_URL"] = f"/s/{token}"
    cut: list[bool] = []

    @app.after_request
    def cut_connection(response):  # type: ignore[no-untyped-def]
        # registered after the commit hook, so it runs before it
        if cut:
            cut.clear()  # once: the error page's own pass through the hooks is left alone
            pid = db.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with app.config["TEST_ADMIN"].connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return response

    return Site(app, engine, url, service_id, cut)


def _form_url(site: Site) -> str:
    return site.app.config["TEST_FORM_URL"]


def _fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page))


def _answers(site: Site) -> dict[str, str]:
    return {"layanan": str(site.service_id), **dict.fromkeys(ELEMENTS, "3"), "saran": COMMENT}


def _open_form(client: FlaskClient, site: Site) -> dict[str, str]:
    page = client.get(_form_url(site))
    assert page.status_code == 200
    return {**_fields(page.get_data(as_text=True)), **_answers(site)}


def _state(site: Site) -> tuple[int, int, int]:
    """Stored responses, responses counted on the dashboard, answers counted."""
    with Session(site.engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Response)) or 0,
            session.scalar(select(func.coalesce(func.sum(ResponseCount.count), 0))) or 0,
            session.scalar(select(func.coalesce(func.sum(AnswerCount.count), 0))) or 0,
        )


def _counts_equal_a_rebuild(site: Site) -> bool:
    """The dashboard counts kept with each response equal a recount of the raw rows."""

    def snapshot(session: Session) -> tuple[dict, dict]:
        responses = {
            (r.unit_id, r.service_point_id, r.local_date, r.local_hour, r.flagged): r.count
            for r in session.scalars(select(ResponseCount))
            if r.count
        }
        answers = {
            (a.unit_id, a.local_date, a.question_key, a.value, a.flagged): a.count
            for a in session.scalars(select(AnswerCount))
            if a.count
        }
        return responses, answers

    with Session(site.engine) as session:
        kept = snapshot(session)
        rebuild(session)
        session.flush()
        session.expire_all()
        recounted = snapshot(session)
        session.rollback()
    return kept == recounted


def _assert_friendly_503(response, *, kept: dict[str, str] | None = None) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert "coba lagi" in page.lower()
    assert "Traceback" not in page and "OperationalError" not in page
    if kept is not None:
        resend = {name: unescape(value) for name, value in HIDDEN.findall(page)}
        assert resend == kept, "the 503 page hands back exactly what the citizen sent"
        assert "Kirim lagi" in page
    return page


# --- SQLite: a file locked by another connection --------------------------------------


@pytest.fixture()
def sqlite_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    # a lock held longer than this makes the app give up (production waits 20 s)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    site = _site(f"sqlite:///{tmp_path / 'outage.db'}")
    yield site
    site.engine.dispose()


class _FileLock:
    """Another process's connection holding the database file exclusively."""

    def __init__(self, site: Site) -> None:
        self.path = make_url(site.url).database
        self.engine = site.engine

    def __enter__(self) -> _FileLock:
        self.engine.dispose()  # the app's pooled connections close, as on a server restart
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        self.connection.execute("BEGIN EXCLUSIVE")
        self.connection.execute("CREATE TABLE outage_probe (x INTEGER)")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def test_sqlite_locked_form_answers_503_and_keeps_the_answers(sqlite_site: Site):
    site = sqlite_site
    client = site.app.test_client()
    sent = _open_form(client, site)

    with _FileLock(site):
        page = client.get(_form_url(site))
        _assert_friendly_503(page)
        assert "Coba lagi" in page.get_data(as_text=True)  # a link to the same form
        response = client.post(_form_url(site), data=sent)
        resend_page = _assert_friendly_503(response, kept=sent)
        assert COMMENT in resend_page

    assert _state(site) == (0, 0, 0)  # nothing half-written
    # the database is back: the next request works, and "Kirim lagi" stores once
    assert client.get(_form_url(site)).status_code == 200
    resend = {name: unescape(value) for name, value in HIDDEN.findall(resend_page)}
    assert client.post(_form_url(site), data=resend).status_code == 303
    assert client.post(_form_url(site), data=resend).status_code == 303  # pressed twice
    assert _state(site) == (1, 1, 10)  # nine elements and the service counted
    assert _counts_equal_a_rebuild(site)


def test_sqlite_locked_staff_page_answers_a_plain_503(sqlite_site: Site):
    client = sqlite_site.app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page)
    assert token is not None
    sign_in = {"csrf_token": token.group(1), "email": "kepala@uji.go.id", "password": "salah"}
    with _FileLock(sqlite_site):
        page = _assert_friendly_503(client.post("/login", data=sign_in))
    assert "Kirim lagi" not in page and "belum tersimpan" in page
    # back: the same sign-in reaches the database again (and is refused as wrong)
    assert client.post("/login", data=sign_in).status_code == 401


def test_a_bug_is_still_a_500(sqlite_site: Site):
    """A statement that is wrong (not a database outage) stays an error page of its own."""
    app = sqlite_site.app

    @app.get("/_broken")
    def broken():  # type: ignore[no-untyped-def]
        db.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    response = app.test_client().get("/_broken")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


# --- PostgreSQL: a dedicated database that refuses connections ------------------------

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture()
def postgres_site() -> Iterator[Site]:
    if not POSTGRES_URL.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL does not name a PostgreSQL database")
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_outage_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base.set(database="postgres").render_as_string(False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    site = _site(base.set(database=name).render_as_string(False))
    site.app.config["TEST_ADMIN"] = admin
    site.app.config["TEST_DB_NAME"] = name
    try:
        yield site
    finally:
        site.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _Refused:
    """The database refuses new connections and the app's open ones are terminated."""

    def __init__(self, site: Site) -> None:
        self.admin = site.app.config["TEST_ADMIN"]
        self.name = site.app.config["TEST_DB_NAME"]

    def _allow(self, allowed: bool) -> None:
        with self.admin.connect() as connection:
            flag = "true" if allowed else "false"
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {flag}'))
            if not allowed:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": self.name},
                )

    def __enter__(self) -> _Refused:
        self._allow(False)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._allow(True)


def test_postgres_down_form_answers_503_and_recovers(postgres_site: Site):
    site = postgres_site
    client = site.app.test_client()
    sent = _open_form(client, site)  # the pool now holds a connection that will be cut

    with _Refused(site):
        _assert_friendly_503(client.get(_form_url(site)))
        response = client.post(_form_url(site), data=sent)
        resend_page = _assert_friendly_503(response, kept=sent)

    assert _state(site) == (0, 0, 0)
    # back: the pooled connections were cut, yet the next request works (pre-ping)
    assert client.get(_form_url(site)).status_code == 200
    resend = {name: unescape(value) for name, value in HIDDEN.findall(resend_page)}
    assert client.post(_form_url(site), data=resend).status_code == 303
    assert client.post(_form_url(site), data=resend).status_code == 303
    assert _state(site) == (1, 1, 10)
    assert _counts_equal_a_rebuild(site)


def test_postgres_commit_fails_after_the_view_answers_503_with_nothing_stored(
    postgres_site: Site,
):
    site = postgres_site
    client = site.app.test_client()
    sent = _open_form(client, site)

    site.cut_before_commit.append(True)
    response = client.post(_form_url(site), data=sent)
    assert not site.cut_before_commit
    resend_page = _assert_friendly_503(response, kept=sent)
    assert _state(site) == (0, 0, 0)  # the response and its counts went together

    resend = {name: unescape(value) for name, value in HIDDEN.findall(resend_page)}
    thanks = client.post(_form_url(site), data=resend)
    assert thanks.status_code == 303
    assert "Terima kasih" in client.get(thanks.headers["Location"]).get_data(as_text=True)
    assert _state(site) == (1, 1, 10)
    assert _counts_equal_a_rebuild(site)
