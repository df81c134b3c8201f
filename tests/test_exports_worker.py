"""Background exports through a real Huey consumer against real queue storage.

One test runs ``huey_consumer`` as a separate process on the SQLite queue
file (the embedded default, as ``make run`` starts it); one runs Huey's
consumer in threads against Redis (database 7), as production does.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import redis
from flask import Flask

from feedback_app import create_app, exports_web, jobs
from feedback_app.db import get_session
from feedback_app.exports_web import service
from feedback_app.exports_web.selection import Filters, resolve
from feedback_app.migrate import upgrade
from feedback_app.models import ExportJob, JobStatus
from tests.exports_data import World, add_response, build_world
from tests.exports_worker_db import drop_database, own_database
from tests.factories import Factory

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/7"
EXTRA = 300


@pytest.fixture(scope="module")
def worker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = own_database(tmp_path_factory.mktemp("worker"))
    upgrade(url)
    yield url
    drop_database(url)


_APPS: list[Flask] = []


@pytest.fixture(autouse=True)
def _dispose_apps() -> Iterator[None]:
    yield
    while _APPS:
        _APPS.pop().extensions["db"].engine.dispose()


def _app(url: str, folder: Path, **extra) -> Flask:
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "worker-test-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
            "EXPORT_DIR": str(folder / "files"),
            "HUEY_SQLITE_PATH": str(folder / "huey.db"),
            **extra,
        }
    )
    if "exports_web" not in app.blueprints:
        exports_web.init_app(app)
    _APPS.append(app)
    return app


@pytest.fixture(scope="module")
def world(worker_url: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    app = _app(worker_url, tmp_path_factory.mktemp("seed"))
    with app.app_context():
        session = get_session()
        world = build_world(session, Factory(session))
        for i in range(EXTRA):
            add_response(session, world.bidang, world.version, [1 + i % 4] * 9)
        session.commit()
        session.expunge_all()
    _APPS.remove(app)
    app.extensions["db"].engine.dispose()
    return world


def _queue_job(app: Flask, world: World, kind: str, fmt: str) -> int:
    with app.app_context():
        session = get_session()
        from feedback_app.models import User

        user = session.get(User, world.head.id)
        selection = resolve(session, service.actor_for(user), Filters(period="2025"))
        total = service.total_rows(session, selection, kind)
        job = service.create_job(session, selection, kind, fmt, service.Options(), total)
        session.commit()
        jobs.enqueue_export(app, job.id)
        return job.id


def _wait(app: Flask, job_id: int, timeout: float = 60) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = get_session().get(ExportJob, job_id)
            assert job is not None
            if job.status in (JobStatus.DONE, JobStatus.FAILED):
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not finished after {timeout} s")


def test_huey_consumer_process_on_sqlite(worker_url, world, tmp_path):
    app = _app(worker_url, tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "FEEDBACK_REDIS_URL")}
    env.update(
        DATABASE_URL=worker_url,
        SECRET_KEY="worker-test-secret-key-0123456789abcdef",
        FEEDBACK_EXPORT_DIR=str(tmp_path / "files"),
        FEEDBACK_HUEY_SQLITE_PATH=str(tmp_path / "huey.db"),
        PYTHONPATH=str(ROOT),
    )
    job_id = _queue_job(app, world, "raw", "csv")  # queued before the worker starts
    worker = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "feedback_app.jobs.huey", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        job = _wait(app, job_id)
        second = _wait(app, _queue_job(app, world, "summary", "xlsx"))
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0].decode(errors="replace")
    assert job.status == JobStatus.DONE, (job.error, output[-2000:])
    assert job.done_rows == job.total_rows == 5 + EXTRA
    with app.app_context():
        path = service.job_path(job)
        assert path is not None
        frame = pd.read_csv(path, encoding="utf-8-sig")
        assert len(frame) == 5 + EXTRA
        assert second.status == JobStatus.DONE
        book = openpyxl.load_workbook(io.BytesIO(service.job_path(second).read_bytes()))
        assert "IKM per unit" in book.sheetnames
    assert "run_export" in output  # the consumer's own log names the task it ran


@pytest.fixture()
def redis_queue() -> Iterator[None]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


def test_huey_consumer_threads_on_redis(worker_url, world, tmp_path, redis_queue):
    app = _app(worker_url, tmp_path, HUEY_REDIS_URL=REDIS_URL)
    huey = app.extensions["huey"]
    assert type(huey).__name__ == "RedisHuey"
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=False,
                                    check_worker_health=False)  # fmt: skip
    consumer.start()
    try:
        job = _wait(app, _queue_job(app, world, "raw", "xlsx"))
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert job.status == JobStatus.DONE, job.error
    assert job.done_rows == 5 + EXTRA
    with app.app_context():
        book = openpyxl.load_workbook(
            io.BytesIO(service.job_path(job).read_bytes()), read_only=True
        )
        assert book["Respons"].max_row == 6 + EXTRA
        book.close()


def test_periodic_purge_task_is_registered(worker_url, tmp_path):
    app = _app(worker_url, tmp_path)
    huey = app.extensions["huey"]
    periodic = [task.__name__ for task in huey._registry._periodic_tasks]
    assert "purge_exports" in periodic
