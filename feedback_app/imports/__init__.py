"""Import of units, counters, services and employees from CSV and XLSX files."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.imports.views import bp

    app.register_blueprint(bp)
