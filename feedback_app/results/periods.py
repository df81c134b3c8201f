"""Reporting periods on a unit's own calendar: day, week, month, quarter, semester, year, range.

Periods are plain date ranges with an inclusive end. They are compared with
``local_date`` of the aggregate tables, which is already the day in the unit's
time zone, so a period never needs a time zone of its own; only "today" does
(:func:`local_today`).

Every period has a short code for addresses and reports: ``2025-03-14`` (day),
``2025-W11`` (ISO week, Monday to Sunday), ``2025-03`` (month), ``2025-Q1``
(triwulan), ``2025-S1`` (semester), ``2025`` (year) and
``2025-01-01..2025-02-10`` (a custom range).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from feedback_app.models import TimeZone


class PeriodKind(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    SEMESTER = "semester"
    YEAR = "year"
    CUSTOM = "custom"


#: months per period of the kinds that are whole months
_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.SEMESTER: 6, PeriodKind.YEAR: 12}
#: the longest custom range accepted (a guard against absurd requests)
MAX_CUSTOM_DAYS = 3 * 366


class PeriodError(ValueError):
    """A period code or range that cannot be read."""


def _month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    #: inclusive
    end: dt.date
    kind: PeriodKind = PeriodKind.CUSTOM

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("a period ends on or after its start")

    # ----- construction

    @classmethod
    def containing(cls, kind: PeriodKind | str, day: dt.date) -> Period:
        """The period of ``kind`` that contains ``day`` (not for custom ranges)."""
        kind = PeriodKind(kind)
        if kind == PeriodKind.DAY:
            return cls(day, day, kind)
        if kind == PeriodKind.WEEK:
            monday = day - dt.timedelta(days=day.weekday())
            return cls(monday, monday + dt.timedelta(days=6), kind)
        if kind == PeriodKind.CUSTOM:
            raise PeriodError("a custom range has no 'containing' period")
        size = _MONTHS[kind]
        first_month = (day.month - 1) // size * size + 1
        start = _month_start(day.year, first_month)
        year, month = _add_months(day.year, first_month, size)
        return cls(start, _month_start(year, month) - dt.timedelta(days=1), kind)

    @classmethod
    def custom(cls, start: dt.date, end: dt.date) -> Period:
        if end < start:
            raise PeriodError("a period ends on or after its start")
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise PeriodError("a custom range is at most three years long")
        return cls(start, end, PeriodKind.CUSTOM)

    # ----- navigation

    def previous(self) -> Period:
        """The period just before: the same kind, or a range of the same length."""
        if self.kind == PeriodKind.CUSTOM:
            length = self.end - self.start
            end = self.start - dt.timedelta(days=1)
            return Period(end - length, end, PeriodKind.CUSTOM)
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        if self.kind == PeriodKind.CUSTOM:
            length = self.end - self.start
            start = self.end + dt.timedelta(days=1)
            return Period(start, start + length, PeriodKind.CUSTOM)
        return Period.containing(self.kind, self.end + dt.timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        result = []
        year, month = self.start.year, self.start.month
        while _month_start(year, month) <= self.end:
            result.append((year, month))
            year, month = _add_months(year, month, 1)
        return result

    def is_closed(self, today: dt.date) -> bool:
        """Whether the period is over (it ended before ``today``)."""
        return self.end < today

    # ----- codes

    @property
    def code(self) -> str:
        start = self.start
        if self.kind == PeriodKind.DAY:
            return start.isoformat()
        if self.kind == PeriodKind.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.MONTH:
            return f"{start.year}-{start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.SEMESTER:
            return f"{start.year}-S{(start.month - 1) // 6 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(start.year)
        return f"{start.isoformat()}..{self.end.isoformat()}"

    @property
    def number(self) -> int:
        """The quarter (1–4), semester (1–2), ISO week or month number within its year."""
        if self.kind == PeriodKind.WEEK:
            return self.start.isocalendar()[1]
        if self.kind in _MONTHS:
            return (self.start.month - 1) // _MONTHS[self.kind] + 1
        return self.start.day

    def __str__(self) -> str:
        return self.code


_CODES = [
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})\.\.(\d{4})-(\d{2})-(\d{2})"), "range"),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), PeriodKind.DAY),
    (re.compile(r"(\d{4})-W(\d{2})"), PeriodKind.WEEK),
    (re.compile(r"(\d{4})-(\d{2})"), PeriodKind.MONTH),
    (re.compile(r"(\d{4})-Q([1-4])"), PeriodKind.QUARTER),
    (re.compile(r"(\d{4})-S([12])"), PeriodKind.SEMESTER),
    (re.compile(r"(\d{4})"), PeriodKind.YEAR),
]


def parse_period(code: str) -> Period:
    """The period named by ``code`` (see the module docstring); ``PeriodError`` otherwise."""
    code = (code or "").strip().upper()
    for pattern, kind in _CODES:
        match = pattern.fullmatch(code)
        if match is None:
            continue
        numbers = [int(part) for part in match.groups()]
        try:
            if kind == "range":
                return Period.custom(dt.date(*numbers[:3]), dt.date(*numbers[3:]))
            if kind == PeriodKind.DAY:
                return Period.containing(kind, dt.date(*numbers))
            if kind == PeriodKind.WEEK:
                return Period.containing(kind, dt.date.fromisocalendar(numbers[0], numbers[1], 1))
            if kind == PeriodKind.MONTH:
                return Period.containing(kind, dt.date(numbers[0], numbers[1], 1))
            if kind in (PeriodKind.QUARTER, PeriodKind.SEMESTER):
                size = _MONTHS[PeriodKind(kind)]
                return Period.containing(kind, dt.date(numbers[0], (numbers[1] - 1) * size + 1, 1))
            return Period.containing(PeriodKind.YEAR, dt.date(numbers[0], 1, 1))
        except ValueError as error:
            raise PeriodError(str(error)) from None
    raise PeriodError(f"not a period code: {code!r}")


def local_today(zone: TimeZone | str, now: dt.datetime | None = None) -> dt.date:
    """Today's date in ``zone`` (WIB, WITA or WIT)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(TimeZone(zone).iana)).date()


def last_closed(kind: PeriodKind | str, today: dt.date) -> Period:
    """The latest period of ``kind`` that ended before ``today``."""
    return Period.containing(kind, today).previous()


def months_back(end: dt.date, count: int) -> list[Period]:
    """The ``count`` calendar months up to and including the month of ``end``, oldest first."""
    year, month = end.year, end.month
    result = []
    for back in range(count - 1, -1, -1):
        y, m = _add_months(year, month, -back)
        result.append(Period.containing(PeriodKind.MONTH, dt.date(y, m, 1)))
    return result
