"""Exports for agency and unit heads: the export page, background jobs and ``flask export``.

Registered by ``create_app`` through :func:`init_app`; the navigation entry is
``("exports_web.index", _l("Ekspor"), Permission.VIEW_RESULTS)``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app import jobs
    from feedback_app.exports_web.cli import export_command
    from feedback_app.exports_web.views import bp, register_enqueue

    # finished files are kept this long, then removed by the worker (or `flask export purge`)
    app.config.setdefault("EXPORT_RETENTION_HOURS", 48)
    # row exports (raw responses, comments) above this many responses run in the background
    app.config.setdefault("EXPORT_SYNC_MAX_ROWS", 20000)
    # where finished files go; default: the instance folder's exports/
    app.config.setdefault("EXPORT_DIR", None)
    if "huey" not in app.extensions:
        jobs.init_app(app)
    app.register_blueprint(bp)
    register_enqueue(app)
    app.cli.add_command(export_command)
