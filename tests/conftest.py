"""Shared fixtures: one migrated database per session, one rolled-back transaction per test.

``TEST_DATABASE_URL`` selects the database (default: a SQLite file in a temporary
folder); ``.ci/run`` runs the suite again with PostgreSQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from feedback_app import create_app
from feedback_app.db import make_engine
from feedback_app.migrate import upgrade
from tests.factories import PASSWORD, Factory

POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432/test"


def reset_database(url: str) -> None:
    """Start from an empty schema so the migrations are tested from scratch."""
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    reset_database(url)
    upgrade(url)
    return url


def make_test_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, **extra: Any
) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "RATELIMIT_ENABLED": False,
        "PUBLIC_CACHE_SECONDS": 0,  # no stale public pages between a test's writes
        **extra,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_test_app(database_url, tmp_path_factory)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    """A session on the test's own transaction; everything is rolled back afterwards.

    The app's requests run on the same connection, each inside a savepoint, so
    what a request commits is visible here and gone after the test.
    """
    database = app.extensions["db"]
    connection = database.engine.connect()
    transaction = connection.begin()
    database.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    test_session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield test_session
    finally:
        test_session.close()
        transaction.rollback()
        connection.close()
        database.session_factory.configure(bind=database.engine)


@pytest.fixture()
def factory(session: Session) -> Factory:
    return Factory(session)


@pytest.fixture()
def client(app: Flask, session: Session) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on ``url``, as a browser would read it."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no csrf_token on {url} (status {page.status_code})"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, form_url: str | None = None, **kw: Any
):
    """POST ``data`` with the CSRF token taken from the page that shows the form."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Totals that tests leave in their user properties (fuzz inputs, authorization cases).

    Read from the teardown reports, which xdist workers send on to the main process too.
    """
    totals: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in getattr(report, "user_properties", ()):
                totals[name] = totals.get(name, 0) + value
    if totals:
        terminalreporter.section("totals")
        for name, value in sorted(totals.items()):
            terminalreporter.write_line(f"{name}: {value:,}")
