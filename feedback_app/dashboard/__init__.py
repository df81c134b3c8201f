"""The agency-head dashboard (and a unit head's view of their subtree) and unit populations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.dashboard import populations  # noqa: F401 - adds its pages to the blueprint
    from feedback_app.dashboard.views import bp

    app.register_blueprint(bp)
