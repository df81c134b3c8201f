"""``flask demo-data``: a realistic demo organisation, safe to run again and again.

The organisation is declared once, as data (``DEMO_AGENCY``, ``DEMO_USERS``):
Pemerintah Kota Pematangsiantar with its Disdukcapil (three loket), its Dinas
Kesehatan with two puskesmas, and the Mal Pelayanan Publik; about twenty
employees with valid PNS and PPPK numbers, their supervisors, duty rosters
around today, and one login per role sharing one demo password.

Running the command again matches every record on its natural key (agency by
code, unit by agency + code, counter and service by unit + code, employee by
agency + NIP, user by e-mail, roster entry by employee + counter + start),
brings the declared fields back to the declared values, adds roster days that
entered the window since the last run, and never changes an existing user's
password unless ``--reset-passwords`` is given.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_app.accounts.passwords import MIN_LENGTH, hash_password
from feedback_app.db import get_session, utcnow
from feedback_app.demo_responses import load_demo_responses
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
from feedback_app.organisation.nip import NipError, parse_nip
from feedback_app.public.links import ensure_counter_link, ensure_default_survey

#: the one password every demo account gets (printed by the command)
DEFAULT_PASSWORD = "siantar-demo-123"  # noqa: S105 - a published demo password
DEFAULT_BASE_URL = "http://127.0.0.1:5000/"
#: roster window: this many days before and after today
DEFAULT_DAYS = 14

# --- the declaration ---------------------------------------------------------------

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = frozenset({MON, TUE, WED, THU, FRI})
MON_THU = frozenset({MON, TUE, WED, THU})


@dataclass(frozen=True)
class Shift:
    """A recurring duty at a counter, in the local time of the counter's unit."""

    #: "UNIT-CODE/COUNTER-CODE"
    counter: str
    days: frozenset[int]
    start: dt.time
    end: dt.time


def shift(counter: str, days: Iterable[int], start: str, end: str) -> Shift:
    return Shift(counter, frozenset(days), dt.time.fromisoformat(start), dt.time.fromisoformat(end))


def office_hours(counter: str) -> tuple[Shift, ...]:
    """Disdukcapil and MPP: Monday to Friday, 08:00–16:00."""
    return (shift(counter, WEEKDAYS, "08:00", "16:00"),)


def puskesmas_hours(counter: str) -> tuple[Shift, ...]:
    """A puskesmas: Mon–Thu 08:00–14:00, Friday until 11:30, Saturday until 12:30."""
    return (
        shift(counter, MON_THU, "08:00", "14:00"),
        shift(counter, {FRI}, "08:00", "11:30"),
        shift(counter, {SAT}, "08:00", "12:30"),
    )


@dataclass(frozen=True)
class Person:
    #: written the way people write it ("19700312 199603 1 004"); stored without spaces
    nip: str
    name: str
    position: str
    #: NIP of the atasan langsung
    supervisor: str | None = None
    shifts: tuple[Shift, ...] = ()


@dataclass(frozen=True)
class Counter:
    code: str
    name: str
    location: str


@dataclass(frozen=True)
class Layanan:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: UnitKind
    address: str | None = None
    counters: tuple[Counter, ...] = ()
    services: tuple[Layanan, ...] = ()
    employees: tuple[Person, ...] = ()
    children: tuple[UnitSpec, ...] = ()


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    timezone: TimeZone
    units: tuple[UnitSpec, ...]
    #: (NIP, "UNIT/COUNTER"): on the day the command runs this employee is on duty at
    #: this counter whenever they have no regular shift, so "who is on duty now"
    #: always has an answer during a demo, evenings and weekends included
    on_call: tuple[str, str] | None = None


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    #: code of the unit the user is limited to (with the units below it)
    unit: str | None = None
    #: NIP of the employee the account belongs to
    employee: str | None = None


# Employees referred to from more than one place.
KADIS_DUKCAPIL = "19700312 199603 1 004"
KABID_DAFDUK = "19780921 200212 2 003"
KABID_CAPIL = "19800115 200501 1 006"
KADIS_KESEHATAN = "19720405 200003 1 002"
KAPUS_KESATRIA = "19820919 200904 2 001"
KAPUS_BANE = "19790627 200701 1 007"
KEPALA_MPP = "19810701 200312 1 003"
#: PPPK operator at Loket 1; on call there around the clock on the day the demo runs
OPERATOR_LOKET_1 = "19950210 2022 2 1 1 012"

DUKCAPIL = "DISDUKCAPIL"

DEMO_AGENCY = AgencySpec(
    code="pemko-siantar",
    name="Pemerintah Kota Pematangsiantar",
    timezone=TimeZone.WIB,
    units=(
        UnitSpec(
            code=DUKCAPIL,
            name="Dinas Kependudukan dan Pencatatan Sipil",
            kind=UnitKind.DINAS,
            address="Kota Pematangsiantar, Sumatera Utara",
            counters=(
                Counter(
                    "LOKET-1",
                    "Loket 1 — Pendaftaran dan KTP-el",
                    "Lantai 1, ruang pelayanan, sebelah kiri pintu masuk",
                ),
                Counter(
                    "LOKET-2",
                    "Loket 2 — Kartu Keluarga dan KIA",
                    "Lantai 1, ruang pelayanan, bagian tengah",
                ),
                Counter(
                    "LOKET-3",
                    "Loket 3 — Akta dan Pengambilan Dokumen",
                    "Lantai 1, ruang pelayanan, sebelah kanan dekat ruang tunggu",
                ),
            ),
            services=(
                Layanan(
                    "KTP-EL",
                    "Perekaman dan Pencetakan KTP-el",
                    "Electronic ID card (KTP-el) enrolment and printing",
                ),
                Layanan("KK", "Penerbitan Kartu Keluarga", "Family card (Kartu Keluarga)"),
                Layanan("KIA", "Kartu Identitas Anak (KIA)", "Child identity card (KIA)"),
                Layanan("AKTA-LAHIR", "Akta Kelahiran", "Birth certificate"),
                Layanan("AKTA-MATI", "Akta Kematian", "Death certificate"),
                Layanan(
                    "AKTA-KAWIN",
                    "Akta Perkawinan (non-Muslim)",
                    "Marriage certificate (non-Muslim marriages)",
                ),
                Layanan(
                    "PINDAH",
                    "Surat Keterangan Pindah (SKPWNI)",
                    "Change of residence letter (SKPWNI)",
                ),
                Layanan(
                    "IKD",
                    "Aktivasi Identitas Kependudukan Digital (IKD)",
                    "Digital identity (IKD) activation",
                ),
            ),
            employees=(
                Person(
                    KADIS_DUKCAPIL,
                    "Drs. Hotman Saragih, M.Si.",
                    "Kepala Dinas Kependudukan dan Pencatatan Sipil",
                ),
            ),
            children=(
                UnitSpec(
                    code="BID-DAFDUK",
                    name="Bidang Pelayanan Pendaftaran Penduduk",
                    kind=UnitKind.BIDANG,
                    employees=(
                        Person(
                            KABID_DAFDUK,
                            "Rosmawati Purba, S.Sos.",
                            "Kepala Bidang Pelayanan Pendaftaran Penduduk",
                            supervisor=KADIS_DUKCAPIL,
                        ),
                        Person(
                            "19880604 201101 2 005",
                            "Lestari Br. Damanik, S.E.",
                            "Pengadministrasi Kependudukan",
                            supervisor=KABID_DAFDUK,
                            shifts=office_hours(f"{DUKCAPIL}/LOKET-1"),
                        ),
                        Person(
                            OPERATOR_LOKET_1,
                            "Rizky Pratama Siregar",
                            "Operator Layanan Operasional",
                            supervisor=KABID_DAFDUK,
                            # helps at Loket 1 in the busiest hours
                            shifts=(shift(f"{DUKCAPIL}/LOKET-1", WEEKDAYS, "10:00", "14:00"),),
                        ),
                        Person(
                            "19900827 201903 2 002",
                            "Junita Sitorus, A.Md.",
                            "Pengolah Data Kependudukan",
                            supervisor=KABID_DAFDUK,
                            shifts=office_hours(f"{DUKCAPIL}/LOKET-2"),
                        ),
                    ),
                ),
                UnitSpec(
                    code="BID-CAPIL",
                    name="Bidang Pelayanan Pencatatan Sipil",
                    kind=UnitKind.BIDANG,
                    employees=(
                        Person(
                            KABID_CAPIL,
                            "Benny Sinaga, S.H.",
                            "Kepala Bidang Pelayanan Pencatatan Sipil",
                            supervisor=KADIS_DUKCAPIL,
                        ),
                        Person(
                            "19870312 201001 1 009",
                            "Agus Setiawan",
                            "Pengelola Data Pencatatan Sipil",
                            supervisor=KABID_CAPIL,
                            shifts=(shift(f"{DUKCAPIL}/LOKET-3", WEEKDAYS, "08:00", "12:00"),),
                        ),
                        Person(
                            "19970723 2023 2 1 2 025",
                            "Friska Manurung",
                            "Operator Layanan Operasional",
                            supervisor=KABID_CAPIL,
                            shifts=(shift(f"{DUKCAPIL}/LOKET-3", WEEKDAYS, "12:00", "16:00"),),
                        ),
                    ),
                ),
            ),
        ),
        UnitSpec(
            code="DINKES",
            name="Dinas Kesehatan",
            kind=UnitKind.DINAS,
            address="Kota Pematangsiantar, Sumatera Utara",
            employees=(
                Person(
                    KADIS_KESEHATAN,
                    "dr. Ronald Simanjuntak, M.K.M.",
                    "Kepala Dinas Kesehatan",
                ),
            ),
            children=(
                UnitSpec(
                    code="PKM-KESATRIA",
                    name="Puskesmas Kesatria",
                    kind=UnitKind.PUSKESMAS,
                    address="Kelurahan Kesatria, Kota Pematangsiantar",
                    counters=(
                        Counter(
                            "PENDAFTARAN",
                            "Loket Pendaftaran",
                            "Ruang tunggu depan, dekat pintu masuk",
                        ),
                        Counter("APOTEK", "Apotek", "Sebelah ruang tunggu, dekat pintu keluar"),
                    ),
                    services=(
                        Layanan("POLI-UMUM", "Pemeriksaan Umum", "General examination"),
                        Layanan(
                            "KIA-KB",
                            "Kesehatan Ibu dan Anak (KIA) dan Keluarga Berencana (KB)",
                            "Maternal and child health, family planning",
                        ),
                        Layanan("IMUNISASI", "Imunisasi", "Immunisation"),
                        Layanan("POLI-GIGI", "Poli Gigi dan Mulut", "Dental clinic"),
                        Layanan("LAB", "Laboratorium Sederhana", "Basic laboratory tests"),
                        Layanan("FARMASI", "Pelayanan Obat (Farmasi)", "Pharmacy"),
                    ),
                    employees=(
                        Person(
                            KAPUS_KESATRIA,
                            "dr. Sri Wahyuni Nasution",
                            "Kepala Puskesmas Kesatria",
                            supervisor=KADIS_KESEHATAN,
                        ),
                        Person(
                            "19890117 201403 2 004",
                            "Maria Simbolon, A.Md.Kep.",
                            "Perawat Terampil",
                            supervisor=KAPUS_KESATRIA,
                            shifts=puskesmas_hours("PKM-KESATRIA/PENDAFTARAN"),
                        ),
                        Person(
                            "19930308 2022 2 1 1 031",
                            "Dedi Kurniawan, A.Md.Farm.",
                            "Asisten Apoteker",
                            supervisor=KAPUS_KESATRIA,
                            shifts=puskesmas_hours("PKM-KESATRIA/APOTEK"),
                        ),
                    ),
                ),
                UnitSpec(
                    code="PKM-BANE",
                    name="Puskesmas Bane",
                    kind=UnitKind.PUSKESMAS,
                    address="Kelurahan Bane, Kota Pematangsiantar",
                    counters=(
                        Counter("PENDAFTARAN", "Loket Pendaftaran", "Lobi, sebelah kanan pintu"),
                        Counter("RUANG-KIA", "Ruang KIA/KB", "Sayap kanan gedung"),
                        Counter("APOTEK", "Apotek", "Lobi, di samping loket pendaftaran"),
                    ),
                    services=(
                        Layanan("POLI-UMUM", "Pemeriksaan Umum", "General examination"),
                        Layanan(
                            "KIA-KB",
                            "Kesehatan Ibu dan Anak (KIA) dan Keluarga Berencana (KB)",
                            "Maternal and child health, family planning",
                        ),
                        Layanan("IMUNISASI", "Imunisasi", "Immunisation"),
                        Layanan("FARMASI", "Pelayanan Obat (Farmasi)", "Pharmacy"),
                    ),
                    employees=(
                        Person(
                            KAPUS_BANE,
                            "dr. Togar Sihombing",
                            "Kepala Puskesmas Bane",
                            supervisor=KADIS_KESEHATAN,
                        ),
                        Person(
                            "19850210 200804 2 003",
                            "Nurhayati Lubis, A.Md.Keb.",
                            "Bidan Terampil",
                            supervisor=KAPUS_BANE,
                            shifts=puskesmas_hours("PKM-BANE/RUANG-KIA"),
                        ),
                        Person(
                            "19960914 2023 2 1 2 040",
                            "Yohana Sembiring, A.Md.Kep.",
                            "Perawat Terampil",
                            supervisor=KAPUS_BANE,
                            shifts=puskesmas_hours("PKM-BANE/PENDAFTARAN"),
                        ),
                    ),
                ),
            ),
        ),
        UnitSpec(
            code="MPP",
            name="Mal Pelayanan Publik Kota Pematangsiantar",
            kind=UnitKind.MPP,
            address="Kota Pematangsiantar, Sumatera Utara",
            counters=(
                Counter(
                    "INFORMASI",
                    "Meja Informasi dan Pengaduan",
                    "Lobi, dekat pintu masuk utama",
                ),
                Counter(
                    "GERAI-DPMPTSP",
                    "Gerai DPMPTSP — Perizinan Berusaha dan PBG",
                    "Lantai 1, gerai 1–2",
                ),
                Counter("GERAI-SIM", "Gerai Satpas SIM", "Lantai 1, gerai 5"),
                Counter("GERAI-BPJS", "Gerai BPJS Kesehatan", "Lantai 1, gerai 7"),
                Counter("GERAI-IMIGRASI", "Gerai Imigrasi", "Lantai 2, gerai 10"),
            ),
            services=(
                Layanan(
                    "NIB",
                    "Perizinan Berusaha (NIB melalui OSS-RBA)",
                    "Business licensing (NIB through OSS-RBA)",
                ),
                Layanan(
                    "PBG",
                    "Persetujuan Bangunan Gedung (PBG)",
                    "Building approval (PBG)",
                ),
                Layanan("SIM", "Perpanjangan SIM", "Driving licence renewal"),
                Layanan("PASPOR", "Permohonan Paspor", "Passport application"),
                Layanan(
                    "BPJS-KES",
                    "BPJS Kesehatan: pendaftaran dan perubahan data peserta",
                    "BPJS health insurance: registration and changes",
                ),
                Layanan(
                    "PKB",
                    "Pembayaran Pajak Kendaraan Bermotor (Samsat)",
                    "Motor vehicle tax payment (Samsat)",
                ),
                Layanan("INFO", "Informasi dan Pengaduan", "Information and complaints"),
            ),
            # Only the city's own staff are rostered here; the SIM, BPJS and
            # immigration booths are staffed by their own institutions.
            employees=(
                Person(
                    KEPALA_MPP,
                    "Parlindungan Sipayung, S.STP., M.AP.",
                    "Kepala Bidang Penyelenggaraan Mal Pelayanan Publik",
                ),
                Person(
                    "19910503 201903 1 008",
                    "Andreas Girsang, S.T.",
                    "Penata Perizinan Ahli Pertama",
                    supervisor=KEPALA_MPP,
                    shifts=office_hours("MPP/GERAI-DPMPTSP"),
                ),
                Person(
                    "19981012 2023 2 1 2 007",
                    "Siti Aminah Harahap",
                    "Operator Layanan Operasional",
                    supervisor=KEPALA_MPP,
                    shifts=office_hours("MPP/INFORMASI"),
                ),
                Person(
                    "19940125 2022 2 1 1 018",
                    "Daniel Munthe",
                    "Pengelola Layanan Operasional",
                    supervisor=KEPALA_MPP,
                    # a second officer at the licensing booth in the morning rush
                    shifts=(shift("MPP/GERAI-DPMPTSP", WEEKDAYS, "08:00", "12:00"),),
                ),
            ),
        ),
    ),
    on_call=(OPERATOR_LOKET_1, f"{DUKCAPIL}/LOKET-1"),
)

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "admin@demo.go.id",
        "Administrator Sistem (demo)",
        Role.ADMIN,
    ),
    DemoUser(
        "adminpemko@demo.go.id",
        "Admin Pemko Pematangsiantar (demo)",
        Role.AGENCY_ADMIN,
    ),
    DemoUser(
        "perancang@demo.go.id",
        "Perancang Survei Pemko (demo)",
        Role.DESIGNER,
    ),
    DemoUser(
        "pimpinan@demo.go.id",
        "Sekretaris Daerah Kota Pematangsiantar (demo)",
        Role.AGENCY_HEAD,
    ),
    DemoUser(
        "kadisdukcapil@demo.go.id",
        "Drs. Hotman Saragih, M.Si.",
        Role.UNIT_HEAD,
        unit=DUKCAPIL,
        employee=KADIS_DUKCAPIL,
    ),
    DemoUser(
        "petugas@demo.go.id",
        "Rizky Pratama Siregar",
        Role.OFFICER,
        unit=DUKCAPIL,
        employee=OPERATOR_LOKET_1,
    ),
)


def walk(
    units: Iterable[UnitSpec], parent: UnitSpec | None = None
) -> Iterator[tuple[UnitSpec, UnitSpec | None]]:
    """Every unit of the declaration with its parent, parents first."""
    for unit in units:
        yield unit, parent
        yield from walk(unit.children, unit)


def nip_number(raw: str) -> str:
    return "".join(raw.split())


# --- loading -------------------------------------------------------------------------

M = TypeVar("M")


@dataclass
class Report:
    created: Tally[str] = field(default_factory=Tally)
    updated: Tally[str] = field(default_factory=Tally)
    roster_added: int = 0
    roster_kept: int = 0
    #: desired roster entries left out because the employee is already busy then
    roster_conflicts: int = 0
    #: (user, what happened to its password)
    users: list[tuple[User, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    window: tuple[dt.date, dt.date] | None = None
    on_call: str = ""
    #: (counter label, public token) of every demo counter
    links: list[tuple[str, str]] = field(default_factory=list)


@cache
def _hash(password: str) -> str:
    # argon2 is deliberately slow: hash the shared demo password at most once.
    return hash_password(password)


def _upsert(
    session: Session, model: type[M], key: dict[str, Any], values: dict[str, Any], report: Report
) -> M:
    """The record with ``key``, created or brought back to ``values``."""
    obj = session.scalar(select(model).filter_by(**key))
    name = model.__name__
    if obj is None:
        obj = model(**key, **values)
        session.add(obj)
        session.flush()
        report.created[name] += 1
        return obj
    changed = False
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    if changed:
        session.flush()
        report.updated[name] += 1
    return obj


def load_demo(
    session: Session,
    *,
    password: str = DEFAULT_PASSWORD,
    reset_passwords: bool = False,
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
    spec: AgencySpec = DEMO_AGENCY,
    users: Iterable[DemoUser] = DEMO_USERS,
) -> Report:
    """Create or refresh the demo organisation in ``session`` (flushed, not committed)."""
    now = now or utcnow()
    report = Report()

    agency = _upsert(
        session, Agency, {"code": spec.code}, {"name": spec.name, "timezone": spec.timezone}, report
    )

    ensure_default_survey(session, agency.id)

    units: dict[str, Unit] = {}
    points: dict[str, ServicePoint] = {}
    for unit_spec, parent_spec in walk(spec.units):
        unit = _upsert(
            session,
            Unit,
            {"agency_id": agency.id, "code": unit_spec.code},
            {
                "parent_id": units[parent_spec.code].id if parent_spec else None,
                "kind": unit_spec.kind,
                "name": unit_spec.name,
                "timezone": spec.timezone,
                "address": unit_spec.address,
            },
            report,
        )
        units[unit_spec.code] = unit
        for counter in unit_spec.counters:
            point = points[f"{unit_spec.code}/{counter.code}"] = _upsert(
                session,
                ServicePoint,
                {"unit_id": unit.id, "code": counter.code},
                {"name": counter.name, "location": counter.location},
                report,
            )
            token = ensure_counter_link(session, point).token
            report.links.append((f"{unit_spec.name} — {counter.name}", token))
        for layanan in unit_spec.services:
            _upsert(
                session,
                Service,
                {"unit_id": unit.id, "code": layanan.code},
                {"name": layanan.name, "name_en": layanan.name_en},
                report,
            )

    employees = _load_employees(session, agency, units, spec, report)
    _load_roster(session, employees, points, spec, days, now, report)
    _load_users(session, agency, units, employees, users, password, reset_passwords, report)
    session.flush()
    return report


def _load_employees(
    session: Session, agency: Agency, units: dict[str, Unit], spec: AgencySpec, report: Report
) -> dict[str, Employee]:
    employees: dict[str, Employee] = {}
    for unit_spec, _parent in walk(spec.units):
        for person in unit_spec.employees:
            number = nip_number(person.nip)
            try:
                parse_nip(number)
            except NipError as error:
                raise click.ClickException(f"demo NIP {person.nip}: {error}") from None
            boss = None
            if person.supervisor is not None:
                # declared before their staff, so the tree cannot loop
                boss = employees.get(nip_number(person.supervisor))
                if boss is None:
                    raise click.ClickException(
                        f"demo employee {person.nip}: supervisor {person.supervisor} "
                        "must be declared earlier"
                    )
            employees[number] = _upsert(
                session,
                Employee,
                {"agency_id": agency.id, "nip": number},
                {
                    "unit_id": units[unit_spec.code].id,
                    "name": person.name,
                    "position": person.position,
                    "supervisor_id": boss.id if boss else None,
                },
                report,
            )
    return employees


def _local_span(
    day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) on ``day`` in local time, as UTC.

    An end at or before the start falls on the next day.
    """
    starts = dt.datetime.combine(day, start, tzinfo=zone)
    ends = dt.datetime.combine(day, end, tzinfo=zone)
    if ends <= starts:
        ends += dt.timedelta(days=1)
    return starts.astimezone(dt.UTC), ends.astimezone(dt.UTC)


def _free_spans(
    day_start: dt.datetime, day_end: dt.datetime, busy: list[tuple[dt.datetime, dt.datetime]]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The parts of [day_start, day_end) not covered by ``busy``."""
    free = []
    cursor = day_start
    for starts, ends in sorted(busy):
        if starts > cursor:
            free.append((cursor, min(starts, day_end)))
        cursor = max(cursor, ends)
        if cursor >= day_end:
            break
    if cursor < day_end:
        free.append((cursor, day_end))
    return [(s, e) for s, e in free if e > s]


def _load_roster(
    session: Session,
    employees: dict[str, Employee],
    points: dict[str, ServicePoint],
    spec: AgencySpec,
    days: int,
    now: dt.datetime,
    report: Report,
) -> None:
    zone = ZoneInfo(spec.timezone.iana)
    today = now.astimezone(zone).date()
    first, last = today - dt.timedelta(days=days), today + dt.timedelta(days=days)
    report.window = (first, last)

    # (employee NIP, counter, starts, ends) wanted in the window
    wanted: list[tuple[str, str, dt.datetime, dt.datetime]] = []
    shifts_of: dict[str, list[Shift]] = {}
    for unit_spec, _parent in walk(spec.units):
        for person in unit_spec.employees:
            shifts_of[nip_number(person.nip)] = list(person.shifts)
    day = first
    while day <= last:
        for number, shifts in shifts_of.items():
            for s in shifts:
                if day.weekday() in s.days:
                    wanted.append((number, s.counter, *_local_span(day, s.start, s.end, zone)))
        day += dt.timedelta(days=1)

    if spec.on_call is not None:
        on_call_nip, on_call_counter = nip_number(spec.on_call[0]), spec.on_call[1]
        day_start, day_end = _local_span(today, dt.time(0), dt.time(0), zone)
        own_today = [
            (starts, ends)
            for number, _counter, starts, ends in wanted
            if number == on_call_nip and starts < day_end and ends > day_start
        ]
        for starts, ends in _free_spans(day_start, day_end, own_today):
            wanted.append((on_call_nip, on_call_counter, starts, ends))
        report.on_call = f"{employees[on_call_nip].name} at {points[on_call_counter].name}"

    window_start, _ = _local_span(first, dt.time(0), dt.time(0), zone)
    _, window_end = _local_span(last, dt.time(0), dt.time(0), zone)
    ids = [e.id for e in employees.values()]
    existing = session.execute(
        select(
            RosterEntry.employee_id,
            RosterEntry.service_point_id,
            RosterEntry.starts_at,
            RosterEntry.ends_at,
            RosterEntry.active,
        ).where(
            RosterEntry.employee_id.in_(ids),
            # a day either side, for shifts that cross midnight
            RosterEntry.starts_at < window_end + dt.timedelta(days=1),
            RosterEntry.ends_at > window_start - dt.timedelta(days=1),
        )
    ).all()
    keys = {(row.employee_id, row.service_point_id, row.starts_at) for row in existing}
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for row in existing:
        if row.active:
            busy.setdefault(row.employee_id, []).append((row.starts_at, row.ends_at))

    new = []
    for number, counter, starts, ends in wanted:
        employee, point = employees[number], points[counter]
        if (employee.id, point.id, starts) in keys:
            report.roster_kept += 1
            continue
        taken = busy.setdefault(employee.id, [])
        if any(s < ends and e > starts for s, e in taken):
            # someone changed the roster by hand; never double-book a person
            report.roster_conflicts += 1
            continue
        taken.append((starts, ends))
        keys.add((employee.id, point.id, starts))
        new.append(
            RosterEntry(
                employee_id=employee.id, service_point_id=point.id, starts_at=starts, ends_at=ends
            )
        )
    session.add_all(new)
    session.flush()
    report.roster_added = len(new)


def _load_users(
    session: Session,
    agency: Agency,
    units: dict[str, Unit],
    employees: dict[str, Employee],
    users: Iterable[DemoUser],
    password: str,
    reset_passwords: bool,
    report: Report,
) -> None:
    for demo in users:
        email = demo.email.lower()
        employee = employees[nip_number(demo.employee)] if demo.employee else None
        if employee is not None:
            holder = session.scalar(select(User).where(User.employee_id == employee.id))
            if holder is not None and holder.email != email:
                report.warnings.append(
                    f"{email}: employee {employee.nip} already belongs to {holder.email}; "
                    "not linked"
                )
                employee = None
        values = {
            "name": demo.name,
            "role": demo.role,
            "agency_id": None if demo.role == Role.ADMIN else agency.id,
            "unit_id": units[demo.unit].id if demo.unit else None,
            "employee_id": employee.id if employee else None,
        }
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, password_hash=_hash(password), active=True, **values)
            session.add(user)
            report.created["User"] += 1
            status = "demo password"
        else:
            changed = False
            for attr, value in values.items():
                if getattr(user, attr) != value:
                    setattr(user, attr, value)
                    changed = True
            if reset_passwords:
                user.password_hash = _hash(password)
                user.active = True
                changed = True
                status = "demo password (reset)"
            else:
                status = "unchanged"
            if changed:
                report.updated["User"] += 1
        session.flush()
        report.users.append((user, status))


# --- the command ------------------------------------------------------------------


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _summary(report: Report) -> str:
    kinds = ["Agency", "Unit", "ServicePoint", "Service", "Employee", "User"]
    parts = []
    for kind in kinds:
        bits = []
        if report.created[kind]:
            bits.append(f"{report.created[kind]} new")
        if report.updated[kind]:
            bits.append(f"{report.updated[kind]} updated")
        parts.append(f"{kind}: {', '.join(bits) or 'unchanged'}")
    return "; ".join(parts)


@click.command("demo-data")
@click.option(
    "--reset-passwords",
    is_flag=True,
    help="Also set the demo password on demo accounts that already exist (and reactivate them).",
)
@click.option(
    "--password",
    envvar="DEMO_PASSWORD",
    default=DEFAULT_PASSWORD,
    show_default=True,
    help="Password of the demo accounts (also read from DEMO_PASSWORD).",
)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Duty rosters from this many days before today to this many days after.",
)
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True, help="Printed start page.")
@click.option(
    "--allow-production",
    is_flag=True,
    help="Run even when FEEDBACK_ENV=production (demo accounts have a known password).",
)
@click.option(
    "--responses/--no-responses",
    default=True,
    show_default=True,
    help="Also add a year of sample citizen responses (once).",
)
@with_appcontext
def demo_data_command(
    reset_passwords: bool,
    password: str,
    days: int,
    base_url: str,
    allow_production: bool,
    responses: bool,
) -> None:
    """Create or refresh the Pematangsiantar demo organisation and demo logins."""
    if current_app.config.get("ENV_NAME") == "production" and not allow_production:
        raise click.ClickException(
            "refusing to create demo accounts with a known password in production "
            "(pass --allow-production if you really mean it)"
        )
    if len(password) < MIN_LENGTH:
        raise click.BadParameter(f"at least {MIN_LENGTH} characters", param_hint="--password")

    session = get_session()
    report = load_demo(session, password=password, reset_passwords=reset_passwords, days=days)
    if responses:
        agency = session.scalar(select(Agency).where(Agency.code == DEMO_AGENCY.code))
        assert agency is not None
        added = load_demo_responses(session, agency, now=utcnow())
        if added:
            click.echo(f"  {added} demo responses over the past year, dashboards counted.")
    rows = [("E-mail", "Role", "Scope", "Password")]
    for user, status in report.users:
        if user.role == Role.ADMIN:
            scope = "all agencies"
        elif user.unit is not None:
            scope = f"{user.unit.name} and below"
        else:
            scope = user.agency.name if user.agency else ""
        rows.append((user.email, user.role.value, scope, status))
    session.commit()

    assert report.window is not None
    first, last = report.window
    click.echo(f"Demo organisation ready: {DEMO_AGENCY.name} ({DEMO_AGENCY.code}).")
    click.echo(f"  {_summary(report)}")
    click.echo(
        f"  Duty rosters {first:%d %b %Y} – {last:%d %b %Y} ({DEMO_AGENCY.timezone.value}): "
        f"{report.roster_added} new, {report.roster_kept} already there"
        + (
            f", {report.roster_conflicts} skipped (employee busy)"
            if report.roster_conflicts
            else ""
        )
        + "."
    )
    if report.on_call:
        click.echo(f"  On call today, outside regular shifts: {report.on_call}.")
    for warning in report.warnings:
        click.echo(f"  Warning: {warning}", err=True)
    click.echo("")
    click.echo("Demo logins:")
    click.echo(_table(rows))
    click.echo("")
    click.echo(f"Demo password: {password}")
    if any(status.startswith("unchanged") for _user, status in report.users):
        click.echo(
            "  Accounts marked 'unchanged' existed already and keep their password; "
            "run with --reset-passwords to set the demo password again."
        )
    click.echo(f"Start here: {base_url} (sign in with one of the e-mails above)")
    if report.links:
        label, token = report.links[0]
        click.echo(f"A citizen's survey form ({label}): {base_url.rstrip('/')}/s/{token}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
