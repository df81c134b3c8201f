"""The list of flagged responses, and clearing or setting a flag again.

Seen by agency admins and by heads (a unit head only for the unit subtree);
cleared or set again only by those who manage the organisation: a head is
judged by these very scores. The answers themselves are shown only to those
who may see results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import Select, select

from feedback_app.accounts.access import visible_unit_ids
from feedback_app.db import db, utcnow
from feedback_app.models import (
    Employee,
    Permission,
    Response,
    Role,
    ServicePoint,
    TimeZone,
    Unit,
    User,
)
from feedback_app.pagination import current_page
from feedback_app.public import abuse

bp = Blueprint("responses", __name__, url_prefix="/responses")

REASON_LABELS = {
    abuse.STAFF_NETWORK: _l("Jaringan kantor"),
    abuse.IDENTICAL_BURST: _l("Jawaban identik beruntun"),
}

#: the list's filter: (value, label)
STATUSES = [
    ("flagged", _l("Masih ditandai")),
    ("cleared", _l("Sudah dibersihkan")),
    ("all", _l("Semua")),
]


def can_view() -> bool:
    return current_user.can(Permission.VIEW_RESULTS) or current_user.can(
        Permission.MANAGE_ORGANISATION
    )


def can_review() -> bool:
    return current_user.can(Permission.MANAGE_ORGANISATION)


def scoped(query: Select) -> Select:
    """Responses of the user's agency, and of the unit subtree for a unit-limited user."""
    if current_user.role == Role.ADMIN:
        return query
    query = query.where(Response.agency_id == current_user.agency_id)
    units = visible_unit_ids()
    if units is not None:
        query = query.where(Response.unit_id.in_(units))
    return query


def _status(value: str | None) -> str:
    return value if value in {s for s, _ in STATUSES} else "flagged"


def _local(moment: dt.datetime | None, zone: TimeZone) -> str:
    """A moment on the unit's own clock, with its zone (WIB, WITA or WIT)."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone.iana))
    # rebase=False: the value is already local; Babel must not shift it to its default zone
    return f"{format_datetime(local, 'dd MMM yyyy HH:mm', rebase=False)} {zone.value}"


@dataclass(frozen=True)
class FlaggedRow:
    response: Response
    unit: str
    point: str | None
    officer: str | None
    reason: Any
    submitted: str
    note: abuse.FlagNote
    reviewed: str
    reviewer: str | None
    answers: list[tuple[str, str]]


def _answer_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@bp.get("/flagged")
@login_required
def flagged_list():  # type: ignore[no-untyped-def]
    if not can_view():
        abort(403)
    status = _status(request.args.get("status"))
    query = scoped(select(Response).where(Response.flag_reason.is_not(None)))
    if status == "flagged":
        query = query.where(Response.flagged.is_(True))
    elif status == "cleared":
        query = query.where(Response.flagged.is_(False))
    pager = current_page(query)
    found = db.execute(
        query.add_columns(Unit.name, ServicePoint.name, Employee.name)
        .join(Unit, Unit.id == Response.unit_id)
        .outerjoin(ServicePoint, ServicePoint.id == Response.service_point_id)
        .outerjoin(Employee, Employee.id == Response.employee_id)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(pager.size)
        .offset(pager.offset)
    ).all()
    notes = {r.id: abuse.flag_note(r) for r, *_ in found}
    reviewer_ids = {n.by_user_id for n in notes.values() if n and n.by_user_id}
    reviewers = dict(
        db.execute(select(User.id, User.name).where(User.id.in_(reviewer_ids))).tuples().all()
        if reviewer_ids
        else []
    )
    rows = []
    for response, unit, point, officer in found:
        note = notes[response.id] or abuse.FlagNote("")
        zone = TimeZone(response.timezone)
        rows.append(
            FlaggedRow(
                response=response,
                unit=unit,
                point=point,
                officer=officer,
                reason=REASON_LABELS.get(note.reason, note.reason),
                submitted=_local(response.submitted_at, zone),
                note=note,
                reviewed=_local(note.at, zone),
                reviewer=reviewers.get(note.by_user_id) if note.by_user_id else None,
                answers=[(k, _answer_text(v)) for k, v in response.answers.items()],
            )
        )
    return render_template(
        "responses/flagged.html",
        rows=rows,
        status=status,
        statuses=STATUSES,
        total=pager.total,
        page=pager.page,
        pages=pager.pages,
        can_review=can_review(),
        show_answers=current_user.can(Permission.VIEW_RESULTS),
    )


def _review(response_id: int, *, flagged: bool):  # type: ignore[no-untyped-def]
    response = db.scalar(
        scoped(select(Response)).where(
            Response.id == response_id, Response.flag_reason.is_not(None)
        )
    )
    if response is None:
        abort(404)
    if not can_review():
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    changed = abuse.review(db, response, flagged=flagged, user_id=current_user.id, now=utcnow())
    if not changed:
        flash(_l("Tidak ada yang berubah: respons ini sudah dalam keadaan itu."), "info")
    elif flagged:
        flash(_l("Respons ditandai lagi dan tidak dihitung dalam nilai."), "success")
    else:
        flash(_l("Tanda dibersihkan; respons ini kini dihitung dalam nilai."), "success")
    return redirect(url_for(".flagged_list", status=_status(request.form.get("status"))))


@bp.post("/<int:response_id>/clear")
@login_required
def clear_flag(response_id: int):  # type: ignore[no-untyped-def]
    return _review(response_id, flagged=False)


@bp.post("/<int:response_id>/flag")
@login_required
def reflag(response_id: int):  # type: ignore[no-untyped-def]
    return _review(response_id, flagged=True)
