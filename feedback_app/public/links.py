"""Public addresses of counters and nameplates, and what they lead to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_app.db import utcnow
from feedback_app.models import (
    Employee,
    LinkKind,
    PublicLink,
    RosterEntry,
    ServicePoint,
    Survey,
    SurveyStatus,
    SurveyVersion,
    TransactionCode,
    Unit,
)

#: the column naming what a link of each kind leads to (kiosks are many per counter)
_TARGET_COLUMNS = {LinkKind.COUNTER: "service_point_id", LinkKind.NAMEPLATE: "employee_id"}


def live_link_of(session: Session, kind: LinkKind, target_id: int) -> PublicLink | None:
    """The one live (not retired) link of this kind for a counter or an officer."""
    column = getattr(PublicLink, _TARGET_COLUMNS[kind])
    return session.scalar(
        select(PublicLink).where(
            column == target_id, PublicLink.kind == kind, PublicLink.retired_at.is_(None)
        )
    )


def ensure_link_of(session: Session, kind: LinkKind, target_id: int) -> PublicLink:
    """The target's live link, created on first use (never on a citizen's GET)."""
    link = live_link_of(session, kind, target_id)
    if link is None:
        link = PublicLink(kind=kind, **{_TARGET_COLUMNS[kind]: target_id})
        session.add(link)
        session.flush()
    return link


def reissue_link_of(session: Session, kind: LinkKind, target_id: int) -> PublicLink:
    """Retire the target's token (the old address then says so) and issue a new one."""
    old = live_link_of(session, kind, target_id)
    if old is not None:
        old.retired_at = utcnow()
        session.flush()  # the live-link unique index sees the old one retired first
    link = PublicLink(kind=kind, **{_TARGET_COLUMNS[kind]: target_id})
    session.add(link)
    session.flush()
    return link


def live_link(session: Session, point: ServicePoint) -> PublicLink | None:
    return live_link_of(session, LinkKind.COUNTER, point.id)


def ensure_counter_link(session: Session, point: ServicePoint) -> PublicLink:
    """The counter's live link, created on first use (never on a citizen's GET)."""
    return ensure_link_of(session, LinkKind.COUNTER, point.id)


def regenerate_counter_link(session: Session, point: ServicePoint) -> PublicLink:
    """Retire the counter's token and issue a new one (e.g. after a poster was defaced)."""
    return reissue_link_of(session, LinkKind.COUNTER, point.id)


def find_link(session: Session, token: str) -> PublicLink | None:
    if not token.isascii() or not token.isalnum() or len(token) > 32:
        return None
    return session.scalar(select(PublicLink).where(PublicLink.token == token.lower()))


def code_key(code: str) -> str | None:
    """The value a typed single-use code is looked up by (lower case, at most 16
    characters), or None when it cannot be a code: only ASCII letters and digits are
    (PostgreSQL refuses a query holding a NUL byte, so junk never reaches it)."""
    key = code.lower()[:16]
    return key if key.isascii() and key.isalnum() else None


def find_code(session: Session, code: str) -> TransactionCode | None:
    key = code_key(code)
    if key is None:
        return None
    return session.scalar(select(TransactionCode).where(TransactionCode.code == key))


def on_duty(session: Session, point: ServicePoint, at: dt.datetime) -> list[Employee]:
    """Officers the roster places at this counter at ``at``."""
    return list(
        session.scalars(
            select(Employee)
            .join(RosterEntry, RosterEntry.employee_id == Employee.id)
            .where(
                RosterEntry.service_point_id == point.id,
                RosterEntry.active.is_(True),
                RosterEntry.starts_at <= at,
                RosterEntry.ends_at > at,
                Employee.active.is_(True),
            )
            .order_by(Employee.name)
        )
    )


def duty_point(session: Session, employee: Employee, at: dt.datetime) -> ServicePoint | None:
    """The counter an officer is rostered at now (for nameplate links)."""
    return session.scalar(
        select(ServicePoint)
        .join(RosterEntry, RosterEntry.service_point_id == ServicePoint.id)
        .where(
            RosterEntry.employee_id == employee.id,
            RosterEntry.active.is_(True),
            RosterEntry.starts_at <= at,
            RosterEntry.ends_at > at,
        )
        .limit(1)
    )


def duty_point_id(session: Session, employee_id: int, at: dt.datetime) -> int | None:
    """The id of the counter an officer is rostered at now (:func:`duty_point`, ids only)."""
    return session.scalar(
        select(RosterEntry.service_point_id)
        .where(
            RosterEntry.employee_id == employee_id,
            RosterEntry.active.is_(True),
            RosterEntry.starts_at <= at,
            RosterEntry.ends_at > at,
        )
        .limit(1)
    )


def assigned_survey(session: Session, unit: Unit, point: ServicePoint | None) -> Survey | None:
    """The counter's own survey, else the nearest unit up the tree that names one,
    else the agency's default survey."""
    if point is not None and point.survey_id is not None:
        return session.get(Survey, point.survey_id)
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if current.survey_id is not None:
            return session.get(Survey, current.survey_id)
        seen.add(current.id)
        current = current.parent
    return session.scalar(
        select(Survey).where(Survey.agency_id == unit.agency_id, Survey.is_agency_default.is_(True))
    )


def survey_is_open(survey: Survey | None, now: dt.datetime) -> bool:
    """Whether the public form may accept answers for ``survey`` at ``now``:
    published (not closed or archived) and inside its optional date window."""
    if survey is None or survey.status != SurveyStatus.PUBLISHED:
        return False
    if survey.opens_at is not None and now < survey.opens_at:
        return False
    return not (survey.closes_at is not None and now >= survey.closes_at)


def current_version(session: Session, survey: Survey | None) -> SurveyVersion | None:
    if survey is None or survey.current_version_id is None:
        return None
    return session.get(SurveyVersion, survey.current_version_id)


def ensure_default_survey(session: Session, agency_id: int) -> Survey:
    """The agency's default survey, created from the official SKM template when missing.

    Called when an agency is set up, so a counter's QR code opens a survey from day one.
    """
    survey = session.scalar(
        select(Survey).where(Survey.agency_id == agency_id, Survey.is_agency_default.is_(True))
    )
    if survey is not None:
        return survey
    from surveys.serialization import definition_to_json
    from surveys.templates import skm_template

    now = utcnow()
    survey = Survey(
        agency_id=agency_id,
        name="Survei Kepuasan Masyarakat (SKM)",
        status=SurveyStatus.PUBLISHED,
        is_agency_default=True,
    )
    session.add(survey)
    session.flush()
    version = SurveyVersion(
        survey_id=survey.id,
        number=1,
        definition=definition_to_json(skm_template()),
        published_at=now,
    )
    session.add(version)
    session.flush()
    survey.current_version_id = version.id
    session.flush()
    return survey
