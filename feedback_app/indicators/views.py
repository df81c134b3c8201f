"""Indicator pages: definitions and assignments (agency admins and heads), realisation, drill-down.

Load what the address names (404 beyond the user's agency, or beyond a
unit-limited user's subtree), check the permission (403), then act. Defining
indicators is agency-level work: agency administrators and agency heads whose
account is not limited to a unit. Seeing an employee's figures follows
:mod:`.visibility`; the responses behind a figure are listed with their answers
and times only, never with contact details or respondent data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from feedback_app.accounts.access import MAX_ID, get_or_404, visible_unit_ids
from feedback_app.dashboard.labels import fmt, period_label
from feedback_app.db import db
from feedback_app.followups.service import local_time
from feedback_app.indicators.forms import (
    COMPARISON_LABELS,
    PERIOD_LABELS,
    SCOPE_LABELS,
    SOURCE_LABELS,
    AssignmentForm,
    IndicatorForm,
    RemoveAssignmentForm,
)
from feedback_app.indicators.realisation import thresholds
from feedback_app.indicators.table import indicator_table
from feedback_app.indicators.visibility import figure_scope
from feedback_app.models import (
    Agency,
    Employee,
    Indicator,
    IndicatorAssignment,
    IndicatorScope,
    IndicatorSource,
    Permission,
    Response,
    Role,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    TimeZone,
    Unit,
)
from feedback_app.models.survey import definition_for
from feedback_app.pagination import current_page
from feedback_app.results.periods import Period, PeriodError, PeriodKind, local_today, parse_period
from feedback_app.results.slices import Slice, UnitTree
from surveys.indicators import NOT_ENOUGH_DATA
from surveys.questions import Category
from surveys.skm import ELEMENT_KEYS, ELEMENTS

bp = Blueprint("indicators", __name__, url_prefix="/indikator")

DEFINER_ROLES = (Role.AGENCY_ADMIN, Role.AGENCY_HEAD)


def _language() -> str:
    return str(get_locale() or "id")


def can_define() -> bool:
    """Agency-level work: an agency admin or head not limited to a unit."""
    return current_user.role in DEFINER_ROLES and current_user.unit_id is None


def load_indicator(indicator_id: int) -> Indicator:
    """An indicator of the user's agency; agency-level, so beyond a unit-limited user."""
    if not 0 < indicator_id <= MAX_ID:
        abort(404)
    indicator = db.get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    if current_user.role != Role.ADMIN and (
        indicator.agency_id != current_user.agency_id or current_user.unit_id is not None
    ):
        abort(404)
    return indicator


# --------------------------------------------------------------------------- definitions


def _question_choices(agency_id: int) -> list[tuple[str, str]]:
    """ "none", the nine elements, then every other scale question of the agency's surveys."""
    lang = _language()
    choices = [("", str(_l("— (tidak ada)")))]
    choices += [(e.key, f"{e.key} {e.name.get(lang)}") for e in ELEMENTS]
    seen: set[str] = set(ELEMENT_KEYS)
    versions = db.scalars(
        select(SurveyVersion)
        .join(Survey, SurveyVersion.survey_id == Survey.id)
        .where(Survey.agency_id == agency_id, SurveyVersion.published_at.is_not(None))
        .order_by(SurveyVersion.id.desc())
    )
    for version in versions:
        for question in definition_for(version).questions:
            if question.scale is None or question.key in seen:
                continue
            seen.add(question.key)
            low, high = question.scale
            choices.append(
                (question.key, f"{question.key}: {question.text.get(lang)} ({low}–{high})")
            )
    return choices


@bp.get("/")
@login_required
def definitions():  # type: ignore[no-untyped-def]
    if not can_define():
        abort(403)
    show_inactive = request.args.get("inactive") == "1"
    query = select(Indicator).where(Indicator.agency_id == current_user.agency_id)
    if not show_inactive:
        query = query.where(Indicator.active.is_(True))
    indicators = list(db.scalars(query.order_by(Indicator.name, Indicator.id)))
    counts = dict(
        db.execute(
            select(IndicatorAssignment.indicator_id, func.count())
            .where(IndicatorAssignment.indicator_id.in_([i.id for i in indicators]))
            .group_by(IndicatorAssignment.indicator_id)
        ).all()
    )
    return render_template(
        "indicators/definitions.html",
        indicators=indicators,
        counts=counts,
        show_inactive=show_inactive,
        scope_labels=SCOPE_LABELS,
        source_labels=SOURCE_LABELS,
        comparison_labels=COMPARISON_LABELS,
        period_labels=PERIOD_LABELS,
        thresholds=thresholds,
    )


def _edit(indicator: Indicator | None):  # type: ignore[no-untyped-def]
    agency_id = indicator.agency_id if indicator is not None else current_user.agency_id
    form = IndicatorForm(obj=indicator) if request.method == "GET" else IndicatorForm()
    form.question_key.choices = _question_choices(agency_id)
    if indicator is not None and request.method == "GET":
        for name in ("scope", "source", "comparison", "period"):
            getattr(form, name).data = getattr(indicator, name).value
        form.question_key.data = indicator.question_key or ""
    if form.validate_on_submit():
        target = indicator if indicator is not None else Indicator(agency_id=agency_id)
        target.name = form.name.data
        target.scope = IndicatorScope(form.scope.data)
        target.position = form.position.data or None
        target.source = IndicatorSource(form.source.data)
        uses_question = target.source not in (IndicatorSource.IKM, IndicatorSource.RESPONSE_COUNT)
        target.question_key = (form.question_key.data or None) if uses_question else None
        target.target = form.target.data
        target.comparison = form.comparison.data
        target.period = form.period.data
        target.above_margin = form.above_margin.data
        target.below_margin = form.below_margin.data
        target.active = form.active.data
        if indicator is None:
            db.add(target)
        db.flush()
        flash(_l("Indikator tersimpan."), "success")
        if indicator is None and target.scope != IndicatorScope.POSITION:
            return redirect(url_for(".assignments", indicator_id=target.id))
        return redirect(url_for(".definitions"))
    status = 422 if request.method == "POST" else 200
    return render_template("indicators/form.html", form=form, indicator=indicator), status


@bp.route("/baru", methods=["GET", "POST"])
@login_required
def definition_new():  # type: ignore[no-untyped-def]
    if not can_define():
        abort(403)
    return _edit(None)


@bp.route("/<int:indicator_id>/ubah", methods=["GET", "POST"])
@login_required
def definition_edit(indicator_id: int):  # type: ignore[no-untyped-def]
    indicator = load_indicator(indicator_id)
    if not can_define():
        abort(403)
    return _edit(indicator)


@bp.route("/<int:indicator_id>/penugasan", methods=["GET", "POST"])
@login_required
def assignments(indicator_id: int):  # type: ignore[no-untyped-def]
    """Who an indicator applies to: employees or units, added and removed one at a time."""
    indicator = load_indicator(indicator_id)
    if not can_define():
        abort(403)
    agency_id = indicator.agency_id
    tree = UnitTree.load(db, agency_id)
    units = [(n.id, "\u2003" * n.depth + n.name) for n in tree.ordered() if n.active]
    employees = [
        (
            e.id,
            f"{e.name} — {e.nip} — {tree.nodes[e.unit_id].name if e.unit_id in tree.nodes else ''}",
        )
        for e in db.scalars(
            select(Employee)
            .where(Employee.agency_id == agency_id, Employee.active.is_(True))
            .order_by(Employee.name, Employee.id)
        )
    ]
    form = AssignmentForm()
    form.employee_id.choices = [("", "—")] + (
        employees if indicator.scope == IndicatorScope.EMPLOYEE else []
    )
    form.unit_id.choices = [("", "—")] + units
    remove = RemoveAssignmentForm()
    status = 200
    if request.method == "POST":
        if "remove" in request.form:
            if not remove.validate_on_submit():
                abort(400)
            value = remove.remove.data or ""
            found = db.scalar(
                select(IndicatorAssignment).where(
                    IndicatorAssignment.id == (int(value) if value.isdigit() else 0),
                    IndicatorAssignment.indicator_id == indicator.id,
                )
            )
            if found is None:
                abort(404)
            db.delete(found)
            flash(_l("Penugasan dihapus."), "success")
            return redirect(url_for(".assignments", indicator_id=indicator.id))
        if indicator.scope == IndicatorScope.POSITION:
            abort(400)
        if form.validate_on_submit():
            exists = db.scalar(
                select(IndicatorAssignment.id).where(
                    IndicatorAssignment.indicator_id == indicator.id,
                    IndicatorAssignment.employee_id.is_(None)
                    if form.employee_id.data is None
                    else IndicatorAssignment.employee_id == form.employee_id.data,
                    IndicatorAssignment.unit_id.is_(None)
                    if form.unit_id.data is None
                    else IndicatorAssignment.unit_id == form.unit_id.data,
                )
            )
            if exists is None:
                db.add(
                    IndicatorAssignment(
                        indicator_id=indicator.id,
                        employee_id=form.employee_id.data,
                        unit_id=form.unit_id.data,
                    )
                )
                db.flush()
            flash(_l("Penugasan ditambahkan."), "success")
            return redirect(url_for(".assignments", indicator_id=indicator.id))
        status = 422
    current = db.execute(
        select(IndicatorAssignment, Employee.name, Employee.nip, Unit.name)
        .outerjoin(Employee, Employee.id == IndicatorAssignment.employee_id)
        .outerjoin(Unit, Unit.id == IndicatorAssignment.unit_id)
        .where(IndicatorAssignment.indicator_id == indicator.id)
        .order_by(Unit.name, Employee.name, IndicatorAssignment.id)
    ).all()
    return (
        render_template(
            "indicators/assignments.html",
            indicator=indicator,
            form=form,
            remove=remove,
            current=current,
            scope_labels=SCOPE_LABELS,
        ),
        status,
    )


# --------------------------------------------------------------------------- realisation


def _agency() -> Agency:
    agency = db.get(Agency, current_user.agency_id or 0)
    if agency is None:
        abort(403)  # installation administrators see no employee figures
    return agency


def _period(agency: Agency) -> tuple[Period, dt.date]:
    today = local_today(agency.timezone)
    try:
        period = parse_period(request.args.get("periode") or "")
    except PeriodError:
        period = Period.containing(PeriodKind.MONTH, today)
    return period, today


def dashboard_context(board: Any, filters: Any) -> dict[str, Any]:
    """The dashboard's hook (feedback_app.dashboard.views.CONTEXT_HOOKS): its indicator table."""
    unit = getattr(filters, "unit", None)
    table = indicator_table(current_user, filters.period, unit_id=unit.id if unit else None)
    return {
        "employee_indicators": table,
        "indicator_period_code": filters.period.code,
        "not_enough_label": NOT_ENOUGH_DATA.get(_language()),
    }


@bp.get("/capaian")
@login_required
def realisation():  # type: ignore[no-untyped-def]
    agency = _agency()
    period, today = _period(agency)
    table = indicator_table(current_user, period)
    if table is None:
        abort(403)
    return render_template(
        "indicators/realisation.html",
        employee_indicators=table,
        indicator_period_code=period.code,
        period=period,
        period_label=period_label,
        today=today,
        fmt=fmt,
        not_enough_label=NOT_ENOUGH_DATA.get(_language()),
    )


def _responses_page(slice_: Slice, highlight: str | None):  # type: ignore[no-untyped-def]
    """One page of the slice's responses: time, counter, service and answers, nothing personal."""
    query = select(Response).where(*slice_.response_filters())
    pager = current_page(query)
    found = list(
        db.scalars(
            query.order_by(Response.submitted_at.desc(), Response.id.desc())
            .limit(pager.size)
            .offset(pager.offset)
        )
    )
    lang = _language()
    names: dict[str, dict[int, str]] = {"points": {}, "services": {}}
    for model, kind, column in (
        (ServicePoint, "points", Response.service_point_id),
        (Service, "services", Response.service_id),
    ):
        ids = {getattr(r, column.key) for r in found} - {None}
        if ids:
            names[kind] = dict(
                db.execute(select(model.id, model.name).where(model.id.in_(sorted(ids)))).all()
            )
    rows = []
    for response in found:
        version = db.get(SurveyVersion, response.survey_version_id)
        assert version is not None
        answers = []
        for question in definition_for(version).questions:
            value = response.answers.get(question.key)
            if question.category == Category.RESPONDENT or value in (None, "", []):
                continue
            answers.append(
                (
                    question.key,
                    question.text.get(lang),
                    question.format_value(value, lang),
                    question.score(value) if question.scale else None,
                    question.key == highlight,
                )
            )
        local = local_time(response.submitted_at, response.timezone)
        rows.append(
            {
                "when": format_datetime(local, "dd MMM yyyy HH:mm", rebase=False)
                + f" {TimeZone(response.timezone).value}",
                "point": names["points"].get(response.service_point_id or 0),
                "service": names["services"].get(response.service_id or 0),
                "answers": answers,
            }
        )
    return rows, pager.total, pager.page, pager.pages


def _page_args(period: Period, indicator: Indicator | None) -> dict[str, Any]:
    args: dict[str, Any] = {**(request.view_args or {}), "periode": period.code}
    if indicator is not None:
        args["indikator"] = indicator.id
    return args


def _optional_indicator(agency: Agency) -> Indicator | None:
    value = request.args.get("indikator", "")
    if not value.isdigit() or len(value) > 9:
        return None
    indicator = db.get(Indicator, int(value))
    if indicator is None or indicator.agency_id != agency.id:
        abort(404)
    return indicator


@bp.get("/pegawai/<int:employee_id>/respons")
@login_required
def employee_responses(employee_id: int):  # type: ignore[no-untyped-def]
    """The responses behind an employee's figures: for their supervisors and the agency head."""
    if not 0 < employee_id <= MAX_ID:
        abort(404)
    employee = db.get(Employee, employee_id)
    if employee is None or (
        current_user.role != Role.ADMIN and employee.agency_id != current_user.agency_id
    ):
        abort(404)
    scope = figure_scope(db, current_user)
    units = visible_unit_ids()
    in_scope = current_user.role == Role.ADMIN or units is None or employee.unit_id in units
    if not in_scope and not (scope is not None and employee.id in scope.staff_ids):
        abort(404)
    if scope is None or not scope.sees(employee):
        abort(403)
    agency = _agency()
    indicator = _optional_indicator(agency)
    period, _today = _period(agency)
    slice_ = Slice(agency.id, employee_id=employee.id).within(period)
    rows, total, page, pages = _responses_page(
        slice_, indicator.question_key if indicator else None
    )
    return render_template(
        "indicators/responses.html",
        subject=employee.name,
        subject_note=employee.position,
        unit=db.get(Unit, employee.unit_id),
        indicator=indicator,
        period=period,
        period_label=period_label,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        minimum=agency.min_employee_responses,
        not_enough=NOT_ENOUGH_DATA.get(_language()),
        employee=True,
        page_args=_page_args(period, indicator),
    )


@bp.get("/unit/<int:unit_id>/respons")
@login_required
def unit_responses(unit_id: int):  # type: ignore[no-untyped-def]
    """The responses behind a unit indicator's figure (the unit and its sub-units)."""
    unit = get_or_404(Unit, unit_id)
    if not current_user.can(Permission.VIEW_RESULTS):
        abort(403)
    agency = db.get(Agency, unit.agency_id)
    assert agency is not None
    indicator = _optional_indicator(agency)
    period, _today = _period(agency)
    units = UnitTree.load(db, agency.id).subtree(unit.id)
    slice_ = Slice(agency.id, unit_ids=units).within(period)
    rows, total, page, pages = _responses_page(
        slice_, indicator.question_key if indicator else None
    )
    return render_template(
        "indicators/responses.html",
        subject=unit.name,
        subject_note=None,
        unit=unit,
        indicator=indicator,
        period=period,
        period_label=period_label,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        minimum=None,
        not_enough=None,
        employee=False,
        page_args=_page_args(period, indicator),
    )
