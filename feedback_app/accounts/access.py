"""Who may see what: every management view loads through these helpers.

A user belongs to an agency and may be limited to a unit subtree. Objects
outside that scope do not exist for the user: they answer 404, never 403,
so ids of other agencies cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from feedback_app.db import db
from feedback_app.models import (
    Agency,
    Employee,
    FollowUp,
    ImprovementPlan,
    Permission,
    Response,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    Unit,
    User,
    subtree_ids,
)

M = TypeVar("M")
F = TypeVar("F", bound=Callable[..., Any])


def require(permission: Permission) -> Callable[[F], F]:
    """Signed in and holding ``permission``; otherwise 401 (to the login page) or 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorator


def visible_unit_ids() -> list[int] | None:
    """The units the current user is limited to, or None for the whole agency."""
    if current_user.unit_id is None:
        return None
    if "visible_unit_ids" not in g:
        g.visible_unit_ids = subtree_ids(db, current_user.unit_id)
    return g.visible_unit_ids


def _scope_columns(model: type) -> tuple[Callable[[Select], Select], Any, Any]:
    """How to reach a model's agency and unit: (join, agency column, unit column)."""
    if model is Agency:
        return (lambda q: q), Agency.id, None
    if model is Unit:
        return (lambda q: q), Unit.agency_id, Unit.id
    if model in (ServicePoint, Service, FollowUp, ImprovementPlan):
        owner = aliased(Unit)
        return (
            lambda q: q.join(owner, model.unit_id == owner.id),
            owner.agency_id,
            model.unit_id,
        )
    if model is Employee:
        return (lambda q: q), Employee.agency_id, Employee.unit_id
    if model is RosterEntry:
        point, owner = aliased(ServicePoint), aliased(Unit)
        return (
            lambda q: q.join(point, RosterEntry.service_point_id == point.id).join(
                owner, point.unit_id == owner.id
            ),
            owner.agency_id,
            point.unit_id,
        )
    if model is User:
        return (lambda q: q), User.agency_id, User.unit_id
    if model is Response:
        return (lambda q: q), Response.agency_id, Response.unit_id
    raise TypeError(f"no scope rule for {model!r}")


def scoped(query: Select, model: type) -> Select:
    """Restrict a query on ``model`` to what the current user may see."""
    if current_user.role == Role.ADMIN:
        return query
    join, agency_col, unit_col = _scope_columns(model)
    query = join(query).where(agency_col == current_user.agency_id)
    units = visible_unit_ids()
    if units is not None:
        if unit_col is None:
            # agency-level objects are beyond a unit-limited user
            return query.where(False)
        query = query.where(unit_col.in_(units))
    return query


#: the largest id an INTEGER column holds (PostgreSQL refuses larger ones in a query)
MAX_ID = 2**31 - 1


def get_or_404(model: type[M], object_id: int) -> M:
    """Load one object the current user may see, or answer 404."""
    if not 0 < object_id <= MAX_ID:
        abort(404)  # an id no record can have, typed into the address bar
    obj = db.scalar(scoped(select(model), model).where(model.id == object_id))  # type: ignore[attr-defined]
    if obj is None:
        abort(404)
    return obj


def agency_scope_id() -> int | None:
    """The agency every new object of the current user belongs to (None for admins)."""
    return None if current_user.role == Role.ADMIN else current_user.agency_id
