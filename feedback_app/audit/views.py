"""The audit log pages: the filtered list, one record's history, and its CSV / XLSX export.

Installation administrators see every event; an agency administrator sees the
events of their agency (of their unit subtree when limited to one). Nothing
here changes or removes an event: there is no such page.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, String, cast, or_, select

from exports.sheets import CSV_MIMETYPE, XLSX_MIMETYPE, iter_csv, write_xlsx
from feedback_app.accounts.access import MAX_ID, visible_unit_ids
from feedback_app.audit.capture import MASK, record
from feedback_app.db import db, utcnow
from feedback_app.models import Agency, AuditAction, AuditEvent, Permission, Role, TimeZone
from feedback_app.pagination import current_page

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTION_LABELS = {
    AuditAction.CREATE: _l("Dibuat"),
    AuditAction.UPDATE: _l("Diubah"),
    AuditAction.DELETE: _l("Dihapus"),
    AuditAction.ACTIVATE: _l("Diaktifkan"),
    AuditAction.DEACTIVATE: _l("Dinonaktifkan"),
    AuditAction.FLAG: _l("Ditandai"),
    AuditAction.UNFLAG: _l("Tanda dibersihkan"),
    AuditAction.PUBLISH: _l("Diterbitkan"),
    AuditAction.CLOSE: _l("Ditutup"),
    AuditAction.ARCHIVE: _l("Diarsipkan"),
    AuditAction.RETIRE: _l("Diganti tautan baru"),
    AuditAction.EXPORT: _l("Ekspor"),
}

#: kinds of record by model name; a model not named here is shown by its class name
ENTITY_LABELS = {
    "Agency": _l("Instansi"),
    "Unit": _l("Unit"),
    "ServicePoint": _l("Loket"),
    "Service": _l("Jenis layanan"),
    "Employee": _l("Pegawai"),
    "RosterEntry": _l("Jadwal tugas"),
    "User": _l("Pengguna"),
    "ApiToken": _l("Token API"),
    "PublicLink": _l("Tautan publik"),
    "Survey": _l("Survei"),
    "SurveyVersion": _l("Versi survei"),
    "Indicator": _l("Indikator"),
    "IndicatorAssignment": _l("Penugasan indikator"),
    "UnitPopulation": _l("Populasi unit"),
    "Response": _l("Respons"),
    "FollowUp": _l("Tindak lanjut"),
    "FollowUpNote": _l("Catatan tindak lanjut"),
    "ImprovementPlan": _l("Rencana tindak lanjut"),
    "ExportJob": _l("Tugas ekspor"),
    "Export": _l("Ekspor"),
    "AuditEvent": _l("Log audit"),
}

FORMATS = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}


def _permit() -> None:
    # the roles that manage users: installation and agency administrators
    if not current_user.can(Permission.MANAGE_USERS):
        abort(403)


def _scoped(query: Select) -> Select:
    if current_user.role == Role.ADMIN:
        return query
    query = query.where(AuditEvent.agency_id == current_user.agency_id)
    units = visible_unit_ids()
    if units is not None:
        query = query.where(AuditEvent.unit_id.in_(units))
    return query


def _zone() -> tuple[ZoneInfo, str]:
    """The viewer's clock: their agency's zone, else WIB."""
    agency = current_user.agency
    zone = TimeZone(agency.timezone) if agency is not None else TimeZone.WIB
    return ZoneInfo(zone.iana), zone.value


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class Filters:
    """What the list is narrowed to, read from the address (``?actor=…&action=…``)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str = ""
    entity_type: str = ""
    entity_id: int | None = None
    action: str = ""
    q: str = ""
    agency: int | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        found = cls(
            actor=(args.get("actor") or "").strip()[:100],
            entity_type=(args.get("entity_type") or "").strip()[:60],
            action=(args.get("action") or "").strip()[:30],
            q=(args.get("q") or "").strip()[:100],
        )
        for name in ("date_from", "date_to"):
            value = args.get(name)
            setattr(found, name, _date(value))
            if value and getattr(found, name) is None:
                found.problems.append(_("Tanggal tidak valid: %(value)s", value=value[:20]))
        entity_id = args.get("entity_id", type=int)
        found.entity_id = entity_id if entity_id and 0 < entity_id <= MAX_ID else None
        if current_user.role == Role.ADMIN:
            agency = args.get("agency", type=int)
            found.agency = agency if agency and 0 < agency <= MAX_ID else None
        return found

    def args(self) -> dict[str, Any]:
        """The filters as address arguments, for the page links and the export."""
        values = {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "actor": self.actor,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "action": self.action,
            "q": self.q,
            "agency": self.agency,
        }
        return {k: v for k, v in values.items() if v}

    def query(self) -> Select:
        query = _scoped(select(AuditEvent))
        zone, _name = _zone()
        if self.date_from:
            start = dt.datetime.combine(self.date_from, dt.time(), zone)
            query = query.where(AuditEvent.occurred_at >= start.astimezone(dt.UTC))
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), zone)
            query = query.where(AuditEvent.occurred_at < end.astimezone(dt.UTC))
        if self.actor:
            query = query.where(AuditEvent.actor_label.icontains(self.actor, autoescape=True))
        if self.entity_type:
            query = query.where(AuditEvent.entity_type == self.entity_type)
        if self.entity_id is not None:
            query = query.where(AuditEvent.entity_id == self.entity_id)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.agency is not None:
            query = query.where(AuditEvent.agency_id == self.agency)
        if self.q:
            query = query.where(
                or_(
                    *(
                        column.icontains(self.q, autoescape=True)
                        for column in (
                            AuditEvent.entity_label,
                            AuditEvent.path,
                            cast(AuditEvent.before, String),
                            cast(AuditEvent.after, String),
                        )
                    )
                )
            )
        return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


# --------------------------------------------------------------------------- showing values


def shown(value: Any) -> str:
    """A logged value as a person reads it."""
    if value is None:
        return "—"
    if value is True:
        return _("Ya")
    if value is False:
        return _("Tidak")
    if value == MASK:
        return _("(disembunyikan)")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    when: str
    action: Any
    kind: Any
    agency: str | None
    #: (column, before, after) side by side
    changes: list[tuple[str, str, str]]


def _changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    before, after = event.before or {}, event.after or {}
    names = list(before) + [n for n in after if n not in before]
    return [
        (
            name,
            shown(before.get(name)) if name in before else "",
            shown(after.get(name)) if name in after else "",
        )
        for name in names
    ]


def _local(moment: dt.datetime) -> str:
    zone, name = _zone()
    local = moment.astimezone(zone)
    return f"{format_datetime(local, 'dd MMM yyyy HH:mm:ss', rebase=False)} {name}"


def _agency_names() -> dict[int, str]:
    if current_user.role != Role.ADMIN:
        agency = current_user.agency
        return {agency.id: agency.name} if agency is not None else {}
    return dict(db.execute(select(Agency.id, Agency.name)).tuples().all())


def _row(event: AuditEvent, agencies: dict[int, str]) -> Row:
    return Row(
        event=event,
        when=_local(event.occurred_at),
        action=ACTION_LABELS.get(event.action, event.action),  # type: ignore[call-overload]
        kind=ENTITY_LABELS.get(event.entity_type, event.entity_type),
        agency=agencies.get(event.agency_id) if event.agency_id is not None else None,
        changes=_changes(event),
    )


# --------------------------------------------------------------------------- pages


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    _permit()
    filters = Filters.from_args(request.args)
    query = filters.query()
    pager = current_page(query)
    events = db.scalars(query.limit(pager.size).offset(pager.offset))
    agencies = _agency_names()
    subject = None
    if filters.entity_type and filters.entity_id is not None:
        latest = db.scalar(query.limit(1))
        subject = _row(latest, agencies) if latest is not None else None
    return render_template(
        "audit/index.html",
        rows=[_row(e, agencies) for e in events],
        filters=filters,
        args=filters.args(),
        subject=subject,
        agencies=sorted(agencies.items(), key=lambda item: item[1])
        if current_user.role == Role.ADMIN
        else [],
        action_labels=ACTION_LABELS,
        entity_labels=sorted(ENTITY_LABELS.items(), key=lambda item: str(item[1])),
        zone=_zone()[1],
        total=pager.total,
        page=pager.page,
        pages=pager.pages,
    )


def _export_rows(query: Select, agencies: dict[int, str]) -> Iterator[list[Any]]:
    for event in db.scalars(query.execution_options(yield_per=1000)):
        yield [
            event.occurred_at,
            _local(event.occurred_at),
            event.actor_label,
            event.actor_user_id,
            agencies.get(event.agency_id) if event.agency_id is not None else None,
            str(ACTION_LABELS.get(event.action, event.action)),  # type: ignore[call-overload]
            str(ENTITY_LABELS.get(event.entity_type, event.entity_type)),
            event.entity_id,
            event.entity_label,
            json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before else None,
            json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after else None,
            event.path or event.endpoint,
            event.client_hash,
        ]


def _headers() -> list[str]:
    return [
        _("Waktu (UTC)"),
        _("Waktu setempat"),
        _("Pelaku"),
        _("ID pengguna"),
        _("Instansi"),
        _("Tindakan"),
        _("Jenis data"),
        _("ID data"),
        _("Nama data"),
        _("Sebelum"),
        _("Sesudah"),
        _("Halaman"),
        _("Penanda klien"),
    ]


@bp.get("/export.<fmt>")
@login_required
def export(fmt: str):  # type: ignore[no-untyped-def]
    _permit()
    if fmt not in FORMATS:
        abort(404)
    filters = Filters.from_args(request.args)
    query = filters.query()
    # the export is itself an event; the file holds what was logged before it
    made = record(
        db,
        AuditAction.EXPORT,
        "AuditEvent",
        label=f"audit.{fmt}",
        agency_id=current_user.agency_id,
        unit_id=current_user.unit_id,
        after={"via": "audit", "format": fmt, "filters": filters.args()},
    )
    db.flush()
    query = query.where(AuditEvent.id < made.id)
    agencies = _agency_names()
    name = f"log-audit-{utcnow().strftime('%Y%m%d-%H%M')}.{fmt}"
    if fmt == "csv":
        chunks = iter_csv(_headers(), _export_rows(query, agencies), delimiter=";")
        response = Response(stream_with_context(chunks), mimetype="text/csv")
        response.charset = "utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    output = io.BytesIO()
    write_xlsx(
        output,
        _headers(),
        _export_rows(query, agencies),
        sheet_name=_("Log audit"),
        widths={_("Sebelum"): 60, _("Sesudah"): 60},
    )
    output.seek(0)
    return send_file(output, mimetype=FORMATS[fmt], as_attachment=True, download_name=name)
