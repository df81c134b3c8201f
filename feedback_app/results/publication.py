"""What an agency publishes (PermenPANRB 14/2017): IKM and grade per unit, n, the period,
and the improvement plans. Nothing about employees, and no comments: only unit figures.

The published period is a *closed* one, so the figures no longer change as
answers arrive (only if an administrator later clears or sets a flag).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_app.models import Agency, ImprovementPlan
from feedback_app.results.periods import Period, PeriodKind, last_closed, local_today
from feedback_app.results.populations import populations_for
from feedback_app.results.scores import combine, element_aggregates, rolled_up, weight_for
from feedback_app.results.slices import Slice, UnitNode, UnitTree
from surveys.scoring import IkmResult, SampleStatus, ikm_from_aggregates, sample_status

#: the public page shows closed periods of these kinds
PUBLIC_KINDS = (PeriodKind.QUARTER, PeriodKind.SEMESTER, PeriodKind.YEAR)
#: a quarter by default: the shortest round agencies commonly run, so results are timely
DEFAULT_KIND = PeriodKind.QUARTER


@dataclass(frozen=True)
class PublishedPlan:
    element_key: str
    action: str
    due_date: object
    done: bool


@dataclass
class PublishedUnit:
    node: UnitNode
    depth: int
    result: IkmResult
    sample: SampleStatus | None
    plans: list[PublishedPlan] = field(default_factory=list)


@dataclass
class Publication:
    agency: Agency
    period: Period
    overall: IkmResult
    units: list[PublishedUnit]


def default_period(agency: Agency) -> Period:
    """The latest closed quarter in the agency's own time zone."""
    return last_closed(DEFAULT_KIND, local_today(agency.timezone))


def is_publishable(period: Period, agency: Agency) -> bool:
    return period.kind in PUBLIC_KINDS and period.is_closed(local_today(agency.timezone))


def publication(session: Session, agency: Agency, period: Period) -> Publication:
    tree = UnitTree.load(session, agency.id)
    slice_ = Slice(agency.id).within(period)
    own = {g[0]: a for g, a in element_aggregates(session, slice_, ("unit",)).items()}
    listed = [(node, node.depth) for node in tree.ordered() if node.active or node.id in own]
    ids = [node.id for node, _ in listed]
    weight = weight_for(agency)
    results = {
        unit_id: ikm_from_aggregates(aggregates, weight=weight)
        for unit_id, aggregates in rolled_up(own, tree, ids).items()
    }
    plans: dict[int, list[PublishedPlan]] = {}
    for plan in session.scalars(
        select(ImprovementPlan)
        .where(
            ImprovementPlan.unit_id.in_(ids),
            ImprovementPlan.period_start <= period.end,
            ImprovementPlan.period_end >= period.start,
        )
        .order_by(ImprovementPlan.element_key, ImprovementPlan.id)
    ):
        plans.setdefault(plan.unit_id, []).append(
            PublishedPlan(plan.element_key, plan.action, plan.due_date, plan.done)
        )
    populations = populations_for(session, ids, period)
    units = []
    for node, depth in listed:
        result = results[node.id]
        if not result.respondents and node.id not in plans:
            continue
        population = populations.get(node.id)
        units.append(
            PublishedUnit(
                node,
                depth,
                result,
                sample_status(population, result.respondents) if population is not None else None,
                plans.get(node.id, []),
            )
        )
    return Publication(
        agency,
        period,
        ikm_from_aggregates(combine(own.values()), weight=weight),
        units,
    )
