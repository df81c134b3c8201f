"""Tindak lanjut: the follow-up inbox, e-mail to unit heads, and rencana tindak lanjut.

Registered by ``create_app`` through :func:`init_app`, which also adds
``flask send-digests`` and the background tasks (immediate notifications and the
daily digest) to the app's Huey queue. Menu entries: ``("followups.inbox",
_l("Tindak lanjut"), Permission.VIEW_RESULTS)`` and ``("plans.index",
_l("Rencana tindak lanjut"), Permission.VIEW_RESULTS)``.

The public form calls :func:`feedback_app.followups.service.on_response` in the
transaction that stores a response; the unit heads who asked for immediate
e-mail are told once that transaction has been committed (see :mod:`.notify`).
"""

from flask import Flask

#: SMTP settings (``FEEDBACK_MAIL_SERVER`` etc. in the environment); no server, no e-mail
MAIL_DEFAULTS = {
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "umpan-balik@localhost",
    "MAIL_TIMEOUT": 10,
    # where links in e-mails point (default: PUBLIC_BASE_URL, else the address of the request)
    "MAIL_LINK_BASE_URL": None,
    # the daily digest task, in UTC (00:30 UTC is 07:30 WIB, 08:30 WITA, 09:30 WIT)
    "DIGEST_CRON_HOUR": "0",
    "DIGEST_CRON_MINUTE": "30",
}


def init_app(app: Flask) -> None:
    from feedback_app.followups import notify
    from feedback_app.followups.cli import send_digests_command
    from feedback_app.followups.plans import bp as plans_bp
    from feedback_app.followups.views import bp

    for name, value in MAIL_DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
    app.register_blueprint(plans_bp)
    app.cli.add_command(send_digests_command)
    notify.init_app(app)
