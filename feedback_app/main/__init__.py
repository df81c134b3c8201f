"""Home page, navigation and the language switch."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from feedback_app.models import Permission
from feedback_app.util import safe_next

bp = Blueprint("main", __name__)

#: the management menu: (endpoint, label, permission needed)
NAVIGATION = [
    ("dashboard.index", _l("Dasbor"), Permission.VIEW_RESULTS),
    ("followups.inbox", _l("Tindak lanjut"), Permission.VIEW_RESULTS),
    ("plans.index", _l("Rencana tindak lanjut"), Permission.VIEW_RESULTS),
    # employee figures are for heads and supervisors inside an agency, never the installation admin
    (
        "indicators.realisation",
        _l("Indikator pegawai"),
        lambda user: user.agency_id is not None and user.can(Permission.VIEW_RESULTS),
    ),
    (
        "indicators.definitions",
        _l("Definisi indikator"),
        lambda user: (
            user.agency_id is not None
            and user.unit_id is None
            and user.can(Permission.MANAGE_ORGANISATION)
        ),
    ),
    ("organisation.agencies_list", _l("Instansi"), Permission.MANAGE_AGENCIES),
    ("organisation.units_list", _l("Unit"), Permission.VIEW_ORGANISATION),
    ("organisation.service-points_list", _l("Loket"), Permission.VIEW_ORGANISATION),
    ("organisation.services_list", _l("Jenis layanan"), Permission.VIEW_ORGANISATION),
    ("organisation.employees_list", _l("Pegawai"), Permission.VIEW_ORGANISATION),
    ("organisation.roster_list", _l("Jadwal tugas"), Permission.VIEW_ORGANISATION),
    ("designer.index", _l("Survei"), Permission.DESIGN_SURVEYS),
    ("exports_web.index", _l("Ekspor"), Permission.VIEW_RESULTS),
    (
        "responses.flagged_list",
        _l("Respons ditandai"),
        (Permission.VIEW_RESULTS, Permission.MANAGE_ORGANISATION),
    ),
    ("imports.index", _l("Impor data"), Permission.MANAGE_ORGANISATION),
    ("posters.agency_posters", _l("Poster QR"), Permission.VIEW_ORGANISATION),
    # officers reach their counter display; managers open any counter's
    (
        "staff.displays_list",
        _l("Layar loket"),
        lambda user: user.employee_id is not None or user.can(Permission.VIEW_ORGANISATION),
    ),
    ("staff.kiosks_list", _l("Kiosk"), Permission.MANAGE_ORGANISATION),
    ("staff.api_tokens_list", _l("Token API"), Permission.MANAGE_ORGANISATION),
    ("accounts.users_list", _l("Pengguna"), Permission.MANAGE_USERS),
    ("audit.index", _l("Log audit"), Permission.MANAGE_USERS),
]


def _allowed(needed: Any) -> bool:
    """A menu entry shows when the user holds its permission (or one of several),
    or when its rule about the user holds."""
    if callable(needed) and not isinstance(needed, Permission):
        return bool(needed(current_user))
    options = needed if isinstance(needed, tuple) else (needed,)
    return any(current_user.can(p) for p in options)


#: extra buttons on a list page, by entity slug
LIST_ACTIONS: dict[str, list[tuple[str, Any, Permission]]] = {}


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("main/home.html")


@bp.get("/lang/<code>")
def switch_language(code: str):  # type: ignore[no-untyped-def]
    """Remember the chosen language in a cookie for a year."""
    target = safe_next(request.args.get("next")) or url_for("main.home")
    response = make_response(redirect(target))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            "lang",
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


def _template_helpers() -> dict[str, Any]:
    from feedback_app.accounts.forms import ROLE_LABELS

    def nav_items() -> list[tuple[str, Any, Any]]:
        return [item for item in NAVIGATION if _allowed(item[2])]

    def list_actions(slug: str) -> list[tuple[str, Any]]:
        return [(e, label) for e, label, p in LIST_ACTIONS.get(slug, []) if current_user.can(p)]

    return {
        "nav_items": nav_items,
        "list_actions": list_actions,
        "role_label": ROLE_LABELS.get,
        "Permission": Permission,
        "current_locale": lambda: str(get_locale() or "id"),
    }


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(_template_helpers)
    app.register_blueprint(bp)
