"""What an export covers: the filters a person chose, checked against what they may see.

:class:`Filters` is what the export page, the CLI and the read API accept (and
what an :class:`~feedback_app.models.ExportJob` stores as JSON).
:func:`resolve` turns it into a :class:`Selection` for one :class:`Actor`:
every id named must lie inside the actor's agency and unit subtree, or the
whole request is :class:`OutOfScope` (a 404 for the web and the API).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from exports.rows import ZONE_OFFSETS
from feedback_app.accounts.access import MAX_ID
from feedback_app.models import (
    Agency,
    Response,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    Unit,
    subtree_ids,
)


class OutOfScope(LookupError):
    """Something named in the filters does not exist for this actor (answer 404)."""


class InvalidFilters(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Who asks: a person (user) or a machine (API token), and the part they may see."""

    #: None only for an installation administrator (who then names an agency)
    agency_id: int | None
    #: the root of the unit subtree they are limited to; None: the whole agency
    unit_id: int | None = None
    user_id: int | None = None
    api_token_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.agency_id is None


MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
ROMAN = ("I", "II", "III", "IV")

_PERIOD_RE = re.compile(r"(\d{4})(?:-(Q[1-4]|S[12]|\d{2}))?")


@dataclass(frozen=True)
class Period:
    start: dt.date
    #: inclusive
    end: dt.date
    label: str
    #: "year", "semester", "quarter", "month" or "range"
    kind: str

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "range":
            length = self.end - self.start
            end = self.start - dt.timedelta(days=1)
            return make_range(end - length, end)
        code = period_code(self)
        year = self.start.year
        if self.kind == "year":
            return parse_period(str(year - 1))
        if self.kind == "month":
            month = self.start.month - 1 or 12
            return parse_period(f"{year - (month == 12)}-{month:02d}")
        part, number = code[5], int(code[6])
        if number > 1:
            return parse_period(f"{year}-{part}{number - 1}")
        return parse_period(f"{year - 1}-{part}{4 if part == 'Q' else 2}")


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def parse_period(code: str) -> Period:
    """``2025``, ``2025-S1``, ``2025-Q3`` or ``2025-07`` as a period."""
    match = _PERIOD_RE.fullmatch(code.strip())
    if not match:
        raise InvalidFilters("period", "period must look like 2025, 2025-S1, 2025-Q3 or 2025-07")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise InvalidFilters("period", "year out of range")
    part = match.group(2)
    if part is None:
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), f"Tahun {year}", "year")
    if part[0] == "Q":
        q = int(part[1])
        return Period(
            dt.date(year, 3 * q - 2, 1),
            _month_end(year, 3 * q),
            f"Triwulan {ROMAN[q - 1]} {year}",
            "quarter",
        )
    if part[0] == "S":
        s = int(part[1])
        return Period(
            dt.date(year, 6 * s - 5, 1),
            _month_end(year, 6 * s),
            f"Semester {ROMAN[s - 1]} {year}",
            "semester",
        )
    month = int(part)
    if not 1 <= month <= 12:
        raise InvalidFilters("period", "month must be 01 to 12")
    return Period(
        dt.date(year, month, 1), _month_end(year, month), f"{MONTHS[month - 1]} {year}", "month"
    )


def period_code(period: Period) -> str:
    start = period.start
    if period.kind == "year":
        return str(start.year)
    if period.kind == "quarter":
        return f"{start.year}-Q{(start.month + 2) // 3}"
    if period.kind == "semester":
        return f"{start.year}-S{(start.month + 5) // 6}"
    if period.kind == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()}..{period.end.isoformat()}"


def _date_text(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def make_range(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise InvalidFilters("date_to", "the end date is before the start date")
    if (end - start).days > 3660:
        raise InvalidFilters("date_to", "at most ten years at once")
    return Period(start, end, f"{_date_text(start)} – {_date_text(end)}", "range")


def today_local() -> dt.date:
    return (dt.datetime.now(dt.UTC) + ZONE_OFFSETS["WIB"]).date()


@dataclass(frozen=True)
class Filters:
    """The filters of an export, as stored with a job: plain JSON values."""

    period: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    unit: int | None = None
    service_point: int | None = None
    service: int | None = None
    survey_version: int | None = None
    include_flagged: bool = False
    #: only for installation administrators, who belong to no agency
    agency: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Filters:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> Filters:
        """From request arguments or a form; raises :class:`InvalidFilters`."""

        def number(name: str) -> int | None:
            raw = args.get(name)
            if raw in (None, "", "0"):
                return None
            text = str(raw).strip()
            if isinstance(raw, bool) or not text.isdigit():
                raise InvalidFilters(name, f"{name} must be a whole number")
            value = int(text)
            if value > MAX_ID:
                # no record has such an id; the scope check then answers 404
                return MAX_ID
            return value

        def text(name: str) -> str | None:
            raw = args.get(name)
            return str(raw).strip()[:40] or None if raw not in (None, "") else None

        flagged = str(args.get("include_flagged", "")).lower() in ("1", "y", "yes", "true", "on")
        filters = cls(
            period=text("period"),
            date_from=text("date_from"),
            date_to=text("date_to"),
            unit=number("unit"),
            service_point=number("service_point"),
            service=number("service"),
            survey_version=number("survey_version"),
            include_flagged=flagged,
            agency=number("agency"),
        )
        filters.period_range()  # validate dates now
        return filters

    def period_range(self) -> Period:
        if self.date_from or self.date_to:
            try:
                start = dt.date.fromisoformat(self.date_from or self.date_to or "")
                end = dt.date.fromisoformat(self.date_to or self.date_from or "")
            except ValueError:
                raise InvalidFilters("date_from", "dates must be YYYY-MM-DD") from None
            return make_range(start, end)
        if self.period:
            return parse_period(self.period)
        return parse_period(str(today_local().year))


@dataclass
class Selection:
    """Resolved filters: everything checked against the actor's scope."""

    agency: Agency
    period: Period
    #: units whose responses count; None: the whole agency
    unit_ids: list[int] | None
    #: the unit chosen (or the actor's own root), for titles
    root_unit: Unit | None
    service_point: ServicePoint | None
    service: Service | None
    survey_version: SurveyVersion | None
    include_flagged: bool
    filters: Filters
    actor: Actor
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scope_name(self) -> str:
        return self.root_unit.name if self.root_unit is not None else self.agency.name

    def with_period(self, period: Period) -> Selection:
        return Selection(
            self.agency,
            period,
            self.unit_ids,
            self.root_unit,
            self.service_point,
            self.service,
            self.survey_version,
            self.include_flagged,
            self.filters,
            self.actor,
        )

    # ----- conditions on the raw responses and on the aggregate tables

    def response_conditions(self) -> list[Any]:
        conditions: list[Any] = [Response.agency_id == self.agency.id]
        if self.unit_ids is not None:
            conditions.append(Response.unit_id.in_(self.unit_ids))
        if self.service_point is not None:
            conditions.append(Response.service_point_id == self.service_point.id)
        if self.service is not None:
            conditions.append(Response.service_id == self.service.id)
        if self.survey_version is not None:
            conditions.append(Response.survey_version_id == self.survey_version.id)
        if not self.include_flagged:
            conditions.append(Response.flagged.is_(False))
        # the period in each unit's own clock: one UTC window per time zone
        windows = []
        for zone, offset in ZONE_OFFSETS.items():
            low = dt.datetime.combine(self.period.start, dt.time(), dt.UTC) - offset
            high = dt.datetime.combine(self.period.end, dt.time(), dt.UTC) - offset
            high += dt.timedelta(days=1)
            windows.append(
                and_(
                    Response.timezone == zone,
                    Response.submitted_at >= low,
                    Response.submitted_at < high,
                )
            )
        conditions.append(or_(*windows))
        return conditions

    def aggregate_conditions(self, model: Any) -> list[Any]:
        conditions: list[Any] = [
            model.agency_id == self.agency.id,
            model.local_date >= self.period.start,
            model.local_date <= self.period.end,
        ]
        if self.unit_ids is not None:
            conditions.append(model.unit_id.in_(self.unit_ids))
        if self.service_point is not None:
            conditions.append(model.service_point_id == self.service_point.id)
        if self.service is not None:
            conditions.append(model.service_id == self.service.id)
        if self.survey_version is not None:
            conditions.append(model.survey_version_id == self.survey_version.id)
        if not self.include_flagged:
            conditions.append(model.flagged.is_(False))
        return conditions

    def describe(self) -> dict[str, Any]:
        """The filters in words, for the audit log and the file's header."""
        return {
            "agency": self.agency.name,
            "period": self.period.label,
            "unit": self.root_unit.name if self.root_unit else None,
            "service_point": self.service_point.name if self.service_point else None,
            "service": self.service.name if self.service else None,
            "survey_version": self.survey_version.id if self.survey_version else None,
            "include_flagged": self.include_flagged,
        }


def resolve(session: Session, actor: Actor, filters: Filters) -> Selection:
    """Check every id in ``filters`` against ``actor``'s scope; :class:`OutOfScope` if any fails."""
    if actor.is_admin:
        if filters.agency is None:
            agency = session.scalar(select(Agency).order_by(Agency.id).limit(1))
        else:
            agency = session.get(Agency, filters.agency)
    else:
        if filters.agency is not None and filters.agency != actor.agency_id:
            raise OutOfScope("agency")
        agency = session.get(Agency, actor.agency_id)
    if agency is None:
        raise OutOfScope("agency")

    allowed = None if actor.unit_id is None else set(subtree_ids(session, actor.unit_id))
    root: Unit | None = None
    if filters.unit is not None:
        root = session.get(Unit, filters.unit)
        if root is None or root.agency_id != agency.id:
            raise OutOfScope("unit")
        if allowed is not None and root.id not in allowed:
            raise OutOfScope("unit")
        unit_ids: list[int] | None = subtree_ids(session, root.id)
    elif actor.unit_id is not None:
        root = session.get(Unit, actor.unit_id)
        unit_ids = sorted(allowed or ())
    else:
        unit_ids = None

    def in_units(unit_id: int) -> bool:
        if unit_ids is not None:
            return unit_id in unit_ids
        unit = session.get(Unit, unit_id)
        return unit is not None and unit.agency_id == agency.id

    point = None
    if filters.service_point is not None:
        point = session.get(ServicePoint, filters.service_point)
        if point is None or not in_units(point.unit_id):
            raise OutOfScope("service_point")
    service = None
    if filters.service is not None:
        service = session.get(Service, filters.service)
        if service is None or not in_units(service.unit_id):
            raise OutOfScope("service")
    version = None
    if filters.survey_version is not None:
        version = session.get(SurveyVersion, filters.survey_version)
        survey = session.get(Survey, version.survey_id) if version is not None else None
        if survey is None or survey.agency_id != agency.id:
            raise OutOfScope("survey_version")
    return Selection(
        agency=agency,
        period=filters.period_range(),
        unit_ids=unit_ids,
        root_unit=root,
        service_point=point,
        service=service,
        survey_version=version,
        include_flagged=filters.include_flagged,
        filters=filters,
        actor=actor,
    )
