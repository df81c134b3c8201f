"""Management pages for agencies, units, counters, services, employees and rosters."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from feedback_app.crud import Column, Entity, register
from feedback_app.db import db
from feedback_app.models import (
    Agency,
    Employee,
    Permission,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    Unit,
    subtree_ids,
)
from feedback_app.organisation import forms
from feedback_app.organisation.choices import (
    BLANK,
    agency_choices,
    employee_choices,
    service_point_choices,
    unit_choices,
)
from feedback_app.organisation.nip import NipError, parse_nip

bp = Blueprint("organisation", __name__, url_prefix="/org")


def _taken(model: type, obj: Any, **where: Any) -> bool:
    """Whether another record already uses these values (e.g. the same code in a unit)."""
    query = select(model.id).filter_by(**where)  # type: ignore[attr-defined]
    if obj is not None:
        query = query.where(model.id != obj.id)  # type: ignore[attr-defined]
    return db.scalar(query.limit(1)) is not None


# --- agencies ---------------------------------------------------------------


def _check_agency(form: forms.AgencyForm, obj: Agency | None) -> bool:
    if _taken(Agency, obj, code=form.code.data):
        form.code.errors.append(_l("Kode ini sudah dipakai instansi lain."))
        return False
    return True


AGENCIES = Entity(
    slug="agencies",
    model=Agency,
    form=forms.AgencyForm,
    title=_l("Instansi"),
    singular=_l("Instansi"),
    columns=[
        Column(_l("Kode"), lambda a: a.code),
        Column(_l("Nama"), lambda a: a.name),
        Column(_l("Zona waktu"), lambda a: a.timezone.value),
    ],
    search=[Agency.code, Agency.name],
    order_by=[Agency.name],
    view_permission=Permission.MANAGE_AGENCIES,
    edit_permission=Permission.MANAGE_AGENCIES,
    check=_check_agency,
)


# --- units ------------------------------------------------------------------


def _prepare_unit(form: forms.UnitForm, obj: Unit | None) -> None:
    choices = unit_choices()
    if obj is not None:
        below = set(subtree_ids(db, obj.id))
        choices = [c for c in choices if c[0] not in below]
    if current_user.unit_id is None:
        choices = [BLANK, *choices]
    elif obj is not None and obj.id == current_user.unit_id:
        # The top of a unit-limited user's subtree stays where the agency placed it: moving it
        # would take it (and its data) away from the heads of the units above.
        choices = [(obj.parent_id, obj.parent.name)] if obj.parent is not None else [BLANK]
    # Otherwise a unit-limited user works inside their subtree: no new top-level units.
    if (
        obj is not None
        and obj.parent_id is not None
        and obj.parent_id not in {c[0] for c in choices}
    ):
        choices.append((obj.parent_id, obj.parent.name))
    form.parent_id.choices = choices
    # A unit never moves to another agency: its counters, staff and answers stay behind.
    if current_user.role == Role.ADMIN and obj is None:
        form.agency_id.choices = agency_choices()
    else:
        del form.agency_id
    if obj is None and current_user.agency is not None and not form.is_submitted():
        form.timezone.data = current_user.agency.timezone.value


def _unit_agency(form: Any, obj: Any) -> int:
    if "agency_id" in form:
        return form.agency_id.data
    return obj.agency_id if obj is not None else current_user.agency_id


def _check_unit(form: forms.UnitForm, obj: Unit | None) -> bool:
    agency_id = _unit_agency(form, obj)
    ok = True
    if form.parent_id.data is not None:
        parent = db.get(Unit, form.parent_id.data)
        if parent is None or parent.agency_id != agency_id:
            form.parent_id.errors.append(_l("Unit induk harus dari instansi yang sama."))
            ok = False
        elif obj is not None and parent.id in subtree_ids(db, obj.id):
            form.parent_id.errors.append(_l("Unit tidak boleh berada di bawah dirinya sendiri."))
            ok = False
    if _taken(Unit, obj, agency_id=agency_id, code=form.code.data):
        form.code.errors.append(_l("Kode ini sudah dipakai unit lain di instansi ini."))
        ok = False
    return ok


def _save_unit(form: forms.UnitForm, obj: Unit) -> None:
    obj.agency_id = _unit_agency(form, obj if obj.id else None)
    obj.parent_id = form.parent_id.data
    obj.kind = form.kind.data
    obj.code = form.code.data
    obj.name = form.name.data
    obj.timezone = form.timezone.data
    obj.address = form.address.data


def _load_unit(form: forms.UnitForm, obj: Unit) -> None:
    form.process(obj=obj)
    form.kind.data = obj.kind.value
    form.timezone.data = obj.timezone.value


UNITS = Entity(
    slug="units",
    model=Unit,
    form=forms.UnitForm,
    title=_l("Unit"),
    singular=_l("Unit"),
    columns=[
        Column(_l("Kode"), lambda u: u.code),
        Column(_l("Nama"), lambda u: u.name),
        Column(_l("Jenis"), lambda u: forms.UNIT_KIND_LABELS[u.kind]),
        Column(_l("Unit induk"), lambda u: u.parent.name if u.parent else "—"),
        Column(_l("Zona waktu"), lambda u: u.timezone.value),
    ],
    search=[Unit.code, Unit.name],
    order_by=[Unit.agency_id, Unit.code],
    prepare=_prepare_unit,
    load=_load_unit,
    check=_check_unit,
    save=_save_unit,
)


# --- counters and services ----------------------------------------------------


def _prepare_unit_owned(form: Any, obj: Any) -> None:
    form.unit_id.choices = unit_choices()
    if obj is not None and obj.unit_id not in {c[0] for c in form.unit_id.choices}:
        form.unit_id.choices.append((obj.unit_id, obj.unit.name))


def _stays_in_agency(form: Any, obj: Any) -> bool:
    """A record moves between units of its agency only: its rosters and answers stay there."""
    unit = db.get(Unit, form.unit_id.data)
    if obj is not None and unit is not None and unit.agency_id != obj.unit.agency_id:
        form.unit_id.errors.append(_l("Hanya dapat dipindah ke unit di instansi yang sama."))
        return False
    return True


def _check_code_in_unit(model: type) -> Any:
    def check(form: Any, obj: Any) -> bool:
        if not _stays_in_agency(form, obj):
            return False
        if _taken(model, obj, unit_id=form.unit_id.data, code=form.code.data):
            form.code.errors.append(_l("Kode ini sudah dipakai di unit ini."))
            return False
        return True

    return check


SERVICE_POINTS = Entity(
    slug="service-points",
    model=ServicePoint,
    form=forms.ServicePointForm,
    title=_l("Loket"),
    singular=_l("Loket"),
    columns=[
        Column(_l("Kode"), lambda sp: sp.code),
        Column(_l("Nama"), lambda sp: sp.name),
        Column(_l("Unit"), lambda sp: sp.unit.name),
        Column(_l("Lokasi"), lambda sp: sp.location or "—"),
    ],
    search=[ServicePoint.code, ServicePoint.name, ServicePoint.location],
    order_by=[ServicePoint.unit_id, ServicePoint.code],
    prepare=_prepare_unit_owned,
    check=_check_code_in_unit(ServicePoint),
    row_links=[(_l("QR & poster"), "posters.counter_link")],
)

SERVICES = Entity(
    slug="services",
    model=Service,
    form=forms.ServiceForm,
    title=_l("Jenis layanan"),
    singular=_l("Jenis layanan"),
    columns=[
        Column(_l("Kode"), lambda s: s.code),
        Column(_l("Nama"), lambda s: s.name),
        Column(_l("Unit"), lambda s: s.unit.name),
    ],
    search=[Service.code, Service.name, Service.name_en],
    order_by=[Service.unit_id, Service.code],
    prepare=_prepare_unit_owned,
    check=_check_code_in_unit(Service),
)


# --- employees ----------------------------------------------------------------


def _prepare_employee(form: forms.EmployeeForm, obj: Employee | None) -> None:
    _prepare_unit_owned(form, obj)
    choices = [c for c in employee_choices() if obj is None or c[0] != obj.id]
    form.supervisor_id.choices = [BLANK, *choices]
    if obj is not None and obj.supervisor_id and obj.supervisor_id not in {c[0] for c in choices}:
        form.supervisor_id.choices.append((obj.supervisor_id, obj.supervisor.name))


def supervisor_cycle(employee_id: int | None, supervisor_id: int | None) -> bool:
    """Whether making ``supervisor_id`` the supervisor of ``employee_id`` closes a loop."""
    seen: set[int] = set()
    current = supervisor_id
    while current is not None and current not in seen:
        if current == employee_id:
            return True
        seen.add(current)
        current = db.scalar(select(Employee.supervisor_id).where(Employee.id == current))
    return False


def _check_employee(form: forms.EmployeeForm, obj: Employee | None) -> bool:
    ok = True
    try:
        form.nip.data = parse_nip(form.nip.data).number
    except NipError as error:
        form.nip.errors.append(error.message)
        return False
    if not _stays_in_agency(form, obj):
        return False
    unit = db.get(Unit, form.unit_id.data)
    assert unit is not None  # the choices hold only existing units
    if _taken(Employee, obj, agency_id=unit.agency_id, nip=form.nip.data):
        form.nip.errors.append(_l("NIP ini sudah terdaftar di instansi ini."))
        ok = False
    if form.supervisor_id.data is not None:
        supervisor = db.get(Employee, form.supervisor_id.data)
        if supervisor is None or supervisor.agency_id != unit.agency_id:
            form.supervisor_id.errors.append(_l("Atasan harus dari instansi yang sama."))
            ok = False
        elif supervisor_cycle(obj.id if obj else None, supervisor.id):
            form.supervisor_id.errors.append(
                _l("Pegawai ini sudah menjadi atasan (langsung atau tidak) dari pilihan ini.")
            )
            ok = False
    return ok


def _save_employee(form: forms.EmployeeForm, obj: Employee) -> None:
    form.populate_obj(obj)
    obj.agency_id = db.get(Unit, form.unit_id.data).agency_id  # type: ignore[union-attr]


EMPLOYEES = Entity(
    slug="employees",
    model=Employee,
    form=forms.EmployeeForm,
    title=_l("Pegawai"),
    singular=_l("Pegawai"),
    columns=[
        Column(_l("NIP"), lambda e: e.nip),
        Column(_l("Nama"), lambda e: e.name),
        Column(_l("Jabatan"), lambda e: e.position),
        Column(_l("Unit"), lambda e: e.unit.name),
        Column(_l("Atasan"), lambda e: e.supervisor.name if e.supervisor else "—"),
    ],
    search=[Employee.nip, Employee.name, Employee.position],
    order_by=[Employee.name],
    prepare=_prepare_employee,
    check=_check_employee,
    save=_save_employee,
    row_links=[(_l("Papan nama"), "staff.nameplate_show")],
)


# --- duty roster --------------------------------------------------------------


def _zone_of_point(service_point_id: int) -> ZoneInfo:
    point = db.get(ServicePoint, service_point_id)
    assert point is not None
    return ZoneInfo(point.unit.timezone.iana)


def _prepare_roster(form: forms.RosterEntryForm, obj: RosterEntry | None) -> None:
    form.employee_id.choices = employee_choices()
    form.service_point_id.choices = service_point_choices()
    # an entry of an employee or counter deactivated since stays editable
    if obj is not None and obj.employee_id not in {c[0] for c in form.employee_id.choices}:
        form.employee_id.choices.append((obj.employee_id, obj.employee.name))
    if obj is not None and obj.service_point_id not in {
        c[0] for c in form.service_point_id.choices
    }:
        form.service_point_id.choices.append((obj.service_point_id, obj.service_point.name))


def _load_roster(form: forms.RosterEntryForm, obj: RosterEntry) -> None:
    zone = _zone_of_point(obj.service_point_id)
    form.employee_id.data = obj.employee_id
    form.service_point_id.data = obj.service_point_id
    form.starts_at.data = obj.starts_at.astimezone(zone).replace(tzinfo=None)
    form.ends_at.data = obj.ends_at.astimezone(zone).replace(tzinfo=None)


def _roster_times(form: forms.RosterEntryForm) -> tuple[dt.datetime, dt.datetime]:
    zone = _zone_of_point(form.service_point_id.data)
    return (
        form.starts_at.data.replace(tzinfo=zone).astimezone(dt.UTC),
        form.ends_at.data.replace(tzinfo=zone).astimezone(dt.UTC),
    )


def _check_roster(form: forms.RosterEntryForm, obj: RosterEntry | None) -> bool:
    employee = db.get(Employee, form.employee_id.data)
    point = db.get(ServicePoint, form.service_point_id.data)
    assert employee is not None and point is not None
    if employee.agency_id != point.unit.agency_id:
        form.service_point_id.errors.append(_l("Loket harus dari instansi pegawai."))
        return False
    starts, ends = _roster_times(form)
    if ends <= starts:
        form.ends_at.errors.append(_l("Waktu selesai harus setelah waktu mulai."))
        return False
    if ends - starts > dt.timedelta(hours=24):
        form.ends_at.errors.append(_l("Satu jadwal paling lama 24 jam."))
        return False
    if _overlaps(employee.id, starts, ends, obj):
        form.starts_at.errors.append(OVERLAP)
        return False
    return True


OVERLAP = _l("Pegawai ini sudah terjadwal pada waktu yang beririsan.")


def _overlaps(
    employee_id: int, starts: dt.datetime, ends: dt.datetime, obj: RosterEntry | None
) -> bool:
    """Whether the employee already has another active entry in [starts, ends)."""
    overlap = select(RosterEntry.id).where(
        RosterEntry.employee_id == employee_id,
        RosterEntry.active.is_(True),
        RosterEntry.starts_at < ends,
        RosterEntry.ends_at > starts,
    )
    if obj is not None:
        overlap = overlap.where(RosterEntry.id != obj.id)
    return db.scalar(overlap.limit(1)) is not None


def _check_roster_activation(obj: RosterEntry) -> Any | None:
    return OVERLAP if _overlaps(obj.employee_id, obj.starts_at, obj.ends_at, obj) else None


def _save_roster(form: forms.RosterEntryForm, obj: RosterEntry) -> None:
    obj.employee_id = form.employee_id.data
    obj.service_point_id = form.service_point_id.data
    obj.starts_at, obj.ends_at = _roster_times(form)


def _local(moment: dt.datetime, entry: RosterEntry) -> str:
    """The time on the counter's own clock, with its zone (WIB, WITA or WIT)."""
    timezone = entry.service_point.unit.timezone
    local = moment.astimezone(ZoneInfo(timezone.iana))
    # rebase=False: the value is already local; Babel must not shift it to its default zone
    return f"{format_datetime(local, 'dd MMM yyyy HH:mm', rebase=False)} {timezone.value}"


ROSTER = Entity(
    slug="roster",
    model=RosterEntry,
    form=forms.RosterEntryForm,
    title=_l("Jadwal tugas loket"),
    singular=_l("Jadwal tugas"),
    columns=[
        Column(_l("Pegawai"), lambda r: r.employee.name),
        Column(_l("Loket"), lambda r: f"{r.service_point.unit.name} — {r.service_point.name}"),
        Column(_l("Mulai"), lambda r: _local(r.starts_at, r)),
        Column(_l("Selesai"), lambda r: _local(r.ends_at, r)),
    ],
    search=[
        select(Employee.name).where(Employee.id == RosterEntry.employee_id).scalar_subquery(),
        select(Employee.nip).where(Employee.id == RosterEntry.employee_id).scalar_subquery(),
        select(ServicePoint.name)
        .where(ServicePoint.id == RosterEntry.service_point_id)
        .scalar_subquery(),
    ],
    order_by=[RosterEntry.starts_at.desc()],
    prepare=_prepare_roster,
    load=_load_roster,
    check=_check_roster,
    save=_save_roster,
    check_activation=_check_roster_activation,
)

ENTITIES = [AGENCIES, UNITS, SERVICE_POINTS, SERVICES, EMPLOYEES, ROSTER]
for _entity in ENTITIES:
    register(bp, _entity)
