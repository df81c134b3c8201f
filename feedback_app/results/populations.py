"""Service users per unit and period (the N of Krejcie–Morgan), and whether a sample reached it.

A figure is entered for a unit and a period and counts the users of the unit
*including its sub-units*, like the unit's IKM on the dashboard. A period's
population is the figure entered for exactly that period, or else the sum of
figures that tile it without gap or overlap (three months make a quarter).
Anything less is "not entered": a partial sum would understate the minimum
sample and could call a sample sufficient when it is not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_app.models import Unit, UnitPopulation
from feedback_app.results.periods import Period, PeriodError, parse_period
from surveys.scoring import SampleStatus, sample_status

#: the largest population accepted (more service users than Indonesia has people is a typo)
MAX_POPULATION = 300_000_000


def _tiled(rows: list[UnitPopulation], period: Period) -> int | None:
    for row in rows:
        if (row.period_start, row.period_end) == (period.start, period.end):
            return row.population
    ordered = sorted(rows, key=lambda r: r.period_start)
    expected = period.start
    total = 0
    for row in ordered:
        if row.period_start != expected:
            return None
        total += row.population
        expected = row.period_end + dt.timedelta(days=1)
    return total if ordered and expected == period.end + dt.timedelta(days=1) else None


def populations_for(session: Session, unit_ids: Iterable[int], period: Period) -> dict[int, int]:
    """The population of each unit in the period, where it is known (one query)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(UnitPopulation).where(
            UnitPopulation.unit_id.in_(ids),
            UnitPopulation.period_start >= period.start,
            UnitPopulation.period_end <= period.end,
        )
    )
    by_unit: dict[int, list[UnitPopulation]] = defaultdict(list)
    for row in rows:
        by_unit[row.unit_id].append(row)
    result = {}
    for unit_id, found in by_unit.items():
        population = _tiled(found, period)
        if population is not None:
            result[unit_id] = population
    return result


def population_for(session: Session, unit_id: int, period: Period) -> int | None:
    return populations_for(session, [unit_id], period).get(unit_id)


def sample_statuses(
    populations: Mapping[int, int], respondents: Mapping[int, int]
) -> dict[int, SampleStatus]:
    """The Krejcie–Morgan status of every unit with a known population."""
    return {
        unit_id: sample_status(population, respondents.get(unit_id, 0))
        for unit_id, population in populations.items()
    }


def save_population(
    session: Session, unit_id: int, period: Period, population: int
) -> UnitPopulation:
    """Enter or correct the figure for exactly this unit and period."""
    row = session.scalar(
        select(UnitPopulation).where(
            UnitPopulation.unit_id == unit_id,
            UnitPopulation.period_start == period.start,
            UnitPopulation.period_end == period.end,
        )
    )
    if row is None:
        row = UnitPopulation(
            unit_id=unit_id, period_start=period.start, period_end=period.end, population=0
        )
        session.add(row)
    row.population = population
    session.flush()
    return row


# --------------------------------------------------------------------------- import

#: columns of the import file; ``periode`` or both ``mulai`` and ``selesai``
IMPORT_COLUMNS = ("kode_unit", "periode", "mulai", "selesai", "populasi")


@dataclass
class PopulationImport:
    #: (unit id, period, population) ready to save
    rows: list[tuple[int, Period, int]] = field(default_factory=list)
    #: (spreadsheet row number, message)
    problems: list[tuple[int, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _period_of(row: Mapping[str, Any]) -> Period:
    code = _text(row.get("periode"))
    if code:
        return parse_period(code)
    start, end = _text(row.get("mulai")), _text(row.get("selesai"))
    try:
        return Period.custom(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    except ValueError as error:
        raise PeriodError(str(error)) from None


def _number(value: Any) -> int | None:
    text = _text(value).replace(".", "").replace(" ", "")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_POPULATION else None


def check_import(
    session: Session,
    rows: list[Mapping[str, Any]],
    row_numbers: list[int],
    *,
    agency_id: int,
    unit_ids: Iterable[int] | None,
) -> PopulationImport:
    """Check every row of an uploaded table; nothing is saved here.

    ``unit_ids`` limits which units may be named (a unit head's subtree); a
    code outside it is reported as unknown, like a code of another agency.
    """
    query = select(Unit.code, Unit.id).where(Unit.agency_id == agency_id)
    if unit_ids is not None:
        query = query.where(Unit.id.in_(sorted(set(unit_ids))))
    units = {code.upper(): unit_id for code, unit_id in session.execute(query)}
    result = PopulationImport()
    seen: dict[tuple[int, dt.date, dt.date], int] = {}
    for number, row in zip(row_numbers, rows, strict=True):
        code = _text(row.get("kode_unit")).upper()
        unit_id = units.get(code)
        if unit_id is None:
            result.problems.append((number, _l("Kode unit %(code)s tidak dikenal.", code=code)))
            continue
        try:
            period = _period_of(row)
        except PeriodError:
            result.problems.append(
                (
                    number,
                    _l(
                        "Periode tidak dapat dibaca: isi kolom periode (mis. 2025-Q1, 2025-S1, "
                        "2025-03, 2025) atau kolom mulai dan selesai (TTTT-BB-HH)."
                    ),
                )
            )
            continue
        population = _number(row.get("populasi"))
        if population is None:
            result.problems.append((number, _l("Populasi harus bilangan bulat 0 atau lebih.")))
            continue
        where = (unit_id, period.start, period.end)
        if where in seen:
            result.problems.append(
                (
                    number,
                    _l("Unit dan periode ini sudah ada di baris %(row)d.", row=seen[where]),
                )
            )
            continue
        seen[where] = number
        result.rows.append((unit_id, period, population))
    return result


def apply_import(session: Session, checked: PopulationImport) -> int:
    """Save checked rows (all of them, or none when any row has a problem)."""
    if not checked.ok:
        return 0
    for unit_id, period, population in checked.rows:
        save_population(session, unit_id, period, population)
    return len(checked.rows)
