"""Flagged responses: what abuse control set aside, for admins to review."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.responses.views import bp

    app.register_blueprint(bp)
