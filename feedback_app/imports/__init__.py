"""Import of units, counters, services and employees from CSV and XLSX files.

``service`` checks and applies rows (no Flask request in it), ``reader`` turns
a file into rows, ``views`` is the page and ``cli`` the ``flask import-org``
command; both share the service.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from feedback_app.imports.cli import import_org
    from feedback_app.imports.kinds import KINDS
    from feedback_app.imports.views import bp
    from feedback_app.main import LIST_ACTIONS
    from feedback_app.models import Permission

    app.register_blueprint(bp)
    app.cli.add_command(import_org)
    for kind in KINDS.values():
        actions = LIST_ACTIONS.setdefault(kind.list_slug, [])
        endpoint = f"imports.index_{kind.slug}"
        # create_app may run more than once in a process (tests): register once
        if all(existing != endpoint for existing, _label, _permission in actions):
            actions.append((endpoint, _l("Impor"), Permission.MANAGE_ORGANISATION))
