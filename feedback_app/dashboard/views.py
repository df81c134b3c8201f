"""The dashboard, the respondent-group page and unit populations.

Every view: load what the address names through the scope helpers (404
beyond the user's agency or unit subtree), then check the permission (403),
then compute. Filters are query parameters, so every view of the data is a
plain link that can be bookmarked and works without JavaScript:

``jenis`` (day, week, month, quarter, semester, year, custom), ``tanggal`` (a
day inside the period; default today in the agency's zone), ``dari`` and
``sampai`` (a custom range), ``unit``, ``loket``, ``layanan`` (``0``: the
citizen did not say), ``versi``, ``ditandai=1`` (count flagged responses
too), ``nada`` (comments: all, negative, positive), ``urut`` and ``arah``
(the unit table's order), and ``instansi`` for an installation administrator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from feedback_app.accounts.access import get_or_404, visible_unit_ids
from feedback_app.dashboard import charts
from feedback_app.dashboard.data import (
    SORTS,
    Dashboard,
    DashboardQuery,
    build_dashboard,
    scope_units,
)
from feedback_app.dashboard.labels import (
    KIND_LABELS,
    WEEKDAYS,
    fmt,
    month_short,
    period_label,
)
from feedback_app.dashboard.labels import day as day_label
from feedback_app.db import db
from feedback_app.models import (
    Agency,
    Permission,
    Role,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    Unit,
)
from feedback_app.results.comments import DEFAULT_WINDOW, TONES
from feedback_app.results.groups import GROUPS, ikm_by_group
from feedback_app.results.periods import Period, PeriodError, PeriodKind, local_today
from feedback_app.results.scores import weight_for
from feedback_app.results.slices import Slice, UnitTree

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    static_folder="static",
    static_url_path="/static",
)

#: extra template context for the dashboard page: the employee-indicator table
#: (issue 6, item 3) registers a function here and fills the marked slot in
#: templates/dashboard/index.html through templates/dashboard/_employee_indicators.html
CONTEXT_HOOKS: list[Callable[[Dashboard, Filters], dict[str, Any]]] = []

TONE_LABELS = {
    "all": _l("Semua"),
    "negative": _l("Negatif (ada unsur bernilai 1–2)"),
    "positive": _l("Positif"),
}
GROUP_LABELS = {
    "gender": _l("Jenis kelamin"),
    "age": _l("Kelompok umur"),
    "education": _l("Pendidikan"),
    "occupation": _l("Pekerjaan"),
}
#: comments per "show more" step
COMMENTS_STEP = 30
SORT_LABELS = {
    "name": _l("Unit"),
    "n": _l("Responden"),
    "ikm": _l("IKM"),
    "trend": _l("Perubahan"),
    "sample": _l("Sampel"),
}


def _can_view_results() -> bool:
    return current_user.can(Permission.VIEW_RESULTS)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@dataclass
class Filters:
    """The request's filters, every object already loaded within the user's scope."""

    agency: Agency
    period: Period
    today: dt.date
    unit: Unit | None = None
    point: ServicePoint | None = None
    service: Service | None = None
    #: 0 when filtering on "no service named"
    service_id: int | None = None
    version: SurveyVersion | None = None
    include_flagged: bool = False
    tone: str = "all"
    sort: str = "name"
    descending: bool = False
    #: comments shown (more on request, up to the feed's window)
    comments: int = COMMENTS_STEP
    extra: dict[str, str] = field(default_factory=dict)

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query parameters for a link to the same view with ``changes``."""
        period = changes.pop("period", self.period)
        values: dict[str, Any] = {"jenis": period.kind.value}
        if period.kind == PeriodKind.CUSTOM:
            values |= {"dari": period.start.isoformat(), "sampai": period.end.isoformat()}
        else:
            values["tanggal"] = period.start.isoformat()
        if current_user.role == Role.ADMIN:
            values["instansi"] = self.agency.id
        values |= {
            "unit": self.unit.id if self.unit else None,
            "loket": self.point.id if self.point else None,
            "layanan": self.service_id,
            "versi": self.version.id if self.version else None,
            "ditandai": "1" if self.include_flagged else None,
            "nada": self.tone if self.tone != "all" else None,
            "urut": self.sort if self.sort != "name" else None,
            "arah": "turun" if self.descending else None,
            "komentar": self.comments if self.comments != COMMENTS_STEP else None,
            **self.extra,
        }
        values |= changes
        return {k: v for k, v in values.items() if v is not None}

    def query(self, **kw: Any) -> DashboardQuery:
        visible = visible_unit_ids()
        return DashboardQuery(
            agency_id=self.agency.id,
            period=self.period,
            weight=weight_for(self.agency),
            visible_unit_ids=frozenset(visible) if visible is not None else None,
            unit_id=self.unit.id if self.unit else None,
            service_point_id=self.point.id if self.point else None,
            service_id=self.service_id,
            survey_version_id=self.version.id if self.version else None,
            include_flagged=self.include_flagged,
            tone=self.tone,
            sort=self.sort,
            descending=self.descending,
            comment_limit=self.comments,
            **kw,
        )


def _agency() -> Agency:
    if current_user.role != Role.ADMIN:
        agency = db.get(Agency, current_user.agency_id)
        if agency is None:
            abort(404)
        return agency
    chosen = _int_arg("instansi")
    query = select(Agency).order_by(Agency.name)
    if chosen is not None:
        query = query.where(Agency.id == chosen)
    agency = db.scalar(query.limit(1))
    if agency is None:
        abort(404)
    return agency


def _period(today: dt.date) -> Period:
    kind = request.args.get("jenis", PeriodKind.MONTH.value)
    try:
        if kind == PeriodKind.CUSTOM:
            start, end = _date_arg("dari"), _date_arg("sampai")
            if start is not None and end is not None:
                return Period.custom(start, end)
            kind = PeriodKind.MONTH.value
        return Period.containing(kind, _date_arg("tanggal") or today)
    except (PeriodError, ValueError):
        return Period.containing(PeriodKind.MONTH, today)


def _in_agency(obj: Any, agency: Agency, unit_id: int | None) -> Any:
    """404 for a record of another agency (an installation admin sees every agency)."""
    if unit_id is None or db.scalar(select(Unit.agency_id).where(Unit.id == unit_id)) != agency.id:
        abort(404)
    return obj


def load_filters() -> Filters:
    """Load every filter object named in the address; 404 for anything beyond the user's scope."""
    agency = _agency()
    today = local_today(agency.timezone)
    filters = Filters(agency=agency, period=_period(today), today=today)
    if (unit_id := _int_arg("unit")) is not None:
        filters.unit = _in_agency(get_or_404(Unit, unit_id), agency, unit_id)
    if (point_id := _int_arg("loket")) is not None:
        point = get_or_404(ServicePoint, point_id)
        filters.point = _in_agency(point, agency, point.unit_id)
    if (service_id := _int_arg("layanan")) is not None:
        if service_id == 0:
            filters.service_id = 0
        else:
            service = get_or_404(Service, service_id)
            filters.service = _in_agency(service, agency, service.unit_id)
            filters.service_id = service.id
    if (version_id := _int_arg("versi")) is not None:
        version = db.scalar(
            select(SurveyVersion)
            .join(Survey, SurveyVersion.survey_id == Survey.id)
            .where(SurveyVersion.id == version_id, Survey.agency_id == agency.id)
        )
        if version is None:
            abort(404)
        filters.version = version
    filters.include_flagged = request.args.get("ditandai") == "1"
    tone = request.args.get("nada", "all")
    filters.tone = tone if tone in TONES else "all"
    sort = request.args.get("urut", "name")
    filters.sort = sort if sort in SORTS else "name"
    filters.descending = request.args.get("arah") == "turun"
    shown = _int_arg("komentar") or COMMENTS_STEP
    filters.comments = min(max(shown, COMMENTS_STEP), DEFAULT_WINDOW)
    return filters


# --------------------------------------------------------------------------- choices


@dataclass
class Choices:
    units: list[tuple[int, str]]
    points: list[tuple[int, str]]
    services: list[tuple[int, str]]
    versions: list[tuple[int, str]]
    agencies: list[tuple[int, str]]
    tree: UnitTree

    def name_of(self, kind: str, object_id: int | None) -> str | None:
        return dict(getattr(self, kind)).get(object_id) if object_id is not None else None


def load_choices(agency: Agency) -> Choices:
    """What the filter form offers: only what the user may see."""
    tree = UnitTree.load(db, agency.id)
    visible = visible_unit_ids()
    allowed = None if visible is None else set(visible)
    units = [
        (node.id, "\u2003" * (node.depth - tree.nodes[root].depth) + node.name)
        for root in tree.top_units(visible)
        for node in tree.ordered([root])
    ]

    def in_units(model: Any) -> list[tuple[int, str]]:
        query = (
            select(model.id, model.name, Unit.name)
            .join(Unit, model.unit_id == Unit.id)
            .where(Unit.agency_id == agency.id)
            .order_by(Unit.name, model.name)
        )
        if allowed is not None:
            query = query.where(Unit.id.in_(sorted(allowed)))
        return [(i, f"{unit} — {name}") for i, name, unit in db.execute(query)]

    versions = [
        (version.id, f"{name} · v{version.number}")
        for version, name in db.execute(
            select(SurveyVersion, Survey.name)
            .join(Survey, SurveyVersion.survey_id == Survey.id)
            .where(Survey.agency_id == agency.id, SurveyVersion.published_at.is_not(None))
            .order_by(Survey.name, SurveyVersion.number)
        )
    ]
    agencies = []
    if current_user.role == Role.ADMIN:
        agencies = [(a.id, a.name) for a in db.scalars(select(Agency).order_by(Agency.name))]
    return Choices(units, in_units(ServicePoint), in_units(Service), versions, agencies, tree)


# --------------------------------------------------------------------------- charts


def _charts(board: Dashboard) -> dict[str, Any]:
    trend_points = []
    for month, result in board.trend:
        title = period_label(month)
        if result is not None:
            title += f": {fmt.score(result.score)} (n = {fmt.count(result.respondents)})"
        trend_points.append(
            charts.Point(month_short(month), result.score if result else None, title)
        )
    weakest = set(board.weakest)
    bars = [
        charts.Bar(
            f"{element.key} {fmt.element(element.key)}",
            element.score,
            f"{fmt.score(element.score)} ({element.grade})" if element.grade else "—",
            element.key in weakest,
            str(_("terlemah")) if element.key in weakest else "",
        )
        for element in board.overall.elements
    ]
    every = 1 if len(board.volume) <= 16 else 7
    volume = []
    for day, count in board.volume:
        if board.volume_unit == "day":
            axis, title = str(day.day), day_label(day)
        else:
            month = Period.containing(PeriodKind.MONTH, day)
            axis, title = month_short(month), period_label(month)
        volume.append((axis, count, f"{title}: {fmt.count(count)}"))
    hours = sorted({hour for _, hour in board.heatmap} | set(range(7, 17)))
    hours = list(range(min(hours), max(hours) + 1))
    return {
        "trend": charts.trend(trend_points),
        "elements": charts.element_bars(bars),
        "volume": charts.columns(volume, every=every),
        "heatmap": charts.heatmap(board.heatmap, [str(d) for d in WEEKDAYS], hours),
        "hours": hours,
    }


# --------------------------------------------------------------------------- pages


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    filters = load_filters()
    if not _can_view_results():
        abort(403)
    board = build_dashboard(db, filters.query())
    choices = load_choices(filters.agency)
    context: dict[str, Any] = {}
    for hook in CONTEXT_HOOKS:
        context |= hook(board, filters)
    return render_template(
        "dashboard/index.html",
        board=board,
        filters=filters,
        choices=choices,
        charts=_charts(board),
        fmt=fmt,
        period_label=period_label,
        kinds=KIND_LABELS,
        tones=TONE_LABELS,
        sort_labels=SORT_LABELS,
        weekdays=WEEKDAYS,
        groups=GROUP_LABELS,
        **context,
    )


@bp.get("/kelompok")
@login_required
def groups():  # type: ignore[no-untyped-def]
    """IKM per respondent group, from the raw responses of the slice (see results.groups)."""
    filters = load_filters()
    if not _can_view_results():
        abort(403)
    group = request.args.get("kelompok", "gender")
    if group not in GROUPS:
        abort(404)
    filters.extra = {"kelompok": group}
    query = filters.query()
    tree = UnitTree.load(db, filters.agency.id)
    slice_ = Slice(
        filters.agency.id,
        unit_ids=scope_units(tree, query.visible_unit_ids, query.unit_id),
        service_point_id=query.service_point_id,
        service_id=query.service_id,
        survey_version_id=query.survey_version_id,
        include_flagged=query.include_flagged,
    ).within(filters.period)
    results = ikm_by_group(db, slice_, group, weight=query.weight)
    return render_template(
        "dashboard/groups.html",
        filters=filters,
        group=group,
        groups=GROUP_LABELS,
        results=results,
        choices=load_choices(filters.agency),
        fmt=fmt,
        period_label=period_label,
        kinds=KIND_LABELS,
    )
