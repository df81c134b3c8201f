"""Follow-ups (tindak lanjut) through the real public form, the inbox, and e-mail to unit heads.

The e-mail goes to a small SMTP server started by these tests (tests/smtp_sink.py);
Huey runs in immediate mode, so the notification task runs right after the
citizen's request is committed, as the worker would.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from feedback_app.followups import service
from feedback_app.followups.notify import notify_immediately
from feedback_app.models import (
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    NotifyMode,
    Response,
    ResponseContact,
    Role,
    User,
)
from feedback_app.public import views as public_views
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.results.periods import local_today
from surveys.templates import kiosk_smiley_template, skm_template
from tests.conftest import csrf_token, make_test_app
from tests.smtp_sink import SmtpSink
from tests.test_scope import sign_in
from tests.test_scores import response, scores, skm_version, store

ELEMENTS = [f"U{i}" for i in range(1, 10)]
BASE_URL = "https://umpan-balik.uji.go.id/"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory, smtp) -> Iterator[Flask]:
    """The test app with a mail server and an immediate queue."""
    app = make_test_app(
        database_url,
        tmp_path_factory,
        HUEY_IMMEDIATE=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_FROM="skm@uji.go.id",
        MAIL_LINK_BASE_URL=BASE_URL,
    )
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture(autouse=True)
def fresh(smtp) -> None:
    smtp.messages.clear()


@pytest.fixture()
def office(session, factory):
    """A dinas with two bidang; the first has a counter. Heads with each e-mail choice."""
    agency = factory.agency(name="Pemerintah Kota Tindak Lanjut")
    dinas = factory.unit(agency, name="Dinas Kependudukan")
    unit = factory.unit(parent=dinas, name="Bidang Pelayanan KTP")
    sibling = factory.unit(parent=dinas, name="Bidang Akta Qsibling")
    point = factory.service_point(unit, name="Loket 1")
    other_point = factory.service_point(sibling, name="Loket Akta")
    service_ = factory.service(unit, name="Perekaman KTP-el")
    ensure_default_survey(session, agency.id)
    other_agency = factory.agency(name="Kabupaten Lain")
    other_unit = factory.unit(other_agency, name="Dinas Qother")

    def head(role, unit_, mode, name, agency_=agency):
        return factory.user(role, agency=agency_, unit=unit_, notify_negative=mode, name=name)

    return {
        "agency": agency,
        "dinas": dinas,
        "unit": unit,
        "sibling": sibling,
        "point": point,
        "service": service_,
        "token": ensure_counter_link(session, point).token,
        "sibling_token": ensure_counter_link(session, other_point).token,
        "unit_head": head(Role.UNIT_HEAD, unit, NotifyMode.IMMEDIATE, "Kepala Bidang KTP"),
        "dinas_head": head(Role.UNIT_HEAD, dinas, NotifyMode.OFF, "Kepala Dinas"),
        "sibling_head": head(Role.UNIT_HEAD, sibling, NotifyMode.IMMEDIATE, "Kepala Akta"),
        "agency_head": head(Role.AGENCY_HEAD, None, NotifyMode.DAILY, "Kepala Instansi"),
        "other_head": head(
            Role.AGENCY_HEAD, None, NotifyMode.IMMEDIATE, "Kepala Lain", other_agency
        ),
        "other_unit": other_unit,
    }


def submit(client, token: str, data: dict, status: int = 303) -> None:
    """Answer the public form as a citizen does: GET it, POST the answers (and the service
    received, where the counter's unit offers one)."""
    page = client.get(f"/s/{token}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page))
    service_ = re.search(r'<option value="(\d+)"', page)
    if service_ and "layanan" not in data:
        data = {**data, "layanan": service_.group(1)}
    response = client.post(f"/s/{token}", data={**fields, **data})
    assert response.status_code == status, response.get_data(as_text=True)[:3000]


def answers(low: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    return {**dict.fromkeys(ELEMENTS, "4"), **(low or {}), **extra}


def follow_ups(session) -> list[FollowUp]:
    session.expire_all()
    return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


# --------------------------------------------------------------------------- what opens one


def test_the_public_form_calls_the_follow_up_hook():
    """The tests below go through the real form: it must open follow-ups as it stores."""
    source = inspect.getsource(public_views)
    hook = "on_response(db, response_id, row, definition, complaint=contact is not None)"
    assert hook in source, (
        "feedback_app/public/views.py must call feedback_app.followups.service.on_response "
        "right after `tally.write(db)` in _accept's store()"
    )


def test_a_low_element_opens_a_follow_up_and_mails_the_unit_head(client, session, office, smtp):
    submit(client, office["token"], answers({"U3": "1"}))

    (follow_up,) = follow_ups(session)
    stored = session.get(Response, follow_up.response_id)
    assert follow_up.unit_id == office["unit"].id
    assert follow_up.status == FollowUpStatus.NEW
    assert stored.answers["U3"] == 1

    # the head of the unit, who chose immediate e-mail; nobody else
    (mail,) = smtp.messages
    assert mail.recipients == [office["unit_head"].email]
    assert mail.sender == "skm@uji.go.id"
    assert "Bidang Pelayanan KTP" in mail.message["Subject"]
    body = mail.body
    assert "Unit: Bidang Pelayanan KTP" in body
    assert "Loket: Loket 1" in body and "Jenis layanan: Perekaman KTP-el" in body
    assert "- U3 Waktu penyelesaian: 1 (Tidak cepat)" in body
    assert "U1" not in body  # only the low answers
    assert f"{BASE_URL}tindak-lanjut/{follow_up.id}" in body
    assert f"{BASE_URL}tindak-lanjut/notifikasi" in body
    assert follow_up.notified_at is not None


def test_good_answers_open_nothing(client, session, office, smtp):
    submit(client, office["token"], answers({"U3": "3"}))
    assert follow_ups(session) == []
    assert smtp.messages == []


def test_comment_and_contact_are_mentioned_but_never_mailed(client, session, office, smtp):
    comment = "Antrean lama sekali, tolong hubungi saya"
    data = answers(
        {"U7": "2"},
        perbaikan=comment,
        contact_wanted="1",
        contact_name="Budi Santoso",
        contact_phone="0812 3456 7890",
        contact_email="budi@contoh.co.id",
    )
    submit(client, office["token"], data)

    (follow_up,) = follow_ups(session)
    (mail,) = smtp.messages
    body = mail.body + str(mail.message)
    assert "U7 Perilaku pelaksana (kesopanan dan keramahan): 2 (Kurang sopan dan ramah)" in body
    assert "menulis apa yang perlu diperbaiki" in body
    assert "meminta dihubungi" in body
    for personal in ("Budi", "0812", "3456", "budi@contoh", comment, "Antrean"):
        assert personal not in body, personal


def test_a_complaint_with_good_scores_still_opens_one(client, session, office, smtp):
    submit(client, office["token"], answers(contact_wanted="1", contact_phone="0812 1111 2222"))
    (follow_up,) = follow_ups(session)
    assert session.scalar(
        select(func.count())
        .select_from(ResponseContact)
        .where(ResponseContact.response_id == follow_up.response_id)
    )
    assert "meminta dihubungi" in smtp.messages[0].body


def test_the_sibling_units_head_hears_only_of_their_own_unit(client, session, office, smtp):
    submit(client, office["sibling_token"], answers({"U1": "2"}))
    (mail,) = smtp.messages
    assert mail.recipients == [office["sibling_head"].email]
    assert "Bidang Akta Qsibling" in mail.body


def test_negative_means_bottom_two_of_any_scale():
    skm = skm_template()
    assert [
        a.key for a in service.negative_reasons(skm, scores([4, 4, 2, 4, 4, 4, 4, 4, 1])).low
    ] == ["U3", "U9"]
    assert not service.negative_reasons(skm, scores([3] * 9))
    assert service.negative_reasons(skm, {**scores([3] * 9), "perbaikan": "Lebih cepat"}).comment
    assert not service.negative_reasons(skm, {**scores([3] * 9), "perbaikan": "   "})
    assert service.negative_reasons(skm, scores([3] * 9), complaint=True)
    kiosk = kiosk_smiley_template()  # smiley, 1–5
    low = service.negative_reasons(kiosk, {"kepuasan": 2, "kecepatan": 3, "keramahan": 5}).low
    assert [(a.key, a.score, a.is_element) for a in low] == [("kepuasan", 2, False)]
    assert not service.negative_reasons(kiosk, {"kepuasan": 3, "kecepatan": 3})


def test_a_flagged_response_gets_a_follow_up_but_no_mail(app, session, office, smtp):
    version = skm_version(session, office["agency"])
    (flagged,) = store(
        session,
        [response(version, office["unit"], scores([1] * 9), dt.datetime.now(dt.UTC), flagged=True)],
    )
    follow_up = service.follow_up_response(session, flagged)
    assert follow_up is not None and session.info.get(service.PENDING) in (None, [])
    with app.app_context():
        assert notify_immediately(session, [follow_up.id], BASE_URL) == 0
    assert smtp.messages == []


def test_a_mail_server_that_is_down_does_not_trouble_the_citizen(app, client, session, office):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = closed
    try:
        submit(client, office["token"], answers({"U4": "1"}))
    finally:
        app.config["MAIL_PORT"] = port
    (follow_up,) = follow_ups(session)
    assert follow_up.notified_at is None  # the queue retries later; the answer is stored


# --------------------------------------------------------------------------- the daily digest


def test_daily_digest_through_the_cli(app, client, session, office, smtp):
    submit(client, office["token"], answers({"U3": "1"}))
    submit(client, office["sibling_token"], answers({"U9": "2"}, perbaikan="Kursi kurang"))
    smtp.messages.clear()  # the immediate ones
    today = local_today(office["agency"].timezone)
    result = app.test_cli_runner().invoke(args=["send-digests", "--date", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 digest e-mail(s) sent." in result.output

    (mail,) = smtp.messages  # the agency head chose the daily digest; the others did not
    assert mail.recipients == [office["agency_head"].email]
    assert today.strftime("%d-%m-%Y") in mail.message["Subject"]
    assert "2 respons" in mail.message["Subject"]
    body = mail.body
    assert "== Bidang Pelayanan KTP (1) ==" in body and "== Bidang Akta Qsibling (1) ==" in body
    ids = [f.id for f in follow_ups(session)]
    for follow_up_id in ids:
        assert f"{BASE_URL}tindak-lanjut/{follow_up_id}" in body
    assert f"{BASE_URL}tindak-lanjut/" in body
    assert "Kursi kurang" not in body


def test_digest_defaults_to_yesterday_and_skips_flagged(app, session, office, smtp):
    version = skm_version(session, office["agency"])
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    kept, flagged = store(
        session,
        [
            response(version, office["unit"], scores([2] * 9), yesterday),
            response(version, office["unit"], scores([1] * 9), yesterday, flagged=True),
        ],
    )
    for row in (kept, flagged):
        service.follow_up_response(session, row)
    session.info.pop(service.PENDING, None)
    # yesterday in the agency's zone: a moment 24 hours ago may fall two local days back
    day = local_today(office["agency"].timezone, yesterday)
    if day != local_today(office["agency"].timezone) - dt.timedelta(days=1):
        pytest.skip("run just after local midnight")
    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    (mail,) = smtp.messages
    assert mail.body.count("Nilai rendah:") == 1
    assert "1 respons" in mail.message["Subject"]


def test_no_digest_when_nothing_happened(app, office, smtp):
    result = app.test_cli_runner().invoke(args=["send-digests", "--date", "2020-01-01"])
    assert "0 digest e-mail(s) sent." in result.output
    assert smtp.messages == []


# --------------------------------------------------------------------------- the inbox


@pytest.fixture()
def opened(client, session, office):
    """One follow-up with a contact (asked for) and one without, in the head's unit."""
    submit(
        client,
        office["token"],
        answers(
            {"U2": "1"}, contact_wanted="1", contact_name="Sari", contact_phone="0813 9999 0000"
        ),
    )
    submit(client, office["token"], answers({"U5": "2"}))
    with_contact, without = follow_ups(session)
    return {"with_contact": with_contact, "without": without}


def test_inbox_lists_the_units_follow_ups(app, client, office, opened):
    sign_in(app, client, office["unit_head"])
    page = client.get("/tindak-lanjut/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('id="t-') == 2
    assert "U2: 1" in html and "U5: 2" in html and "minta dihubungi" in html
    assert "0813" not in html and "Sari" not in html  # contact only on the detail page
    assert "Qsibling" not in html  # not even in the unit filter
    # filters
    assert client.get("/tindak-lanjut/?status=selesai").get_data(as_text=True).count('id="t-') == 0
    today = local_today(office["agency"].timezone)
    assert (
        client.get(f"/tindak-lanjut/?periode={today:%Y-%m}").get_data(as_text=True).count('id="t-')
        == 2
    )
    assert client.get("/tindak-lanjut/?periode=2020-01").get_data(as_text=True).count('id="t-') == 0
    assert (
        client.get(f"/tindak-lanjut/?unit={office['dinas'].id}").status_code == 404
    )  # above their unit


def test_contact_is_shown_only_where_the_citizen_asked(app, client, office, opened):
    sign_in(app, client, office["unit_head"])
    html = client.get(f"/tindak-lanjut/{opened['with_contact'].id}").get_data(as_text=True)
    assert "Kontak warga" in html and "0813 9999 0000" in html and "Sari" in html
    html = client.get(f"/tindak-lanjut/{opened['without'].id}").get_data(as_text=True)
    assert "Kontak warga" not in html and "0813" not in html
    # the respondent profile is not shown either
    assert "Jenis kelamin" not in html


def test_status_changes_assignee_and_notes(app, client, session, office, opened):
    head = office["unit_head"]
    follow_up = opened["without"]
    url = f"/tindak-lanjut/{follow_up.id}"
    sign_in(app, client, head)

    def post(path: str, data: dict, status: int = 302):
        response = client.post(url + path, data={"csrf_token": csrf_token(client, url), **data})
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response

    post("/status", {"status": "diproses", "note": "Sudah ditelepon loketnya"})
    post("/petugas", {"assignee_id": str(office["dinas_head"].id)})
    post("/catatan", {"body": "Petugas loket diberi pembinaan."})
    post("/status", {"status": "baru"}, status=422)  # not a step offered from diproses
    post("/catatan", {"body": ""}, status=422)
    post("/petugas", {"assignee_id": str(office["sibling_head"].id)}, status=422)  # not in scope
    post("/status", {"status": "selesai"})

    session.expire_all()
    follow_up = session.get(FollowUp, follow_up.id)
    assert follow_up.status == FollowUpStatus.DONE and follow_up.closed_at is not None
    assert follow_up.assignee_id == office["dinas_head"].id
    notes = session.scalars(
        select(FollowUpNote.body)
        .where(FollowUpNote.follow_up_id == follow_up.id)
        .order_by(FollowUpNote.id)
    ).all()
    assert notes == [
        "[baru → diproses] Sudah ditelepon loketnya",
        "[Ditugaskan kepada Kepala Dinas]",
        "Petugas loket diberi pembinaan.",
        "[diproses → selesai]",
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Petugas loket diberi pembinaan." in page and "Selesai" in page
    # reopening a closed one
    post("/status", {"status": "diproses"})
    session.expire_all()
    assert session.get(FollowUp, follow_up.id).closed_at is None


def test_posts_without_a_csrf_token_change_nothing(app, client, session, office, opened):
    follow_up = opened["without"]
    sign_in(app, client, office["unit_head"])
    for path, data in (
        ("/status", {"status": "diproses"}),
        ("/catatan", {"body": "x"}),
        ("/petugas", {"assignee_id": str(office["unit_head"].id)}),
    ):
        response = client.post(f"/tindak-lanjut/{follow_up.id}{path}", data=data)
        assert response.status_code == 400
    session.expire_all()
    assert session.get(FollowUp, follow_up.id).status == FollowUpStatus.NEW
    assert session.get(FollowUp, follow_up.id).assignee_id is None
    assert session.scalar(select(func.count()).select_from(FollowUpNote)) == 0


def test_beyond_the_users_scope_a_follow_up_does_not_exist(
    app, client, session, factory, office, opened
):
    follow_up = opened["with_contact"]
    for user in (office["sibling_head"], office["other_head"]):
        sign_in(app, client, user)
        for path in ("", "/status", "/catatan", "/petugas"):
            method = client.get if not path else client.post
            kwargs = {} if not path else {"data": {"csrf_token": csrf_token(client, "/")}}
            response = method(f"/tindak-lanjut/{follow_up.id}{path}", **kwargs)
            assert response.status_code == 404, (user.name, path)
        assert "0813" not in client.get("/tindak-lanjut/?status=all").get_data(as_text=True)
    # heads above see it; a designer of the same agency may not (403, after the scope check)
    sign_in(app, client, office["dinas_head"])
    assert client.get(f"/tindak-lanjut/{follow_up.id}").status_code == 200
    sign_in(app, client, factory.user(Role.DESIGNER, agency=office["agency"]))
    assert client.get(f"/tindak-lanjut/{follow_up.id}").status_code == 403
    assert client.get("/tindak-lanjut/").status_code == 403
    assert client.get("/tindak-lanjut/999999999999").status_code == 404


def test_each_head_chooses_their_e_mail(app, client, session, office):
    head = office["dinas_head"]
    sign_in(app, client, head)
    url = "/tindak-lanjut/notifikasi"
    page = client.get(url).get_data(as_text=True)
    assert head.email in page
    assert re.search(r'<input checked[^>]*value="off"', page)
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "notify_negative": "daily"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, head.id).notify_negative == NotifyMode.DAILY
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "notify_negative": "x"}
    )
    assert response.status_code == 422
    assert client.post(url, data={"notify_negative": "off"}).status_code == 400
