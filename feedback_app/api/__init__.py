"""JSON API for queue machines: mint single-use transaction codes."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.api.views import bp
    from feedback_app.api_tokens import routing_error_as_json
    from feedback_app.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.before_request(routing_error_as_json)
