"""The figures of the summary, the PDF report and the read API, from the aggregate tables.

IKM per unit, per employee and per element comes from the dashboard's results
layer (:mod:`feedback_app.results.scores`) for the slice of the export
selection, so an export and the dashboard never disagree: the same reads of
``answer_counts`` and the same :func:`surveys.scoring.ikm_from_aggregates`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.exports_web.selection import Selection
from feedback_app.models import (
    AnswerCount,
    Employee,
    ImprovementPlan,
    ResponseCount,
    SurveyVersion,
    Unit,
    UnitPopulation,
)
from feedback_app.models.survey import definition_for
from feedback_app.results import scores
from feedback_app.results.slices import NONE, Slice
from surveys.questions import Widget
from surveys.scoring import IkmResult, ikm_from_aggregates, krejcie_morgan

#: question types of the respondent profile (BAB III), in report order
PROFILE_TYPES = ("gender", "age_range", "education", "occupation")


def weight_for(selection: Selection) -> Fraction:
    return scores.weight_for(selection.agency)


def selection_slice(selection: Selection) -> Slice:
    """The dashboard's slice for an export selection, so both read the same figures."""
    return Slice(
        agency_id=selection.agency.id,
        start=selection.period.start,
        end=selection.period.end,
        unit_ids=None if selection.unit_ids is None else frozenset(selection.unit_ids),
        service_point_id=selection.service_point.id if selection.service_point else None,
        service_id=selection.service.id if selection.service else None,
        survey_version_id=selection.survey_version.id if selection.survey_version else None,
        include_flagged=selection.include_flagged,
    )


@dataclass
class UnitFigure:
    unit_id: int
    name: str
    code: str
    result: IkmResult
    population: int | None = None

    @property
    def n(self) -> int:
        return self.result.respondents

    @property
    def minimum(self) -> int | None:
        return None if self.population is None else krejcie_morgan(self.population)

    @property
    def reached(self) -> bool | None:
        minimum = self.minimum
        return None if minimum is None else self.n >= minimum


@dataclass
class Summary:
    overall: IkmResult
    units: list[UnitFigure]
    responses: int
    population: int | None
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def minimum(self) -> int | None:
        return None if self.population is None else krejcie_morgan(self.population)


def populations(session: Session, selection: Selection) -> dict[int, int]:
    """Service users per unit recorded for periods inside the selected one."""
    query = select(UnitPopulation.unit_id, func.sum(UnitPopulation.population)).where(
        UnitPopulation.period_start >= selection.period.start,
        UnitPopulation.period_end <= selection.period.end,
    )
    if selection.unit_ids is not None:
        query = query.where(UnitPopulation.unit_id.in_(selection.unit_ids))
    else:
        query = query.join(Unit, Unit.id == UnitPopulation.unit_id).where(
            Unit.agency_id == selection.agency.id
        )
    return {u: int(p) for u, p in session.execute(query.group_by(UnitPopulation.unit_id))}


def summary(session: Session, selection: Selection) -> Summary:
    weight = weight_for(selection)
    slice_ = selection_slice(selection)
    per_unit = {
        group[0]: aggregates
        for group, aggregates in scores.element_aggregates(session, slice_, ("unit",)).items()
    }
    units = {
        u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(per_unit) or [0])))
    }
    pops = populations(session, selection)
    figures = [
        UnitFigure(
            unit_id,
            units[unit_id].name if unit_id in units else str(unit_id),
            units[unit_id].code if unit_id in units else "",
            ikm_from_aggregates(aggs, weight=weight),
            pops.get(unit_id),
        )
        for unit_id, aggs in per_unit.items()
    ]
    figures.sort(key=lambda f: (f.name.lower(), f.unit_id))
    population = sum(pops.values()) if pops else None
    return Summary(
        overall=ikm_from_aggregates(scores.combine(per_unit.values()), weight=weight),
        units=figures,
        responses=scores.response_total(session, slice_),
        population=population,
    )


def employee_figures(
    session: Session, selection: Selection
) -> list[tuple[Employee, IkmResult, bool]]:
    """(employee, IKM of the responses credited to them, reportable) in the selection."""
    per_employee = {
        group[0]: ikm
        for group, ikm in scores.ikm_by(
            session, selection_slice(selection), ("employee",), weight=weight_for(selection)
        ).items()
        if group[0] != NONE
    }
    employees = {
        e.id: e
        for e in session.scalars(select(Employee).where(Employee.id.in_(list(per_employee) or [0])))
    }
    minimum = selection.agency.min_employee_responses
    result = []
    for employee_id, ikm in per_employee.items():
        employee = employees.get(employee_id)
        if employee is None or employee.agency_id != selection.agency.id:
            continue
        result.append((employee, ikm, ikm.respondents >= minimum))
    result.sort(key=lambda item: (item[0].name.lower(), item[0].id))
    return result


def versions_in(session: Session, selection: Selection) -> list[SurveyVersion]:
    """The survey versions answered in the selection, oldest first."""
    ids = session.scalars(
        select(ResponseCount.survey_version_id)
        .where(*selection.aggregate_conditions(ResponseCount))
        .distinct()
    )
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(SurveyVersion).where(SurveyVersion.id.in_(ids)).order_by(SurveyVersion.id)
        )
    )


def profile_counts(
    session: Session, selection: Selection, respondents: int
) -> list[tuple[str, list[tuple[str, int]]]]:
    """Respondent profile tables: (title, [(label, count)…, ("Tidak menjawab", k)])."""
    questions: dict[str, Any] = {}
    for version in versions_in(session, selection):
        for question in definition_for(version).questions:
            if question.type_name in PROFILE_TYPES and question.widget in (
                Widget.RADIO,
                Widget.SELECT,
            ):
                questions.setdefault(question.key, question)
    if not questions:
        return []
    rows = session.execute(
        select(AnswerCount.question_key, AnswerCount.value, func.sum(AnswerCount.count))
        .where(
            *selection.aggregate_conditions(AnswerCount),
            AnswerCount.question_key.in_(list(questions)),
        )
        .group_by(AnswerCount.question_key, AnswerCount.value)
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for key, value, count in rows:
        counts[key][value] = int(count)
    tables = []
    ordered = sorted(questions.values(), key=lambda q: PROFILE_TYPES.index(q.type_name))
    for question in ordered:
        labels = question.value_labels("id")
        given = counts.get(question.key, {})
        table = [(label, given.get(str(value), 0)) for value, label in labels.items()]
        known = {str(v) for v in labels}
        other = sum(c for v, c in given.items() if v not in known)
        if other:
            table.append(("Lainnya", other))
        answered = sum(given.values())
        if respondents > answered:
            table.append(("Tidak menjawab", respondents - answered))
        tables.append((question.text.get("id"), table))
    return tables


def improvement_plans(
    session: Session, selection: Selection, element_keys: list[str]
) -> dict[str, list[ImprovementPlan]]:
    """Rencana tindak lanjut recorded for these elements in periods overlapping the selection."""
    query = select(ImprovementPlan).where(
        ImprovementPlan.element_key.in_(element_keys),
        ImprovementPlan.period_start <= selection.period.end,
        ImprovementPlan.period_end >= selection.period.start,
    )
    if selection.unit_ids is not None:
        query = query.where(ImprovementPlan.unit_id.in_(selection.unit_ids))
    else:
        query = query.join(Unit, Unit.id == ImprovementPlan.unit_id).where(
            Unit.agency_id == selection.agency.id
        )
    plans: dict[str, list[ImprovementPlan]] = defaultdict(list)
    for plan in session.scalars(query.order_by(ImprovementPlan.id)):
        plans[plan.element_key].append(plan)
    return plans


def trend(session: Session, selection: Selection, count: int = 4) -> list[tuple[Any, IkmResult]]:
    """The IKM of this period and up to ``count - 1`` periods of the same length before it."""
    weight = weight_for(selection)
    slice_ = selection_slice(selection)
    periods = [selection.period]
    for _ in range(count - 1):
        periods.insert(0, periods[0].previous())
    results = []
    for period in periods:
        within = slice_.replace(start=period.start, end=period.end)
        results.append((period, scores.ikm(session, within, weight=weight)))
    # leave out the empty periods before the first one with data
    while len(results) > 1 and results[0][1].respondents == 0:
        results.pop(0)
    return results
