"""Staff side of the citizen path: nameplates, counter displays, kiosks, API tokens."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.staff.views import bp

    app.register_blueprint(bp)
