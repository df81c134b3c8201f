"""Bearer-token authentication and JSON errors shared by the machine APIs.

The codes API (``feedback_app.api``) and the read API (``feedback_app.read_api``)
authenticate the same way, so a token that works for one works for the other
and both refuse in the same words.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from feedback_app.db import db, utcnow
from feedback_app.models import Agency, ApiToken
from feedback_app.staff import service as staff_service


class ApiError(Exception):
    """A refusal answered as JSON ``{"error": ..., "field": ...}`` with ``status``."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def api_error_response(error: ApiError) -> Response:
    """The JSON answer to an ``ApiError``; a 401 also names the Bearer scheme."""
    body: dict[str, Any] = {"error": error.message}
    if error.field:
        body["field"] = error.field
    response = jsonify(body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="feedback_app"'
    return response


def routing_error_as_json() -> Response | None:
    """An unknown address or a wrong method under ``/api/`` answers in JSON too.

    Runs before the view: a blueprint's own 404/405 handlers never see the errors
    raised while matching the address, so without this a machine got an HTML page.
    """
    problem = request.routing_exception
    if not isinstance(problem, NotFound | MethodNotAllowed) or not request.path.startswith("/api/"):
        return None
    if isinstance(problem, MethodNotAllowed):
        allowed = sorted(set(problem.valid_methods or ()) - {"HEAD", "OPTIONS"})
        response = api_error_response(
            ApiError(405, f"method not allowed here; use {' or '.join(allowed)}")
        )
        response.headers["Allow"] = ", ".join(problem.valid_methods or ())
        return response
    return api_error_response(
        ApiError(404, "not found: the API's addresses are listed in /api/v1/openapi.json")
    )


def authenticate_bearer() -> ApiToken:
    """The active token of an active agency named by ``Authorization: Bearer``, or 401.

    Marks the token used now; the mark is stored only when the request succeeds.
    """
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "missing credentials: send 'Authorization: Bearer <token>'")
    try:
        token = staff_service.find_api_token(db, secret.strip())
    except UnicodeError:
        token = None
    if token is None:
        raise ApiError(401, "invalid or revoked API token")
    agency = db.get(Agency, token.agency_id)
    if agency is None or not agency.active:
        raise ApiError(401, "invalid or revoked API token")
    token.last_used_at = utcnow()
    return token
