"""The public results page an agency must publish (PermenPANRB 14/2017), at /hasil/<code>."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.transparency.views import bp

    app.register_blueprint(bp)
