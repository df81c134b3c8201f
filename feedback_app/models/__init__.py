"""All models, imported here so Alembic and the app see one metadata."""

from feedback_app.models.accounts import ROLE_PERMISSIONS, Permission, Role, User
from feedback_app.models.aggregates import AnswerCount, ResponseCount
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
    ApiToken,
    Channel,
    LinkKind,
    PublicLink,
    Response,
    ResponseContact,
    TransactionCode,
)
from feedback_app.models.survey import Survey, SurveyStatus, SurveyVersion

__all__ = [
    "ROLE_PERMISSIONS",
    "Agency",
    "AnswerCount",
    "ApiToken",
    "Channel",
    "LinkKind",
    "PublicLink",
    "Response",
    "ResponseCount",
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
    "TransactionCode",
    "Unit",
    "UnitKind",
    "User",
    "subtree_ids",
]
