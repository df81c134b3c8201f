"""What part of the answers a figure is about: a slice of one agency's responses.

A :class:`Slice` names the agency and, optionally, a set of units (a unit with
its sub-units is the set :meth:`UnitTree.subtree`), a counter, a service, an
employee, a survey version and a range of local days. It turns into WHERE
clauses for the aggregate tables (``response_counts``, ``answer_counts``) and,
for the few figures that need them, for the raw ``responses`` table.

Flagged responses are left out unless ``include_flagged`` is set. No Flask here:
web views build slices from the signed-in user's scope and their filters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from feedback_app.models import Response, TimeZone, Unit
from feedback_app.results.periods import Period

#: an aggregate's "none" for counter, employee and service
NONE = 0
#: UTC offsets of the three zones (none of them observes daylight saving time)
ZONE_OFFSETS = {TimeZone.WIB: 7, TimeZone.WITA: 8, TimeZone.WIT: 9}


@dataclass(frozen=True)
class Slice:
    agency_id: int
    #: first and last local day (inclusive); None: unbounded
    start: dt.date | None = None
    end: dt.date | None = None
    #: the units counted; None: the whole agency
    unit_ids: frozenset[int] | None = None
    service_point_id: int | None = None
    #: 0 selects responses whose citizen did not name a service
    service_id: int | None = None
    #: 0 selects responses credited to nobody
    employee_id: int | None = None
    survey_version_id: int | None = None
    include_flagged: bool = False

    def __post_init__(self) -> None:
        if self.unit_ids is not None and not isinstance(self.unit_ids, frozenset):
            object.__setattr__(self, "unit_ids", frozenset(self.unit_ids))

    # ----- narrowing

    def replace(self, **changes: Any) -> Slice:
        return dataclasses.replace(self, **changes)

    def within(self, period: Period) -> Slice:
        return self.replace(start=period.start, end=period.end)

    def restricted_to(self, unit_ids: Iterable[int] | None) -> Slice:
        """Only these units as well (None leaves the slice as it is)."""
        if unit_ids is None:
            return self
        allowed = frozenset(unit_ids)
        return self.replace(unit_ids=allowed if self.unit_ids is None else self.unit_ids & allowed)

    # ----- SQL

    def aggregate_filters(self, table: Any) -> list[ColumnElement[bool]]:
        """Conditions on an aggregate model (``ResponseCount`` or ``AnswerCount``)."""
        conditions: list[ColumnElement[bool]] = [table.agency_id == self.agency_id]
        if self.start is not None:
            conditions.append(table.local_date >= self.start)
        if self.end is not None:
            conditions.append(table.local_date <= self.end)
        if self.unit_ids is not None:
            conditions.append(
                table.unit_id.in_(sorted(self.unit_ids)) if self.unit_ids else false()
            )
        for name in ("service_point_id", "service_id", "employee_id", "survey_version_id"):
            value = getattr(self, name)
            if value is not None:
                conditions.append(getattr(table, name) == value)
        if not self.include_flagged:
            conditions.append(table.flagged.is_(False))
        return conditions

    def response_filters(self) -> list[ColumnElement[bool]]:
        """The same slice on the raw ``responses`` table.

        A response's local day follows the zone stored with it, as the
        aggregates do, so the day bounds become one UTC range per zone.
        """
        conditions: list[ColumnElement[bool]] = [Response.agency_id == self.agency_id]
        if self.unit_ids is not None:
            conditions.append(
                Response.unit_id.in_(sorted(self.unit_ids)) if self.unit_ids else false()
            )
        if self.start is not None or self.end is not None:
            conditions.append(or_(*(self._zone_bounds(zone) for zone in TimeZone)))
            # the loosest bounds over all zones as a plain range, for the time index
            east = max(ZONE_OFFSETS, key=ZONE_OFFSETS.__getitem__)
            west = min(ZONE_OFFSETS, key=ZONE_OFFSETS.__getitem__)
            low, high = self._utc_bounds(east)[0], self._utc_bounds(west)[1]
            if low is not None:
                conditions.append(Response.submitted_at >= low)
            if high is not None:
                conditions.append(Response.submitted_at < high)
        for name in ("service_point_id", "service_id", "employee_id"):
            value = getattr(self, name)
            if value is not None:
                column = getattr(Response, name)
                conditions.append(column.is_(None) if value == NONE else column == value)
        if self.survey_version_id is not None:
            conditions.append(Response.survey_version_id == self.survey_version_id)
        if not self.include_flagged:
            conditions.append(Response.flagged.is_(False))
        return conditions

    def _utc_bounds(self, zone: TimeZone) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The UTC moments of local midnight starting ``start`` and ending ``end`` in ``zone``."""
        tz = ZoneInfo(zone.iana)
        low = high = None
        if self.start is not None:
            low = dt.datetime.combine(self.start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        if self.end is not None:
            after = self.end + dt.timedelta(days=1)
            high = dt.datetime.combine(after, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        return low, high

    def _zone_bounds(self, zone: TimeZone) -> ColumnElement[bool]:
        low, high = self._utc_bounds(zone)
        conditions = [Response.timezone == zone]
        if low is not None:
            conditions.append(Response.submitted_at >= low)
        if high is not None:
            conditions.append(Response.submitted_at < high)
        return and_(*conditions)


@dataclass(frozen=True)
class UnitNode:
    id: int
    parent_id: int | None
    code: str
    name: str
    timezone: TimeZone
    active: bool
    depth: int = 0


@dataclass
class UnitTree:
    """An agency's unit tree, loaded in one query, for subtrees and roll-ups."""

    nodes: dict[int, UnitNode]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, agency_id: int) -> UnitTree:
        rows = session.execute(
            select(Unit.id, Unit.parent_id, Unit.code, Unit.name, Unit.timezone, Unit.active)
            .where(Unit.agency_id == agency_id)
            .order_by(Unit.name, Unit.id)
        ).all()
        ids = {row.id for row in rows}
        children: dict[int | None, list[int]] = {}
        for row in rows:
            parent = row.parent_id if row.parent_id in ids else None
            children.setdefault(parent, []).append(row.id)
        nodes = {
            row.id: UnitNode(row.id, row.parent_id, row.code, row.name, row.timezone, row.active)
            for row in rows
        }
        tree = cls(nodes, children)
        for node, depth in tree._walk(None, 0, set()):
            nodes[node] = dataclasses.replace(nodes[node], depth=depth)
        return tree

    def _walk(self, parent: int | None, depth: int, seen: set[int]) -> Iterator[tuple[int, int]]:
        for child in self.children.get(parent, []):
            if child in seen:
                continue
            seen.add(child)
            yield child, depth
            yield from self._walk(child, depth + 1, seen)

    def ordered(self, roots: Iterable[int] | None = None) -> list[UnitNode]:
        """Units parents first, children by name under their parent; only below ``roots``."""
        if roots is None:
            return [self.nodes[i] for i, _ in self._walk(None, 0, set())]
        result: list[UnitNode] = []
        seen: set[int] = set()
        for root in roots:
            if root in seen or root not in self.nodes:
                continue
            seen.add(root)
            result.append(self.nodes[root])
            result.extend(self.nodes[i] for i, _ in self._walk(root, 0, seen))
        return result

    def subtree(self, unit_id: int) -> frozenset[int]:
        """The unit and every unit below it."""
        return frozenset([unit_id, *(i for i, _ in self._walk(unit_id, 0, {unit_id}))])

    def top_units(self, visible: Iterable[int] | None) -> list[int]:
        """The highest visible units: roots of the agency, or of a user's visible subtrees."""
        if visible is None:
            return list(self.children.get(None, []))
        allowed = set(visible)
        return [
            node.id
            for node in self.ordered()
            if node.id in allowed and node.parent_id not in allowed
        ]
