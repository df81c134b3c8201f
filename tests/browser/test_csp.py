"""The pages still work in chromium under the Content Security Policy.

The public form's inline stylesheet is applied (it carries the response's
nonce), and the counter display still replaces a used code by itself (its
script now comes from a file). Chromium reports every blocked script, style
or load as a ``securitypolicyviolation`` event and a "Refused to ..." console
message; neither may appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from feedback_app.demo import DEFAULT_PASSWORD
from tests.browser.citizen import (
    DUKCAPIL,
    LOKET_1,
    LOKET_3,
    RESPONDENT_B,
    choose_service,
    counter,
    counter_path,
    expect_heading,
    rate,
    submit_button,
)
from tests.browser.live import LiveServer

pytestmark = pytest.mark.browser

FORM_HEADING = "Bagaimana pelayanan kami hari ini?"
THANKS_HEADING = "Terima kasih atas penilaian Anda!"
#: an agency administrator may run the display of any counter of the agency
ADMIN = "adminpemko@demo.go.id"

#: keeps every violation of the page's policy, as chromium reports it to the page
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Watched:
    """A browser context whose console messages and policy violations are kept."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.console: list[str] = []
        context.add_init_script(RECORD_VIOLATIONS)
        self.page = self.new_page()

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("console", lambda message: self.console.append(message.text))
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))
        return page

    def assert_nothing_refused(self, page: Page) -> None:
        assert page.evaluate("window.__violations") == []
        refused = [m for m in self.console if "Refused to" in m or "Content Security" in m]
        assert not refused


@pytest.fixture()
def watched(browser: Browser) -> Iterator[Callable[..., Watched]]:
    contexts: list[BrowserContext] = []

    def make(**options: object) -> Watched:
        context = browser.new_context(locale="id-ID", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Watched(context)

    yield make
    for context in contexts:
        context.close()


def test_public_form_is_styled_and_sends_under_the_policy(live_server: LiveServer, watched):
    phone = watched(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = phone.page
    page.goto(live_server.url(counter_path(live_server, DUKCAPIL, LOKET_1) + "?c=qr"))
    expect_heading(page, FORM_HEADING)
    # the form's own inline stylesheet was applied: its body font and its header colour
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "17px"
    header = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert header == "rgb(10, 79, 150)"
    phone.assert_nothing_refused(page)
    choose_service(page, "id", "Perekaman dan Pencetakan KTP-el")
    rate(page, "id", RESPONDENT_B)
    submit_button(page, live_server.app, "id").click()
    expect_heading(page, THANKS_HEADING)
    phone.assert_nothing_refused(page)


def test_counter_display_replaces_a_used_code_by_itself(live_server: LiveServer, watched):
    desk = watched(viewport={"width": 1280, "height": 900})
    display = desk.page
    display.goto(live_server.url("/login"))
    display.get_by_label("E-mail").fill(ADMIN)
    display.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    display.get_by_role("button", name="Masuk").click()
    expect(display.get_by_role("navigation")).to_be_visible()

    point = counter(live_server, DUKCAPIL, LOKET_3)
    display.goto(live_server.url(f"/org/service-points/{point.id}/display"))
    # the officer gives a service and taps its button: a code for it
    display.locator(".staff button[name=service_id]").first.click()
    code = display.locator("p.code")
    expect(code).to_be_visible()
    shown = code.get_attribute("data-code")
    assert shown
    # the display's inline stylesheet applies (the blue header)
    header = display.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert header == "rgb(10, 79, 150)"
    desk.assert_nothing_refused(display)

    # a citizen answers with that code on their phone
    phone = watched(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone.page.goto(live_server.url(f"/c/{shown}"))
    expect_heading(phone.page, FORM_HEADING)
    rate(phone.page, "id", RESPONDENT_B)
    submit_button(phone.page, live_server.app, "id").click()
    expect_heading(phone.page, THANKS_HEADING)
    phone.assert_nothing_refused(phone.page)

    # without anyone touching the display, its script notices and shows a fresh code
    expect(code).not_to_have_attribute("data-code", shown)
    desk.assert_nothing_refused(display)
