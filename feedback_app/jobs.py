"""The background task queue (Huey): large exports and the removal of expired data.

Periodic tasks: expired export files (``EXPORT_PURGE_MINUTES``, crontab minute
field, default every 30 minutes) and contact details past their retention
(``CONTACT_PURGE_MINUTES``, default minute 15 of every hour).

Each app gets its own Huey instance in ``app.extensions["huey"]``, built from
its configuration: a ``SqliteHuey`` file in the instance folder for the
embedded default (``HUEY_SQLITE_PATH``), a ``RedisHuey`` when ``REDIS_URL`` is
set (``HUEY_REDIS_URL`` overrides it). ``HUEY_IMMEDIATE`` runs tasks at once,
in the calling process.

The worker is Huey's own consumer::

    huey_consumer feedback_app.jobs.huey -w 2

``feedback_app.jobs.huey`` builds the app from the environment (like
``flask --app wsgi``) the first time it is read, so the worker sees the same
database, export folder and queue as the web processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

QUEUE_NAME = "feedback_app"


def make_huey(app: Flask) -> Huey:
    config = app.config
    if config.get("HUEY_IMMEDIATE"):
        huey: Huey = Huey(QUEUE_NAME, immediate=True, results=False)
    else:
        redis_url = config.get("HUEY_REDIS_URL") or config.get("REDIS_URL")
        if redis_url:
            huey = RedisHuey(QUEUE_NAME, url=redis_url, results=False)
        else:
            path = config.get("HUEY_SQLITE_PATH") or str(Path(app.instance_path) / "huey.db")
            huey = SqliteHuey(QUEUE_NAME, filename=path, results=False)
    _register_tasks(huey, app)
    return huey


def _register_tasks(huey: Huey, app: Flask) -> None:
    from feedback_app.db import get_session
    from feedback_app.exports_web import service
    from feedback_app.public.contact import purge_expired_contacts

    @huey.task(name="run_export", retries=0)
    def run_export(job_id: int) -> None:
        with app.app_context():
            service.run_job(job_id)

    purge_minutes = app.config.get("EXPORT_PURGE_MINUTES", "*/30")

    @huey.periodic_task(crontab(minute=purge_minutes), name="purge_exports")
    def purge_exports() -> None:
        with app.app_context():
            service.purge_expired()

    contact_minutes = app.config["CONTACT_PURGE_MINUTES"]

    @huey.periodic_task(crontab(minute=contact_minutes), name="purge_contacts")
    def purge_contacts() -> None:
        with app.app_context():
            session = get_session()
            purge_expired_contacts(session)
            session.commit()

    app.extensions["huey_tasks"] = {
        "run_export": run_export,
        "purge_exports": purge_exports,
        "purge_contacts": purge_contacts,
    }


def init_app(app: Flask) -> None:
    app.extensions["huey"] = make_huey(app)


def enqueue_export(app: Flask, job_id: int) -> None:
    app.extensions["huey_tasks"]["run_export"](job_id)


_worker_app: Flask | None = None


def worker_app() -> Flask:
    """The app the ``huey_consumer`` process runs tasks in, built once from the environment."""
    global _worker_app
    if _worker_app is None:
        from feedback_app import create_app

        app = create_app()
        if "huey" not in app.extensions:
            from feedback_app import exports_web

            exports_web.init_app(app)
        _worker_app = app
    return _worker_app


def __getattr__(name: str) -> Any:
    if name == "huey":
        return worker_app().extensions["huey"]
    raise AttributeError(name)
