"""The follow-up inbox (tindak lanjut) of heads: list, detail, status, assignee, notes.

Every view: load the follow-up within the user's agency and unit subtree (404
otherwise), check the permission to see results (403), then act. The citizen's
contact details appear only on the detail page, only when the citizen asked to
be contacted (there is no contact record otherwise), and only until they are
due for deletion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased

from feedback_app.accounts import access
from feedback_app.accounts.access import get_or_404, visible_unit_ids
from feedback_app.db import db, utcnow
from feedback_app.followups.forms import (
    STATUS_LABELS,
    AssignForm,
    NoteForm,
    NotificationForm,
    StatusForm,
)
from feedback_app.followups.service import (
    TRANSITIONS,
    Reasons,
    add_note,
    change_status,
    definition_of,
    handlers_query,
    local_time,
    negative_reasons,
    shown_answers,
    units_above,
)
from feedback_app.indicators.visibility import figure_scope
from feedback_app.models import (
    Agency,
    Employee,
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    NotifyMode,
    Permission,
    Response,
    ResponseContact,
    Role,
    Service,
    ServicePoint,
    TimeZone,
    Unit,
    User,
)
from feedback_app.pagination import current_page
from feedback_app.results.periods import Period, PeriodError, parse_period
from feedback_app.results.slices import Slice, UnitTree

bp = Blueprint("followups", __name__, url_prefix="/tindak-lanjut")

#: the inbox's status filter: (value, label); "open" is baru and diproses
STATUS_FILTERS = [
    ("open", _l("Belum selesai")),
    (FollowUpStatus.NEW.value, STATUS_LABELS[FollowUpStatus.NEW]),
    (FollowUpStatus.IN_PROGRESS.value, STATUS_LABELS[FollowUpStatus.IN_PROGRESS]),
    (FollowUpStatus.DONE.value, STATUS_LABELS[FollowUpStatus.DONE]),
    ("all", _l("Semua")),
]


def can_handle() -> bool:
    return current_user.can(Permission.VIEW_RESULTS)


def scoped(query: Select) -> Select:
    """Follow-ups of the user's agency, and of the unit subtree for a unit-limited user."""
    return access.scoped(query, FollowUp)


def load_follow_up(follow_up_id: int) -> FollowUp:
    return get_or_404(FollowUp, follow_up_id)


def _when(moment: dt.datetime | None, zone: TimeZone | str) -> str:
    """A moment on the unit's own clock, with its zone (WIB, WITA or WIT)."""
    if moment is None:
        return ""
    # rebase=False: the value is already local; Babel must not shift it again
    local = local_time(moment, zone)
    return f"{format_datetime(local, 'dd MMM yyyy HH:mm', rebase=False)} {TimeZone(zone).value}"


# --------------------------------------------------------------------------- inbox


@dataclass(frozen=True)
class InboxRow:
    follow_up: FollowUp
    response: Response
    unit: str
    point: str | None
    assignee: str | None
    submitted: str
    reasons: Reasons


def _unit_filter() -> tuple[Unit | None, frozenset[int] | None]:
    value = request.args.get("unit", "")
    if not value.isdigit() or len(value) > 9:
        return None, None
    unit = get_or_404(Unit, int(value))
    chosen = UnitTree.load(db, unit.agency_id).subtree(unit.id)
    visible = visible_unit_ids()
    return unit, chosen if visible is None else chosen & frozenset(visible)


def _period_filter() -> tuple[Period | None, str]:
    code = (request.args.get("periode") or "").strip()[:30]
    if not code:
        return None, ""
    try:
        return parse_period(code), code
    except PeriodError:
        flash(_l("Periode tidak dikenali; contoh: 2025-03, 2025-Q1, 2025."), "error")
        return None, code


def _in_period(period: Period) -> Any:
    """Responses submitted in the period, each on its own unit's calendar."""
    if current_user.role == Role.ADMIN:
        agencies = list(db.scalars(select(Agency.id)))
    else:
        agencies = [current_user.agency_id]
    return or_(
        *(
            and_(
                *Slice(
                    a, start=period.start, end=period.end, include_flagged=True
                ).response_filters()
            )
            for a in agencies
        )
    )


def _unit_choices() -> list[tuple[int, str]]:
    if current_user.role == Role.ADMIN:
        return [
            (unit.id, unit.name)
            for unit in db.scalars(select(Unit).order_by(Unit.agency_id, Unit.name))
        ]
    tree = UnitTree.load(db, current_user.agency_id)
    visible = visible_unit_ids()
    return [
        (node.id, "\u2003" * (node.depth - tree.nodes[root].depth) + node.name)
        for root in tree.top_units(visible)
        for node in tree.ordered([root])
    ]


@bp.get("/")
@login_required
def inbox():  # type: ignore[no-untyped-def]
    unit, unit_ids = _unit_filter()
    if not can_handle():
        abort(403)
    status = request.args.get("status", "open")
    if status not in {value for value, _ in STATUS_FILTERS}:
        status = "open"
    period, period_code = _period_filter()

    point, assignee = aliased(ServicePoint), aliased(User)
    owner = aliased(Unit)
    query = scoped(
        select(FollowUp, Response, owner.name, point.name, assignee.name, ResponseContact.id)
        .join(Response, Response.id == FollowUp.response_id)
        .join(owner, owner.id == FollowUp.unit_id)
        .outerjoin(point, point.id == Response.service_point_id)
        .outerjoin(assignee, assignee.id == FollowUp.assignee_id)
        .outerjoin(ResponseContact, ResponseContact.response_id == Response.id)
    )
    if status == "open":
        query = query.where(FollowUp.status != FollowUpStatus.DONE)
    elif status != "all":
        query = query.where(FollowUp.status == FollowUpStatus(status))
    if unit_ids is not None:
        query = query.where(FollowUp.unit_id.in_(sorted(unit_ids)))
    if period is not None:
        query = query.where(_in_period(period))

    pager = current_page(query)
    found = db.execute(
        query.order_by(Response.submitted_at.desc(), FollowUp.id.desc())
        .limit(pager.size)
        .offset(pager.offset)
    ).all()
    rows = [
        InboxRow(
            follow_up,
            response,
            unit_name,
            point_name,
            assignee_name,
            _when(response.submitted_at, response.timezone),
            negative_reasons(
                definition_of(db, response), response.answers, complaint=contact_id is not None
            ),
        )
        for follow_up, response, unit_name, point_name, assignee_name, contact_id in found
    ]
    args = {
        "status": status,
        "unit": unit.id if unit else None,
        "periode": period_code or None,
    }
    return render_template(
        "followups/inbox.html",
        rows=rows,
        total=pager.total,
        page=pager.page,
        pages=pager.pages,
        args={k: v for k, v in args.items() if v is not None},
        status=status,
        statuses=STATUS_FILTERS,
        status_labels=STATUS_LABELS,
        units=_unit_choices(),
        unit=unit,
        period_code=period_code,
    )


# --------------------------------------------------------------------------- one follow-up


def _assignee_choices(follow_up: FollowUp) -> list[tuple[Any, str]]:
    agency_id = db.scalar(select(Unit.agency_id).where(Unit.id == follow_up.unit_id))
    users = db.scalars(handlers_query(agency_id, units_above(db, follow_up.unit_id)))
    return [("", _l("Belum ditunjuk"))] + [(user.id, user.name) for user in users]


def _forms(follow_up: FollowUp, submitted: str | None = None) -> dict[str, Any]:
    """The page's three forms; only the one ``submitted`` reads the request's data."""

    def make(name: str, form_class: type) -> Any:
        return form_class() if name == submitted else form_class(formdata=None)

    status_form = make("status_form", StatusForm)
    status_form.status.choices = [
        (s.value, STATUS_LABELS[s]) for s in TRANSITIONS[follow_up.status]
    ]
    assign_form = make("assign_form", AssignForm)
    assign_form.assignee_id.choices = _assignee_choices(follow_up)
    if submitted != "assign_form":
        assign_form.assignee_id.data = follow_up.assignee_id
    return {
        "status_form": status_form,
        "assign_form": assign_form,
        "note_form": make("note_form", NoteForm),
    }


def _officer(response: Response) -> str | None:
    """The officer credited, shown only to those who may see that employee's figures."""
    if response.employee_id is None:
        return None
    employee = db.get(Employee, response.employee_id)
    scope = figure_scope(db, current_user)
    if employee is None or scope is None or not scope.sees(employee):
        return None
    return employee.name


def _render_detail(follow_up: FollowUp, forms: dict[str, Any], status: int = 200):  # type: ignore[no-untyped-def]
    response = db.get(Response, follow_up.response_id)
    assert response is not None
    definition = definition_of(db, response)
    contact = db.scalar(select(ResponseContact).where(ResponseContact.response_id == response.id))
    if contact is not None and contact.delete_after <= utcnow():
        contact = None  # due for deletion: no longer shown, even before the purge runs
    notes = db.execute(
        select(FollowUpNote, User.name)
        .join(User, User.id == FollowUpNote.author_id)
        .where(FollowUpNote.follow_up_id == follow_up.id)
        .order_by(FollowUpNote.created_at, FollowUpNote.id)
    ).all()
    lang = str(get_locale() or "id")
    zone = response.timezone
    return (
        render_template(
            "followups/detail.html",
            follow_up=follow_up,
            response=response,
            unit=db.get(Unit, follow_up.unit_id),
            point=db.get(ServicePoint, response.service_point_id or 0),
            service=db.get(Service, response.service_id or 0),
            officer=_officer(response),
            submitted=_when(response.submitted_at, zone),
            reasons=negative_reasons(definition, response.answers, complaint=contact is not None),
            answers=shown_answers(definition, response.answers, lang),
            contact=contact,
            notes=[(note, name, _when(note.created_at, zone)) for note, name in notes],
            closed=_when(follow_up.closed_at, zone),
            notified=_when(follow_up.notified_at, zone),
            assignee=db.get(User, follow_up.assignee_id or 0),
            status_labels=STATUS_LABELS,
            **forms,
        ),
        status,
    )


@bp.get("/<int:follow_up_id>")
@login_required
def detail(follow_up_id: int):  # type: ignore[no-untyped-def]
    follow_up = load_follow_up(follow_up_id)
    if not can_handle():
        abort(403)
    return _render_detail(follow_up, _forms(follow_up))


@bp.post("/<int:follow_up_id>/status")
@login_required
def set_status(follow_up_id: int):  # type: ignore[no-untyped-def]
    follow_up = load_follow_up(follow_up_id)
    if not can_handle():
        abort(403)
    forms = _forms(follow_up, "status_form")
    form = forms["status_form"]
    if not form.validate_on_submit():
        return _render_detail(follow_up, forms, 422)
    change_status(
        db, follow_up, FollowUpStatus(form.status.data), current_user, form.note.data or ""
    )
    flash(
        _l("Status diubah menjadi %(status)s.", status=STATUS_LABELS[follow_up.status]), "success"
    )
    return redirect(url_for(".detail", follow_up_id=follow_up.id))


@bp.post("/<int:follow_up_id>/petugas")
@login_required
def assign(follow_up_id: int):  # type: ignore[no-untyped-def]
    follow_up = load_follow_up(follow_up_id)
    if not can_handle():
        abort(403)
    forms = _forms(follow_up, "assign_form")
    form = forms["assign_form"]
    if not form.validate_on_submit():
        return _render_detail(follow_up, forms, 422)
    if form.assignee_id.data != follow_up.assignee_id:
        follow_up.assignee_id = form.assignee_id.data
        chosen = db.get(User, follow_up.assignee_id or 0)
        with force_locale("id"):  # the record stays in the agency's working language
            body = (
                _("Ditugaskan kepada %(name)s", name=chosen.name)
                if chosen
                else _("Penugasan dicabut")
            )
        add_note(db, follow_up, current_user, f"[{body}]")
    flash(_l("Penugasan disimpan."), "success")
    return redirect(url_for(".detail", follow_up_id=follow_up.id))


@bp.post("/<int:follow_up_id>/catatan")
@login_required
def add_note_view(follow_up_id: int):  # type: ignore[no-untyped-def]
    follow_up = load_follow_up(follow_up_id)
    if not can_handle():
        abort(403)
    forms = _forms(follow_up, "note_form")
    form = forms["note_form"]
    if not form.validate_on_submit():
        return _render_detail(follow_up, forms, 422)
    add_note(db, follow_up, current_user, form.body.data)
    flash(_l("Catatan disimpan."), "success")
    return redirect(url_for(".detail", follow_up_id=follow_up.id) + "#catatan")


# --------------------------------------------------------------------------- e-mail choice


@bp.route("/notifikasi", methods=["GET", "POST"])
@login_required
def notification_settings():  # type: ignore[no-untyped-def]
    if not can_handle():
        abort(403)
    form = NotificationForm()
    if request.method == "GET":
        form.notify_negative.data = current_user.notify_negative.value
    if form.validate_on_submit():
        current_user.notify_negative = NotifyMode(form.notify_negative.data)
        flash(_l("Pilihan pemberitahuan disimpan."), "success")
        return redirect(url_for(".notification_settings"))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "followups/notifications.html",
            form=form,
            receives=current_user.role in (Role.AGENCY_HEAD, Role.UNIT_HEAD),
            mail_configured=bool(current_app.config.get("MAIL_SERVER")),
        ),
        status,
    )
