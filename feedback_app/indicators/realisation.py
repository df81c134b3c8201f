"""The realisation of feedback-based indicators, from the aggregate tables only. No Flask.

An indicator's figure for one subject (an employee, or a unit with its
sub-units) over one period of the indicator's kind:

==================  ============================================  ===========================
source              realisation                                   n (answers behind it)
==================  ============================================  ===========================
``ikm``             converted IKM (25–100) of the subject's       respondents
                    responses, exact 1/9 or the agency's 0.111
``element``         one element's NRR × 25                        answers to that element
``question_mean``   mean of one scale question (its own scale)    answers to that question
``share_satisfied`` % of answers in the top two points of the     answers counted
                    scale (one question; all nine elements when
                    no question is named); not for 0–10 scales
``response_count``  number of responses                           the same number
==================  ============================================  ===========================

Realisations are exact fractions, rounded half up to two decimals for display
and for the rating, so the rating agrees with the number shown. Flagged
responses are left out, as in every score.

The IKM and element figures use ``feedback_app.results.scores`` (the other
figures of the app read the same functions); the value counts of one question
per subject are read here (:func:`question_counts`), since the scores layer
summarises every question of a slice at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.models import (
    Comparison,
    Indicator,
    IndicatorSource,
    SurveyVersion,
)
from feedback_app.models.survey import definition_for
from feedback_app.results.periods import Period, PeriodKind
from feedback_app.results.rollups import source as aggregate_source
from feedback_app.results.scores import Aggregates, combine, element_aggregates, volume_by
from feedback_app.results.slices import Slice, UnitTree
from surveys import indicators as rules
from surveys.scoring import EXACT_WEIGHT, element_result, ikm_from_aggregates, round_half_up
from surveys.skm import ELEMENT_KEYS, SKM_HIGH, SKM_LOW

#: a subject's value counts of one question: {(low, high): {value: count}}
ScaleCounts = dict[tuple[int, int], dict[int, int]]


@dataclass(frozen=True)
class Figure:
    #: answers behind the figure (see the module docstring)
    n: int
    #: exact realisation; None when there is none (no answers, an IKM missing an element)
    exact: Fraction | None

    @property
    def value(self) -> Decimal | None:
        return None if self.exact is None else round_half_up(self.exact, 2)


NO_FIGURE = Figure(0, None)


def evaluation_period(indicator: Indicator, anchor: dt.date) -> Period:
    """The period of the indicator's kind (month, quarter, semester, year) holding ``anchor``."""
    return Period.containing(PeriodKind(indicator.period.value), anchor)


def needs_question(source: IndicatorSource) -> bool:
    return source in (IndicatorSource.ELEMENT, IndicatorSource.QUESTION_MEAN)


# --------------------------------------------------------------------------- rating


def thresholds(indicator: Indicator) -> tuple[Decimal, Decimal | None]:
    """(meets at, exceeds at) from the target and the margins.

    Higher is better ("at least"): sesuai from target − below margin, di atas
    from target + above margin. Lower is better ("at most"): the mirror image.
    Without an above margin nothing is rated di atas ekspektasi.
    """
    target = Decimal(indicator.target)
    above, below = Decimal(indicator.above_margin or 0), Decimal(indicator.below_margin or 0)
    if indicator.comparison == Comparison.AT_LEAST:
        return target - below, (target + above if above > 0 else None)
    return target + below, (target - above if above > 0 else None)


def rate(indicator: Indicator, figure: Figure) -> rules.Expectation | None:
    """Di atas / sesuai / di bawah ekspektasi for the rounded realisation; None without one."""
    value = figure.value
    if value is None:
        return None
    meets, exceeds = thresholds(indicator)
    comparison = (
        rules.Comparison.AT_LEAST
        if indicator.comparison == Comparison.AT_LEAST
        else rules.Comparison.AT_MOST
    )
    return rules.rate_indicator(value, meets, comparison, exceeds_at=exceeds, meets_at=meets)


def is_reportable(indicator: Indicator, figure: Figure, minimum: int) -> bool:
    """Whether an employee's figure may be shown (else "data belum cukup").

    A response count is shown whatever its size: it is a count, not an
    estimate, and a target such as "at least 50 responses a month" must be
    able to show a shortfall.
    """
    if indicator.source == IndicatorSource.RESPONSE_COUNT:
        return True
    return rules.reportable(figure.n, minimum)


# --------------------------------------------------------------------------- reading counts


def _scales(session: Session, version_ids: Iterable[int], key: str) -> dict[int, tuple[int, int]]:
    """The scale of question ``key`` in each version that asks it as a scale question."""
    if key in ELEMENT_KEYS:
        return {version_id: (SKM_LOW, SKM_HIGH) for version_id in version_ids}
    found = {}
    for version in session.scalars(
        select(SurveyVersion).where(SurveyVersion.id.in_(sorted(set(version_ids))))
    ):
        for question in definition_for(version).questions:
            if question.key == key and question.scale is not None:
                found[version.id] = question.scale
    return found


def question_counts(
    session: Session, slice_: Slice, keys: Iterable[str], by: str
) -> dict[Any, ScaleCounts]:
    """Value counts of scale questions ``keys`` per subject (``by``: "employee" or "unit").

    Answers of versions that ask a key as something other than a scale are left out.
    """
    keys = sorted(set(keys))
    table = aggregate_source("answers", slice_, (by, "survey_version")).columns
    group = table.employee_id if by == "employee" else table.unit_id
    query = (
        select(
            group,
            table.survey_version_id,
            table.question_key,
            table.value,
            func.sum(table["count"]),
        )
        .where(*slice_.aggregate_filters(table), table.question_key.in_(keys))
        .group_by(group, table.survey_version_id, table.question_key, table.value)
    )
    rows = [row for row in session.execute(query) if row[4]]
    scales: dict[str, dict[int, tuple[int, int]]] = {
        key: _scales(session, {row[1] for row in rows if row[2] == key}, key) for key in keys
    }
    result: dict[Any, ScaleCounts] = defaultdict(dict)
    for subject, version_id, key, value, count in rows:
        scale = scales[key].get(version_id)
        if scale is None or not str(value).isdigit():
            continue
        counts = result[subject].setdefault(scale, {})
        counts[int(value)] = counts.get(int(value), 0) + int(count)
    return result


def _add_counts(parts: Iterable[ScaleCounts]) -> ScaleCounts:
    total: ScaleCounts = {}
    for part in parts:
        for scale, counts in part.items():
            into = total.setdefault(scale, {})
            for value, count in counts.items():
                into[value] = into.get(value, 0) + count
    return total


def _scale_figure(source: IndicatorSource, counts: ScaleCounts) -> Figure:
    """Mean or share satisfied of answers on one scale (several scales: the most answered)."""
    if not counts:
        return NO_FIGURE
    if source == IndicatorSource.SHARE_SATISFIED and all(s == (0, 10) for s in counts):
        return Figure(sum(sum(c.values()) for c in counts.values()), None)
    if source == IndicatorSource.SHARE_SATISFIED:
        counts = {s: c for s, c in counts.items() if s != (0, 10)}
    if len(counts) > 1 and source == IndicatorSource.QUESTION_MEAN:
        # a mean over different scales means nothing: keep the scale most answered
        scale = max(counts, key=lambda s: sum(counts[s].values()))
        counts = {scale: counts[scale]}
    n = sum(sum(c.values()) for c in counts.values())
    if n == 0:
        return NO_FIGURE
    if source == IndicatorSource.QUESTION_MEAN:
        ((_scale, values),) = counts.items()
        return Figure(n, Fraction(sum(v * c for v, c in values.items()), n))
    satisfied = sum(
        count
        for (low, high), values in counts.items()
        for v, count in values.items()
        if v >= high - 1
    )
    return Figure(n, Fraction(satisfied * 100, n))


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class _Material:
    """What a figure is made of, for one subject; subjects add up for a unit's subtree."""

    elements: Aggregates | None = None
    count: int = 0
    scales: ScaleCounts | None = None


#: materials already read, shared by the indicators of one table (see :func:`_materials`)
MaterialCache = dict[tuple[Any, ...], dict[Any, "_Material"]]


def _materials(
    session: Session,
    indicator: Indicator,
    slice_: Slice,
    by: str,
    cache: MaterialCache | None = None,
) -> dict[Any, _Material]:
    """The materials of every subject of the slice; indicators reading the same counts
    (an IKM and an element indicator of one period, say) read them once per ``cache``."""
    source = indicator.source
    if source in (IndicatorSource.IKM, IndicatorSource.ELEMENT):
        key: tuple[Any, ...] = ("elements", slice_, by)
    elif source == IndicatorSource.RESPONSE_COUNT:
        key = ("volume", slice_, by)
    else:
        key = ("scales", slice_, by, indicator.question_key)
    if cache is not None and key in cache:
        return cache[key]
    found = _read_materials(session, indicator, slice_, by)
    if cache is not None:
        cache[key] = found
    return found


def _read_materials(
    session: Session, indicator: Indicator, slice_: Slice, by: str
) -> dict[Any, _Material]:
    source = indicator.source
    if source == IndicatorSource.RESPONSE_COUNT:
        return {k[0]: _Material(count=n) for k, n in volume_by(session, slice_, (by,)).items()}
    if source in (IndicatorSource.IKM, IndicatorSource.ELEMENT):
        return {
            k[0]: _Material(elements=a)
            for k, a in element_aggregates(session, slice_, (by,)).items()
        }
    keys = [indicator.question_key] if indicator.question_key else list(ELEMENT_KEYS)
    found = question_counts(session, slice_, keys, by)
    return {subject: _Material(scales=counts) for subject, counts in found.items()}


def _combine(parts: list[_Material]) -> _Material:
    return _Material(
        elements=combine(p.elements for p in parts if p.elements is not None),
        count=sum(p.count for p in parts),
        scales=_add_counts(p.scales for p in parts if p.scales is not None),
    )


def _figure(indicator: Indicator, material: _Material | None, weight: Fraction) -> Figure:
    if material is None:
        return NO_FIGURE
    source = indicator.source
    if source == IndicatorSource.RESPONSE_COUNT:
        return Figure(material.count, Fraction(material.count))
    if source == IndicatorSource.IKM:
        result = ikm_from_aggregates(material.elements or {}, weight=weight)
        return Figure(result.respondents, result.score_exact)
    if source == IndicatorSource.ELEMENT:
        key = indicator.question_key or ""
        if key not in ELEMENT_KEYS or not material.elements or key not in material.elements:
            return NO_FIGURE
        element = element_result(key, material.elements[key])
        return Figure(element.n, element.score_exact)
    return _scale_figure(source, material.scales or {})


def employee_figures(
    session: Session,
    indicator: Indicator,
    period: Period,
    employee_ids: Iterable[int],
    *,
    weight: Fraction = EXACT_WEIGHT,
    cache: MaterialCache | None = None,
) -> dict[int, Figure]:
    """The figure of each employee over ``period`` (responses credited to them, any unit)."""
    wanted = set(employee_ids)
    if not wanted:
        return {}
    slice_ = Slice(indicator.agency_id).within(period)
    materials = _materials(session, indicator, slice_, "employee", cache)
    return {e: _figure(indicator, materials.get(e), weight) for e in wanted}


def unit_figures(
    session: Session,
    indicator: Indicator,
    period: Period,
    unit_ids: Iterable[int],
    tree: UnitTree,
    *,
    weight: Fraction = EXACT_WEIGHT,
    cache: MaterialCache | None = None,
) -> dict[int, Figure]:
    """The figure of each unit over ``period``, its sub-units included."""
    wanted = [u for u in set(unit_ids) if u in tree.nodes]
    if not wanted:
        return {}
    covered = frozenset().union(*(tree.subtree(u) for u in wanted))
    slice_ = Slice(indicator.agency_id, unit_ids=covered).within(period)
    own = _materials(session, indicator, slice_, "unit", cache)
    return {
        u: _figure(indicator, _combine([own[i] for i in tree.subtree(u) if i in own]), weight)
        for u in wanted
    }
