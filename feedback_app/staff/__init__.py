"""Staff side of the citizen path: nameplates, counter displays, kiosks, API tokens."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from feedback_app.main import LIST_ACTIONS
    from feedback_app.models import Permission
    from feedback_app.staff.views import bp

    app.register_blueprint(bp)
    buttons = [
        ("service-points", "staff.displays_list", _l("Layar loket"), Permission.VIEW_ORGANISATION),
        ("service-points", "staff.kiosks_list", _l("Kiosk"), Permission.MANAGE_ORGANISATION),
    ]
    for slug, endpoint, label, permission in buttons:
        actions = LIST_ACTIONS.setdefault(slug, [])
        # create_app may run more than once in a process (tests): register once
        if all(existing != endpoint for existing, _label, _permission in actions):
            actions.append((endpoint, label, permission))
