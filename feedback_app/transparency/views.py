"""``/hasil/<agency code>``: IKM and grade per unit for the latest closed period, public.

No login and no personal or employee data: unit figures and improvement plans
only. The page reads no cookie but the language one and writes none, so
shared caches may keep it: ``Cache-Control: public``, an ``ETag`` over the
body (a conditional GET answers 304), ``Vary`` on what picks the language.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import func, select

from feedback_app.dashboard.labels import fmt, period_label
from feedback_app.db import db
from feedback_app.models import Agency
from feedback_app.results.periods import Period, PeriodError, parse_period
from feedback_app.results.publication import (
    PUBLIC_KINDS,
    default_period,
    is_publishable,
    publication,
)

bp = Blueprint("transparency", __name__)

#: how long browsers and shared caches may keep the page
CACHE_SECONDS = 3600


def _agency(code: str) -> Agency:
    if len(code) > 40:
        abort(404)
    agency = db.scalar(
        select(Agency).where(func.lower(Agency.code) == code.lower(), Agency.active.is_(True))
    )
    if agency is None:
        abort(404)
    return agency


def _other_periods(agency: Agency, shown: Period) -> list[Period]:
    """Recent closed periods of each public kind, for links."""
    latest = default_period(agency)
    found: list[Period] = []
    for kind in PUBLIC_KINDS:
        period = Period.containing(kind, latest.end)
        if not is_publishable(period, agency):
            period = period.previous()
        for _ in range(4 if kind != kind.YEAR else 2):
            if period != shown:
                found.append(period)
            period = period.previous()
    return found


@bp.get("/hasil/<code>")
def agency_results(code: str):  # type: ignore[no-untyped-def]
    agency = _agency(code)
    period = default_period(agency)
    if "periode" in request.args:
        try:
            period = parse_period(request.args["periode"])
        except PeriodError:
            abort(404)
        if not is_publishable(period, agency):
            abort(404)
    result = publication(db, agency, period)
    response = current_app.make_response(
        render_template(
            "transparency/agency.html",
            publication=result,
            others=_other_periods(agency, period),
            fmt=fmt,
            period_label=period_label,
        )
    )
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.vary.update({"Accept-Language", "Cookie"})
    response.add_etag()
    return response.make_conditional(request)
