"""The public survey form: GET renders, POST stores once, then thanks.

A GET never writes. Each rendered form carries a signed key naming the
link, survey version and the officers shown; the POST stores at most one
response per key, so a double tap, back or refresh cannot store twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.validators import ValidationError

from feedback_app.db import db, utcnow
from feedback_app.extensions import csrf
from feedback_app.models import (
    Channel,
    Employee,
    LinkKind,
    PublicLink,
    Response,
    Service,
    ServicePoint,
    Unit,
)
from feedback_app.public import form as survey_form
from feedback_app.public.links import (
    assigned_survey,
    current_version,
    duty_point,
    find_link,
    on_duty,
)

bp = Blueprint("public", __name__, url_prefix="/s")

#: a form left open longer than this is re-rendered (answers kept) instead of stored
FORM_MAX_AGE = 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="public-form")


class Target:
    """What a public link resolves to right now."""

    def __init__(self, link: PublicLink) -> None:
        now = utcnow()
        self.link = link
        self.officers: list[Employee] = []
        self.point: ServicePoint | None
        if link.kind == LinkKind.NAMEPLATE:
            assert link.employee is not None
            self.officers = [link.employee]
            self.point = duty_point(db, link.employee, now)
            self.unit: Unit = self.point.unit if self.point else link.employee.unit
        else:
            assert link.service_point is not None
            self.point = link.service_point
            self.unit = self.point.unit
            self.officers = on_duty(db, self.point, now)
        self.version = current_version(db, assigned_survey(db, self.unit, self.point))
        self.services = list(
            db.scalars(
                select(Service)
                .where(Service.unit_id == self.unit.id, Service.active.is_(True))
                .order_by(Service.name)
            )
        )

    @property
    def available(self) -> bool:
        point_ok = self.point is None or self.point.active
        return self.unit.active and point_ok and self.version is not None


def _load(token: str) -> Target | Any:
    link = find_link(db, token)
    if link is None:
        abort(404)
    if link.retired_at is not None:
        return render_template("public/retired.html"), 410
    target = Target(link)
    if not target.available:
        return render_template("public/unavailable.html", target=target), 404
    return target


def _language() -> str:
    return str(get_locale() or "id")


def _render(
    target: Target,
    *,
    answers: dict,
    errors: dict,
    form_key: str,
    notice: str | None = None,
    status: int = 200,
):  # noqa: E501
    definition = survey_form.definition_of(target.version)
    return (
        render_template(
            "public/form.html",
            target=target,
            questions=survey_form.render_questions(
                definition, answers, errors, _language(), target.services
            ),
            officers=target.officers,
            chosen_officer=answers.get("officer"),
            has_errors=bool(errors),
            errors_officer="_officer" in errors,
            form_key=form_key,
            csrf_token_value=generate_csrf(),
            notice=notice,
            lang=_language(),
        ),
        status,
    )


def _new_form_key(target: Target) -> str:
    return _serializer().dumps(
        {
            "k": uuid.uuid4().hex,
            "l": target.link.id,
            "v": target.version.id,  # type: ignore[union-attr]
            "o": [e.id for e in target.officers],
        }
    )


@bp.get("/<token>")
def form(token: str):  # type: ignore[no-untyped-def]
    target = _load(token)
    if not isinstance(target, Target):
        return target
    return _render(target, answers={}, errors={}, form_key=_new_form_key(target))


@bp.post("/<token>")
@csrf.exempt  # checked below, so an expired token re-renders the answers instead of a 400
def submit(token: str):  # type: ignore[no-untyped-def]
    target = _load(token)
    if not isinstance(target, Target):
        return target
    raw = request.form
    # A bot filled the field people never see: pretend success, store nothing.
    if raw.get("website"):
        return redirect(url_for(".thanks", token=token))
    try:
        key = _serializer().loads(raw.get("form_key", ""), max_age=FORM_MAX_AGE)
    except BadSignature:
        key = None
    if key is None or key.get("l") != target.link.id:
        # The form is too old or not ours: show a fresh one with the answers kept.
        return _stale(target, raw)
    try:
        validate_csrf(raw.get("csrf_token"))
    except ValidationError:
        return _stale(target, raw)
    if key.get("v") != target.version.id:  # type: ignore[union-attr]
        # The survey was republished while the form was open.
        return _stale(target, raw)

    definition = survey_form.definition_of(target.version)
    result = survey_form.evaluate(definition, raw, target.services)
    officer_id = _officer_choice(raw, key)
    if result.errors or officer_id is False:
        errors = dict(result.errors)
        if officer_id is False:
            errors["_officer"] = "officer"
        return _render(
            target,
            answers=survey_form.kept_answers(raw),
            errors=errors,
            form_key=raw["form_key"],
            status=422,
        )

    response = Response(
        agency_id=target.unit.agency_id,
        unit_id=target.unit.id,
        service_point_id=target.point.id if target.point else None,
        service_id=result.service_id,
        employee_id=officer_id or None,
        survey_version_id=target.version.id,  # type: ignore[union-attr]
        channel=Channel.QR,
        timezone=target.unit.timezone,
        language=_language(),
        answers=result.answers,
        idempotency_key=key["k"],
    )
    try:
        with db.begin_nested():
            db.add(response)
    except IntegrityError:
        # Stored already by an earlier tap of the same form.
        pass
    return redirect(url_for(".thanks", token=token), code=303)


def _officer_choice(raw: Any, key: dict) -> int | None | bool:
    """The officer the response is credited to: None for nobody, False for a forged id."""
    shown: list[int] = key.get("o", [])
    if len(shown) == 1 and "officer" not in raw:
        return shown[0]
    choice = raw.get("officer", "")
    if choice in ("", "none"):
        return None
    try:
        officer = int(choice)
    except ValueError:
        return False
    return officer if officer in shown else False


def _stale(target: Target, raw: Any):  # type: ignore[no-untyped-def]
    return _render(
        target,
        answers=survey_form.kept_answers(raw),
        errors={},
        form_key=_new_form_key(target),
        notice="stale",
        status=409,
    )


@bp.get("/<token>/terima-kasih")
def thanks(token: str):  # type: ignore[no-untyped-def]
    target = _load(token)
    if not isinstance(target, Target):
        return target
    return render_template("public/thanks.html", target=target, token=token, lang=_language())
