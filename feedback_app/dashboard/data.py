"""Everything the agency-head dashboard shows, computed without Flask.

The view turns the request into a :class:`DashboardQuery` (after checking
scope and permission) and renders the :class:`Dashboard` this module returns;
``bench/dashboard.py`` times the very same function. All figures come from the
aggregate tables except the comments feed, which reads a bounded window of raw
responses (see :mod:`feedback_app.results.comments`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.orm import Session

from feedback_app.results.comments import CommentFeed, comment_feed
from feedback_app.results.periods import Period, months_back
from feedback_app.results.populations import populations_for
from feedback_app.results.scores import (
    Aggregates,
    QuestionSummary,
    combine,
    element_aggregates,
    ikm_score,
    rolled_up,
    scale_summaries,
    volume_by,
    weekday_hour_counts,
)
from feedback_app.results.slices import Slice, UnitNode, UnitTree
from surveys.scoring import (
    EXACT_WEIGHT,
    IkmResult,
    SampleStatus,
    ikm_from_aggregates,
    sample_status,
)

#: the unit table's sort keys
SORTS = ("name", "ikm", "n", "trend", "sample")
#: a period up to this many days long shows its volume per day, longer ones per month
DAILY_VOLUME_MAX_DAYS = 62
TREND_MONTHS = 12


@dataclass(frozen=True)
class DashboardQuery:
    agency_id: int
    period: Period
    weight: Fraction = EXACT_WEIGHT
    #: the user's scope (None: the whole agency)
    visible_unit_ids: frozenset[int] | None = None
    #: filters
    unit_id: int | None = None
    service_point_id: int | None = None
    service_id: int | None = None
    survey_version_id: int | None = None
    include_flagged: bool = False
    tone: str = "all"
    sort: str = "name"
    descending: bool = False
    comment_limit: int = 30
    trend_months: int = TREND_MONTHS


@dataclass
class UnitRow:
    node: UnitNode
    #: depth below the table's top units (for indentation in tree order)
    depth: int
    result: IkmResult
    #: the rounded IKM of the previous period (None without a complete result)
    previous_score: Decimal | None
    population: int | None
    sample: SampleStatus | None

    @property
    def n(self) -> int:
        return self.result.respondents

    @property
    def delta(self) -> Decimal | None:
        """Change of the rounded IKM against the previous period."""
        if self.result.score is None or self.previous_score is None:
            return None
        return self.result.score - self.previous_score


@dataclass
class Dashboard:
    query: DashboardQuery
    slice: Slice
    tree: UnitTree
    overall: IkmResult
    previous_overall: IkmResult
    rows: list[UnitRow]
    #: (month, IKM of the month or None), oldest first, ending with the period's last month
    trend: list[tuple[Period, IkmResult | None]]
    #: (first day of the bucket, responses); per day or per month (see ``volume_unit``)
    volume: list[tuple[dt.date, int]]
    volume_unit: str
    #: (weekday 0 = Monday, hour) → responses
    heatmap: dict[tuple[int, int], int]
    scales: list[QuestionSummary]
    comments: CommentFeed
    #: flagged responses in the slice, left out of every figure (unless included)
    flagged: int = 0
    populations: dict[int, int] = field(default_factory=dict)

    @property
    def responses(self) -> int:
        return sum(count for _, count in self.volume)

    @property
    def weakest(self) -> list[str]:
        return [e.key for e in self.overall.weakest(3)]


def scope_units(
    tree: UnitTree, visible: Iterable[int] | None, unit_id: int | None
) -> frozenset[int] | None:
    """The units a dashboard counts: the chosen unit's subtree, within what the user may see."""
    allowed = None if visible is None else frozenset(visible)
    if unit_id is None:
        return allowed
    chosen = tree.subtree(unit_id)
    return chosen if allowed is None else chosen & allowed


def table_units(tree: UnitTree, query: DashboardQuery) -> list[tuple[UnitNode, int]]:
    """The rows of the unit table in tree order, with their depth below the table's top."""
    chosen = query.unit_id
    roots = [chosen] if chosen is not None else tree.top_units(query.visible_unit_ids)
    rows = []
    for root in roots:
        base = tree.nodes[root].depth
        for node in tree.ordered([root]):
            rows.append((node, node.depth - base))
    return rows


def _sort_key(sort: str):  # type: ignore[no-untyped-def]
    def missing_last(value: Decimal | int | None) -> tuple[int, Decimal | int]:
        return (0, value) if value is not None else (1, 0)

    if sort == "ikm":
        return lambda row: missing_last(row.result.score)
    if sort == "n":
        return lambda row: (0, row.n)
    if sort == "trend":
        return lambda row: missing_last(row.delta)
    if sort == "sample":
        # furthest from its minimum sample first when ascending; unknown populations last
        return lambda row: missing_last(
            row.n - row.sample.minimum if row.sample is not None else None
        )
    raise ValueError(sort)


def sort_rows(rows: list[UnitRow], sort: str, descending: bool) -> list[UnitRow]:
    """Rows in tree order ("name"), or by a figure with missing figures always last."""
    if sort == "name" or sort not in SORTS:
        return list(reversed(rows)) if descending else list(rows)
    key = _sort_key(sort)
    present = [r for r in rows if key(r)[0] == 0]
    absent = [r for r in rows if key(r)[0] == 1]
    ordered = sorted(present, key=lambda r: (key(r)[1], r.node.name), reverse=descending)
    return ordered + absent


def build_dashboard(session: Session, query: DashboardQuery) -> Dashboard:
    tree = UnitTree.load(session, query.agency_id)
    units = scope_units(tree, query.visible_unit_ids, query.unit_id)
    base = Slice(
        query.agency_id,
        unit_ids=units,
        service_point_id=query.service_point_id,
        service_id=query.service_id,
        survey_version_id=query.survey_version_id,
        include_flagged=query.include_flagged,
    )
    period = query.period
    current = base.within(period)
    previous_period = period.previous()

    def own(slice_: Slice) -> dict[int, Aggregates]:
        return {g[0]: a for g, a in element_aggregates(session, slice_, ("unit",)).items()}

    own_now, own_before = own(current), own(base.within(previous_period))
    listed = [
        (node, depth)
        for node, depth in table_units(tree, query)
        if units is None or node.id in units
    ]
    ids = [node.id for node, _ in listed]
    now_by_unit = rolled_up(own_now, tree, ids)
    before_by_unit = rolled_up(own_before, tree, ids)
    populations = populations_for(session, ids, period)

    weight = query.weight
    rows = []
    for node, depth in listed:
        result = ikm_from_aggregates(now_by_unit[node.id], weight=weight)
        if not node.active and not result.respondents:
            continue
        population = populations.get(node.id)
        rows.append(
            UnitRow(
                node,
                depth,
                result,
                ikm_score(before_by_unit[node.id], weight=weight),
                population,
                sample_status(population, result.respondents) if population is not None else None,
            )
        )

    months = months_back(period.end, query.trend_months)
    trend_slice = base.replace(start=months[0].start, end=months[-1].end)
    by_month = element_aggregates(session, trend_slice, ("month",))
    trend = []
    for month in months:
        aggregates = by_month.get(((month.start.year, month.start.month),))
        trend.append(
            (month, ikm_from_aggregates(aggregates, weight=weight) if aggregates else None)
        )

    if period.days <= DAILY_VOLUME_MAX_DAYS:
        counts = volume_by(session, current, ("date",))
        volume = [
            (day, counts.get((day,), 0))
            for day in (period.start + dt.timedelta(days=i) for i in range(period.days))
        ]
        volume_unit = "day"
    else:
        counts = volume_by(session, current, ("month",))
        volume = [(dt.date(y, m, 1), counts.get(((y, m),), 0)) for y, m in period.months()]
        volume_unit = "month"

    flagged = 0
    if not query.include_flagged:
        flagged_counts = volume_by(session, current.replace(include_flagged=True), ()).get((), 0)
        flagged = max(flagged_counts - sum(c for _, c in volume), 0)

    return Dashboard(
        query=query,
        slice=current,
        tree=tree,
        overall=ikm_from_aggregates(combine(own_now.values()), weight=weight),
        previous_overall=ikm_from_aggregates(combine(own_before.values()), weight=weight),
        rows=sort_rows(rows, query.sort, query.descending),
        trend=trend,
        volume=volume,
        volume_unit=volume_unit,
        heatmap=weekday_hour_counts(session, current),
        scales=scale_summaries(session, current),
        comments=comment_feed(session, current, tone=query.tone, limit=query.comment_limit),
        flagged=flagged,
        populations=populations,
    )
