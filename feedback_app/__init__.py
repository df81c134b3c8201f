"""feedback_app: citizen feedback and SKM surveys for public-service units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback_app.config import load_config
from feedback_app.db import Database
from feedback_app.extensions import babel, csrf, limiter, login_manager, select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    load_config(app, config)
    if app.config["PROXY_HOPS"]:
        # behind a load balancer: take the client address from X-Forwarded-For
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    Database(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from feedback_app import (
        accounts,
        api,
        audit,
        backup,
        dashboard,
        demo,
        designer,
        exports_web,
        followups,
        imports,
        indicators,
        main,
        organisation,
        outage,
        posters,
        public,
        read_api,
        responses,
        results,
        security,
        staff,
        transparency,
    )

    areas = (
        security,
        main,
        accounts,
        audit,
        organisation,
        imports,
        posters,
        public,
        staff,
        api,
        results,
        responses,
        designer,
        dashboard,
        indicators,
        followups,
        transparency,
        exports_web,
        read_api,
        demo,
        backup,
    )
    for area in areas:
        area.init_app(app)

    from feedback_app.migrate import migrate_command

    app.cli.add_command(migrate_command)
    _register_transaction(app)
    _register_errors(app)
    outage.init_app(app)  # after the error pages: database outages answer 503, not 500
    return app


def _register_transaction(app: Flask) -> None:
    """Commit the request's session once, after the view; roll back on any error."""

    @app.after_request
    def commit_session(response):  # type: ignore[no-untyped-def]
        session = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response


def _register_errors(app: Flask) -> None:
    def page(code: int):  # type: ignore[no-untyped-def]
        def handler(error):  # type: ignore[no-untyped-def]
            return render_template("errors.html", code=code), code

        return handler

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, page(code))

    @app.errorhandler(429)
    def too_many(error):  # type: ignore[no-untyped-def]
        from feedback_app.public.ratelimit import retry_after

        headers = {"Retry-After": str(retry_after())}
        return render_template("errors.html", code=429), 429, headers

    @app.errorhandler(CSRFError)
    def csrf_expired(error):  # type: ignore[no-untyped-def]
        return render_template("errors.html", code=400, csrf=True), 400
