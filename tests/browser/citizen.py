"""What a citizen does and sees on the public form, in words a browser test can use.

Questions and options are found by their accessible names (the legend of the
question's fieldset, the label of the option), the way a screen reader user
or someone reading the screen finds them; the names come from the survey
definition, in the language the page is in.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping
from functools import cache

from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import Response as HttpResponse
from sqlalchemy import select

from feedback_app.models import Employee, PublicLink, Service, ServicePoint, Unit
from feedback_app.models.responses import LinkKind
from surveys.questions import FormContext, RenderHints
from surveys.skm import ELEMENT_KEYS
from surveys.templates import skm_template
from tests.browser.live import LiveServer

#: the demo counter with officers on duty around the clock on the day the demo loads
DUKCAPIL = "DISDUKCAPIL"
LOKET_1 = "LOKET-1"
LOKET_2 = "LOKET-2"
LOKET_3 = "LOKET-3"

#: the three respondents of the design brief's IKM check
RESPONDENT_A = dict(zip(ELEMENT_KEYS, [3, 2, 2, 4, 4, 3, 2, 3, 4], strict=True))
RESPONDENT_B = dict(zip(ELEMENT_KEYS, [4, 3, 3, 4, 4, 4, 3, 4, 4], strict=True))
RESPONDENT_C = dict(zip(ELEMENT_KEYS, [3, 2, 2, 3, 3, 3, 2, 3, 3], strict=True))

#: form controls a person can operate (the honeypot is hidden from everyone)
CONTROLS = "input:not([type=hidden]), select, textarea, button"


@cache
def questions() -> dict[str, RenderHints]:
    """The SKM template's questions by key, as the form draws them."""
    context = FormContext()
    return {
        q.key: q.render(context) for section in skm_template().sections for q in section.questions
    }


def question_text(key: str, lang: str) -> str:
    return questions()[key].text.get(lang)


def option_label(key: str, score: int | str, lang: str) -> str:
    for option in questions()[key].options:
        if option.form_value == str(score):
            return option.label.get(lang)
    raise KeyError(f"{key} has no option {score}")


def ui_text(app: Flask, message: str, lang: str) -> str:
    """An interface string of the app as the catalogue translates it into ``lang``."""
    with app.test_request_context(), force_locale(lang):
        return gettext(message)


# --- the data behind the pages ---------------------------------------------------------


def counter(live: LiveServer, unit_code: str, counter_code: str) -> ServicePoint:
    with live.db() as session:
        return session.scalars(
            select(ServicePoint)
            .join(Unit, Unit.id == ServicePoint.unit_id)
            .where(Unit.code == unit_code, ServicePoint.code == counter_code)
        ).one()


def counter_path(live: LiveServer, unit_code: str, counter_code: str) -> str:
    """``/s/<token>``: the address in the counter's QR code (without ``?c=qr``)."""
    point = counter(live, unit_code, counter_code)
    with live.db() as session:
        token = session.scalars(
            select(PublicLink.token).where(
                PublicLink.service_point_id == point.id,
                PublicLink.kind == LinkKind.COUNTER,
                PublicLink.retired_at.is_(None),
            )
        ).one()
    return f"/s/{token}"


def service(live: LiveServer, unit_code: str, service_code: str) -> Service:
    with live.db() as session:
        return session.scalars(
            select(Service)
            .join(Unit, Unit.id == Service.unit_id)
            .where(Unit.code == unit_code, Service.code == service_code)
        ).one()


def employee(live: LiveServer, name: str) -> Employee:
    with live.db() as session:
        return session.scalars(select(Employee).where(Employee.name == name)).one()


# --- doing ---------------------------------------------------------------------------


def question(page: Page, key: str, lang: str) -> Locator:
    """The question's group (its fieldset), found by its legend."""
    hints = questions()[key]
    name = hints.text.get(lang)
    if hints.required:
        return page.get_by_role("group", name=name, exact=True)
    return page.get_by_role("group", name=re.compile("^" + re.escape(name)))


def choose_service(page: Page, lang: str, service_name: str) -> None:
    box = page.get_by_role("combobox", name=question_text("layanan", lang), exact=True)
    box.select_option(label=service_name)


def rate(page: Page, lang: str, scores: Mapping[str, int]) -> None:
    """Tap the option of each element, by the option's label inside the question."""
    for key, score in scores.items():
        radio = question(page, key, lang).get_by_role(
            "radio", name=option_label(key, score, lang), exact=True
        )
        radio.check()


def submit_button(page: Page, app: Flask, lang: str) -> Locator:
    return page.get_by_role("button", name=ui_text(app, "Kirim", lang), exact=True)


def tap_twice(page: Page, target: Locator, pause_ms: int = 300) -> None:
    """Two taps on ``target``, the second while the first is still loading.

    Playwright's own ``click`` waits for a navigation to settle; a person does not.
    """
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(pause_ms)
    page.mouse.click(x, y)


# --- seeing --------------------------------------------------------------------------


def expect_heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def expect_every_control_named(page: Page) -> int:
    """Every control a person can reach has an accessible name; returns how many."""
    controls = page.locator(CONTROLS)
    named = 0
    for index in range(controls.count()):
        control = controls.nth(index)
        if control.evaluate("e => !!e.closest('[aria-hidden=true]')"):
            continue
        expect(control).to_have_accessible_name(re.compile(r"\w"))
        named += 1
    return named


def transferred_size(responses: list[HttpResponse]) -> int:
    """Bytes over the wire for these responses, with gzip.

    A response the server compressed counts as sent; one sent uncompressed
    counts as if gzipped (level 6, what nginx and Flask-Compress use by default).
    """
    total = 0
    for response in responses:
        sizes = response.request.sizes()
        if response.header_value("content-encoding"):
            body = sizes["responseBodySize"]
        else:
            body = len(gzip.compress(response.body(), compresslevel=6))
        total += sizes["responseHeadersSize"] + body
    return total
