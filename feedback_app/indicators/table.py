"""The employee-indicator table a user may see, for the indicator page and the dashboard.

:func:`indicator_table` is the one entry point: the rows of every active
indicator of the user's agency, for the employees whose figures the user may
see (:mod:`.visibility`) and, for unit indicators, the units of the user's
scope. Each indicator is evaluated over the period of its own kind (month,
quarter, semester, year) that holds the requested period's last day (or today,
while that period is still running).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_app.db import db
from feedback_app.indicators.realisation import (
    Figure,
    MaterialCache,
    employee_figures,
    evaluation_period,
    is_reportable,
    rate,
    unit_figures,
)
from feedback_app.indicators.visibility import FigureScope, figure_scope
from feedback_app.models import (
    Agency,
    Employee,
    Indicator,
    IndicatorAssignment,
    IndicatorScope,
    Permission,
    User,
)
from feedback_app.results.periods import Period, local_today
from feedback_app.results.scores import weight_for
from feedback_app.results.slices import UnitTree
from surveys.indicators import Expectation


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    #: the period this figure covers (the indicator's own kind)
    period: Period
    #: "employee" or "unit"
    subject: str
    subject_id: int
    name: str
    unit: str
    position: str | None
    figure: Figure
    #: False: below the minimum number of responses, shown as "data belum cukup"
    shown: bool
    rating: Expectation | None


@dataclass
class IndicatorTable:
    rows: list[Row] = field(default_factory=list)
    #: Agency.min_employee_responses
    minimum: int = 30
    #: the day whose periods are shown
    anchor: dt.date | None = None
    #: active indicators of the agency (0: none defined yet)
    indicators: int = 0


def anchor_day(period: Period, today: dt.date) -> dt.date:
    """The requested period's last day, or today while it is still running."""
    return min(max(today, period.start), period.end)


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    unit_id: int
    position: str


def _visible_people(session: Session, scope: FigureScope) -> dict[int, _Person]:
    rows = session.execute(
        select(Employee.id, Employee.name, Employee.unit_id, Employee.position).where(
            scope.condition(), Employee.active.is_(True)
        )
    )
    return {row.id: _Person(row.id, row.name, row.unit_id, row.position) for row in rows}


def _same_position(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold() != ""


def indicator_table(
    user: User | Any,
    period: Period,
    *,
    session: Session | None = None,
    unit_id: int | None = None,
) -> IndicatorTable | None:
    """The indicator rows ``user`` may see for ``period``; None when they may see none at all.

    ``unit_id`` narrows the rows to that unit's subtree (the dashboard's unit filter).
    """
    session = session if session is not None else db
    if not getattr(user, "is_authenticated", False) or user.agency_id is None:
        return None
    scope = figure_scope(session, user)
    sees_units = user.can(Permission.VIEW_RESULTS)
    if scope is None and not sees_units:
        return None
    agency = session.get(Agency, user.agency_id)
    if agency is None:
        return None
    anchor = anchor_day(period, local_today(agency.timezone))
    table = IndicatorTable(minimum=agency.min_employee_responses, anchor=anchor)
    indicators = list(
        session.scalars(
            select(Indicator)
            .where(Indicator.agency_id == agency.id, Indicator.active.is_(True))
            .order_by(Indicator.name, Indicator.id)
        )
    )
    table.indicators = len(indicators)
    if not indicators:
        return table

    tree = UnitTree.load(session, agency.id)
    narrowed = tree.subtree(unit_id) if unit_id is not None else None
    own_units = None if user.unit_id is None else tree.subtree(user.unit_id)
    people = _visible_people(session, scope) if scope is not None else {}
    assigned: dict[int, list[IndicatorAssignment]] = defaultdict(list)
    for assignment in session.scalars(
        select(IndicatorAssignment).where(
            IndicatorAssignment.indicator_id.in_([i.id for i in indicators])
        )
    ):
        assigned[assignment.indicator_id].append(assignment)
    weight = weight_for(agency)
    cache: MaterialCache = {}

    def unit_name(unit: int) -> str:
        node = tree.nodes.get(unit)
        return node.name if node else ""

    for indicator in indicators:
        covered = evaluation_period(indicator, anchor)
        if indicator.scope == IndicatorScope.UNIT:
            if not sees_units:
                continue
            units = sorted(
                {a.unit_id for a in assigned[indicator.id] if a.unit_id is not None}
                & set(own_units if own_units is not None else tree.nodes)
                & set(narrowed if narrowed is not None else tree.nodes)
            )
            figures = unit_figures(
                session, indicator, covered, units, tree, weight=weight, cache=cache
            )
            for unit in sorted(units, key=unit_name):
                figure = figures[unit]
                table.rows.append(
                    Row(
                        indicator=indicator,
                        period=covered,
                        subject="unit",
                        subject_id=unit,
                        name=unit_name(unit),
                        unit=unit_name(unit),
                        position=None,
                        figure=figure,
                        shown=True,
                        rating=rate(indicator, figure),
                    )
                )
            continue
        if indicator.scope == IndicatorScope.POSITION:
            chosen = [p for p in people.values() if _same_position(p.position, indicator.position)]
        else:
            units = {a.unit_id for a in assigned[indicator.id] if a.unit_id is not None}
            employees = {a.employee_id for a in assigned[indicator.id]}
            chosen = [p for p in people.values() if p.id in employees or p.unit_id in units]
        if narrowed is not None:
            chosen = [p for p in chosen if p.unit_id in narrowed]
        figures = employee_figures(
            session, indicator, covered, [p.id for p in chosen], weight=weight, cache=cache
        )
        for person in sorted(chosen, key=lambda p: (unit_name(p.unit_id), p.name, p.id)):
            figure = figures[person.id]
            shown = is_reportable(indicator, figure, agency.min_employee_responses)
            table.rows.append(
                Row(
                    indicator=indicator,
                    period=covered,
                    subject="employee",
                    subject_id=person.id,
                    name=person.name,
                    unit=unit_name(person.unit_id),
                    position=person.position,
                    figure=figure,
                    shown=shown,
                    rating=rate(indicator, figure) if shown else None,
                )
            )
    return table
