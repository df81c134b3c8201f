"""The citizen's path: ``/s/<token>`` opens the counter's survey, no login."""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.public.contact import purge_contacts_command
    from feedback_app.public.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(purge_contacts_command)
