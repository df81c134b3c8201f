"""Figures for any slice, read only from the aggregate tables.

Every function here takes a :class:`~feedback_app.results.slices.Slice` and
reads ``answer_counts`` / ``response_counts`` (never the raw responses), so the
cost follows the number of aggregate rows in the slice, not the number of
responses. The arithmetic is the ``surveys.scoring`` module's: per-element
``(n, Σx, Σx²)`` are rebuilt exactly from the value counts, then
:func:`~surveys.scoring.ikm_from_aggregates` gives the IKM, grade, element
scores and the 95 % interval, with the exact 1/9 weight or the agency's legacy
0.111 weight.

Groupings (``by=``): ``unit``, ``month`` (year, month), ``date``,
``service_point``, ``service``, ``employee``, ``survey_version``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from feedback_app.models import Agency, SurveyVersion
from feedback_app.models.survey import definition_for
from feedback_app.results.rollups import source
from feedback_app.results.slices import Slice, UnitTree
from surveys.scoring import (
    EXACT_WEIGHT,
    LEGACY_WEIGHT,
    SCORE_FACTOR,
    ElementAggregate,
    IkmResult,
    ScaleSummary,
    as_fraction,
    ikm_from_aggregates,
    round_half_up,
)
from surveys.skm import ELEMENT_KEYS, SKM_HIGH, SKM_LOW

Key = tuple[Any, ...]
Aggregates = dict[str, ElementAggregate]

GROUPINGS = ("unit", "month", "date", "service_point", "service", "employee", "survey_version")


def weight_for(agency: Agency) -> Fraction:
    """1/9, or 0.111 for an agency that reproduces its old spreadsheets."""
    return LEGACY_WEIGHT if agency.legacy_ikm_weight else EXACT_WEIGHT


def _columns(table: Any, by: Sequence[str], grain: str = "day") -> list[Any]:
    columns: list[Any] = []
    for name in by:
        if name == "unit":
            columns.append(table.unit_id)
        elif name == "month" and grain == "month":
            columns.append(table.local_date)  # already the first day of the month
        elif name == "month":
            columns += [extract("year", table.local_date), extract("month", table.local_date)]
        elif name == "date":
            columns.append(table.local_date)
        elif name in ("service_point", "service", "employee", "survey_version"):
            columns.append(getattr(table, f"{name}_id"))
        else:
            raise ValueError(f"unknown grouping {name!r}; use one of {GROUPINGS}")
    return columns


def _key(row: Sequence[Any], by: Sequence[str], grain: str = "day") -> Key:
    """The group of a result row, with ``month`` as a (year, month) pair of ints."""
    values: list[Any] = []
    index = 0
    for name in by:
        if name == "month" and grain == "month":
            first = row[index]
            if isinstance(first, str):  # SQLite without type info
                first = dt.date.fromisoformat(first)
            values.append((first.year, first.month))
            index += 1
        elif name == "month":
            values.append((int(row[index]), int(row[index + 1])))
            index += 2
        else:
            value = row[index]
            if name == "date" and isinstance(value, str):  # SQLite without type info
                value = dt.date.fromisoformat(value)
            values.append(value)
            index += 1
    return tuple(values)


def _width(by: Sequence[str], grain: str = "day") -> int:
    return sum(2 if name == "month" and grain == "day" else 1 for name in by)


# --------------------------------------------------------------------------- elements


def element_aggregates(
    session: Session, slice_: Slice, by: Sequence[str] = ()
) -> dict[Key, Aggregates]:
    """``{group: {"U1": ElementAggregate(n, Σx, Σx²), …}}`` for the slice, in one query.

    Groups without any element answer are absent. With ``by=()`` the one group is ``()``.
    """
    rollup = source("answers", slice_, by)
    table, grain = rollup.columns, rollup.grain
    columns = _columns(table, by, grain)
    query = (
        select(*columns, table.question_key, table.value, func.sum(table["count"]))
        .where(*slice_.aggregate_filters(table), table.question_key.in_(ELEMENT_KEYS))
        .group_by(*columns, table.question_key, table.value)
    )
    width = _width(by, grain)
    sums: dict[Key, dict[str, list[int]]] = defaultdict(dict)
    for row in session.execute(query):
        count = int(row[width + 2])
        if not count:
            continue
        score = int(row[width + 1])
        if not SKM_LOW <= score <= SKM_HIGH:
            raise ValueError(f"stored element answer out of scale: {row[width]}={score}")
        entry = sums[_key(row, by, grain)].setdefault(row[width], [0, 0, 0])
        entry[0] += count
        entry[1] += count * score
        entry[2] += count * score * score
    return {
        group: {key: ElementAggregate(*entry) for key, entry in elements.items()}
        for group, elements in sums.items()
    }


def combine(parts: Iterable[Mapping[str, ElementAggregate]]) -> Aggregates:
    """The element aggregates of several groups together (exact: counts and sums add)."""
    total: Aggregates = {}
    for part in parts:
        for key, aggregate in part.items():
            total[key] = total[key] + aggregate if key in total else aggregate
    return total


def ikm_score(
    aggregates: Mapping[str, ElementAggregate], *, weight: Fraction = EXACT_WEIGHT
) -> Decimal | None:
    """Only the rounded converted IKM, e.g. for a trend arrow over many units.

    The same number as ``ikm_from_aggregates(aggregates, weight=weight).score``
    (the tests check it), without the element results and the interval.
    """
    nrrs = []
    for key in ELEMENT_KEYS:
        aggregate = aggregates.get(key)
        if aggregate is None or not aggregate.n:
            return None
        nrrs.append(Fraction(aggregate.total, aggregate.n))
    return round_half_up(sum(nrrs, Fraction(0)) * as_fraction(weight) * SCORE_FACTOR)


def ikm(session: Session, slice_: Slice, *, weight: Fraction = EXACT_WEIGHT) -> IkmResult:
    """IKM, grade, element scores, n and the 95 % interval of one slice."""
    found = element_aggregates(session, slice_)
    return ikm_from_aggregates(found.get((), {}), weight=weight)


def ikm_by(
    session: Session, slice_: Slice, by: Sequence[str], *, weight: Fraction = EXACT_WEIGHT
) -> dict[Key, IkmResult]:
    """The IKM of every group of the slice that has answers (e.g. ``by=("unit", "month")``)."""
    return {
        group: ikm_from_aggregates(aggregates, weight=weight)
        for group, aggregates in element_aggregates(session, slice_, by).items()
    }


def rolled_up(
    own: Mapping[int, Aggregates], tree: UnitTree, unit_ids: Iterable[int]
) -> dict[int, Aggregates]:
    """Each unit's aggregates together with those of all its sub-units."""
    return {
        unit_id: combine(own[i] for i in tree.subtree(unit_id) if i in own) for unit_id in unit_ids
    }


def unit_results(
    session: Session,
    slice_: Slice,
    tree: UnitTree,
    unit_ids: Iterable[int],
    *,
    weight: Fraction = EXACT_WEIGHT,
) -> dict[int, IkmResult]:
    """The IKM of each of ``unit_ids`` including its sub-units, from one grouped query."""
    own = {
        group[0]: aggregates
        for group, aggregates in element_aggregates(session, slice_, ("unit",)).items()
    }
    return {
        unit_id: ikm_from_aggregates(aggregates, weight=weight)
        for unit_id, aggregates in rolled_up(own, tree, unit_ids).items()
    }


# --------------------------------------------------------------------------- volume


def response_total(session: Session, slice_: Slice) -> int:
    """Responses in the slice (every survey, with or without element answers)."""
    table = source("volume", slice_).columns
    query = select(func.coalesce(func.sum(table["count"]), 0)).where(
        *slice_.aggregate_filters(table)
    )
    return int(session.scalar(query) or 0)


def volume_by(session: Session, slice_: Slice, by: Sequence[str]) -> dict[Key, int]:
    """Responses per group, e.g. ``by=("date",)`` or ``("month",)``; empty groups absent."""
    rollup = source("volume", slice_, by)
    table, grain = rollup.columns, rollup.grain
    columns = _columns(table, by, grain)
    query = (
        select(*columns, func.sum(table["count"]))
        .where(*slice_.aggregate_filters(table))
        .group_by(*columns)
    )
    width = _width(by, grain)
    result: dict[Key, int] = {}
    for row in session.execute(query):
        if row[width]:
            key = _key(row, by, grain)
            result[key] = result.get(key, 0) + int(row[width])
    return result


def weekday_hour_counts(session: Session, slice_: Slice) -> dict[tuple[int, int], int]:
    """Responses per (weekday, local hour); weekday 0 is Monday, as in ``date.weekday()``."""
    table = source("hours", slice_).columns
    if "weekday" in table:  # a roll-up that keeps the weekday (0 = Monday)
        weekday, shift = table.weekday, 0
    else:
        # extract('dow') is 0 = Sunday on both SQLite (strftime %w) and PostgreSQL
        weekday, shift = extract("dow", table.local_date), 6
    query = (
        select(weekday, table.local_hour, func.sum(table["count"]))
        .where(*slice_.aggregate_filters(table))
        .group_by(weekday, table.local_hour)
    )
    result: dict[tuple[int, int], int] = {}
    for day, hour, count in session.execute(query):
        if count:
            result[((int(day) + shift) % 7, int(hour))] = int(count)
    return result


# --------------------------------------------------------------------------- other scales


@dataclass(frozen=True)
class QuestionSummary:
    """Mean, CSAT or NPS and the distribution of one scale question that is not an element."""

    key: str
    #: the question as worded in the newest version that asks it
    question: Any
    summary: ScaleSummary


def _scale_questions(
    session: Session, version_ids: Iterable[int]
) -> tuple[dict[str, Any], dict[tuple[int, str], tuple[int, int]]]:
    """Scale questions (not elements) by key in the newest wording, and each version's scales."""
    versions = session.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.id.in_(sorted(set(version_ids))))
        .order_by(SurveyVersion.id.desc())
    )
    newest: dict[str, Any] = {}
    scales: dict[tuple[int, str], tuple[int, int]] = {}
    for version in versions:
        for question in definition_for(version).questions:
            if question.scale is not None and question.key not in ELEMENT_KEYS:
                newest.setdefault(question.key, question)
                scales[(version.id, question.key)] = question.scale
    return newest, scales


def scale_summaries(session: Session, slice_: Slice) -> list[QuestionSummary]:
    """Every other scale question answered in the slice (Likert, smiley, stars, NPS).

    Answers of versions that asked the same key on another scale are left out
    rather than mixed in.
    """
    table = source("answers", slice_, ("survey_version",)).columns
    query = (
        select(table.survey_version_id, table.question_key, table.value, func.sum(table["count"]))
        .where(*slice_.aggregate_filters(table), table.question_key.not_in(ELEMENT_KEYS))
        .group_by(table.survey_version_id, table.question_key, table.value)
    )
    rows = [row for row in session.execute(query) if row[3]]
    questions, scales = _scale_questions(session, {row[0] for row in rows})
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for version_id, key, value, count in rows:
        question = questions.get(key)
        if question is None or scales.get((version_id, key)) != question.scale:
            continue  # a choice question, or asked on another scale in this version
        counts[key][int(value)] += int(count)
    return [
        QuestionSummary(
            key, questions[key], ScaleSummary.from_counts(values, *questions[key].scale)
        )
        for key, values in sorted(counts.items())
    ]
