"""``flask demo-data``: the demo organisation, its rosters and logins, run once and twice."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.accounts.passwords import hash_password
from feedback_app.demo import (
    DEFAULT_PASSWORD,
    DEMO_AGENCY,
    DEMO_USERS,
    KADIS_DUKCAPIL,
    load_demo,
    nip_number,
    walk,
)
from feedback_app.models import (
    Agency,
    Employee,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    Unit,
    UnitKind,
    User,
)
from feedback_app.organisation.nip import PNS, PPPK, parse_nip
from tests.conftest import login

WIB = ZoneInfo("Asia/Jakarta")
MODELS = (Agency, Unit, ServicePoint, Service, Employee, User, RosterEntry)

RunDemo = Callable[..., Result]


@pytest.fixture()
def run_demo(app: Flask, session: Session) -> RunDemo:
    """Invoke ``flask demo-data`` on the test's transaction; fail on a non-zero exit."""

    def run(*args: str) -> Result:
        # the year of sample responses has its own test below
        extra = () if "--responses" in args else ("--no-responses",)
        result = app.test_cli_runner().invoke(args=["demo-data", *extra, *args])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result

    return run


def _agency(session: Session) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == DEMO_AGENCY.code))
    assert agency is not None
    return agency


def _unit(session: Session, code: str) -> Unit:
    unit = session.scalar(
        select(Unit).where(Unit.agency_id == _agency(session).id, Unit.code == code)
    )
    assert unit is not None
    return unit


def _counts(session: Session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def _on_duty(session: Session, unit: Unit, moment: dt.datetime) -> list[RosterEntry]:
    return list(
        session.scalars(
            select(RosterEntry)
            .join(ServicePoint, RosterEntry.service_point_id == ServicePoint.id)
            .where(
                ServicePoint.unit_id == unit.id,
                RosterEntry.active.is_(True),
                RosterEntry.starts_at <= moment,
                RosterEntry.ends_at > moment,
            )
        )
    )


def _assert_no_double_booking(session: Session) -> None:
    entries = session.scalars(
        select(RosterEntry).order_by(RosterEntry.employee_id, RosterEntry.starts_at)
    ).all()
    keys = [(e.employee_id, e.service_point_id, e.starts_at) for e in entries]
    assert len(keys) == len(set(keys)), "duplicate roster entries"
    for before, after in zip(entries, entries[1:], strict=False):
        if before.employee_id == after.employee_id:
            assert before.ends_at <= after.starts_at, f"{before} overlaps {after}"


def test_declaration_is_consistent() -> None:
    numbers = [nip_number(p.nip) for unit, _ in walk(DEMO_AGENCY.units) for p in unit.employees]
    assert len(numbers) == len(set(numbers))
    unit_codes = [unit.code for unit, _ in walk(DEMO_AGENCY.units)]
    assert len(unit_codes) == len(set(unit_codes))
    assert {u.role for u in DEMO_USERS} == set(Role)
    assert len(DEMO_USERS) == len(Role)


def test_command_builds_the_organisation(run_demo: RunDemo, session: Session) -> None:
    run_demo()
    agency = _agency(session)
    assert agency.name == "Pemerintah Kota Pematangsiantar"
    assert agency.timezone.value == "WIB"

    dukcapil = _unit(session, "DISDUKCAPIL")
    assert dukcapil.kind == UnitKind.DINAS
    lokets = session.scalars(select(ServicePoint).where(ServicePoint.unit_id == dukcapil.id)).all()
    assert len(lokets) >= 3
    assert all(point.location for point in lokets)
    services = set(session.scalars(select(Service.code).where(Service.unit_id == dukcapil.id)))
    assert {"KTP-EL", "KK", "AKTA-LAHIR", "AKTA-MATI", "PINDAH"} <= services
    bidang = session.scalars(select(Unit).where(Unit.parent_id == dukcapil.id)).all()
    assert bidang and all(u.kind == UnitKind.BIDANG for u in bidang)

    dinkes = _unit(session, "DINKES")
    puskesmas = session.scalars(
        select(Unit).where(Unit.parent_id == dinkes.id, Unit.kind == UnitKind.PUSKESMAS)
    ).all()
    assert len(puskesmas) >= 2
    for unit in puskesmas:
        assert session.scalar(
            select(func.count()).select_from(ServicePoint).where(ServicePoint.unit_id == unit.id)
        )
        assert session.scalar(
            select(func.count()).select_from(Service).where(Service.unit_id == unit.id)
        )

    mpp = session.scalars(
        select(Unit).where(Unit.agency_id == agency.id, Unit.kind == UnitKind.MPP)
    ).all()
    assert len(mpp) == 1
    assert (
        session.scalar(
            select(func.count()).select_from(ServicePoint).where(ServicePoint.unit_id == mpp[0].id)
        )
        >= 3
    )

    employees = session.scalars(select(Employee).where(Employee.agency_id == agency.id)).all()
    assert len(employees) >= 15
    assert all(e.unit.agency_id == agency.id for e in employees)


def test_one_demo_user_per_role(run_demo: RunDemo, session: Session) -> None:
    run_demo()
    users = session.scalars(select(User).where(User.email.like("%@demo.go.id"))).all()
    by_role = {role: [u for u in users if u.role == role] for role in Role}
    assert all(len(found) == 1 for found in by_role.values()), by_role

    admin = by_role[Role.ADMIN][0]
    assert admin.email == "admin@demo.go.id"
    assert admin.agency_id is None and admin.unit_id is None
    agency = _agency(session)
    for role in (Role.AGENCY_ADMIN, Role.DESIGNER, Role.AGENCY_HEAD):
        assert by_role[role][0].agency_id == agency.id
        assert by_role[role][0].unit_id is None

    head = by_role[Role.UNIT_HEAD][0]
    dukcapil = _unit(session, "DISDUKCAPIL")
    assert head.agency_id == agency.id
    assert head.unit_id == dukcapil.id
    assert head.employee is not None
    assert head.employee.nip == nip_number(KADIS_DUKCAPIL)
    assert head.employee.position.startswith("Kepala Dinas")
    assert head.employee.unit_id == dukcapil.id


def test_every_nip_is_valid_with_pns_and_pppk(run_demo: RunDemo, session: Session) -> None:
    run_demo()
    employees = session.scalars(
        select(Employee).where(Employee.agency_id == _agency(session).id)
    ).all()
    kinds = set()
    for employee in employees:
        nip = parse_nip(employee.nip)
        assert nip.number == employee.nip
        kinds.add(nip.kind)
    assert kinds == {PNS, PPPK}


def test_supervisors_form_a_tree_inside_the_agency(run_demo: RunDemo, session: Session) -> None:
    run_demo()
    agency = _agency(session)
    employees = {
        e.id: e for e in session.scalars(select(Employee).where(Employee.agency_id == agency.id))
    }
    heads = [e for e in employees.values() if e.supervisor_id is None]
    assert heads and all(e.position.startswith("Kepala") for e in heads)
    for employee in employees.values():
        seen = {employee.id}
        boss_id = employee.supervisor_id
        while boss_id is not None:
            assert boss_id in employees, "supervisor from another agency"
            assert boss_id not in seen, f"supervisor cycle at {employee.name}"
            seen.add(boss_id)
            boss_id = employees[boss_id].supervisor_id
    # kepala puskesmas answer to the kepala dinas kesehatan; their staff to them
    kesatria = _unit(session, "PKM-KESATRIA")
    staff = [e for e in employees.values() if e.unit_id == kesatria.id]
    kapus = [e for e in staff if e.position.startswith("Kepala Puskesmas")]
    assert len(kapus) == 1
    assert employees[kapus[0].supervisor_id].position == "Kepala Dinas Kesehatan"
    assert all(e.supervisor_id == kapus[0].id for e in staff if e is not kapus[0])


def test_somebody_is_on_duty_now_at_disdukcapil(run_demo: RunDemo, session: Session) -> None:
    run_demo()
    now = dt.datetime.now(dt.UTC)
    on_duty = _on_duty(session, _unit(session, "DISDUKCAPIL"), now)
    assert on_duty, "nobody on duty at Disdukcapil right now"
    _assert_no_double_booking(session)


def test_rosters_follow_office_hours_in_local_time(session: Session) -> None:
    load_demo(session, now=dt.datetime(2026, 11, 25, 9, 30, tzinfo=WIB))  # a Wednesday
    dukcapil = _unit(session, "DISDUKCAPIL")

    # the next day is an ordinary one: no on-call officer, just office hours
    thursday = dt.datetime(2026, 11, 26, 9, 30, tzinfo=WIB)
    at_loket_1 = [
        e for e in _on_duty(session, dukcapil, thursday) if e.service_point.code == "LOKET-1"
    ]
    assert [e.employee.name for e in at_loket_1] == ["Lestari Br. Damanik, S.E."]
    assert at_loket_1[0].starts_at == dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)  # 08:00 WIB
    assert at_loket_1[0].ends_at == dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # 16:00 WIB
    assert not _on_duty(session, dukcapil, dt.datetime(2026, 11, 26, 17, 0, tzinfo=WIB))

    # two officers share Loket 1 around midday
    noon = dt.datetime(2026, 11, 26, 11, 0, tzinfo=WIB)
    sharing = [e for e in _on_duty(session, dukcapil, noon) if e.service_point.code == "LOKET-1"]
    assert len(sharing) == 2

    # the window: 14 days back and ahead, weekdays only (apart from today's on-call)
    next_week = dt.datetime(2026, 12, 9, 9, 0, tzinfo=WIB)
    assert _on_duty(session, dukcapil, next_week)
    assert _on_duty(session, dukcapil, dt.datetime(2026, 11, 11, 9, 0, tzinfo=WIB))
    assert not _on_duty(session, dukcapil, dt.datetime(2026, 11, 10, 9, 0, tzinfo=WIB))
    assert not _on_duty(session, dukcapil, dt.datetime(2026, 12, 10, 9, 0, tzinfo=WIB))
    next_sunday = dt.datetime(2026, 11, 29, 9, 0, tzinfo=WIB)
    assert not _on_duty(session, dukcapil, next_sunday)
    # puskesmas open on Saturday morning
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=WIB)
    assert _on_duty(session, _unit(session, "PKM-BANE"), saturday)
    _assert_no_double_booking(session)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 28, 21, 15, tzinfo=WIB),  # Saturday evening
        dt.datetime(2026, 11, 25, 6, 0, tzinfo=WIB),  # Wednesday before opening
        dt.datetime(2026, 11, 25, 12, 0, tzinfo=WIB),  # Wednesday, Rizky's own shift
        dt.datetime(2026, 11, 25, 23, 59, tzinfo=WIB),  # just before midnight
        dt.datetime(2026, 11, 26, 0, 0, tzinfo=WIB),  # midnight
    ],
)
def test_demo_day_always_has_an_officer(session: Session, moment: dt.datetime) -> None:
    load_demo(session, now=moment)
    assert _on_duty(session, _unit(session, "DISDUKCAPIL"), moment)
    _assert_no_double_booking(session)


def test_later_run_extends_the_window_without_duplicates(session: Session) -> None:
    saturday = dt.datetime(2026, 11, 28, 20, 0, tzinfo=WIB)
    load_demo(session, now=saturday)
    first = _counts(session)
    monday = dt.datetime(2026, 11, 30, 19, 0, tzinfo=WIB)
    report = load_demo(session, now=monday)
    second = _counts(session)
    assert report.roster_conflicts == 0
    assert second["RosterEntry"] > first["RosterEntry"]
    assert {k: v for k, v in second.items() if k != "RosterEntry"} == {
        k: v for k, v in first.items() if k != "RosterEntry"
    }
    assert _on_duty(session, _unit(session, "DISDUKCAPIL"), monday)
    _assert_no_double_booking(session)


def test_running_twice_creates_nothing_new(run_demo: RunDemo, session: Session) -> None:
    run_demo()
    first = _counts(session)
    output = run_demo().output
    assert _counts(session) == first
    assert " 0 new," in output
    assert "unchanged" in output
    _assert_no_double_booking(session)


def test_existing_passwords_are_kept_unless_reset(
    run_demo: RunDemo, session: Session, client
) -> None:
    run_demo()
    user = session.scalar(select(User).where(User.email == "adminpemko@demo.go.id"))
    assert user is not None
    own = hash_password("kata-sandi-sendiri-99")
    user.password_hash = own
    session.flush()

    run_demo()
    session.expire_all()
    assert session.get(User, user.id).password_hash == own

    output = run_demo("--reset-passwords").output
    assert "reset" in output
    session.expire_all()
    assert session.get(User, user.id).password_hash != own
    login(client, "adminpemko@demo.go.id", DEFAULT_PASSWORD)


def test_demo_user_logs_in_with_the_printed_password(run_demo: RunDemo, client) -> None:
    output = run_demo().output
    match = re.search(r"^Demo password: (\S+)$", output, re.MULTILINE)
    assert match, output
    password = match.group(1)
    for email in ("admin@demo.go.id", "adminpemko@demo.go.id", "kadisdukcapil@demo.go.id"):
        assert email in output
    assert "http://127.0.0.1:5000/" in output

    login(client, "adminpemko@demo.go.id", password)
    page = client.get("/org/units/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Dinas Kependudukan dan Pencatatan Sipil" in text
    assert "Puskesmas Bane" in text


def test_unit_head_sees_only_disdukcapil(run_demo: RunDemo, client) -> None:
    run_demo()
    login(client, "kadisdukcapil@demo.go.id", DEFAULT_PASSWORD)
    page = client.get("/org/units/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Dinas Kependudukan dan Pencatatan Sipil" in text
    assert "Bidang Pelayanan Pendaftaran Penduduk" in text
    assert "Puskesmas Bane" not in text


def test_refuses_production_without_flag(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert session.scalar(select(Agency).where(Agency.code == DEMO_AGENCY.code)) is None


def test_rejects_a_short_password(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data", "--password", "pendek"])
    assert result.exit_code != 0
    assert "--password" in result.output


def test_demo_responses_fill_the_dashboard_once(run_demo, session):
    from sqlalchemy import func

    from feedback_app.models import AnswerCount, Response
    from feedback_app.results.aggregates import rebuild

    result = run_demo("--responses")
    total = session.scalar(select(func.count()).select_from(Response))
    assert total > 3000
    assert f"{total} demo responses" in result.output
    counted = session.scalar(
        select(func.sum(AnswerCount.count)).where(AnswerCount.question_key == "U1")
    )
    assert counted == total  # every sample answers U1, and the counts were rebuilt
    run_demo("--responses")
    assert session.scalar(select(func.count()).select_from(Response)) == total
    rebuild(session)
    assert (
        session.scalar(select(func.sum(AnswerCount.count)).where(AnswerCount.question_key == "U1"))
        == total
    )
