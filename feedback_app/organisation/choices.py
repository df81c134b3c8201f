"""Select options limited to what the current user may see."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from feedback_app.accounts.access import scoped
from feedback_app.db import db
from feedback_app.models import Agency, Employee, Role, ServicePoint, Unit

BLANK = ("", _l("— tidak ada —"))


def agency_choices() -> list[tuple[Any, Any]]:
    agencies = db.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name))
    return [(a.id, a.name) for a in agencies]


def tree_order(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Units in depth-first order with their depth, roots (or orphans in scope) first."""
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (u.agency_id, u.name)):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def unit_choices(*, active_only: bool = True) -> list[tuple[Any, Any]]:
    query = scoped(select(Unit), Unit)
    if active_only:
        query = query.where(Unit.active.is_(True))
    units = list(db.scalars(query))
    prefix_agency = current_user.role == Role.ADMIN
    agencies = {a.id: a.code for a in db.scalars(select(Agency))} if prefix_agency else {}
    return [
        (
            unit.id,
            ("\u00a0\u00a0" * depth)
            + (f"[{agencies[unit.agency_id]}] " if prefix_agency else "")
            + f"{unit.name} ({unit.code})",
        )
        for unit, depth in tree_order(units)
    ]


def employee_choices() -> list[tuple[Any, Any]]:
    query = scoped(select(Employee), Employee).where(Employee.active.is_(True))
    return [(e.id, f"{e.name} — {e.nip}") for e in db.scalars(query.order_by(Employee.name))]


def service_point_choices() -> list[tuple[Any, Any]]:
    query = (
        scoped(select(ServicePoint, Unit.name), ServicePoint)
        .join(Unit, ServicePoint.unit_id == Unit.id)
        .where(ServicePoint.active.is_(True))
        .order_by(Unit.name, ServicePoint.code)
    )
    return [(sp.id, f"{unit_name} — {sp.name}") for sp, unit_name in db.execute(query)]
