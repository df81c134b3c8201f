"""Feedback-based employee indicators (PermenPANRB 6/2022): definitions, realisation, drill-down.

Registered by ``create_app`` through :func:`init_app`. Menu entries:
``("indicators.realisation", _l("Indikator pegawai"), ...)`` for heads and
supervisors, ``("indicators.definitions", _l("Definisi indikator"), ...)`` for
agency admins and agency heads. The dashboard shows the same table through
``feedback_app.dashboard.views.CONTEXT_HOOKS`` (see :func:`init_app`).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from feedback_app.indicators.views import bp, dashboard_context

    app.register_blueprint(bp)
    # the employee-indicator slot of the dashboard (templates/dashboard/_employee_indicators.html)
    from feedback_app.dashboard.views import CONTEXT_HOOKS

    if dashboard_context not in CONTEXT_HOOKS:
        CONTEXT_HOOKS.append(dashboard_context)
