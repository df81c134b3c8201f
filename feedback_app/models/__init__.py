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
from feedback_app.models.responses import (
    Channel,
    LinkKind,
    PublicLink,
    Response,
    ResponseContact,
)
from feedback_app.models.survey import Survey, SurveyStatus, SurveyVersion

__all__ = [
    "ROLE_PERMISSIONS",
    "Agency",
    "Channel",
    "LinkKind",
    "PublicLink",
    "Response",
    "ResponseContact",
    "Survey",
    "SurveyStatus",
    "SurveyVersion",
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
