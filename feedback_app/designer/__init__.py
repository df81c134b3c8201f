"""The survey designer: build, version, publish, assign and share surveys."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.designer.views import bp

    app.register_blueprint(bp)
