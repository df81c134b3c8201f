"""A designer builds a survey with a follow-up, previews it on a phone-sized frame,
publishes it and gives it to a counter; a citizen then answers it through that
counter's link, once triggering the follow-up and once not."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from feedback_app.demo import DEFAULT_PASSWORD
from feedback_app.models import Response, ServicePoint, Survey, SurveyVersion, Unit
from feedback_app.public.links import ensure_counter_link
from tests.browser.citizen import DUKCAPIL
from tests.browser.live import LiveServer

pytestmark = pytest.mark.browser

DESIGNER = "perancang@demo.go.id"
RATING = ("Seberapa puas Anda dengan pelayanan hari ini?", "How satisfied are you today?")
REASON = ("Apa yang membuat Anda kurang puas?", "What disappointed you?")


@pytest.fixture()
def new_counter(live_server: LiveServer) -> tuple[ServicePoint, str]:
    """A counter of its own, so giving it a survey changes nothing for other tests."""
    suffix = secrets.token_hex(3)
    with live_server.db() as session:
        unit = session.scalars(select(Unit).where(Unit.code == DUKCAPIL)).one()
        point = ServicePoint(unit_id=unit.id, code=f"UJI-{suffix}", name=f"Loket Uji {suffix}")
        session.add(point)
        session.flush()
        token = ensure_counter_link(session, point).token
        session.commit()
    return point, f"/s/{token}"


@pytest.fixture()
def desk(browser: Browser, live_server: LiveServer) -> Page:
    """The designer's desktop browser, signed in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.url("/login"))
    page.get_by_label("E-mail").fill(DESIGNER)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(menu_link(page, "Survei")).to_be_visible()
    yield page
    context.close()


def menu_link(page: Page, name: str):
    return page.get_by_role("navigation").get_by_role("link", name=name, exact=True)


def stored_responses(live: LiveServer) -> int:
    with live.db() as session:
        return session.scalar(select(func.count()).select_from(Response)) or 0


def add_question(page: Page, type_label: str) -> None:
    page.get_by_label("Jenis pertanyaan baru").select_option(label=type_label)
    page.get_by_role("button", name="Tambah pertanyaan").click()


def fill_texts(page: Page, group: str, texts: tuple[str, str]) -> None:
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Bahasa Indonesia").fill(texts[0])
    fieldset.get_by_label("English").fill(texts[1])


def test_designer_builds_previews_publishes_assigns_and_a_citizen_answers(
    live_server, desk, new_phone, new_counter
):
    live, page = live_server, desk
    point, path = new_counter
    name = f"Survei loket uji {secrets.token_hex(3)}"

    # a blank survey
    menu_link(page, "Survei").click()
    page.get_by_role("link", name="Buat survei").click()
    page.get_by_label("Nama survei").fill(name)
    page.get_by_label("Survei kosong").check()
    page.get_by_role("button", name="Buat", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    survey_url = page.url

    # the rating
    add_question(page, "Bintang (1–5)")
    page.get_by_label("Kunci").fill("puas")
    fill_texts(page, "Teks pertanyaan", RATING)
    expect(page.get_by_label("Wajib dijawab")).to_be_checked()
    page.get_by_role("button", name="Simpan pertanyaan").click()
    expect(page.get_by_text("Pertanyaan puas tersimpan.")).to_be_visible()

    # the follow-up: asked when the rating is 2 or less; a rule on a later question is refused
    add_question(page, "Isian panjang")
    page.get_by_label("Kunci").fill("alasan")
    fill_texts(page, "Teks pertanyaan", REASON)
    page.get_by_label("Wajib dijawab").check()
    page.get_by_label("Pertanyaan sebelumnya 1").select_option("puas")
    page.get_by_label("Syarat 1").select_option(label="paling tinggi (≤)")
    page.get_by_label("Nilai 1").fill("7")
    page.get_by_role("button", name="Simpan pertanyaan").click()
    expect(page.locator("#rules-0-value-error")).to_have_text(
        "Pertanyaan 'puas' tidak pernah bernilai 7."
    )
    page.get_by_label("Nilai 1").fill("2")
    page.get_by_role("button", name="Simpan pertanyaan").click()
    expect(page.get_by_text("Pertanyaan alasan tersimpan.")).to_be_visible()
    expect(page.locator("#q-alasan")).to_contain_text("Jika puas ≤ 2")

    # the preview: the citizen's form in a phone-sized frame; answers are checked, not stored
    before = stored_responses(live)
    page.get_by_role("link", name="Pratinjau").click()
    frame_box = page.locator("iframe.phone").bounding_box()
    assert frame_box is not None and frame_box["width"] <= 400
    frame = page.frame_locator("iframe.phone")
    expect(frame.get_by_role("group", name=RATING[0], exact=True)).to_be_visible()
    frame.get_by_role("radio", name="2 dari 5 bintang").check()
    frame.get_by_role("button", name="Kirim").click()
    expect(frame.locator("#e-alasan")).to_have_text("Pertanyaan ini wajib dijawab.")
    frame.get_by_role("group", name=REASON[0], exact=True).get_by_role("textbox").fill("Lama")
    frame.get_by_role("button", name="Kirim").click()
    expect(frame.get_by_role("heading", level=1)).to_have_text("Pratinjau: jawaban diterima")
    assert stored_responses(live) == before

    # publish: the untranslated title is a warning, not a refusal
    page.goto(survey_url)
    page.get_by_role("link", name="Terbitkan versi 1").click()
    expect(page.locator("#warnings")).to_contain_text("Terjemahan bahasa Inggris belum diisi")
    page.get_by_label("Catatan perubahan").fill("Survei loket uji")
    page.get_by_role("button", name="Terbitkan versi 1").click()
    expect(page.get_by_text("Versi 1 diterbitkan")).to_be_visible()

    # the counter opens it from now on, through the link it always had
    page.get_by_role("link", name="Semua survei").click()
    page.get_by_role("link", name="Penugasan ke unit dan loket").click()
    page.get_by_label(point.name, exact=True).select_option(label=name)
    page.get_by_role("button", name="Simpan penugasan").click()
    expect(page.get_by_text("Penugasan survei tersimpan")).to_be_visible()
    with live.db() as session:
        survey = session.scalars(select(Survey).where(Survey.name == name)).one()
        version = session.get(SurveyVersion, survey.current_version_id)
        assert version.number == 1 and version.note == "Survei loket uji"

    # a citizen who is not satisfied: the follow-up is asked and stored
    phone = new_phone().page
    last = live.last_response_id()
    phone.goto(live.url(path + "?c=qr"))
    phone.get_by_role("radio", name="2 dari 5 bintang").check()
    phone.get_by_role("group", name=REASON[0], exact=True).get_by_role("textbox").fill(
        "Antrean lama dan loket sering kosong."
    )
    phone.get_by_role("button", name="Kirim").click()
    expect(phone).to_have_url(re.compile(re.escape(path) + "/terima-kasih$"))

    # a satisfied citizen: the follow-up does not apply, whatever is typed there is dropped
    phone = new_phone(javascript=False).page
    phone.goto(live.url(path))
    phone.get_by_role("radio", name="5 dari 5 bintang").check()
    reason = phone.get_by_role("group", name=REASON[0], exact=True)
    if reason.count():
        reason.get_by_role("textbox").fill("tidak ada")
    phone.get_by_role("button", name="Kirim").click()
    expect(phone).to_have_url(re.compile(re.escape(path) + "/terima-kasih$"))

    unhappy, happy = live.responses_since(last)
    assert unhappy.answers == {"puas": 2, "alasan": "Antrean lama dan loket sering kosong."}
    assert happy.answers == {"puas": 5}
    for row in (unhappy, happy):
        assert row.survey_version_id == version.id
        assert row.service_point_id == point.id
