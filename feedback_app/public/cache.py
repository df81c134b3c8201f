"""What a public token leads to, resolved once per process for a few seconds.

A citizen's round trip (GET form, POST answers, GET thank-you) would otherwise
look up the link, the counter, its unit and agency, the assigned survey, its
current version and the unit's services three times. These are read here into
plain immutable values (with the attribute names the templates use:
``unit.name``, ``unit.agency.name``, ``point.name`` …) and kept for
``PUBLIC_CACHE_SECONDS`` (default 30; 0 disables the cache).

A counter's roster is kept too, as the shifts that may be running at some
moment of the entry's life; who is on duty is picked from them at each request.

What is *not* cached: a nameplate's current counter, transaction codes, rate
limits, and anything a citizen sends.

Freshness: whenever a session of this process flushes or commits a change to a
link, agency, unit, counter, service, officer, roster entry, survey or survey version, the
whole cache of this process is dropped, so a retired or regenerated link
answers 410 at once in the worker where it was retired. Other worker processes
see such a change when their entries expire, at most ``PUBLIC_CACHE_SECONDS``
later; so do changes made outside the ORM (bulk ``UPDATE`` statements, SQL
consoles).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from itertools import chain
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from feedback_app.models import (
    Agency,
    Employee,
    LinkKind,
    PublicLink,
    RosterEntry,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    TimeZone,
    Unit,
)
from feedback_app.models.survey import SurveyStatus
from feedback_app.public.links import assigned_survey, current_version, find_link

DEFAULT_SECONDS = 30
#: a flood of distinct (valid) tokens cannot grow a worker without bound
MAX_ENTRIES = 20_000

T = TypeVar("T")


# --- plain values ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    name: str
    active: bool
    timezone: TimeZone
    agency_id: int
    agency: AgencyInfo


@dataclass(frozen=True, slots=True)
class PointInfo:
    id: int
    name: str
    active: bool
    unit_id: int


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    id: int
    name: str
    name_en: str | None


@dataclass(frozen=True, slots=True)
class EmployeeInfo:
    id: int
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class Shift:
    starts_at: dt.datetime
    ends_at: dt.datetime
    officer: EmployeeInfo


@dataclass(frozen=True, slots=True)
class SurveyInfo:
    id: int
    status: SurveyStatus
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None


@dataclass(frozen=True, slots=True, eq=False)
class VersionInfo:
    """Enough of a survey version for ``definition_for`` (id, publication, JSON)."""

    id: int
    published_at: dt.datetime | None
    definition: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Place:
    """A counter (or a unit without one) and the survey a citizen there answers."""

    unit: UnitInfo
    point: PointInfo | None
    survey: SurveyInfo | None
    version: VersionInfo | None
    services: tuple[ServiceInfo, ...]


@dataclass(frozen=True, slots=True)
class LinkInfo:
    id: int
    token: str
    kind: LinkKind
    retired: bool
    service_point_id: int | None
    employee: EmployeeInfo | None
    #: the unit the thank-you page names: the counter's, or the officer's own
    home_unit: UnitInfo


# --- the cache ---------------------------------------------------------------------

#: bumped by every clear(); an entry built while it moved is not kept
_generation = 0


def clear() -> None:
    """Forget every resolved token and place (in every app of this process)."""
    global _generation
    _generation += 1


def _seconds() -> float:
    return float(current_app.config.get("PUBLIC_CACHE_SECONDS", DEFAULT_SECONDS) or 0)


def _entries() -> dict[Hashable, tuple[float, int, Any]]:
    return current_app.extensions.setdefault("public_cache", {})


def cached(key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, remembered under ``key`` for PUBLIC_CACHE_SECONDS. None is not kept."""
    ttl = _seconds()
    if ttl <= 0:
        return build()
    entries = _entries()
    now = time.monotonic()
    hit = entries.get(key)
    if hit is not None and hit[0] > now and hit[1] == _generation:
        return hit[2]  # type: ignore[no-any-return]
    generation = _generation
    value = build()
    if value is not None and generation == _generation:
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (now + ttl, generation, value)
    return value


#: changes to these drop the cache (see the module docstring)
WATCHED = (
    PublicLink,
    Agency,
    Unit,
    ServicePoint,
    Service,
    Employee,
    RosterEntry,
    Survey,
    SurveyVersion,
)
_DIRTY = "public_cache_dirty"


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, WATCHED):
            session.info[_DIRTY] = True
            clear()
            return


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # again after the commit: an entry built between flush and commit read the old rows
    if session.info.pop(_DIRTY, False):
        clear()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # an entry built after the flush may hold rows that were never committed
    if session.info.pop(_DIRTY, False):
        clear()


# --- building the values -------------------------------------------------------------


def _unit_info(unit: Unit) -> UnitInfo:
    return UnitInfo(
        id=unit.id,
        name=unit.name,
        active=bool(unit.active),
        timezone=TimeZone(unit.timezone),
        agency_id=unit.agency_id,
        agency=AgencyInfo(unit.agency.id, unit.agency.name),
    )


def _point_info(point: ServicePoint) -> PointInfo:
    return PointInfo(id=point.id, name=point.name, active=bool(point.active), unit_id=point.unit_id)


def _build_link(session: Session, token: str) -> LinkInfo | None:
    link = find_link(session, token)
    if link is None:
        return None
    employee = None
    if link.service_point is not None:
        home = link.service_point.unit
    else:
        assert link.employee is not None
        home = link.employee.unit
        employee = EmployeeInfo(link.employee.id, link.employee.name, bool(link.employee.active))
    return LinkInfo(
        id=link.id,
        token=link.token,
        kind=LinkKind(link.kind),
        retired=link.retired_at is not None,
        service_point_id=link.service_point_id,
        employee=employee,
        home_unit=_unit_info(home),
    )


def link_info(session: Session, token: str) -> LinkInfo | None:
    """The link behind ``token`` (retired ones too), or None when there is none."""
    if not token.isascii() or not token.isalnum() or len(token) > 32:
        return None
    return cached(("link", token.lower()), lambda: _build_link(session, token))


def _build_place(session: Session, unit: Unit, point: ServicePoint | None) -> Place:
    survey = assigned_survey(session, unit, point)
    version = current_version(session, survey)
    services = session.execute(
        select(Service.id, Service.name, Service.name_en)
        .where(Service.unit_id == unit.id, Service.active.is_(True))
        .order_by(Service.name)
    )
    return Place(
        unit=_unit_info(unit),
        point=_point_info(point) if point is not None else None,
        survey=SurveyInfo(survey.id, SurveyStatus(survey.status), survey.opens_at, survey.closes_at)
        if survey is not None
        else None,
        version=VersionInfo(version.id, version.published_at, version.definition)
        if version is not None
        else None,
        services=tuple(ServiceInfo(*row) for row in services),
    )


def point_place(session: Session, point_id: int) -> Place:
    """A counter, its unit, its survey and the unit's active services."""

    def build() -> Place:
        point = session.get(ServicePoint, point_id)
        assert point is not None
        return _build_place(session, point.unit, point)

    return cached(("point", point_id), build)


def unit_place(session: Session, unit_id: int) -> Place:
    """A unit away from any counter (a nameplate scanned off-roster)."""

    def build() -> Place:
        unit = session.get(Unit, unit_id)
        assert unit is not None
        return _build_place(session, unit, None)

    return cached(("unit", unit_id), build)


#: a shift that ends or begins this close to an entry's life is kept in it (clock skew)
_SHIFT_MARGIN = dt.timedelta(seconds=5)


def _build_shifts(
    session: Session, point_id: int, at: dt.datetime, ttl: float
) -> tuple[Shift, ...]:
    rows = session.execute(
        select(RosterEntry.starts_at, RosterEntry.ends_at, Employee.id, Employee.name)
        .join(Employee, RosterEntry.employee_id == Employee.id)
        .where(
            RosterEntry.service_point_id == point_id,
            RosterEntry.active.is_(True),
            RosterEntry.starts_at <= at + dt.timedelta(seconds=ttl) + _SHIFT_MARGIN,
            RosterEntry.ends_at > at - _SHIFT_MARGIN,
            Employee.active.is_(True),
        )
        .order_by(Employee.name, Employee.id)
    )
    return tuple(
        Shift(starts, ends, EmployeeInfo(employee_id, name, True))
        for starts, ends, employee_id, name in rows
    )


def officers_on_duty(session: Session, point_id: int, at: dt.datetime) -> list[EmployeeInfo]:
    """Who the roster places at this counter at ``at`` (as :func:`links.on_duty`), by name.

    The counter's shifts around now are read once per entry; an officer rostered
    twice over the same moment is named once.
    """
    ttl = _seconds()
    shifts = cached(("shifts", point_id), lambda: _build_shifts(session, point_id, at, ttl))
    seen: dict[int, EmployeeInfo] = {}
    for shift in shifts:
        if shift.starts_at <= at < shift.ends_at:
            seen.setdefault(shift.officer.id, shift.officer)
    return list(seen.values())
