"""E-mail to unit heads about new negative responses: at once, or in a daily digest.

Each head chooses in ``User.notify_negative`` (off, immediate, daily) and is
told about follow-ups of the units they see (their unit subtree, or the whole
agency). Flagged responses are never mailed.

Immediate: :func:`~feedback_app.followups.service.on_response` notes the new
follow-up's id in the session; once the request has been committed, the
``teardown_request`` hook below puts one ``notify_follow_ups`` task on the
app's Huey queue, and the worker sends the e-mail and sets ``notified_at``.
The citizen's request never waits for the mail server, and a mail server that
is down is retried by Huey.

Daily: ``flask send-digests`` (also Huey's periodic ``send_digests`` task)
sends each head the follow-ups of the previous local day in their scope.

What a message says: the unit, counter, service and local time, the low
answers with their labels, whether the citizen wrote a comment or asked to be
contacted, and a link. Never the comment itself, the contact details or the
officer's name: those stay behind the sign-in.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from feedback_app.db import get_session, utcnow
from feedback_app.followups.service import (
    HANDLER_ROLES,
    PENDING,
    Reasons,
    definition_of,
    handlers_query,
    local_time,
    negative_reasons,
    units_above,
)
from feedback_app.models import (
    Agency,
    FollowUp,
    NotifyMode,
    Response,
    ResponseContact,
    Service,
    ServicePoint,
    Unit,
    User,
)
from feedback_app.results.periods import local_today
from feedback_app.results.slices import Slice, UnitTree
from surveys.skm import ELEMENTS_BY_KEY

log = logging.getLogger(__name__)

#: e-mail goes out in Indonesian: heads read it outside the app, whatever the citizen's language
MAIL_LOCALE = "id"
FALLBACK_BASE_URL = "http://localhost:5000/"


# --------------------------------------------------------------------------- sending


def send_messages(config: Mapping[str, Any], messages: Iterable[EmailMessage]) -> int:
    """Send over one SMTP connection; returns how many were sent (0 without ``MAIL_SERVER``)."""
    messages = list(messages)
    if not messages:
        return 0
    server = config.get("MAIL_SERVER")
    if not server:
        log.warning("MAIL_SERVER is not set: %d notification(s) not sent", len(messages))
        return 0
    port, timeout = int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
    smtp: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(server, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(server, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        sent = 0
        for message in messages:
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                # one bad address must not stop (or, on a retry, repeat) everyone else's
                log.warning("notification to %s refused by the mail server", message["To"])
                continue
            sent += 1
    return sent


def _message(config: Mapping[str, Any], user: User, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = formataddr((user.name, user.email))
    message["Subject"] = subject
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(body, cte="quoted-printable")
    return message


# --------------------------------------------------------------------------- links


def link_base(config: Mapping[str, Any]) -> str:
    """Where links in e-mail point: configured, else the current request's address."""
    configured = config.get("MAIL_LINK_BASE_URL") or config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured)
    if has_request_context():
        return request.url_root
    return FALLBACK_BASE_URL


def external_url(app: Flask, base_url: str, endpoint: str, **values: Any) -> str:
    """An absolute address of ``endpoint`` under ``base_url``, with or without a request."""
    parts = urlsplit(base_url)
    adapter = app.url_map.bind(
        parts.netloc or "localhost",
        script_name=parts.path or "/",
        url_scheme=parts.scheme or "http",
    )
    return adapter.build(endpoint, values, force_external=True)


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Item:
    """One follow-up as a message tells it."""

    follow_up: FollowUp
    response: Response
    unit: str
    point: str | None
    service: str | None
    reasons: Reasons


def _items(session: Session, follow_ups: Iterable[FollowUp]) -> list[Item]:
    items = []
    for follow_up in follow_ups:
        response = session.get(Response, follow_up.response_id)
        assert response is not None
        contact = session.scalar(select(exists().where(ResponseContact.response_id == response.id)))
        point = (
            session.get(ServicePoint, response.service_point_id)
            if response.service_point_id
            else None
        )
        service = session.get(Service, response.service_id) if response.service_id else None
        unit = session.get(Unit, follow_up.unit_id)
        items.append(
            Item(
                follow_up,
                response,
                unit.name if unit else "",
                point.name if point else None,
                service.name if service else None,
                negative_reasons(
                    definition_of(session, response), response.answers, complaint=bool(contact)
                ),
            )
        )
    return items


def _describe(item: Item, link: str) -> list[str]:
    response = item.response
    moment = local_time(response.submitted_at, response.timezone)
    lines = [
        _("Unit: %(unit)s", unit=item.unit),
        _(
            "Waktu: %(time)s %(zone)s",
            time=moment.strftime("%d-%m-%Y %H:%M"),
            zone=response.timezone.value,
        ),
    ]
    if item.point:
        lines.append(_("Loket: %(point)s", point=item.point))
    if item.service:
        lines.append(_("Jenis layanan: %(service)s", service=item.service))
    if item.reasons.low:
        lines.append(_("Nilai rendah:"))
        for low in item.reasons.low:
            # an element by its short name (Waktu penyelesaian), other questions by their text
            element = ELEMENTS_BY_KEY.get(low.key) if low.is_element else None
            question = (element.name if element else low.question).get(MAIL_LOCALE)
            lines.append(
                "- "
                + _(
                    "%(key)s %(question)s: %(score)d (%(label)s)",
                    key=low.key,
                    question=question,
                    score=low.score,
                    label=low.label.get(MAIL_LOCALE),
                )
            )
    if item.reasons.comment:
        lines.append(_("Warga menulis apa yang perlu diperbaiki (baca di aplikasi)."))
    if item.reasons.complaint:
        lines.append(_("Warga meminta dihubungi; kontaknya hanya dapat dilihat di aplikasi."))
    lines.append(_("Buka tindak lanjut: %(link)s", link=link))
    return lines


def _footer(app: Flask, base_url: str, mode: NotifyMode) -> list[str]:
    settings = external_url(app, base_url, "followups.notification_settings")
    reason = (
        _("Anda menerima e-mail ini karena memilih pemberitahuan segera.")
        if mode == NotifyMode.IMMEDIATE
        else _("Anda menerima e-mail ini karena memilih ringkasan harian.")
    )
    return ["", "--", reason, _("Ubah pilihan: %(link)s", link=settings)]


def immediate_message(app: Flask, user: User, items: list[Item], base_url: str) -> EmailMessage:
    with force_locale(MAIL_LOCALE):
        units = sorted({item.unit for item in items})
        subject = _("Respons negatif baru: %(units)s", units=", ".join(units))
        lines = [_("Yth. %(name)s,", name=user.name), ""]
        lines.append(
            _("Ada %(n)d respons warga baru yang perlu ditindaklanjuti.", n=len(items))
            if len(items) > 1
            else _("Ada respons warga baru yang perlu ditindaklanjuti.")
        )
        for item in items:
            link = external_url(app, base_url, "followups.detail", follow_up_id=item.follow_up.id)
            lines += ["", *_describe(item, link)]
        lines += _footer(app, base_url, NotifyMode.IMMEDIATE)
        return _message(app.config, user, subject, "\n".join(lines) + "\n")


def digest_message(
    app: Flask, user: User, day: dt.date, items: list[Item], base_url: str
) -> EmailMessage:
    with force_locale(MAIL_LOCALE):
        when = day.strftime("%d-%m-%Y")
        subject = _(
            "Ringkasan harian %(day)s: %(n)d respons perlu ditindaklanjuti", day=when, n=len(items)
        )
        lines = [_("Yth. %(name)s,", name=user.name), ""]
        lines.append(
            _(
                "Pada %(day)s ada %(n)d respons warga yang perlu ditindaklanjuti.",
                day=when,
                n=len(items),
            )
        )
        by_unit: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            by_unit[item.unit].append(item)
        for unit in sorted(by_unit):
            lines += ["", f"== {unit} ({len(by_unit[unit])}) =="]
            for item in by_unit[unit]:
                link = external_url(
                    app, base_url, "followups.detail", follow_up_id=item.follow_up.id
                )
                lines += ["", *_describe(item, link)]
        inbox = external_url(app, base_url, "followups.inbox")
        lines += ["", _("Semua tindak lanjut: %(link)s", link=inbox)]
        lines += _footer(app, base_url, NotifyMode.DAILY)
        return _message(app.config, user, subject, "\n".join(lines) + "\n")


# --------------------------------------------------------------------------- immediate


def notify_immediately(session: Session, follow_up_ids: Iterable[int], base_url: str) -> int:
    """E-mail the heads in immediate mode about these follow-ups; returns messages sent.

    Follow-ups already notified, of flagged responses, or that no longer exist
    (their request was rolled back) are skipped. ``notified_at`` is set for the
    ones told; the caller commits.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ids = sorted(set(follow_up_ids))
    if not ids:
        return 0
    follow_ups = [
        f
        for f in session.scalars(
            select(FollowUp)
            .join(Response, Response.id == FollowUp.response_id)
            .where(
                FollowUp.id.in_(ids),
                FollowUp.notified_at.is_(None),
                Response.flagged.is_(False),
            )
            .order_by(FollowUp.id)
        )
    ]
    per_user: dict[int, tuple[User, list[Item]]] = {}
    told: set[int] = set()
    for item in _items(session, follow_ups):
        above = units_above(session, item.follow_up.unit_id)
        query = handlers_query(item.response.agency_id, above).where(
            User.notify_negative == NotifyMode.IMMEDIATE
        )
        for user in session.scalars(query):
            per_user.setdefault(user.id, (user, []))[1].append(item)
            told.add(item.follow_up.id)
    messages = [immediate_message(app, user, items, base_url) for user, items in per_user.values()]
    sent = send_messages(app.config, messages)
    if sent:
        now = utcnow()
        for follow_up in follow_ups:
            if follow_up.id in told:
                follow_up.notified_at = now
    return sent


def run_notification_task(app: Flask, follow_up_ids: list[int], base_url: str) -> None:
    """The body of the ``notify_follow_ups`` task: its own app context, session and commit."""
    with app.app_context():
        session = get_session()
        notify_immediately(session, follow_up_ids, base_url)
        session.commit()


# --------------------------------------------------------------------------- daily digest


def send_digests(session: Session, day: dt.date | None = None, base_url: str | None = None) -> int:
    """Send every head in daily mode the follow-ups of ``day`` in their scope.

    ``day`` is a local day; by default yesterday in each agency's own time zone.
    Returns the number of messages sent. Sets ``notified_at`` where it was empty;
    the caller commits.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base_url = base_url or link_base(app.config)
    users = list(
        session.scalars(
            select(User)
            .where(
                User.notify_negative == NotifyMode.DAILY,
                User.active.is_(True),
                User.agency_id.is_not(None),
                User.role.in_(HANDLER_ROLES),
            )
            .order_by(User.agency_id, User.id)
        )
    )
    messages = []
    told: set[int] = set()
    trees: dict[int, UnitTree] = {}
    for user in users:
        assert user.agency_id is not None
        agency = session.get(Agency, user.agency_id)
        if agency is None:
            continue
        local_day = day or local_today(agency.timezone) - dt.timedelta(days=1)
        tree = trees.get(agency.id) or trees.setdefault(
            agency.id, UnitTree.load(session, agency.id)
        )
        units = None if user.unit_id is None else tree.subtree(user.unit_id)
        scope = Slice(agency.id, start=local_day, end=local_day, unit_ids=units)
        follow_ups = list(
            session.scalars(
                select(FollowUp)
                .join(Response, Response.id == FollowUp.response_id)
                .where(*scope.response_filters())
                .order_by(Response.submitted_at, FollowUp.id)
            )
        )
        if not follow_ups:
            continue
        messages.append(digest_message(app, user, local_day, _items(session, follow_ups), base_url))
        told.update(f.id for f in follow_ups)
    sent = send_messages(app.config, messages)
    if sent:
        now = utcnow()
        for follow_up in session.scalars(select(FollowUp).where(FollowUp.id.in_(sorted(told)))):
            if follow_up.notified_at is None:
                follow_up.notified_at = now
    return sent


def run_digest_task(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        send_digests(session)
        session.commit()


# --------------------------------------------------------------------------- wiring


def enqueue(app: Flask, follow_up_ids: list[int], base_url: str) -> None:
    app.extensions["followup_tasks"]["notify"](follow_up_ids, base_url)


def init_app(app: Flask) -> None:
    """Register the tasks on the app's Huey queue and the after-commit hook."""
    from feedback_app import jobs

    if "huey" not in app.extensions:
        jobs.init_app(app)
    huey = app.extensions["huey"]

    @huey.task(name="notify_follow_ups", retries=3, retry_delay=120)
    def notify_follow_ups(follow_up_ids: list[int], base_url: str) -> None:
        run_notification_task(app, follow_up_ids, base_url)

    @huey.periodic_task(
        crontab(minute=app.config["DIGEST_CRON_MINUTE"], hour=app.config["DIGEST_CRON_HOUR"]),
        name="send_digests",
    )
    def send_daily_digests() -> None:
        run_digest_task(app)

    app.extensions["followup_tasks"] = {"notify": notify_follow_ups, "digest": send_daily_digests}

    @app.after_request
    def remember_status(response):  # type: ignore[no-untyped-def]
        g.follow_up_status = response.status_code
        return response

    @app.teardown_request
    def notify_after_commit(error: BaseException | None) -> None:
        # teardown runs after every after_request hook, so after the request's commit;
        # the commit happened exactly when create_app's hook saw a status below 400
        session = g.get("db_session")
        ids = session.info.pop(PENDING, None) if session is not None else None
        if not ids or error is not None or g.get("follow_up_status", 500) >= 400:
            return
        if not app.config.get("MAIL_SERVER"):
            return
        try:
            wanted = anyone_immediate(session, ids)
            session.rollback()  # end this read; the task works in a session of its own
            if wanted:
                enqueue(app, ids, link_base(app.config))
        except Exception:  # the response is stored; a lost e-mail must not become an error page
            log.exception("could not queue the notification of follow-ups %s", ids)


def anyone_immediate(session: Session, follow_up_ids: list[int]) -> bool:
    """Whether any head of these follow-ups' agencies wants immediate e-mail (else no task)."""
    agencies = (
        select(Unit.agency_id)
        .join(FollowUp, FollowUp.unit_id == Unit.id)
        .where(FollowUp.id.in_(follow_up_ids))
    )
    return bool(
        session.scalar(
            select(
                exists().where(
                    User.notify_negative == NotifyMode.IMMEDIATE,
                    User.active.is_(True),
                    User.role.in_(HANDLER_ROLES),
                    User.agency_id.in_(agencies),
                )
            )
        )
    )
