"""A citizen at Disdukcapil Loket 1 scans the poster, answers the SKM on a phone, gets thanked.

In Indonesian and in English, with JavaScript on and off; what they see
(headings, labels, errors at the question, a page that fits the screen and
loads nothing from elsewhere) and what the server stored.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from feedback_app.models import Channel
from surveys.skm import ELEMENT_KEYS
from tests.browser.citizen import (
    DUKCAPIL,
    LOKET_1,
    RESPONDENT_A,
    RESPONDENT_B,
    RESPONDENT_C,
    choose_service,
    counter,
    counter_path,
    expect_every_control_named,
    expect_heading,
    question,
    question_text,
    rate,
    service,
    submit_button,
    transferred_size,
    ui_text,
)

pytestmark = pytest.mark.browser

FORM_HEADING = "Bagaimana pelayanan kami hari ini?"
THANKS_HEADING = "Terima kasih atas penilaian Anda!"
KTP = (
    "KTP-EL",
    "Perekaman dan Pencetakan KTP-el",
    "Electronic ID card (KTP-el) enrolment and printing",
)
#: the design target for the public form: HTML + CSS, compressed
MAX_FORM_BYTES = 30 * 1024


def test_citizen_answers_in_indonesian(live_server, phone):
    live, page = live_server, phone.page
    point = counter(live, DUKCAPIL, LOKET_1)
    ktp = service(live, DUKCAPIL, KTP[0])
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()

    page.goto(live.url(path + "?c=qr"))  # as encoded in the poster's QR code
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect_heading(page, FORM_HEADING)
    expect(page.locator("header")).to_contain_text("Pemerintah Kota Pematangsiantar")
    expect(page.locator("header")).to_contain_text(
        "Dinas Kependudukan dan Pencatatan Sipil · Loket 1 — Pendaftaran dan KTP-el"
    )
    expect(
        page.get_by_role("heading", level=2, name="Pendapat Saudara tentang pelayanan")
    ).to_be_visible()
    expect(page.get_by_text("Tanpa nama, tanpa nomor telepon.")).to_be_visible()
    assert live.hits and all(hit.method == "GET" for hit in live.hits)

    choose_service(page, "id", KTP[1])
    rate(page, "id", RESPONDENT_A)
    question(page, "saran", "id").get_by_role("textbox").fill("Antrean tertib, ruang tunggu sejuk.")
    submit_button(page, live.app, "id").click()

    expect(page).to_have_url(re.compile(re.escape(path) + "/terima-kasih$"))
    expect_heading(page, THANKS_HEADING)
    expect(page.get_by_text("Jawaban Anda sudah kami terima")).to_be_visible()

    hosts = {urlsplit(url).netloc for url in phone.requests}
    assert hosts == {live.host}, f"requests to other hosts: {hosts - {live.host}}"

    [row] = live.responses_since(before)
    assert row.service_point_id == point.id and row.unit_id == point.unit_id
    assert row.service_id == ktp.id
    assert row.channel == Channel.QR
    assert row.language == "id"
    assert {key: row.answers[key] for key in ELEMENT_KEYS} == RESPONDENT_A
    assert row.answers["saran"] == "Antrean tertib, ruang tunggu sejuk."


def test_switching_to_english_on_the_form(live_server, phone):
    live, page = live_server, phone.page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()
    page.goto(live.url(path))
    expect_heading(page, FORM_HEADING)

    page.get_by_role("link", name="English").click()

    expect(page).to_have_url(live.url(path))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english_heading = ui_text(live.app, FORM_HEADING, "en")
    assert english_heading != FORM_HEADING, "the form's heading has no English translation"
    expect_heading(page, english_heading)
    expect(page.get_by_role("link", name="Bahasa Indonesia")).to_be_visible()
    expect(question(page, "U1", "en")).to_be_visible()

    choose_service(page, "en", KTP[2])
    rate(page, "en", RESPONDENT_B)
    button = submit_button(page, live.app, "en")
    assert ui_text(live.app, "Kirim", "en") != "Kirim", "the Send button has no English translation"
    button.click()

    expect(page).to_have_url(re.compile("/terima-kasih$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english_thanks = ui_text(live.app, THANKS_HEADING, "en")
    assert english_thanks != THANKS_HEADING, "the thank-you page has no English translation"
    expect_heading(page, english_thanks)

    [row] = live.responses_since(before)
    assert row.language == "en"
    assert {key: row.answers[key] for key in ELEMENT_KEYS} == RESPONDENT_B


def test_english_phone_gets_the_english_form(live_server, new_phone):
    """No switching needed: the phone's language (Accept-Language) picks English."""
    live = live_server
    page = new_phone(locale="en-US").page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()

    page.goto(live.url(path))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Bahasa Indonesia")).to_be_visible()
    expect(question(page, "layanan", "en")).to_be_visible()
    expect(page.get_by_role("radio", name="Very easy", exact=True)).to_be_visible()
    choose_service(page, "en", KTP[2])
    rate(page, "en", RESPONDENT_C)
    submit_button(page, live.app, "en").click()
    expect(page).to_have_url(re.compile("/terima-kasih$"))

    [row] = live.responses_since(before)
    assert row.language == "en"
    assert {key: row.answers[key] for key in ELEMENT_KEYS} == RESPONDENT_C


def test_switching_language_keeps_the_qr_channel(live_server, phone):
    live, page = live_server, phone.page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()
    page.goto(live.url(path + "?c=qr"))
    page.get_by_role("link", name="English").click()
    choose_service(page, "en", KTP[2])
    rate(page, "en", RESPONDENT_B)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile("/terima-kasih$"))
    [row] = live.responses_since(before)
    assert row.channel == Channel.QR


def test_without_javascript_with_an_error_at_the_question(live_server, new_phone):
    """The whole path works with JavaScript off; a forgotten answer is shown where it belongs."""
    live = live_server
    page = new_phone(javascript=False).page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    before = live.last_response_id()

    page.goto(live.url(path))
    expect_heading(page, FORM_HEADING)
    rate(page, "id", RESPONDENT_A)  # … but no service chosen
    submit_button(page, live.app, "id").click()

    # the same address, the same heading, a summary at the top, the answers kept
    expect(page).to_have_url(live.url(path))
    expect_heading(page, FORM_HEADING)
    summary = page.get_by_role("alert")
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Ada jawaban yang perlu dilengkapi")
    service_question = question(page, "layanan", "id")
    expect(service_question.locator(".error")).to_be_visible()
    for key, score in RESPONDENT_A.items():
        expect(question(page, key, "id").locator(f"input[value='{score}']")).to_be_checked()
    assert live.responses_since(before) == []

    # the summary's link leads to the question; the next Tab lands in its answer
    summary.get_by_role("link", name=question_text("layanan", "id")).click()
    expect(page).to_have_url(live.url(path) + "#q-layanan")
    expect(service_question).to_be_in_viewport()
    page.keyboard.press("Tab")
    box = page.get_by_role("combobox", name=question_text("layanan", "id"), exact=True)
    expect(box).to_be_focused()

    choose_service(page, "id", KTP[1])
    submit_button(page, live.app, "id").click()
    expect(page).to_have_url(re.compile("/terima-kasih$"))
    expect_heading(page, THANKS_HEADING)

    [row] = live.responses_since(before)
    assert row.channel == Channel.LINK
    assert {key: row.answers[key] for key in ELEMENT_KEYS} == RESPONDENT_A


def test_a_missing_rating_is_caught_before_sending(live_server, phone):
    """The elements are required in the page itself: nothing is sent, the question gets focus."""
    live, page = live_server, phone.page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    page.goto(live.url(path))
    choose_service(page, "id", KTP[1])
    rate(page, "id", {k: v for k, v in RESPONDENT_B.items() if k != "U5"})
    submit_button(page, live.app, "id").click()

    expect(question(page, "U5", "id").get_by_role("radio").first).to_be_focused()
    expect(page).to_have_url(live.url(path))
    assert live.posts(path) == []


def test_form_is_labelled_fits_the_phone_and_loads_nothing_else(live_server, phone):
    live, page = live_server, phone.page
    path = counter_path(live, DUKCAPIL, LOKET_1)
    loaded = []
    page.on("response", lambda response: loaded.append(response))

    page.goto(live.url(path + "?c=qr"))
    page.wait_for_load_state("networkidle")

    # headings: one h1, then the sections
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    sections = page.get_by_role("heading", level=2)
    expect(sections.first).to_have_text("Layanan yang Saudara terima")
    assert sections.count() >= 3
    # every control has an accessible name; every element asks its question with 4 options
    named = expect_every_control_named(page)
    for key in ELEMENT_KEYS:
        expect(question(page, key, "id").get_by_role("radio")).to_have_count(4)
    assert named >= 9 * 4 + 2
    # nothing wider than the phone's screen
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways: {width}px wide on a 360px screen"

    # nothing from other hosts, and a small transfer
    hosts = {urlsplit(url).netloc for url in phone.requests}
    assert hosts == {live.host}, f"requests to other hosts: {hosts - {live.host}}"
    page_load = [r for r in loaded if not r.url.endswith("/favicon.ico")]
    assert {r.request.resource_type for r in page_load} <= {
        "document",
        "stylesheet",
        "font",
        "image",
    }
    size = transferred_size(page_load)
    assert size <= MAX_FORM_BYTES, (
        f"form page transfers {size} bytes (gzip), target {MAX_FORM_BYTES}"
    )
