"""Submissions a phone or a tablet really produces: double taps, Enter twice, back and
send again, the officer on duty, single-use codes and the kiosk that starts over."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from feedback_app.db import utcnow
from feedback_app.models import Channel, RosterEntry, TransactionCode
from feedback_app.public.links import on_duty
from feedback_app.staff.service import create_kiosk, mint_code
from surveys.skm import ELEMENT_KEYS
from tests.browser.citizen import (
    DUKCAPIL,
    LOKET_1,
    LOKET_2,
    LOKET_3,
    RESPONDENT_A,
    RESPONDENT_B,
    RESPONDENT_C,
    choose_service,
    counter,
    counter_path,
    employee,
    expect_heading,
    question,
    rate,
    service,
    submit_button,
    tap_twice,
)

pytestmark = pytest.mark.browser

FORM_HEADING = "Bagaimana pelayanan kami hari ini?"
THANKS_HEADING = "Terima kasih atas penilaian Anda!"
AKTA = ("AKTA-LAHIR", "Akta Kelahiran")
KK = ("KK", "Penerbitan Kartu Keluarga")
OFFICER_QUESTION = "Siapa petugas yang melayani Anda?"


def scores(row) -> dict[str, int]:
    return {key: row.answers[key] for key in ELEMENT_KEYS}


# --- one form, one response ------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_two_taps_on_a_slow_connection_store_once(live_server, new_phone, javascript):
    """The answer takes a second to come back; the citizen taps Kirim again meanwhile."""
    live = live_server
    page = new_phone(javascript=javascript).page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()
    page.goto(live.url(path))
    choose_service(page, "id", AKTA[1])
    rate(page, "id", RESPONDENT_B)

    live.post_delay = 1.5
    tap_twice(page, submit_button(page, live.app, "id"), pause_ms=500)

    expect(page).to_have_url(re.compile("/terima-kasih$"))
    expect_heading(page, THANKS_HEADING)
    assert len(live.posts(path)) == 2, "the second tap did not reach the server"
    [row] = live.responses_since(before)
    assert scores(row) == RESPONDENT_B


def test_enter_twice_stores_once(live_server, phone):
    live, page = live_server, phone.page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()
    page.goto(live.url(path))
    choose_service(page, "id", AKTA[1])
    rate(page, "id", RESPONDENT_C)

    live.post_delay = 0.5
    question(page, "U9", "id").locator("input:checked").focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile("/terima-kasih$"))
    assert 1 <= len(live.posts(path)) <= 2
    [row] = live.responses_since(before)
    assert scores(row) == RESPONDENT_C


def test_back_and_send_again_stores_once(live_server, phone):
    live, page = live_server, phone.page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()
    page.goto(live.url(path))
    choose_service(page, "id", AKTA[1])
    rate(page, "id", RESPONDENT_A)
    submit_button(page, live.app, "id").click()
    expect_heading(page, THANKS_HEADING)

    page.go_back()
    expect_heading(page, FORM_HEADING)
    # the browser put the answers back; the citizen sends them again
    expect(
        question(page, "U1", "id").get_by_role("radio", name="Sesuai", exact=True)
    ).to_be_checked()
    submit_button(page, live.app, "id").click()
    expect(page).to_have_url(re.compile("/terima-kasih$"))

    assert len(live.responses_since(before)) == 1


# --- the officer who served --------------------------------------------------------------


def test_officer_on_duty_from_the_roster_is_credited(live_server, phone):
    """Loket 1 always has someone on duty in the demo; the form names them and credits them."""
    live, page = live_server, phone.page
    point = counter(live, DUKCAPIL, LOKET_1)
    with live.db() as session:
        officers = on_duty(session, session.merge(point), utcnow())
    assert officers, "the demo roster has nobody on duty at Loket 1 now"
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()

    page.goto(live.url(path))
    if len(officers) == 1:
        expect(page.get_by_text(f"Anda dilayani oleh {officers[0].name}.")).to_be_visible()
        expect(page.get_by_role("group", name=OFFICER_QUESTION)).to_have_count(0)
        chosen = officers[0]
    else:
        group = page.get_by_role("group", name=OFFICER_QUESTION)
        for officer in officers:
            expect(group.get_by_role("radio", name=officer.name, exact=True)).to_be_visible()
        chosen = officers[-1]
        group.get_by_role("radio", name=chosen.name, exact=True).check()
    choose_service(page, "id", AKTA[1])
    rate(page, "id", RESPONDENT_A)
    submit_button(page, live.app, "id").click()
    expect_heading(page, THANKS_HEADING)

    [row] = live.responses_since(before)
    assert row.employee_id == chosen.id


def test_citizen_picks_the_officer_when_several_are_on_duty(live_server, phone):
    live, page = live_server, phone.page
    point = counter(live, DUKCAPIL, LOKET_2)
    # two heads of division help out at Loket 2 this hour (besides anyone rostered there)
    helpers = [employee(live, "Rosmawati Purba, S.Sos."), employee(live, "Benny Sinaga, S.H.")]
    now = utcnow().replace(microsecond=0)
    with live.db() as session:
        for person in helpers:
            session.add(
                RosterEntry(
                    employee_id=person.id,
                    service_point_id=point.id,
                    starts_at=now - dt.timedelta(minutes=30),
                    ends_at=now + dt.timedelta(minutes=30),
                )
            )
        session.commit()
    path = counter_path(live, DUKCAPIL, LOKET_2)
    before = live.last_response_id()

    page.goto(live.url(path))
    group = page.get_by_role("group", name=OFFICER_QUESTION)
    expect(group).to_be_visible()
    for person in helpers:
        expect(group.get_by_role("radio", name=person.name, exact=True)).to_be_visible()
    expect(group.get_by_role("radio", name="Tidak tahu / lewati")).to_be_visible()
    group.get_by_role("radio", name="Benny Sinaga, S.H.", exact=True).check()
    choose_service(page, "id", KK[1])
    rate(page, "id", RESPONDENT_B)
    submit_button(page, live.app, "id").click()
    expect_heading(page, THANKS_HEADING)

    [row] = live.responses_since(before)
    assert row.employee_id == helpers[1].id
    assert row.service_point_id == point.id


# --- single-use codes and the kiosk ------------------------------------------------------


def test_single_use_code_works_once(live_server, phone):
    live, page = live_server, phone.page
    point = counter(live, DUKCAPIL, LOKET_3)
    officer = employee(live, "Agus Setiawan")
    akta = service(live, DUKCAPIL, AKTA[0])
    with live.db() as session:
        code = mint_code(
            session,
            session.merge(point),
            ttl_hours=2,
            employee=session.merge(officer),
            service=session.merge(akta),
        )
        session.commit()
    before = live.last_response_id()

    # the code on the queue ticket: counter, officer and service already known
    page.goto(live.url(f"/c/{code.code}"))
    expect_heading(page, FORM_HEADING)
    expect(page.get_by_text("Anda dilayani oleh Agus Setiawan.")).to_be_visible()
    expect(question(page, "layanan", "id")).to_have_count(0)
    rate(page, "id", RESPONDENT_C)
    submit_button(page, live.app, "id").click()
    expect_heading(page, THANKS_HEADING)

    [row] = live.responses_since(before)
    assert row.channel == Channel.CODE
    assert row.employee_id == officer.id and row.service_id == akta.id
    assert row.service_point_id == point.id
    assert scores(row) == RESPONDENT_C
    with live.db() as session:
        spent = session.get(TransactionCode, code.id)
        assert spent.used_at is not None and spent.response_id == row.id

    # the same ticket again, say the next day, from another phone
    page.goto(live.url(f"/c/{code.code}"))
    expect_heading(page, "Kode ini sudah dipakai")
    expect(page.get_by_role("button")).to_have_count(0)
    page.get_by_role("link", name="Isi survei umum loket ini").click()
    expect(page).to_have_url(live.url(counter_path(live, DUKCAPIL, LOKET_3)))
    expect_heading(page, FORM_HEADING)
    assert len(live.responses_since(before)) == 1


def test_kiosk_starts_over_after_the_thank_you(live_server, phone):
    live, page = live_server, phone.page
    point = counter(live, DUKCAPIL, LOKET_3)
    with live.db() as session:
        kiosk = create_kiosk(session, session.merge(point), "Tablet pintu keluar")
        session.commit()
    path = f"/k/{kiosk.token}"
    before = live.last_response_id()

    page.goto(live.url(path))
    first_key = page.locator("input[name=form_key]").input_value()
    choose_service(page, "id", AKTA[1])
    rate(page, "id", RESPONDENT_A)
    submit_button(page, live.app, "id").click()
    expect_heading(page, THANKS_HEADING)
    expect(page.get_by_role("link", name="Mulai sekarang")).to_be_visible()

    # nobody touches the tablet: the empty form comes back by itself
    expect(page).to_have_url(live.url(path))
    expect_heading(page, FORM_HEADING)
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    assert page.locator("input[name=form_key]").input_value() != first_key

    # … and the next visitor's answers are a response of their own
    choose_service(page, "id", AKTA[1])
    rate(page, "id", RESPONDENT_B)
    submit_button(page, live.app, "id").click()
    expect_heading(page, THANKS_HEADING)

    rows = live.responses_since(before)
    assert [scores(row) for row in rows] == [RESPONDENT_A, RESPONDENT_B]
    assert {row.channel for row in rows} == {Channel.KIOSK}
    assert {row.service_point_id for row in rows} == {point.id}
