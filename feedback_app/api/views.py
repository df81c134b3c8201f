"""``POST /api/v1/codes``: a queue machine mints a single-use survey code.

Authentication is ``Authorization: Bearer <secret>`` with a token created on
the API tokens page; only the secret's sha256 is stored. A token reaches the
counters of its agency, or of its unit subtree: anything else is 404, as for
people. Errors are JSON ``{"error": "..."}`` with a message a developer can act on.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import func, select

from feedback_app.api_tokens import ApiError, api_error_response, authenticate_bearer
from feedback_app.db import db, utcnow
from feedback_app.models import (
    ApiToken,
    Employee,
    Service,
    ServicePoint,
    Unit,
    subtree_ids,
)
from feedback_app.posters.views import base_url
from feedback_app.public.links import on_duty
from feedback_app.staff import service as staff_service

bp = Blueprint("api", __name__, url_prefix="/api/v1")

FIELDS = {"service_point", "service", "employee_nip"}


bp.register_error_handler(ApiError, api_error_response)


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(400, "send a JSON object with 'Content-Type: application/json'")
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # "silent" covers syntax errors only; arrays nested thousands deep exhaust the parser
        raise ApiError(400, "the request body is nested too deeply to be a code request") from None
    if body is None:
        raise ApiError(400, "the request body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(400, 'the request body must be a JSON object, e.g. {"service_point": 12}')
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ApiError(
            400,
            f"unknown field(s): {', '.join(unknown)}; expected: {', '.join(sorted(FIELDS))}",
        )
    return body


def _reference(body: dict[str, Any], field: str, *, required: bool) -> int | str | None:
    """An object named by id (a JSON number) or by its code (a JSON string)."""
    value = body.get(field)
    if value is None:
        if required:
            raise ApiError(
                400, f"'{field}' is required: the counter's id (number) or code (string)", field
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ApiError(400, f"'{field}' must be an id (number) or a code (string)", field)
    if isinstance(value, str):
        value = value.strip().upper()
        if not value or len(value) > 40:
            raise ApiError(400, f"'{field}' code must be 1 to 40 characters", field)
        # codes are checked the same way when made (forms, imports); nothing else can match,
        # and PostgreSQL would refuse a query holding a NUL byte
        if not all(c.isascii() and (c.isalnum() or c in "-_.") for c in value):
            raise ApiError(400, f"'{field}' code has only letters, digits, '.', '_' and '-'", field)
    return value


def _service_point(token: ApiToken, ref: int | str) -> ServicePoint:
    query = (
        select(ServicePoint)
        .join(Unit, ServicePoint.unit_id == Unit.id)
        .where(
            Unit.agency_id == token.agency_id,
            Unit.active.is_(True),
            ServicePoint.active.is_(True),
        )
    )
    if token.unit_id is not None:
        query = query.where(Unit.id.in_(subtree_ids(db, token.unit_id)))
    if isinstance(ref, int):
        query = query.where(ServicePoint.id == ref)
    else:
        query = query.where(func.upper(ServicePoint.code) == ref)
    found = list(db.scalars(query.limit(2)))
    if not found:
        raise ApiError(
            404,
            "service point not found (or not active, or outside this token's scope)",
            "service_point",
        )
    if len(found) > 1:
        raise ApiError(
            409, f"several counters have the code {ref!r}; send the counter's id", "service_point"
        )
    return found[0]


def _service(point: ServicePoint, ref: int | str | None) -> Service | None:
    if ref is None:
        return None
    query = select(Service).where(Service.unit_id == point.unit_id, Service.active.is_(True))
    if isinstance(ref, int):
        query = query.where(Service.id == ref)
    else:
        query = query.where(func.upper(Service.code) == ref)
    found = db.scalar(query)
    if found is None:
        raise ApiError(
            404, "service not found among the active services of this counter's unit", "service"
        )
    return found


def _nip(body: dict[str, Any]) -> str | None:
    nip = body.get("employee_nip")
    if nip is None:
        return None
    if not isinstance(nip, str) or not (nip.strip().isdigit() and len(nip.strip()) == 18):
        raise ApiError(400, "'employee_nip' must be a string of 18 digits", "employee_nip")
    return nip.strip()


def _employee(token: ApiToken, point: ServicePoint, nip: str | None) -> Employee | None:
    if nip is None:
        # the officer on duty, when the roster names exactly one
        officers = on_duty(db, point, utcnow())
        return officers[0] if len(officers) == 1 else None
    found = db.scalar(
        select(Employee).where(
            Employee.agency_id == token.agency_id,
            Employee.nip == nip,
            Employee.active.is_(True),
        )
    )
    if found is None:
        raise ApiError(
            404, "no active employee with this NIP in the token's agency", "employee_nip"
        )
    return found


@bp.post("/codes")
def create_code():  # type: ignore[no-untyped-def]
    token = authenticate_bearer()
    body = _body()
    # every field is checked for shape before anything is looked up
    point_ref = _reference(body, "service_point", required=True)
    service_ref = _reference(body, "service", required=False)
    nip = _nip(body)
    point = _service_point(token, point_ref)  # type: ignore[arg-type]
    chosen = _service(point, service_ref)
    employee = _employee(token, point, nip)
    code = staff_service.mint_code(
        db,
        point,
        ttl_hours=current_app.config["CODE_TTL_HOURS"],
        employee=employee,
        service=chosen,
        api_token=token,
    )
    response = jsonify(
        {
            "code": code.code,
            "url": staff_service.code_url(base_url(), code.code),
            "expires_at": code.expires_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "service_point": point.id,
            "service": chosen.id if chosen else None,
            "employee_nip": employee.nip if employee else None,
        }
    )
    response.status_code = 201
    return response
