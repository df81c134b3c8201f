"""Log audit: who changed which administrative record when, before and after.

Registered by ``create_app`` through :func:`init_app`, which installs the
session listeners of :mod:`.capture` (changes are recorded as they are
flushed, for every model not listed in ``capture.NOT_AUDITED``) and the
``/audit/`` pages. Downloads of results, which change nothing, are recorded
with :func:`record_export`; any other event no model change carries, with
:func:`record`. Menu entry: ``("audit.index", _l("Log audit"),
Permission.MANAGE_USERS)``: installation and agency administrators.
"""

from flask import Flask

from feedback_app.audit.capture import AuditLogIsAppendOnly, record, record_export

__all__ = ["AuditLogIsAppendOnly", "init_app", "record", "record_export"]


def init_app(app: Flask) -> None:
    from feedback_app.audit import capture
    from feedback_app.audit.views import bp

    capture.install(app)
    app.register_blueprint(bp)
