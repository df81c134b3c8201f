"""A live server and Debian's chromium, for tests that use the app the way a citizen does.

The live server is the real app (``create_app``) served by werkzeug in a
thread, on a free port, against a database of its own: migrated from empty and
filled with the demo organisation by ``feedback_app.demo.load_demo`` and
committed, because the server's requests cannot see the rolled-back
transactions of the other fixtures. With ``TEST_DATABASE_URL`` pointing at
PostgreSQL it uses a schema of its own in that database (the rest of the suite
expects the public schema empty); otherwise a SQLite file.

One chromium for the whole session, a fresh browser context (cookies, cache,
language, JavaScript on or off) for every test.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import text
from werkzeug.serving import BaseWSGIServer, make_server

from feedback_app import create_app
from feedback_app.db import get_session, make_engine
from feedback_app.demo import load_demo
from feedback_app.migrate import upgrade
from tests.browser.live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    KIOSK_RESET_SECONDS,
    PG_SCHEMA,
    VIEWPORT,
    LiveServer,
    QuietHandler,
)


def _live_database(tmp_path: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        engine.dispose()
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}options=-csearch_path%3D{PG_SCHEMA}"
    return f"sqlite:///{tmp_path / 'live.db'}"


def _drop_live_schema(url: str) -> None:
    if url.startswith("postgresql"):
        engine = make_engine(os.environ["TEST_DATABASE_URL"])
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = _live_database(tmp_path_factory.mktemp("live"))
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
            "KIOSK_RESET_SECONDS": KIOSK_RESET_SECONDS,
        }
    )
    with app.app_context():
        session = get_session()
        load_demo(session)
        session.commit()

    engine = make_engine(url)
    live = LiveServer(app=app, base_url="", engine=engine)
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, live.wsgi, threaded=True, request_handler=QuietHandler
    )
    live.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        engine.dispose()
        app.extensions["db"].engine.dispose()
        _drop_live_schema(url)


@pytest.fixture(autouse=True)
def _fresh_server_state(live_server: LiveServer) -> Iterator[None]:
    live_server.post_delay = 0.0
    with live_server._lock:
        live_server.hits.clear()
    yield
    live_server.post_delay = 0.0


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # shared CI machines are slow at times; what a person waits for is asserted separately
    expect.set_options(timeout=10_000)
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Phone:
    """A browser context on a phone-sized screen, with every request it made."""

    context: BrowserContext
    page: Page
    requests: list[str]


@pytest.fixture()
def new_phone(browser: Browser) -> Iterator[Callable[..., Phone]]:
    """Make a fresh phone: ``new_phone(locale="en-US", javascript=False)``."""
    contexts: list[BrowserContext] = []

    def make(*, locale: str = "id-ID", javascript: bool = True) -> Phone:
        context = browser.new_context(
            viewport=VIEWPORT,
            locale=locale,
            java_script_enabled=javascript,
            is_mobile=True,
            has_touch=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        return Phone(context, context.new_page(), requests)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def phone(new_phone: Callable[..., Phone]) -> Phone:
    """A phone set to Indonesian, JavaScript on."""
    return new_phone()
