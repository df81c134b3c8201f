"""The public survey form: GET renders, POST stores once, then thanks.

Three ways in, one form: a counter or nameplate link (``/s/<token>``), a
kiosk tablet (``/k/<token>``) and a single-use transaction code
(``/c/<code>``). A GET never writes. Each rendered form carries a signed
key naming the survey version, the channel and the officers shown; the
POST stores at most one response per key, so a double tap, back or
refresh cannot store twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache, cached_property
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import TextClause, bindparam, select, text, update
from sqlalchemy.exc import IntegrityError
from wtforms.validators import ValidationError

from feedback_app.db import db, utcnow
from feedback_app.extensions import csrf
from feedback_app.followups.service import on_response
from feedback_app.models import (
    Channel,
    Employee,
    LinkKind,
    PublicLink,
    Response,
    Service,
    TransactionCode,
)
from feedback_app.models.survey import definition_for
from feedback_app.public import abuse, ratelimit
from feedback_app.public import cache as public_cache
from feedback_app.public import form as survey_form
from feedback_app.public.cache import EmployeeInfo, LinkInfo, Place
from feedback_app.public.contact import contact_row, parse_contact
from feedback_app.public.links import duty_point_id, find_code, survey_is_open
from feedback_app.results.aggregates import Tally

bp = Blueprint("public", __name__)
ratelimit.install(bp)

#: a form left open longer than this is re-rendered (answers kept) instead of stored
FORM_MAX_AGE = 24 * 3600


@dataclass
class Target:
    """Where a response will be credited, and with which survey.

    ``place`` comes from the per-process cache (:mod:`feedback_app.public.cache`):
    plain values, with the attribute names of the models the templates read.
    """

    place: Place
    #: who may be credited; looked up only when a form is shown (a POST reads its form key)
    find_officers: Callable[[], list[Employee] | list[EmployeeInfo]]
    channel: Channel
    #: the URL the form posts to and the thank-you page
    form_url: str
    thanks_url: str
    #: set by a transaction code: the citizen is not asked again
    preset_service: Service | None = None
    code: TransactionCode | None = None
    unit: public_cache.UnitInfo = field(init=False)
    point: public_cache.PointInfo | None = field(init=False)
    survey: public_cache.SurveyInfo | None = field(init=False)
    version: public_cache.VersionInfo | None = field(init=False)
    services: tuple[public_cache.ServiceInfo, ...] = field(init=False)

    def __post_init__(self) -> None:
        place = self.place
        self.unit = place.unit
        self.point = place.point
        self.survey = place.survey
        self.version = place.version
        self.services = place.services

    @cached_property
    def officers(self) -> list[Employee] | list[EmployeeInfo]:
        return self.find_officers()

    @property
    def available(self) -> bool:
        point_ok = self.point is None or self.point.active
        return (
            self.unit.active
            and point_ok
            and self.version is not None
            and survey_is_open(self.survey, utcnow())
        )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="public-form")


def _language() -> str:
    return str(get_locale() or "id")


# --- resolving the three ways in ------------------------------------------------


def _find_link(token: str, kinds: tuple[LinkKind, ...]) -> LinkInfo:
    link = public_cache.link_info(db, token)
    if link is None or link.kind not in kinds:
        abort(404)
    return link


def _link_target(token: str, kinds: tuple[LinkKind, ...]) -> Target | Any:
    link = _find_link(token, kinds)
    if link.retired:
        return render_template("public/retired.html", lang=_language()), 410
    now = utcnow()
    if link.kind == LinkKind.NAMEPLATE:
        employee = link.employee
        assert employee is not None
        if not employee.active:
            return render_template("public/unavailable.html", lang=_language()), 404
        # where the officer sits now depends on the time: looked up each time
        point_id = duty_point_id(db, employee.id, now)
        if point_id is not None:
            place = public_cache.point_place(db, point_id)
        else:
            place = public_cache.unit_place(db, link.home_unit.id)

        def officers() -> list[EmployeeInfo]:
            return [employee]

    else:
        assert link.service_point_id is not None
        point_id = link.service_point_id
        place = public_cache.point_place(db, point_id)

        def officers() -> list[EmployeeInfo]:
            return public_cache.officers_on_duty(db, point_id, now)

    kiosk = link.kind == LinkKind.KIOSK
    endpoint = "public.kiosk" if kiosk else "public.form"
    return _checked(
        Target(
            place=place,
            find_officers=officers,
            channel=Channel.KIOSK if kiosk else Channel.QR,
            form_url=url_for(endpoint, token=link.token),
            thanks_url=url_for(f"{endpoint}_thanks", token=link.token),
        )
    )


def _code_target(code: str) -> Target | Any:
    found = find_code(db, code)
    if found is None:
        abort(404)
    if found.used_at is not None or found.expires_at <= utcnow():
        point = found.service_point
        general = db.scalar(
            select(PublicLink).where(
                PublicLink.service_point_id == point.id,
                PublicLink.kind == LinkKind.COUNTER,
                PublicLink.retired_at.is_(None),
            )
        )
        return (
            render_template(
                "public/code_spent.html",
                used=found.used_at is not None,
                point=point,
                general=general,
                lang=_language(),
            ),
            410,
        )
    return _checked(
        Target(
            place=public_cache.point_place(db, found.service_point_id),
            find_officers=lambda: [found.employee] if found.employee else [],
            channel=Channel.CODE,
            form_url=url_for("public.code", code=found.code),
            thanks_url=url_for("public.code_thanks", code=found.code),
            preset_service=db.get(Service, found.service_id) if found.service_id else None,
            code=found,
        )
    )


def _checked(target: Target) -> Target | Any:
    if not target.available:
        return render_template("public/unavailable.html", lang=_language()), 404
    return target


# --- rendering and accepting ----------------------------------------------------


def _new_form_key(target: Target, channel: Channel) -> str:
    return _serializer().dumps(
        {
            "k": uuid.uuid4().hex,
            "v": target.version.id,  # type: ignore[union-attr]
            "c": channel.value,
            "o": [e.id for e in target.officers],
        }
    )


def _render(
    target: Target,
    *,
    form_key: str,
    kept: dict | None = None,
    errors: dict | None = None,
    notice: str | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    errors = errors or {}
    kept = kept or {}
    lang = _language()
    version = target.version
    assert version is not None
    definition = definition_for(version)  # type: ignore[arg-type]
    skip_service = target.preset_service is not None

    def questions() -> list[survey_form.ShownSection]:
        return survey_form.render_questions(
            definition, kept, errors, lang, target.services, skip_service=skip_service
        )

    shown: list[survey_form.ShownSection] = []
    if kept or errors or version.published_at is None:
        shown = questions()
        questions_html = None
    else:
        questions_html = _fresh_questions(version, lang, target.services, skip_service, questions)
    return (
        render_template(
            "public/form.html",
            target=target,
            questions=shown,
            questions_html=questions_html,
            officers=target.officers,
            chosen_officer=kept.get("officer"),
            kept=kept,
            has_errors=bool(errors),
            errors_officer="_officer" in errors,
            contact_errors={k: v for k, v in errors.items() if k.startswith("contact_")},
            form_key=form_key,
            csrf_token_value=generate_csrf(),
            notice=notice,
            lang=lang,
            survey_title=definition.title.get(lang),
            survey_description=definition.description.get(lang) if definition.description else None,
        ),
        status,
    )


#: at most this many rendered question blocks per app (versions x languages x service lists)
FRESH_QUESTIONS_MAX = 512


def _fresh_questions(
    version: Any,
    lang: str,
    services: tuple[Any, ...],
    skip_service: bool,
    questions: Callable[[], list[survey_form.ShownSection]],
) -> Markup:
    """The question fieldsets of an empty form, rendered once per published version,
    language and service list (a published version never changes)."""
    rendered: dict[Any, Markup] = current_app.extensions.setdefault("public_fresh_questions", {})
    key = (
        version.id,
        version.published_at,
        lang,
        tuple((s.id, s.name, s.name_en) for s in services),
        skip_service,
    )
    html = rendered.get(key)
    if html is None:
        # the template autoescapes: its output is safe HTML already
        page = render_template("public/_questions.html", questions=questions(), lang=lang)
        html = Markup(page)  # noqa: S704
        if len(rendered) >= FRESH_QUESTIONS_MAX:
            rendered.clear()
        rendered[key] = html
    return html


#: the same answers sent again from this browser to the same form within this many
#: seconds are a resend (back button, restored answers), not a new response
RESEND_WINDOW = 30 * 60


def _show(target: Target | Any, channel: Channel | None = None):  # type: ignore[no-untyped-def]
    if not isinstance(target, Target):
        return target
    return _render(target, form_key=_new_form_key(target, channel or target.channel))


def _is_resend(target: Target, digest: str, now: dt.datetime) -> bool:
    """This browser sent these very answers to this version of the form a moment ago."""
    sent = session.get("sent", {}).get(target.form_url)
    if not sent or target.channel == Channel.KIOSK:
        return False
    previous_digest, version_id, at = sent
    return (
        previous_digest == digest
        and version_id == target.version.id  # type: ignore[union-attr]
        and now.timestamp() - at < RESEND_WINDOW
    )


def _remember_sent(target: Target, digest: str, now: dt.datetime) -> None:
    """Keep a fingerprint of what this browser just sent (not on a shared kiosk)."""
    if target.channel == Channel.KIOSK:
        return
    sent = {url: v for url, v in session.get("sent", {}).items() if url != target.form_url}
    sent[target.form_url] = (digest, target.version.id, int(now.timestamp()))  # type: ignore[union-attr]
    session["sent"] = dict(list(sent.items())[-5:])


def _accept(target: Target | Any):  # type: ignore[no-untyped-def]
    if not isinstance(target, Target):
        return target
    raw = request.form
    # A bot filled the field people never see: pretend success, store nothing.
    if raw.get("website"):
        return redirect(target.thanks_url, code=303)
    try:
        key = _serializer().loads(raw.get("form_key", ""), max_age=FORM_MAX_AGE)
        validate_csrf(raw.get("csrf_token"))
    except (BadSignature, ValidationError):
        key = None
    if key is None or key.get("v") != target.version.id:  # type: ignore[union-attr]
        # Too old, not ours, or the survey was republished meanwhile: ask again, answers kept.
        return _render(
            target,
            form_key=_new_form_key(target, target.channel),
            kept=survey_form.kept_answers(raw),
            notice="stale",
            status=409,
        )
    if db.scalar(select(Response.id).where(Response.idempotency_key == key["k"])):
        return redirect(target.thanks_url, code=303)  # stored by an earlier tap

    definition = definition_for(target.version)  # type: ignore[arg-type]
    preset = target.preset_service
    result = survey_form.evaluate(
        definition, raw, target.services, preset_service_id=preset.id if preset else None
    )
    officer_id = _officer_choice(raw, key)
    contact, contact_errors = parse_contact(raw)
    if result.errors or result.unknown_keys or officer_id is False or contact_errors:
        errors: dict[str, Any] = {**result.errors, **contact_errors}
        if officer_id is False:
            errors["_officer"] = True
        return _render(
            target,
            form_key=raw["form_key"],
            kept=survey_form.kept_answers(raw),
            errors=errors,
            notice="unknown" if result.unknown_keys and not errors else None,
            status=422,
        )

    now = utcnow()
    digest = abuse.answers_digest(result.answers)
    if _is_resend(target, digest, now):
        return redirect(target.thanks_url, code=303)
    config = current_app.config
    suspicion = abuse.Suspicion(None, burst=False)
    if target.channel != Channel.KIOSK:
        suspicion = abuse.assess(
            db,
            service_point_id=target.point.id if target.point else None,
            digest=digest,
            now=now,
            remote_addr=request.remote_addr,
            staff_networks=config["STAFF_NETWORKS"],
            burst_window=dt.timedelta(seconds=config["ABUSE_BURST_WINDOW_SECONDS"]),
            burst_size=config["ABUSE_BURST_SIZE"],
            employee_id=officer_id or None,
        )
    row = {
        "agency_id": target.unit.agency_id,
        "unit_id": target.unit.id,
        "service_point_id": target.point.id if target.point else None,
        "service_id": result.service_id,
        "employee_id": officer_id or None,
        "survey_version_id": target.version.id,  # type: ignore[union-attr]
        "channel": Channel(key["c"]),
        "submitted_at": now,
        "timezone": target.unit.timezone,
        "language": _language(),
        "answers": result.answers,
        "answers_digest": digest,
        "idempotency_key": key["k"],
        "flagged": suspicion.reason is not None,
        "flag_reason": suspicion.reason,
    }
    code = target.code

    def store() -> None:
        # one INSERT; a concurrent tap of the same form inserts nothing and gets no id
        response_id = db.execute(_insert_response(), row).scalar()
        if response_id is None:
            return
        suspicion.flag_earlier(db)
        tally = Tally()
        tally.add(_Stored(**row), definition)  # type: ignore[arg-type]
        tally.write(db)
        on_response(db, response_id, row, definition, complaint=contact is not None)
        if contact is not None:
            db.add(contact_row(response_id, contact))
        if contact is not None:
            db.flush()
        if code is not None:
            # spent only if still unused: of two taps at once, one response is kept
            spent = db.execute(
                update(TransactionCode)
                .where(TransactionCode.id == code.id, TransactionCode.used_at.is_(None))
                .values(used_at=now, response_id=response_id)
                .execution_options(synchronize_session=False)
            )
            if spent.rowcount != 1:
                raise _CodeSpent

    if contact is None and code is None:
        store()  # nothing else to write: any error is a 500, never a silent thank-you
    else:
        try:
            with db.begin_nested():
                store()
        except (IntegrityError, _CodeSpent):
            pass  # the code or contact was stored by a concurrent tap
    _remember_sent(target, digest, now)
    return redirect(target.thanks_url, code=303)


class _CodeSpent(Exception):
    """A concurrent tap used the transaction code first; this response is undone."""


@dataclass(frozen=True, slots=True)
class _Stored:
    """A stored response's columns, as the aggregate tally reads them."""

    agency_id: int
    unit_id: int
    service_point_id: int | None
    service_id: int | None
    employee_id: int | None
    survey_version_id: int
    channel: Channel
    submitted_at: dt.datetime
    timezone: Any
    language: str
    answers: dict[str, Any]
    answers_digest: str
    idempotency_key: str
    flagged: bool
    flag_reason: str | None


@cache
def _insert_response() -> TextClause:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id.

    Written as text, with each column's own type for its value: SQLAlchemy cannot
    cache the dialects' on-conflict constructs and would compile one on every
    submission; this text is the same SQL on SQLite and PostgreSQL, compiled once.
    """
    table = Response.__table__
    names = [f.name for f in fields(_Stored)]
    # names from the model and the dataclass, never from a request
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)})"  # noqa: S608
        f" VALUES ({', '.join(':' + name for name in names)})"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    types = [bindparam(name, type_=table.c[name].type) for name in names]
    return text(sql).bindparams(*types).columns(table.c.id)


def _officer_choice(raw: Any, key: dict) -> int | None | bool:
    """The officer credited: None for nobody, False for an id that was not offered."""
    shown: list[int] = key.get("o", [])
    if len(shown) == 1:
        return shown[0]
    choice = raw.get("officer", "")
    if choice in ("", "none"):
        return None
    try:
        officer = int(choice)
    except ValueError:
        return False
    return officer if officer in shown else False


# --- routes ---------------------------------------------------------------------

PUBLIC_KINDS = (LinkKind.COUNTER, LinkKind.NAMEPLATE)


@bp.get("/s/<token>")
@ratelimit.with_device_cookie
def form(token: str):  # type: ignore[no-untyped-def]
    # the poster's QR code carries ?c=qr; a typed short link does not
    channel = Channel.QR if request.args.get("c") == "qr" else Channel.LINK
    return _show(_link_target(token, PUBLIC_KINDS), channel)


@bp.post("/s/<token>")
@csrf.exempt  # checked in _accept, so an expired token re-renders the answers instead of a 400
@ratelimit.public_post
def submit(token: str):  # type: ignore[no-untyped-def]
    return _accept(_link_target(token, PUBLIC_KINDS))


@bp.get("/s/<token>/terima-kasih")
def form_thanks(token: str):  # type: ignore[no-untyped-def]
    return _thanks(token, PUBLIC_KINDS)


def _thanks(token: str, kinds: tuple[LinkKind, ...], **extra: Any):  # type: ignore[no-untyped-def]
    """The thank-you page names the unit only: no survey, roster or services to look up."""
    link = _find_link(token, kinds)
    return render_template("public/thanks.html", unit=link.home_unit, lang=_language(), **extra)


@bp.route("/k/<token>", methods=["GET", "POST"])
@csrf.exempt
@ratelimit.small_body  # no rate limit: one tablet serves everybody at the exit
def kiosk(token: str):  # type: ignore[no-untyped-def]
    target = _link_target(token, (LinkKind.KIOSK,))
    return _accept(target) if request.method == "POST" else _show(target)


@bp.get("/k/<token>/terima-kasih")
def kiosk_thanks(token: str):  # type: ignore[no-untyped-def]
    return _thanks(
        token,
        (LinkKind.KIOSK,),
        restart_url=url_for("public.kiosk", token=token),
        restart_seconds=current_app.config["KIOSK_RESET_SECONDS"],
    )


@bp.route("/c/<code>", methods=["GET", "POST"])
@csrf.exempt
@ratelimit.public_post
def code(code: str):  # type: ignore[no-untyped-def]
    target = _code_target(code)
    return _accept(target) if request.method == "POST" else _show(target)


@bp.get("/c/<code>/terima-kasih")
def code_thanks(code: str):  # type: ignore[no-untyped-def]
    found = find_code(db, code)
    if found is None or found.used_at is None:
        abort(404)
    unit = public_cache.point_place(db, found.service_point_id).unit
    return render_template("public/thanks.html", unit=unit, lang=_language())
