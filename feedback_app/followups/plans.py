"""Rencana tindak lanjut: an improvement plan per weak element, per period, per unit.

The SKM report (BAB IV) and the public results page read these plans
(``ImprovementPlan`` rows overlapping their period). The page for a unit and
period shows the element scores from the aggregates with the three weakest
marked, each with its plans and a link to add one.

Load within the user's agency and unit subtree (404), check the permission
to see results (403), then act.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from feedback_app.accounts import access
from feedback_app.accounts.access import get_or_404, visible_unit_ids
from feedback_app.dashboard.labels import fmt, period_label
from feedback_app.db import db
from feedback_app.followups.forms import PLAN_KINDS, PlanForm
from feedback_app.forms import choice_values
from feedback_app.models import Agency, ImprovementPlan, Permission, Role, Unit
from feedback_app.results.periods import (
    Period,
    PeriodError,
    PeriodKind,
    last_closed,
    local_today,
    parse_period,
)
from feedback_app.results.scores import ikm, weight_for
from feedback_app.results.slices import Slice, UnitTree
from surveys.skm import ELEMENTS

bp = Blueprint("plans", __name__, url_prefix="/rencana-tindak-lanjut")

#: how many of the weakest elements the page marks (as the dashboard and the report do)
WEAKEST = 3


def can_plan() -> bool:
    return current_user.can(Permission.VIEW_RESULTS)


def scoped(query: Select) -> Select:
    return access.scoped(query, ImprovementPlan)


def load_plan(plan_id: int) -> ImprovementPlan:
    return get_or_404(ImprovementPlan, plan_id)


def plan_period(plan: ImprovementPlan) -> Period:
    """The plan's period as a month, quarter, semester or year when it is one."""
    for kind in PLAN_KINDS:
        period = Period.containing(kind, plan.period_start)
        if period.end == plan.period_end:
            return period
    return Period(plan.period_start, plan.period_end)


def _unit_choices() -> list[tuple[int, str]]:
    if current_user.role == Role.ADMIN:
        return [
            (u.id, f"{u.agency.name} — {u.name}")
            for u in db.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name))
        ]
    tree = UnitTree.load(db, current_user.agency_id)
    visible = visible_unit_ids()
    return [
        (node.id, "\u2003" * (node.depth - tree.nodes[root].depth) + node.name)
        for root in tree.top_units(visible)
        for node in tree.ordered([root])
        if node.active
    ]


def _today(unit: Unit | None) -> dt.date:
    if unit is not None:
        return local_today(unit.timezone)
    agency = db.get(Agency, current_user.agency_id or 0)
    return local_today(agency.timezone if agency else "WIB")


def _chosen_unit() -> Unit | None:
    value = request.args.get("unit", "")
    if value.isdigit() and len(value) < 10:
        return get_or_404(Unit, int(value))
    return None


def _chosen_period(unit: Unit | None) -> Period:
    try:
        period = parse_period(request.args.get("periode") or "")
        if period.kind in PLAN_KINDS:
            return period
    except PeriodError:
        pass
    return last_closed(PeriodKind.QUARTER, _today(unit))


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    unit = _chosen_unit()
    if not can_plan():
        abort(403)
    period = _chosen_period(unit)
    query = scoped(select(ImprovementPlan)).where(
        ImprovementPlan.period_start <= period.end, ImprovementPlan.period_end >= period.start
    )
    result = None
    if unit is not None:
        tree = UnitTree.load(db, unit.agency_id)
        agency = db.get(Agency, unit.agency_id)
        assert agency is not None
        units = tree.subtree(unit.id)
        result = ikm(db, Slice(agency.id, unit_ids=units).within(period), weight=weight_for(agency))
        query = query.where(ImprovementPlan.unit_id == unit.id)
    owner = aliased(Unit)
    plans = db.execute(
        query.add_columns(owner.name)
        .join(owner, owner.id == ImprovementPlan.unit_id)
        .order_by(owner.name, ImprovementPlan.element_key, ImprovementPlan.id)
    ).all()
    by_element: dict[str, list[ImprovementPlan]] = {}
    for plan, _name in plans:
        by_element.setdefault(plan.element_key, []).append(plan)
    weakest = {e.key for e in result.weakest(WEAKEST)} if result is not None else set()
    return render_template(
        "followups/plans.html",
        unit=unit,
        period=period,
        previous=period.previous(),
        following=period.next(),
        result=result,
        weakest=weakest,
        plans=plans,
        by_element=by_element,
        units=_unit_choices(),
        plan_period=plan_period,
        period_label=period_label,
        fmt=fmt,
        toggle=FlaskForm(),
    )


def _form(plan: ImprovementPlan | None) -> PlanForm:
    form = PlanForm(obj=plan) if request.method == "GET" and plan is not None else PlanForm()
    form.unit_id.choices = _unit_choices()
    lang = str(get_locale() or "id")
    form.element_key.choices = [(e.key, f"{e.key} {e.name.get(lang)}") for e in ELEMENTS]
    if request.method == "GET":
        if plan is not None:
            form.period.data = plan_period(plan).code
        else:
            unit = _chosen_unit()
            form.unit_id.data = unit.id if unit is not None else None
            form.period.data = _chosen_period(unit).code
            element = request.args.get("unsur", "")
            if element in choice_values(form.element_key.choices):
                form.element_key.data = element
    return form


def _save(form: PlanForm, plan: ImprovementPlan) -> Any:
    unit = get_or_404(Unit, form.unit_id.data)  # offered only within scope; checked again
    period = parse_period(form.period.data)
    plan.unit_id = unit.id
    plan.period_start, plan.period_end = period.start, period.end
    plan.element_key = form.element_key.data
    plan.action = form.action.data
    plan.owner = form.owner.data or None
    plan.due_date = form.due_date.data
    plan.done = bool(form.done.data)
    return redirect(url_for(".index", unit=unit.id, periode=period.code))


@bp.route("/baru", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    if not can_plan():
        abort(403)
    form = _form(None)
    if form.validate_on_submit():
        plan = ImprovementPlan()
        target = _save(form, plan)
        db.add(plan)
        db.flush()
        flash(_l("Rencana tindak lanjut tersimpan."), "success")
        return target
    status = 422 if request.method == "POST" else 200
    return render_template("followups/plan_form.html", form=form, plan=None), status


@bp.route("/<int:plan_id>/ubah", methods=["GET", "POST"])
@login_required
def edit(plan_id: int):  # type: ignore[no-untyped-def]
    plan = load_plan(plan_id)
    if not can_plan():
        abort(403)
    form = _form(plan)
    if form.validate_on_submit():
        target = _save(form, plan)
        db.flush()
        flash(_l("Rencana tindak lanjut tersimpan."), "success")
        return target
    status = 422 if request.method == "POST" else 200
    return render_template("followups/plan_form.html", form=form, plan=plan), status


@bp.post("/<int:plan_id>/selesai")
@login_required
def toggle_done(plan_id: int):  # type: ignore[no-untyped-def]
    """Mark a plan carried out (or not yet, when it was marked by mistake)."""
    plan = load_plan(plan_id)
    if not can_plan():
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    plan.done = not plan.done
    flash(
        _l("Ditandai sudah dilaksanakan.") if plan.done else _l("Ditandai belum dilaksanakan."),
        "success",
    )
    return redirect(url_for(".index", unit=plan.unit_id, periode=plan_period(plan).code))
