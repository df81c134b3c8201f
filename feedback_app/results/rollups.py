"""Where the reading functions get their counts: the daily tables, or a coarser roll-up.

``response_counts`` and ``answer_counts`` keep every dimension (unit, counter,
employee, service, survey version) per local day. That is what drill-downs and
employee figures need, but it hardly compresses: with a realistic spread of
counters, officers and services, one response is nearly a slice of its own,
and ``answer_counts`` holds about 13 rows per response (measured by
``bench/dashboard.py``). An agency-wide 12-month trend then reads more rows
than a scan of the raw responses would.

A :class:`Rollup` is a coarser copy of one of those tables: fewer dimensions,
month grain (``local_date`` holds the first day of the month), or both. Its
row count stops growing once every cell is filled (200 units × 12 months × 36
element cells at most), so figures read from it cost the same at 100 000 and
at 1 000 000 responses. :func:`source` picks, for each question, the first
registered roll-up that can answer it (the slice filters only on dimensions it
keeps; month grain only for whole months and no per-day grouping) and falls
back to the daily table.

The three roll-ups the dashboard needs (:data:`ROLLUPS`) are tables of the
schema (``feedback_app.models.aggregates``, created by a migration that also
fills them for existing data). ``Tally`` keeps a counter per roll-up next to
the daily ones, with the same sign logic, so stored responses and flag moves
update them in the same transaction; ``rebuild`` empties and refills them.
``init_app`` registers them, so :func:`source` picks them; :func:`registered`
swaps in another set for a block (tests and benchmarks compare against the
daily tables with ``registered(())``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Integer, Table, cast, exists, extract, func, insert, select
from sqlalchemy.orm import Session

from feedback_app.models import AnswerCount, ResponseCount
from feedback_app.models.aggregates import (
    answer_month_counts,
    response_day_counts,
    response_month_hours,
)

#: the dimensions a slice may filter on or a figure may be grouped by
DIMENSIONS = frozenset({"unit", "service_point", "service", "employee", "survey_version"})
KINDS = ("answers", "volume", "hours")


@dataclass(frozen=True)
class Rollup:
    #: "answers" (value counts), "volume" (responses per day) or "hours" (per weekday and hour)
    kind: str
    table: Table
    #: the dimensions it keeps
    dimensions: frozenset[str]
    #: "day", or "month" (``local_date`` is the first day of the month)
    grain: str = "day"

    def covers(self, slice_: Any, by: Sequence[str] = ()) -> bool:
        """Whether this table gives exactly the figures of ``slice_`` grouped ``by``."""
        filtered = {
            dimension
            for dimension, value in (
                ("unit", slice_.unit_ids),
                ("service_point", slice_.service_point_id),
                ("service", slice_.service_id),
                ("employee", slice_.employee_id),
                ("survey_version", slice_.survey_version_id),
            )
            if value is not None
        }
        grouped = {name for name in by if name in DIMENSIONS}
        if not (filtered | grouped) <= self.dimensions:
            return False
        if self.grain == "month":
            if "date" in by:
                return False
            if slice_.start is not None and slice_.start.day != 1:
                return False
            if slice_.end is not None and (slice_.end.toordinal() + 1) != _next_month(slice_.end):
                return False
        return True

    @property
    def columns(self) -> Any:
        return self.table.c


def _next_month(day: Any) -> int:
    """The ordinal of the first day of the month after ``day``."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=1).toordinal()


BASE = {
    "answers": Rollup("answers", AnswerCount.__table__, DIMENSIONS),  # type: ignore[arg-type]
    "volume": Rollup("volume", ResponseCount.__table__, DIMENSIONS),  # type: ignore[arg-type]
    "hours": Rollup("hours", ResponseCount.__table__, DIMENSIONS),  # type: ignore[arg-type]
}

_registered: list[Rollup] = []


def register(rollup: Rollup) -> None:
    if rollup.kind not in KINDS:
        raise ValueError(f"kind is one of {KINDS}")
    if rollup not in _registered:
        _registered.append(rollup)


def unregister(rollup: Rollup) -> None:
    if rollup in _registered:
        _registered.remove(rollup)


@contextmanager
def registered(rollups: Iterable[Rollup]) -> Iterator[None]:
    """Use exactly these roll-ups inside the ``with`` block (benchmarks, tests).

    ``registered(())`` reads the daily tables only; the registrations in force
    before the block come back after it.
    """
    before = list(_registered)
    _registered.clear()
    try:
        for rollup in rollups:
            register(rollup)
        yield
    finally:
        _registered[:] = before


def source(kind: str, slice_: Any, by: Sequence[str] = ()) -> Rollup:
    """The coarsest registered table that answers ``slice_`` grouped ``by``, else the daily one."""
    for rollup in _registered:
        if rollup.kind == kind and rollup.covers(slice_, by):
            return rollup
    return BASE[kind]


# --------------------------------------------------------------------------- the roll-ups

_KEPT = frozenset({"unit", "survey_version"})

#: the three roll-ups the dashboard needs (tables in ``feedback_app.models.aggregates``)
ROLLUPS: dict[str, Rollup] = {
    "answers": Rollup("answers", answer_month_counts, _KEPT, "month"),
    "volume": Rollup("volume", response_day_counts, _KEPT, "day"),
    "hours": Rollup("hours", response_month_hours, _KEPT, "month"),
}


def register_all() -> None:
    """Let :func:`source` use :data:`ROLLUPS` (called by ``results.init_app``)."""
    for rollup in ROLLUPS.values():
        register(rollup)


def _month_start(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def fill(session: Session, rollups: dict[str, Rollup] | None = None) -> None:
    """Fill empty roll-up tables from the daily ones; a table with rows is left alone.

    ``Tally`` keeps the roll-ups in step once they exist, so this is for tables
    that were created (or emptied) next to daily tables that already hold counts:
    bulk loads that write only the daily tables, and the migration's data step.
    """
    rollups = rollups or ROLLUPS
    dialect = session.get_bind().dialect.name
    answers = AnswerCount.__table__.c  # type: ignore[attr-defined]
    responses = ResponseCount.__table__.c  # type: ignore[attr-defined]

    def write(rollup: Rollup, daily: Any, date: Any, extra: dict[str, Any]) -> None:
        group = [daily.agency_id, daily.unit_id, daily.survey_version_id, date, daily.flagged]
        group += list(extra.values())
        names = ["agency_id", "unit_id", "survey_version_id", "local_date", "flagged", *extra]
        if session.scalar(select(exists().select_from(rollup.table))):
            return
        query = select(*group, func.sum(daily["count"])).group_by(*group)
        session.execute(insert(rollup.table).from_select([*names, "count"], query))

    month = _month_start(answers.local_date, dialect)
    write(
        rollups["answers"],
        answers,
        month,
        {"question_key": answers.question_key, "value": answers.value},
    )
    write(rollups["volume"], responses, responses.local_date, {})
    weekday = (cast(extract("dow", responses.local_date), Integer) + 6) % 7
    write(
        rollups["hours"],
        responses,
        _month_start(responses.local_date, dialect),
        {"weekday": weekday, "local_hour": responses.local_hour},
    )
