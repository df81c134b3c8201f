"""The organisation pages as an agency admin uses them: list, search, create, edit, (de)activate.

Bad input re-renders the form with the message next to the field, keeps what was
typed and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.models import (
    Agency,
    Employee,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    TimeZone,
    Unit,
    UnitKind,
    User,
)
from tests.conftest import post_form
from tests.factories import Factory
from tests.test_scope import sign_in


class FormPage(HTMLParser):
    """What a person sees in a form: each control's value, its options and its error."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, Any] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.errors: dict[str, str] = {}
        self._select: str | None = None
        self._option: str | None = None
        self._text_for: tuple[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("id"):
            self.values[a["id"]] = a.get("value") or ""
        elif tag == "textarea":
            self.values[a["id"]] = ""
            self._text_for = ("value", a["id"])
        elif tag == "select":
            self._select = a["id"]
            self.options[a["id"]] = []
            self.values[a["id"]] = None
        elif tag == "option" and self._select:
            self._option = a.get("value") or ""
            if "selected" in a:
                self.values[self._select] = self._option
            self.options[self._select].append((self._option, ""))
        elif tag == "p" and (a.get("id") or "").endswith("-error"):
            self.errors[a["id"][: -len("-error")]] = ""
            self._text_for = ("error", a["id"][: -len("-error")])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("textarea", "p"):
            self._text_for = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def handle_data(self, data: str) -> None:
        if self._text_for:
            kind, name = self._text_for
            target = self.values if kind == "value" else self.errors
            target[name] += data
        elif self._select and self._option is not None:
            value, label = self.options[self._select][-1]
            self.options[self._select][-1] = (value, label + data)

    def labels(self, select: str) -> list[str]:
        return [label.strip() for _value, label in self.options[select]]


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def fresh(session: Session, model: type, object_id: int) -> Any:
    """The record as stored now, after the requests."""
    session.expire_all()
    return session.get(model, object_id)


def refused(response, field: str, message: str) -> FormPage:
    """The form came back (nothing saved) with ``message`` next to ``field``."""
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    page = FormPage(response.get_data(as_text=True))
    assert message in page.errors.get(field, ""), page.errors
    return page


@pytest.fixture()
def agency(factory: Factory) -> Agency:
    return factory.agency(name="Pemerintah Kota Pematangsiantar", timezone=TimeZone.WIB)


@pytest.fixture()
def manager(app, client, factory, agency) -> User:
    user = factory.user(Role.AGENCY_ADMIN, agency=agency, name="Admin Siantar")
    sign_in(app, client, user)
    return user


@pytest.fixture()
def admin(app, client, factory) -> User:
    user = factory.user(Role.ADMIN, name="Admin Sistem")
    sign_in(app, client, user)
    return user


# --- agencies ---------------------------------------------------------------------------------


def test_admin_manages_agencies(client, session, admin):
    response = post_form(
        client,
        "/org/agencies/new",
        {"code": " pemkab-toba ", "name": "Pemerintah Kabupaten Toba", "timezone": "WIB"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/org/agencies/"
    agency = session.scalar(select(Agency).where(Agency.name == "Pemerintah Kabupaten Toba"))
    assert agency.code == "PEMKAB-TOBA"
    assert agency.timezone == TimeZone.WIB
    assert "Instansi tersimpan." in client.get("/org/agencies/").get_data(as_text=True)

    edit = f"/org/agencies/{agency.id}/edit"
    form = FormPage(client.get(edit).get_data(as_text=True))
    assert form.values["code"] == "PEMKAB-TOBA"
    assert form.values["timezone"] == "WIB"
    post_form(client, edit, {"code": "PEMKAB-TOBA", "name": "Pemkab Toba", "timezone": "WITA"})
    session.expire_all()
    assert (agency.name, agency.timezone) == ("Pemkab Toba", TimeZone.WITA)

    assert "Pemkab Toba" in client.get("/org/agencies/?q=toba").get_data(as_text=True)
    assert "Pemkab Toba" not in client.get("/org/agencies/?q=medan").get_data(as_text=True)

    post_form(client, f"/org/agencies/{agency.id}/deactivate", {}, form_url="/org/agencies/")
    assert not fresh(session, Agency, agency.id).active
    assert "Pemkab Toba" not in client.get("/org/agencies/").get_data(as_text=True)
    hidden = client.get("/org/agencies/?inactive=1").get_data(as_text=True)
    assert "Pemkab Toba" in hidden and "Nonaktif" in hidden
    post_form(client, f"/org/agencies/{agency.id}/activate", {}, form_url="/org/agencies/")
    session.expire_all()
    assert session.get(Agency, agency.id).active


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "", "name": "Kota Baru", "timezone": "WIB"}, "code", "Wajib diisi."),
        ({"code": "KB", "name": "   ", "timezone": "WIB"}, "name", "Wajib diisi."),
        ({"code": "KB", "name": "x" * 201, "timezone": "WIB"}, "name", "Paling banyak 200"),
        ({"code": "K" * 41, "name": "Kota Baru", "timezone": "WIB"}, "code", "Paling banyak 40"),
        ({"code": "kota baru", "name": "Kota Baru", "timezone": "WIB"}, "code", "Kode hanya"),
        ({"code": "KB", "name": "Kota Baru", "timezone": "UTC"}, "timezone", "Pilihan tidak"),
        ({"code": "ag-lama", "name": "Kota Baru", "timezone": "WIB"}, "code", "sudah dipakai"),
    ],
)
def test_bad_agency_input_is_refused_at_the_field(
    client, session, factory, admin, data, field, message
):
    factory.agency(code="AG-LAMA")
    before = count(session, Agency)
    page = refused(post_form(client, "/org/agencies/new", data), field, message)
    if field != "name":
        assert page.values["name"] == data["name"]
    assert count(session, Agency) == before


# --- units --------------------------------------------------------------------------------------


def test_units_form_a_tree_and_default_to_the_agency_time_zone(client, session, factory, manager):
    manager.agency.timezone = TimeZone.WITA
    session.flush()
    form = FormPage(client.get("/org/units/new").get_data(as_text=True))
    assert form.values["timezone"] == "WITA"
    assert "agency_id" not in form.values  # an agency admin works in their own agency only

    data = {"kind": "dinas", "code": "dukcapil", "name": "Dinas Dukcapil", "timezone": "WITA"}
    assert post_form(client, "/org/units/new", {"parent_id": "", **data}).status_code == 302
    top = session.scalar(select(Unit).where(Unit.code == "DUKCAPIL"))
    assert (top.agency_id, top.parent_id, top.kind) == (manager.agency_id, None, UnitKind.DINAS)

    child = {"kind": "bidang", "code": "PIAK", "name": "Bidang PIAK", "timezone": "WITA"}
    assert post_form(client, "/org/units/new", {"parent_id": top.id, **child}).status_code == 302
    assert session.scalar(select(Unit).where(Unit.code == "PIAK")).parent_id == top.id

    listing = client.get("/org/units/").get_data(as_text=True)
    assert "Bidang PIAK" in listing and "Dinas Dukcapil" in listing
    assert "Bidang PIAK" in client.get("/org/units/?q=piak").get_data(as_text=True)
    assert "Bidang PIAK" not in client.get("/org/units/?q=dukcapil%25").get_data(as_text=True)


def test_a_unit_cannot_move_below_itself(client, session, factory, manager):
    top = factory.unit(manager.agency, name="Dinas Induk")
    middle = factory.unit(parent=top, name="Bidang Tengah")
    bottom = factory.unit(parent=middle, name="Seksi Bawah")
    edit = f"/org/units/{top.id}/edit"
    offered = FormPage(client.get(edit).get_data(as_text=True)).labels("parent_id")
    assert not any("Bidang Tengah" in label or "Seksi Bawah" in label for label in offered)
    for parent in (top, bottom):
        data = {"parent_id": parent.id, "kind": "dinas", "code": top.code, "name": "Dinas Induk X"}
        page = refused(post_form(client, edit, {**data, "timezone": "WIB"}), "parent_id", "Pilihan")
        assert page.values["name"] == "Dinas Induk X"
    session.expire_all()
    assert session.get(Unit, top.id).parent_id is None
    assert session.get(Unit, top.id).name == "Dinas Induk"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "DUP"}, "code", "Kode ini sudah dipakai unit lain di instansi ini."),
        ({"kind": "kabupaten"}, "kind", "Pilihan tidak valid."),
        ({"parent_id": "abc"}, "parent_id", "Pilihan tidak valid."),
        ({"name": ""}, "name", "Wajib diisi."),
        ({"address": "x" * 501}, "address", "Paling banyak 500 karakter."),
        ({"timezone": ""}, "timezone", "Pilihan tidak valid."),
    ],
)
def test_bad_unit_input_is_refused_at_the_field(
    client, session, factory, manager, change, field, message
):
    factory.unit(manager.agency, code="DUP")
    before = count(session, Unit)
    data = {"parent_id": "", "kind": "upt", "code": "UPT-1", "name": "UPT Baru", "timezone": "WIB"}
    page = refused(post_form(client, "/org/units/new", {**data, **change}), field, message)
    if field != "code":
        assert page.values["code"] == "UPT-1"
    assert count(session, Unit) == before


def test_a_unit_of_another_agency_cannot_be_picked_by_its_id(client, session, factory, manager):
    foreign = factory.unit(factory.agency(), name="Dinas Tetangga")
    data = {
        "parent_id": foreign.id,
        "kind": "upt",
        "code": "UPT-9",
        "name": "UPT",
        "timezone": "WIB",
    }
    refused(post_form(client, "/org/units/new", data), "parent_id", "Pilihan tidak valid.")
    assert session.scalar(select(Unit).where(Unit.code == "UPT-9")) is None


def test_the_same_unit_code_may_be_used_by_another_agency(client, session, factory, manager):
    factory.unit(factory.agency(), code="DINKES")
    data = {"parent_id": "", "kind": "dinas", "code": "DINKES", "name": "Dinkes", "timezone": "WIB"}
    assert post_form(client, "/org/units/new", data).status_code == 302


def test_the_installation_admin_picks_the_agency_of_a_new_unit_only(
    client, session, factory, admin
):
    siantar, toba = factory.agency(name="Siantar"), factory.agency(name="Toba")
    parent_in_toba = factory.unit(toba, name="Dinas Toba")
    data = {"kind": "upt", "code": "UPT-1", "name": "UPT", "timezone": "WIB"}
    response = post_form(
        client, "/org/units/new", {"agency_id": siantar.id, "parent_id": parent_in_toba.id, **data}
    )
    refused(response, "parent_id", "Unit induk harus dari instansi yang sama.")
    response = post_form(
        client, "/org/units/new", {"agency_id": toba.id, "parent_id": parent_in_toba.id, **data}
    )
    assert response.status_code == 302
    unit = session.scalar(select(Unit).where(Unit.code == "UPT-1"))
    assert unit.agency_id == toba.id

    # once created, a unit stays in its agency (its counters, staff and answers stay with it)
    edit = f"/org/units/{unit.id}/edit"
    assert "agency_id" not in FormPage(client.get(edit).get_data(as_text=True)).values
    post_form(client, edit, {"agency_id": siantar.id, "parent_id": "", **data})
    session.expire_all()
    assert session.get(Unit, unit.id).agency_id == toba.id


# --- counters and services --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "model", "extra"),
    [
        ("service-points", ServicePoint, {"location": "Lantai 1, dekat pintu masuk"}),
        ("services", Service, {"name_en": "ID card", "description": "Perekaman KTP-el"}),
    ],
)
def test_counters_and_services_belong_to_a_unit(
    client, session, factory, manager, slug, model, extra
):
    unit = factory.unit(manager.agency, name="Dinas Dukcapil")
    other_unit = factory.unit(manager.agency, name="Kecamatan Siantar Barat")
    factory.service_point(other_unit, code="A-1")
    factory.service(other_unit, code="A-1")
    new = f"/org/{slug}/new"
    assert "Dinas Dukcapil" in " ".join(
        FormPage(client.get(new).get_data(as_text=True)).labels("unit_id")
    )
    data = {"unit_id": unit.id, "code": "a-1", "name": "Perekaman KTP-el", **extra}
    assert post_form(client, new, data).status_code == 302
    obj = session.scalar(select(model).where(model.unit_id == unit.id))
    assert (obj.code, obj.name) == ("A-1", "Perekaman KTP-el")
    for key, value in extra.items():
        assert getattr(obj, key) == value

    # the same code twice in one unit is refused; what was typed stays
    page = refused(
        post_form(client, new, {**data, "name": "Kedua"}), "code", "sudah dipakai di unit ini"
    )
    assert page.values["name"] == "Kedua"
    assert count(session, model) == 2

    listing = client.get(f"/org/{slug}/?q=ktp").get_data(as_text=True)
    assert "Perekaman KTP-el" in listing and "Dinas Dukcapil" in listing

    edit = f"/org/{slug}/{obj.id}/edit"
    assert FormPage(client.get(edit).get_data(as_text=True)).values["code"] == "A-1"
    assert post_form(client, edit, {**data, "name": "Loket KTP-el"}).status_code == 302
    session.expire_all()
    assert session.get(model, obj.id).name == "Loket KTP-el"

    post_form(client, f"/org/{slug}/{obj.id}/deactivate", {}, form_url=f"/org/{slug}/")
    assert not fresh(session, model, obj.id).active
    assert "Loket KTP-el" not in client.get(f"/org/{slug}/").get_data(as_text=True)


@pytest.mark.parametrize("slug", ["service-points", "services"])
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"unit_id": ""}, "unit_id", "Wajib diisi."),
        ({"unit_id": "satu"}, "unit_id", "Pilihan tidak valid."),
        ({"unit_id": "foreign"}, "unit_id", "Pilihan tidak valid."),
        ({"code": ""}, "code", "Wajib diisi."),
        ({"name": "n" * 201}, "name", "Paling banyak 200 karakter."),
    ],
)
def test_bad_counter_or_service_input_is_refused(
    client, session, factory, manager, slug, change, field, message
):
    unit = factory.unit(manager.agency)
    foreign = factory.unit(factory.agency())
    data = {"unit_id": unit.id, "code": "L-1", "name": "Loket Satu", **change}
    if data["unit_id"] == "foreign":
        data["unit_id"] = foreign.id
    model = ServicePoint if slug == "service-points" else Service
    before = count(session, model)
    page = refused(post_form(client, f"/org/{slug}/new", data), field, message)
    if field != "name":
        assert page.values["name"] == "Loket Satu"
    assert count(session, model) == before


# --- employees -------------------------------------------------------------------------------


def test_employees_are_stored_with_a_checked_nip(client, session, factory, manager):
    unit = factory.unit(manager.agency, name="Dinas Dukcapil")
    boss = factory.employee(unit, name="Kepala Bidang", nip="197001011995031001")
    data = {
        "unit_id": unit.id,
        "nip": "19850312 201001 1 003",
        "name": "Siti Aminah",
        "position": "Analis Kependudukan",
        "supervisor_id": boss.id,
    }
    assert post_form(client, "/org/employees/new", data).status_code == 302
    siti = session.scalar(select(Employee).where(Employee.name == "Siti Aminah"))
    assert (siti.nip, siti.agency_id, siti.supervisor_id) == (
        "198503122010011003",
        manager.agency_id,
        boss.id,
    )
    listing = client.get("/org/employees/?q=198503122010011003").get_data(as_text=True)
    assert "Siti Aminah" in listing and "Kepala Bidang" in listing

    # the employee cannot be offered as their own supervisor
    edit = f"/org/employees/{siti.id}/edit"
    assert "Siti Aminah — 198503122010011003" not in FormPage(
        client.get(edit).get_data(as_text=True)
    ).labels("supervisor_id")


@pytest.mark.parametrize(
    ("nip", "message"),
    [
        ("19850312201001100", "NIP harus 18 digit, bukan 17 digit."),
        ("19850312-201001-1-003", "NIP hanya boleh berisi angka."),
        ("198503122010013003", "Digit 15 (jenis kelamin)"),
        ("198513122010011003", "Digit 1–8 (tanggal lahir"),
        ("198503122010011000", "Digit 16–18 (nomor urut)"),
        ("", "Wajib diisi."),
    ],
)
def test_a_bad_nip_is_refused_with_the_wrong_part_named(
    client, session, factory, manager, nip, message
):
    unit = factory.unit(manager.agency)
    data = {"unit_id": unit.id, "nip": nip, "name": "Budi", "position": "Staf", "supervisor_id": ""}
    page = refused(post_form(client, "/org/employees/new", data), "nip", message)
    assert page.values["nip"] == nip
    assert page.values["name"] == "Budi"
    assert count(session, Employee) == 0


def test_a_nip_is_unique_within_the_agency_only(client, session, factory, manager):
    unit = factory.unit(manager.agency)
    factory.employee(unit, nip="198503122010011003")
    factory.employee(factory.unit(factory.agency()), nip="199002152021242005")
    data = {"unit_id": unit.id, "name": "Budi", "position": "Staf", "supervisor_id": ""}
    page = refused(
        post_form(client, "/org/employees/new", {**data, "nip": "19850312 201001 1 003"}),
        "nip",
        "NIP ini sudah terdaftar di instansi ini.",
    )
    assert page.values["name"] == "Budi"
    response = post_form(client, "/org/employees/new", {**data, "nip": "199002152021242005"})
    assert response.status_code == 302


def test_supervisors_cannot_form_a_loop(client, session, factory, manager):
    unit = factory.unit(manager.agency)
    head = factory.employee(unit, name="Kepala")
    middle = factory.employee(unit, name="Tengah", supervisor=head)
    staff = factory.employee(unit, name="Staf", supervisor=middle)
    data = {"unit_id": unit.id, "nip": head.nip, "name": "Kepala", "position": "Kepala Dinas"}
    page = refused(
        post_form(client, f"/org/employees/{head.id}/edit", {**data, "supervisor_id": staff.id}),
        "supervisor_id",
        "sudah menjadi atasan",
    )
    assert page.values["supervisor_id"] == str(staff.id)
    session.expire_all()
    assert session.get(Employee, head.id).supervisor_id is None
    assert session.get(Employee, head.id).position == "Pengadministrasi Umum"


def test_a_supervisor_from_another_agency_is_refused(client, session, factory, admin):
    unit = factory.unit(name="Dinas Siantar")
    stranger = factory.employee(factory.unit(name="Dinas Toba"), name="Orang Toba")
    data = {"unit_id": unit.id, "nip": "198503122010011003", "name": "Budi", "position": "Staf"}
    response = post_form(client, "/org/employees/new", {**data, "supervisor_id": stranger.id})
    refused(response, "supervisor_id", "Atasan harus dari instansi yang sama.")
    assert session.scalar(select(Employee).where(Employee.name == "Budi")) is None


# --- duty roster -------------------------------------------------------------------------------


@pytest.fixture()
def counter(factory, manager) -> ServicePoint:
    unit = factory.unit(manager.agency, name="Kantor Camat Makassar", timezone=TimeZone.WITA)
    return factory.service_point(unit, name="Loket 1")


@pytest.fixture()
def officer(factory, counter) -> Employee:
    return factory.employee(counter.unit, name="Andi Petugas")


def roster_data(officer, counter, starts: str, ends: str) -> dict[str, Any]:
    return {
        "employee_id": officer.id,
        "service_point_id": counter.id,
        "starts_at": starts,
        "ends_at": ends,
    }


@pytest.mark.parametrize(
    ("zone", "offset"), [(TimeZone.WIB, 7), (TimeZone.WITA, 8), (TimeZone.WIT, 9)]
)
def test_roster_times_are_typed_in_local_time_and_stored_in_utc(
    client, session, factory, manager, zone, offset
):
    counter = factory.service_point(factory.unit(manager.agency, timezone=zone), name="Loket 1")
    officer = factory.employee(counter.unit, name="Andi Petugas")
    data = roster_data(officer, counter, "2026-03-02T08:00", "2026-03-02T16:00")
    assert post_form(client, "/org/roster/new", data).status_code == 302

    entry = session.scalar(select(RosterEntry).where(RosterEntry.employee_id == officer.id))
    session.refresh(entry)
    assert entry.starts_at.utcoffset() == dt.timedelta(0)
    local_midnight = dt.datetime(2026, 3, 2, tzinfo=dt.UTC) - dt.timedelta(hours=offset)
    assert entry.starts_at == local_midnight + dt.timedelta(hours=8)
    assert entry.ends_at == local_midnight + dt.timedelta(hours=16)
    assert entry.created_at.tzinfo is not None

    listing = client.get("/org/roster/").get_data(as_text=True)
    assert f"02 Mar 2026 08:00 {zone.value}" in listing
    assert f"02 Mar 2026 16:00 {zone.value}" in listing
    form = FormPage(client.get(f"/org/roster/{entry.id}/edit").get_data(as_text=True))
    assert (form.values["starts_at"], form.values["ends_at"]) == (
        "2026-03-02T08:00",
        "2026-03-02T16:00",
    )


def test_roster_times_may_be_typed_without_the_t(client, session, officer, counter):
    data = roster_data(officer, counter, "2026-03-02 07:30", "2026-03-02 15:30:00")
    assert post_form(client, "/org/roster/new", data).status_code == 302
    entry = session.scalar(select(RosterEntry).where(RosterEntry.employee_id == officer.id))
    assert entry.starts_at == dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)


def test_a_roster_entry_is_edited_in_local_time(client, session, factory, officer, counter):
    entry = factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    data = roster_data(officer, counter, "2026-03-02T09:00", "2026-03-02T17:00")
    assert post_form(client, f"/org/roster/{entry.id}/edit", data).status_code == 302
    session.refresh(entry)
    assert entry.starts_at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("starts", "ends", "field", "message"),
    [
        ("2026-03-02T16:00", "2026-03-02T08:00", "ends_at", "Waktu selesai harus setelah"),
        ("2026-03-02T08:00", "2026-03-02T08:00", "ends_at", "Waktu selesai harus setelah"),
        ("2026-03-02T08:00", "2026-03-03T09:00", "ends_at", "paling lama 24 jam"),
        ("2026-03-02T10:00", "2026-03-02T12:00", "starts_at", "waktu yang beririsan"),
        ("2026-03-02T06:00", "2026-03-02T08:01", "starts_at", "waktu yang beririsan"),
        ("besok pagi", "2026-03-02T12:00", "starts_at", "Tanggal dan jam tidak valid"),
        ("2026-02-30T08:00", "2026-03-02T12:00", "starts_at", "Tanggal dan jam tidak valid"),
        ("", "2026-03-02T12:00", "starts_at", "Wajib diisi."),
        ("2026-03-02T08:00", "", "ends_at", "Wajib diisi."),
    ],
)
def test_bad_roster_input_is_refused_at_the_field(
    client, session, factory, officer, counter, starts, ends, field, message
):
    # already on duty 08:00–16:00 WITA
    factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    before = count(session, RosterEntry)
    page = refused(
        post_form(client, "/org/roster/new", roster_data(officer, counter, starts, ends)),
        field,
        message,
    )
    assert page.values["starts_at"] == starts
    assert page.values["ends_at"] == ends
    assert page.values["employee_id"] == str(officer.id)
    assert count(session, RosterEntry) == before


def test_back_to_back_shifts_and_other_officers_do_not_overlap(
    client, session, factory, officer, counter
):
    factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    later = roster_data(officer, counter, "2026-03-02T16:00", "2026-03-02T20:00")
    assert post_form(client, "/org/roster/new", later).status_code == 302
    colleague = factory.employee(counter.unit, name="Rina")
    same_time = roster_data(colleague, counter, "2026-03-02T08:00", "2026-03-02T16:00")
    assert post_form(client, "/org/roster/new", same_time).status_code == 302
    assert count(session, RosterEntry) == 3


def test_a_deactivated_entry_no_longer_blocks_the_time(client, session, factory, officer, counter):
    old = factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    post_form(client, f"/org/roster/{old.id}/deactivate", {}, form_url="/org/roster/")
    data = roster_data(officer, counter, "2026-03-02T08:00", "2026-03-02T16:00")
    assert post_form(client, "/org/roster/new", data).status_code == 302


def test_roster_list_is_searched_by_officer_or_counter(client, factory, officer, counter):
    factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    other = factory.employee(counter.unit, name="Rina Wati")
    factory.roster(
        other,
        factory.service_point(counter.unit, name="Loket Prioritas"),
        dt.datetime(2026, 3, 3, 0, 0, tzinfo=dt.UTC),
    )
    by_name = client.get("/org/roster/?q=andi").get_data(as_text=True)
    assert "Andi Petugas" in by_name and "Rina Wati" not in by_name
    by_counter = client.get("/org/roster/?q=prioritas").get_data(as_text=True)
    assert "Rina Wati" in by_counter and "Andi Petugas" not in by_counter


def test_an_officer_and_counter_of_different_agencies_are_refused(client, session, factory, admin):
    point = factory.service_point(factory.unit(name="Dinas Siantar"))
    stranger = factory.employee(factory.unit(name="Dinas Toba"))
    data = roster_data(stranger, point, "2026-03-02T08:00", "2026-03-02T16:00")
    refused(
        post_form(client, "/org/roster/new", data), "service_point_id", "Loket harus dari instansi"
    )
    assert count(session, RosterEntry) == 0


def test_a_roster_entry_of_a_departed_officer_stays_editable(
    client, session, factory, officer, counter
):
    entry = factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    officer.active = False
    session.flush()
    data = roster_data(officer, counter, "2026-03-02T08:00", "2026-03-02T12:00")
    assert post_form(client, f"/org/roster/{entry.id}/edit", data).status_code == 302
    session.refresh(entry)
    assert entry.ends_at == dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


# --- views only -----------------------------------------------------------------------------


def test_view_only_roles_see_lists_without_edit_buttons(app, client, factory):
    head = factory.user(Role.AGENCY_HEAD)
    factory.unit(head.agency, name="Dinas Kesehatan")
    sign_in(app, client, head)
    page = client.get("/org/units/").get_data(as_text=True)
    assert "Dinas Kesehatan" in page
    assert "Tambah" not in page and "Nonaktifkan" not in page


def test_list_pages_are_paginated(app, client, factory, manager, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    for n in range(5):
        factory.unit(manager.agency, code=f"K{n:02d}", name=f"Unit Nomor {n}")
    first = client.get("/org/units/").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first
    assert "Unit Nomor 0" in first and "Unit Nomor 3" not in first
    last = client.get("/org/units/?page=9").get_data(as_text=True)
    assert "Halaman 2 dari 2" in last
    assert "Unit Nomor 4" in last and "Unit Nomor 0" not in last


@pytest.mark.parametrize("slug", ["service-points", "services", "employees"])
def test_records_move_between_units_of_their_own_agency_only(client, session, factory, admin, slug):
    home, neighbour = factory.unit(name="Dinas Siantar"), factory.unit(name="Dinas Siantar Barat")
    home_agency_unit = factory.unit(home.agency, name="Kecamatan Siantar")
    if slug == "employees":
        obj = factory.employee(home, name="Budi")
        data = {"nip": obj.nip, "name": "Budi", "position": "Staf", "supervisor_id": ""}
        model: type = Employee
    else:
        model = ServicePoint if slug == "service-points" else Service
        obj = factory.service_point(home) if slug == "service-points" else factory.service(home)
        data = {"code": obj.code, "name": "Layanan Pindah"}
    edit = f"/org/{slug}/{obj.id}/edit"
    refused(
        post_form(client, edit, {**data, "unit_id": neighbour.id}),
        "unit_id",
        "Hanya dapat dipindah ke unit di instansi yang sama.",
    )
    assert fresh(session, model, obj.id).unit_id == home.id
    assert post_form(client, edit, {**data, "unit_id": home_agency_unit.id}).status_code == 302
    assert fresh(session, model, obj.id).unit_id == home_agency_unit.id


def test_a_unit_is_renamed_moved_and_deactivated(client, session, factory, manager):
    first = factory.unit(manager.agency, name="Dinas Lama")
    second = factory.unit(manager.agency, name="Dinas Kedua")
    child = factory.unit(parent=first, code="PIAK", name="Bidang PIAK")
    edit = f"/org/units/{child.id}/edit"
    form = FormPage(client.get(edit).get_data(as_text=True))
    assert (form.values["parent_id"], form.values["kind"]) == (str(first.id), "dinas")
    data = {"parent_id": second.id, "kind": "bidang", "code": "PIAK", "name": "Bidang Baru"}
    assert post_form(client, edit, {**data, "timezone": "WIB"}).status_code == 302
    moved = fresh(session, Unit, child.id)
    assert (moved.parent_id, moved.name, moved.kind) == (second.id, "Bidang Baru", UnitKind.BIDANG)

    post_form(client, f"/org/units/{child.id}/deactivate", {}, form_url="/org/units/")
    assert not fresh(session, Unit, child.id).active
    assert "Bidang Baru" not in client.get("/org/units/").get_data(as_text=True)
    # an inactive unit is no longer offered for new counters
    new_point = FormPage(client.get("/org/service-points/new").get_data(as_text=True))
    assert not any("Bidang Baru" in label for label in new_point.labels("unit_id"))
    post_form(client, f"/org/units/{child.id}/activate", {}, form_url="/org/units/?inactive=1")
    assert fresh(session, Unit, child.id).active


@pytest.mark.parametrize("field", ["employee_id", "service_point_id"])
def test_roster_refuses_ids_that_are_not_offered(client, session, factory, officer, counter, field):
    foreign_point = factory.service_point(factory.unit(factory.agency()))
    foreign = {"employee_id": factory.employee(foreign_point.unit).id}
    foreign["service_point_id"] = foreign_point.id
    for bad in ("abc", foreign[field]):
        data = roster_data(officer, counter, "2026-03-02T08:00", "2026-03-02T16:00")
        refused(post_form(client, "/org/roster/new", {**data, field: bad}), field, "Pilihan tidak")
    assert count(session, RosterEntry) == 0


def test_an_entry_cannot_be_switched_back_on_over_a_newer_shift(
    client, session, factory, officer, counter
):
    old = factory.roster(officer, counter, dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC))
    old.active = False
    session.flush()
    factory.roster(officer, counter, dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC))
    response = post_form(
        client, f"/org/roster/{old.id}/activate", {}, form_url="/org/roster/?inactive=1"
    )
    assert response.status_code == 302
    assert "beririsan" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not fresh(session, RosterEntry, old.id).active
