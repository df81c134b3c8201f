"""The organisation area: agencies, units, counters, services, employees, rosters."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.organisation.views import bp

    app.register_blueprint(bp)
