"""An agency head starts a large export, watches its progress bar and downloads the file.

A live server of its own (the export page needs a Huey worker and responses
the demo organisation does not have), Huey's consumer in threads on the
SQLite queue file, and Debian's chromium.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import insert
from werkzeug.serving import make_server

from feedback_app import create_app, exports_web
from feedback_app.db import get_session
from feedback_app.exports_web import service
from feedback_app.migrate import upgrade
from feedback_app.models import Response
from tests.browser.live import QuietHandler
from tests.exports_data import World, build_world
from tests.exports_worker_db import drop_database, own_database
from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.browser

EXTRA = 8000


@pytest.fixture(scope="module")
def export_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    folder = tmp_path_factory.mktemp("export-live")
    url = own_database(folder, "exports_browser")
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "browser-export-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
            "EXPORT_DIR": str(folder / "files"),
            "HUEY_SQLITE_PATH": str(folder / "huey.db"),
            "EXPORT_SYNC_MAX_ROWS": 1000,
        }
    )
    if "exports_web" not in app.blueprints:
        exports_web.init_app(app)
    with app.app_context():
        session = get_session()
        world = build_world(session, Factory(session))
        start = dt.datetime(2025, 2, 1, 1, 0, tzinfo=dt.UTC)
        rows = [
            {
                "agency_id": world.agency.id,
                "unit_id": world.dinas.id,
                "service_point_id": world.point.id,
                "survey_version_id": world.version.id,
                "channel": "qr",
                "submitted_at": start + dt.timedelta(minutes=i),
                "timezone": "WIB",
                "language": "id",
                "answers": {f"U{k}": 1 + (i + k) % 4 for k in range(1, 10)},
                "idempotency_key": f"browser-{i}",
                "flagged": False,
                "answers_digest": f"{i:064d}",
            }
            for i in range(EXTRA)
        ]
        session.execute(insert(Response.__table__), rows)
        session.commit()
        session.expunge_all()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="export-live", daemon=True)
    thread.start()
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    consumer = app.extensions["huey"].create_consumer(
        workers=1, worker_type="thread", periodic=False, check_worker_health=False
    )
    consumer.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", world
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["db"].engine.dispose()
        drop_database(url, "exports_browser")


@pytest.fixture()
def desk(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID",
                                  accept_downloads=True)  # fmt: skip
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


@pytest.fixture()
def slow_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each thousand rows back a little, so the bar can be seen moving."""
    original = service.ProgressRecorder.__call__

    def slower(self, count):  # type: ignore[no-untyped-def]
        time.sleep(0.25)
        original(self, count)

    monkeypatch.setattr(service.ProgressRecorder, "__call__", slower)


def test_background_export_with_progress_bar(export_server, desk: Page, slow_progress, tmp_path):
    base, world = export_server
    page = desk
    page.goto(base + "/login")
    page.fill("input[name=email]", world.head.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(base + "/ekspor/")
    page.select_option("select[name=kind]", "raw")
    page.select_option("select[name=format]", "xlsx")
    page.select_option("select[name=period]", "2025")
    page.click("form.export-form button[type=submit]")
    page.wait_for_url("**/ekspor/tugas/*")

    seen = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if page.locator("#job-download").count():
            break
        value = page.evaluate(
            "() => { const b = document.getElementById('job-progress'); "
            "return b && b.hasAttribute('value') ? b.value : null; }"
        )
        if value is not None:
            seen.add(int(value))
        time.sleep(0.1)
    assert page.locator("#job-download").count() == 1, page.content()[:2000]
    assert any(0 < value < 100 for value in seen), seen  # the bar moved while the job ran
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert "Selesai" in page.inner_text("#job-status")

    with page.expect_download() as info:
        page.click("#job-download")
    path = Path(tmp_path / "export.xlsx")
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True)["Respons"]
    assert sheet.max_row == 1 + 5 + EXTRA  # header, the five 2025 responses, the extra ones


def test_job_page_refreshes_without_javascript(export_server, browser: Browser):
    base, world = export_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base + "/login")
        page.fill("input[name=email]", world.unit_head.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base + "/ekspor/")
        page.select_option("select[name=kind]", "raw")
        page.select_option("select[name=format]", "csv")
        page.check("input[name=background]")
        page.click("form.export-form button[type=submit]")
        page.wait_for_url("**/ekspor/tugas/*")
        # the page reloads itself (meta refresh) until the link is there
        page.wait_for_selector("#job-download", timeout=60_000)
        assert page.locator("#job-progress").get_attribute("value") == "100"
    finally:
        context.close()
