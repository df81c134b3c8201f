"""Whose feedback figures a user may see (DESIGN.md section 3; UU 27/2022).

Per-employee figures are for the employee's supervisors and the agency head,
never for the public, the employee's peers or the employee themself:

- the supervisors up the chain of ``Employee.supervisor_id`` (a user is an
  employee through ``User.employee_id``), whatever their role;
- unit heads whose unit subtree holds the employee's unit;
- the agency head (limited to their unit subtree if their account is).

Installation administrators, agency administrators and survey designers see
none of them, unless they are someone's supervisor. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from feedback_app.models import Employee, Role, User, subtree_ids


@dataclass(frozen=True)
class FigureScope:
    agency_id: int
    #: units whose employees the user sees as their head; None: the whole agency
    unit_ids: frozenset[int] | None
    #: employees below the user in the supervisor chain
    staff_ids: frozenset[int]
    #: the user's own employee record: figures about oneself are for one's supervisors
    own_employee_id: int | None

    def sees(self, employee: Employee) -> bool:
        if employee.agency_id != self.agency_id or employee.id == self.own_employee_id:
            return False
        return (
            employee.id in self.staff_ids
            or self.unit_ids is None
            or employee.unit_id in self.unit_ids
        )

    def condition(self) -> ColumnElement[bool]:
        """The same rule as a WHERE clause on ``employees``."""
        if self.unit_ids is None:
            reach: ColumnElement[bool] = true()
        else:
            reach = or_(
                Employee.unit_id.in_(sorted(self.unit_ids)) if self.unit_ids else false(),
                Employee.id.in_(sorted(self.staff_ids)) if self.staff_ids else false(),
            )
        not_self = (
            Employee.id != self.own_employee_id if self.own_employee_id is not None else true()
        )
        return and_(Employee.agency_id == self.agency_id, not_self, reach)


def staff_ids(session: Session, supervisor_id: int) -> set[int]:
    """Everyone below an employee in the supervisor chain (a cycle in the data stops it)."""
    chain = (
        select(Employee.id)
        .where(Employee.supervisor_id == supervisor_id)
        .cte("staff_chain", recursive=True)
    )
    # UNION, not UNION ALL: rows already found are not walked again, so a loop ends
    chain = chain.union(select(Employee.id).join(chain, Employee.supervisor_id == chain.c.id))
    return set(session.scalars(select(chain.c.id))) - {supervisor_id}


def figure_scope(session: Session, user: User | None) -> FigureScope | None:
    """What ``user`` may see of employee figures; None when nothing at all."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return None
    if user.agency_id is None:
        return None
    units: frozenset[int] | None = frozenset()
    if user.role == Role.AGENCY_HEAD:
        units = None if user.unit_id is None else frozenset(subtree_ids(session, user.unit_id))
    elif user.role == Role.UNIT_HEAD and user.unit_id is not None:
        units = frozenset(subtree_ids(session, user.unit_id))
    staff: frozenset[int] = frozenset()
    if user.employee_id is not None:
        staff = frozenset(
            session.scalars(
                select(Employee.id).where(
                    Employee.id.in_(sorted(staff_ids(session, user.employee_id))),
                    Employee.agency_id == user.agency_id,
                )
            )
        )
    if units is not None and not units and not staff:
        return None
    return FigureScope(user.agency_id, units, staff, user.employee_id)
