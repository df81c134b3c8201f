"""The citizen's path: ``/s/<token>`` opens the counter's survey, no login."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.public.views import bp

    app.register_blueprint(bp)
