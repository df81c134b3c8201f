"""All models, imported here so Alembic and the app see one metadata."""

from feedback_app.models.accounts import ROLE_PERMISSIONS, Permission, Role, User
from feedback_app.models.organisation import (
    Agency,
    Employee,
    RosterEntry,
    Service,
    ServicePoint,
    TimeZone,
    Unit,
    UnitKind,
    subtree_ids,
)

__all__ = [
    "ROLE_PERMISSIONS",
    "Agency",
    "Employee",
    "Permission",
    "Role",
    "RosterEntry",
    "Service",
    "ServicePoint",
    "TimeZone",
    "Unit",
    "UnitKind",
    "User",
    "subtree_ids",
]
