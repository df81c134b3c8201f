from flask import Blueprint

from feedback_app.accounts.access import require
from feedback_app.models import Permission

bp = Blueprint("imports", __name__, url_prefix="/import")


@bp.get("/")
@require(Permission.MANAGE_ORGANISATION)
def index():  # type: ignore[no-untyped-def]
    return "TODO"
