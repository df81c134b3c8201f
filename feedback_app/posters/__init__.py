"""Counter links, QR codes and printable posters."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.posters import cli
    from feedback_app.posters.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli.posters_command)
