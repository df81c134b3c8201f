"""JSON API for queue machines: mint single-use transaction codes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.api.views import bp
    from feedback_app.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
