"""Read-only JSON API for reporting systems: responses, scores and the organisation."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.extensions import csrf
    from feedback_app.read_api.views import bp

    csrf.exempt(bp)
    app.register_blueprint(bp)
