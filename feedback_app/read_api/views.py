"""Read-only JSON API: responses (cursor-paginated), scores per unit and period, organisation.

``Authorization: Bearer <secret>`` with a token from the API tokens page. A
token sees its agency, or its unit subtree when it has one; any id outside
that is a 404, as for people. Every read of responses or scores is written to
the audit log. The OpenAPI document is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from sqlalchemy import select

from feedback_app.api_tokens import ApiError, api_error_response, authenticate_bearer
from feedback_app.db import db
from feedback_app.exports_web import figures, service
from feedback_app.exports_web.selection import (
    Actor,
    Filters,
    InvalidFilters,
    OutOfScope,
    Selection,
    period_code,
    resolve,
)
from feedback_app.models import (
    Agency,
    ApiToken,
    Service,
    ServicePoint,
    Unit,
    subtree_ids,
)
from feedback_app.read_api.openapi import openapi_document
from surveys.scoring import IkmResult

bp = Blueprint("read_api", __name__, url_prefix="/api/v1")

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
#: query parameters each endpoint understands (others are refused, so typos are noticed)
FILTER_PARAMS = {
    "period",
    "date_from",
    "date_to",
    "unit",
    "service_point",
    "service",
    "survey_version",
    "include_flagged",
}


bp.register_error_handler(ApiError, api_error_response)


@bp.errorhandler(404)
def _not_found(error: Any) -> Response:
    return api_error_response(ApiError(404, "not found"))


@bp.errorhandler(405)
def _not_allowed(error: Any) -> Response:
    return api_error_response(ApiError(405, "method not allowed: this API is read-only (GET)"))


def authenticated(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.api_token = authenticate_bearer()
        return view(*args, **kwargs)

    return wrapped


def _actor() -> Actor:
    token: ApiToken = g.api_token
    return Actor(agency_id=token.agency_id, unit_id=token.unit_id, api_token_id=token.id)


def _check_params(allowed: set[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ApiError(
            400,
            f"unknown parameter(s): {', '.join(unknown)}; expected: {', '.join(sorted(allowed))}",
            unknown[0],
        )
    for name in request.args:
        if len(request.args.getlist(name)) > 1:
            raise ApiError(400, f"'{name}' given more than once", name)


def _selection() -> Selection:
    flagged = request.args.get("include_flagged")
    if flagged is not None and flagged.lower() not in ("true", "false", "1", "0"):
        raise ApiError(400, "'include_flagged' must be true or false", "include_flagged")
    try:
        filters = Filters.from_args(request.args)
        return resolve(db, _actor(), filters)
    except InvalidFilters as problem:
        raise ApiError(400, problem.message, problem.field) from None
    except OutOfScope as problem:
        raise ApiError(404, f"{problem} not found (or outside this token's scope)") from None


def _decimal(value: Any) -> float | None:
    return None if value is None else float(value)


def _ikm_json(result: IkmResult) -> dict[str, Any]:
    interval = result.interval
    return {
        "respondents": result.respondents,
        "ikm": _decimal(result.score),
        "index": _decimal(result.index(4)),
        "grade": result.grade.letter if result.grade else None,
        "performance": result.grade.label.get("id") if result.grade else None,
        "interval_95": [float(interval.low), float(interval.high)] if interval else None,
        "elements": [
            {
                "key": e.key,
                "name": e.name.get("id"),
                "n": e.n,
                "nrr": _decimal(e.nrr_rounded(4)),
                "score": _decimal(e.score),
                "grade": e.grade.letter if e.grade else None,
            }
            for e in result.elements
        ],
    }


# --------------------------------------------------------------------------- endpoints


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(request.host_url.rstrip("/")))


@bp.get("/read/organisation")
@authenticated
def organisation() -> Response:
    _check_params(set())
    token: ApiToken = g.api_token
    agency = db.get(Agency, token.agency_id)
    assert agency is not None
    units_query = select(Unit).where(Unit.agency_id == agency.id)
    if token.unit_id is not None:
        units_query = units_query.where(Unit.id.in_(subtree_ids(db, token.unit_id)))
    units = list(db.scalars(units_query.order_by(Unit.id)))
    ids = [u.id for u in units] or [0]
    points = db.scalars(
        select(ServicePoint).where(ServicePoint.unit_id.in_(ids)).order_by(ServicePoint.id)
    )
    services = db.scalars(select(Service).where(Service.unit_id.in_(ids)).order_by(Service.id))
    visible = set(ids)
    return jsonify(
        {
            "agency": {"id": agency.id, "code": agency.code, "name": agency.name},
            "units": [
                {
                    "id": u.id,
                    "code": u.code,
                    "name": u.name,
                    "kind": str(u.kind),
                    "parent_id": u.parent_id if u.parent_id in visible else None,
                    "timezone": str(u.timezone),
                    "active": u.active,
                }
                for u in units
            ],
            "service_points": [
                {
                    "id": p.id,
                    "unit_id": p.unit_id,
                    "code": p.code,
                    "name": p.name,
                    "active": p.active,
                }
                for p in points
            ],  # fmt: skip
            "services": [
                {
                    "id": s.id,
                    "unit_id": s.unit_id,
                    "code": s.code,
                    "name": s.name,
                    "active": s.active,
                }
                for s in services
            ],  # fmt: skip
        }
    )


def _cursor(raw: str | None) -> int:
    if raw is None:
        return 0
    try:
        padded = raw + "=" * (-len(raw) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        raise ApiError(
            400, "invalid cursor: pass 'next_cursor' from the previous page", "cursor"
        ) from None
    prefix, _, number = text.partition(":")
    if prefix != "r" or not number.isdigit() or len(number) > 18:
        raise ApiError(400, "invalid cursor: pass 'next_cursor' from the previous page", "cursor")
    return int(number)


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"r:{last_id}".encode("ascii")).decode("ascii").rstrip("=")


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"'limit' must be a whole number from 1 to {MAX_LIMIT}", "limit")
    return int(raw)


@bp.get("/read/responses")
@authenticated
def responses() -> Response:
    _check_params(FILTER_PARAMS | {"cursor", "limit"})
    after = _cursor(request.args.get("cursor"))
    limit = _limit()
    selection = _selection()
    from feedback_app.models import Response as Answer

    query = service.record_query(selection).where(Answer.id > after).limit(limit + 1)
    records = list(db.execute(query))
    more = len(records) > limit
    records = records[:limit]
    names = service.names_for(db, selection)
    offsets = {"WIB": 7, "WITA": 8, "WIT": 9}
    import datetime as dt

    items = []
    for r in records:
        zone = dt.timezone(dt.timedelta(hours=offsets[r[2]]), r[2])
        items.append(
            {
                "id": r[0],
                "submitted_at": r[1].isoformat(),
                "local_time": r[1].astimezone(zone).isoformat(timespec="seconds"),
                "timezone": r[2],
                "unit": {"id": r[3], "name": names.units.get(r[3])},
                "service_point": {"id": r[4], "name": names.service_points.get(r[4])}
                if r[4]
                else None,
                "service": {"id": r[5], "name": names.services.get(r[5])} if r[5] else None,
                "employee": {"id": r[6], "name": names.employees.get(r[6])} if r[6] else None,
                "survey_version_id": r[7],
                "channel": r[8],
                "language": r[9],
                "flagged": bool(r[10]),
                "answers": r[11],
            }
        )
    next_cursor = _encode_cursor(records[-1][0]) if more and records else None
    service.audit(
        db,
        selection,
        "api.responses",
        {"cursor": request.args.get("cursor"), "limit": limit, "returned": len(items)},
    )
    body: dict[str, Any] = {
        "period": {
            "code": period_code(selection.period),
            "label": selection.period.label,
            "start": selection.period.start.isoformat(),
            "end": selection.period.end.isoformat(),
        },
        "items": items,
        "next_cursor": next_cursor,
    }
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        body["next"] = url_for("read_api.responses", cursor=next_cursor, **args, _external=True)
    return jsonify(body)


@bp.get("/read/scores")
@authenticated
def scores() -> Response:
    _check_params(FILTER_PARAMS)
    selection = _selection()
    data = figures.summary(db, selection)
    service.audit(db, selection, "api.scores", {})
    return jsonify(
        {
            "period": {
                "code": period_code(selection.period),
                "label": selection.period.label,
                "start": selection.period.start.isoformat(),
                "end": selection.period.end.isoformat(),
            },
            "scope": selection.scope_name,
            "weight": "0.111" if selection.agency.legacy_ikm_weight else "1/9",
            "overall": _ikm_json(data.overall),
            "units": [
                {
                    "unit": {"id": f.unit_id, "code": f.code, "name": f.name},
                    "population": f.population,
                    "minimum_sample": f.minimum,
                    "sample_reached": f.reached,
                    **_ikm_json(f.result),
                }
                for f in data.units
            ],
        }
    )
