"""Hypothesis throws what the outside world may send at every door that takes input.

The doors: the citizen's form POST (counter link, kiosk and single-use code),
the single-use code addresses, the organisation import page (as a signed-in
agency admin) and the two JSON APIs (Bearer tokens). Whatever arrives:

- the answer is never a server error;
- a refusal is a 4xx that says why: an Indonesian page on the citizen's and
  admin's pages, JSON ``{"error": "..."}`` on the APIs;
- a refused input stores nothing (every table's row count is compared);
- an accepted input is stored exactly once.

How many inputs: ``FUZZ_EXAMPLES`` is the number of Hypothesis examples per
test (default 100, which keeps this file well under a minute on a 2-core machine);
``make fuzz`` raises it so that more than 10,000 inputs are tried, and the
totals of inputs and server errors are printed at the end of the run (summed
by the ``pytest_terminal_summary`` hook in tests/conftest.py). No example
database and no deadline; under ``CI`` the examples are derandomised so a run
is reproducible. Every example runs inside a savepoint that is rolled back
afterwards: examples never see each other's rows, and a failure replays alone.
The rate limits are off here (the session app's configuration); a test at the
end shows they still answer a burst of garbage with the friendly 429 page.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import random
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from feedback_app.db import Base, utcnow
from feedback_app.models import (
    Employee,
    Response,
    ResponseContact,
    Role,
    Service,
    ServicePoint,
    TimeZone,
    TransactionCode,
)
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.staff.service import create_api_token, create_kiosk, mint_code
from surveys.templates import TEMPLATES
from tests.factories import Factory
from tests.test_abuse import limited_app  # noqa: F401  (a fixture)
from tests.test_public_form import ELEMENTS, form_fields
from tests.test_scope import sign_in

# --- how many examples, and the counts the run reports ------------------------------------

#: Hypothesis examples per fuzz test; ``make fuzz`` raises it
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))


def fuzz_settings(share: float = 1.0) -> settings:
    """A fuzz test's settings: ``share`` of ``FUZZ_EXAMPLES`` examples (heavy doors get less)."""
    return settings(
        max_examples=max(1, round(EXAMPLES * share)),
        deadline=None,
        database=None,
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[
            # the fixtures' world is shared by the examples; each example is rolled back
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@dataclass
class Tally:
    """Inputs sent to the app and server errors seen, reported at the end of the run."""

    inputs: int = 0
    server_errors: int = 0

    def send(self, call: Callable[[], Any]) -> Any:
        """Send one input; a server error (a 5xx, or an exception the app let through) fails."""
        self.inputs += 1
        try:
            response = call()
        except Exception:
            self.server_errors += 1
            raise
        if response.status_code >= 500:
            self.server_errors += 1
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture()
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    counts = Tally()
    yield counts
    # read by pytest_terminal_summary in tests/conftest.py (also from xdist workers)
    request.node.user_properties.append(("fuzz inputs", counts.inputs))
    request.node.user_properties.append(("fuzz server errors", counts.server_errors))


# --- what is stored -----------------------------------------------------------------------


def row_counts(session: Session) -> dict[str, int]:
    """How many rows every table of the schema holds, in one query."""
    counts = union_all(
        *(
            select(literal(table.name), func.count()).select_from(table)
            for table in Base.metadata.sorted_tables
        )
    )
    return dict(session.execute(counts).all())  # type: ignore[arg-type]


#: what the app writes about an accepted action (who read or changed what)
AUDIT_TABLES = {"audit_log", "audit_events"}


def added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


@contextmanager
def rolled_back(session: Session) -> Iterator[None]:
    """One example: whatever the app stores is undone afterwards."""
    savepoint = session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        session.expire_all()


def page_of(response: Any) -> str:
    return response.get_data(as_text=True)


#: what a citizen reads on each refusal of the public pages (Indonesian, the default language)
PUBLIC_REFUSALS = {
    400: ("Permintaan tidak dapat diproses",),
    404: ("Halaman tidak ditemukan", "Survei belum tersedia"),
    405: ("Permintaan tidak dapat diproses",),
    409: ("Formulir ini sudah terlalu lama terbuka",),
    410: ("Kode ini sudah dipakai", "Kode ini sudah kedaluwarsa", "Kode QR ini sudah diganti"),
    413: ("Kiriman terlalu besar",),
    422: ("Ada jawaban yang perlu dilengkapi", "Formulir ini sudah berubah"),
}


def assert_public_refusal(response: Any) -> None:
    """A 4xx page in Indonesian that says what happened."""
    assert response.status_code in PUBLIC_REFUSALS, response.status_code
    page = page_of(response)
    assert "text/html" in response.content_type
    assert 'lang="id"' in page
    assert any(text in page for text in PUBLIC_REFUSALS[response.status_code]), page[:3000]


def assert_json_refusal(response: Any) -> None:
    """A 4xx JSON body ``{"error": "..."}`` a developer can act on."""
    assert 400 <= response.status_code < 500, response.status_code
    assert response.is_json, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert len(body["error"]) >= 5, body


# --- values nobody should send ------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
NASTY_WORDS = [
    "",
    " ",
    "0",
    "5",
    "-1",
    "4.0",
    "3,5",
    "1e3",
    "0x4",
    "NaN",
    "inf",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "4; DROP TABLE responses",
    "' OR 1=1 --",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","klik")',
    "=cmd|' /C calc'!A0",
    "+62-812",
    "@SUM(A1:A9)",
    "\x00",
    "4\x00",
    "\x1b[31m",
    "\u202e4",
    "\ufeff4",
    "٤",  # an Arabic-Indic four
    "４",  # a full-width four
    "𝟒",
    "Ⅳ",
    "4\n",
    " 4 ",
    "9" * 40,
    "../../etc/passwd",
    "%00",
    "%s%s%s%n",
    "{{7*7}}",
    "${7*7}",
]

nasty_text = st.one_of(
    st.sampled_from(NASTY_WORDS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(repr),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    # long answers: past a text question's 2000 characters, and past the 64 KB body cap
    st.integers(min_value=1990, max_value=80_000).map(lambda n: "x" * n),
)

#: field names of other surveys (the kiosk's smileys, the officer statements) and oddities
OTHER_KEYS = sorted(
    {q.key for template in TEMPLATES.values() for q in template.build().questions}
    - {*ELEMENTS, "layanan"}
) + ["U0", "U10", "u1", "U1 ", "U1[]", "__proto__", "constructor", "id", "answers", "agency_id"]


# --- the citizen's world ------------------------------------------------------------------


@dataclass
class Citizen:
    """One counter of a unit with two officers on duty, its kiosk, and another agency's counter."""

    point: ServicePoint
    counter_url: str
    kiosk_url: str
    services: list[int]
    officers: list[int]
    #: valid choices of each choice question on the form, by field name
    options: dict[str, list[str]]
    #: free-text fields of the form
    text_fields: list[str]
    foreign_url: str
    required: list[str] = field(default_factory=list)


def _choices(page: str) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for name, value in re.findall(r'type="radio" name="([^"]+)" value="([^"]+)"', page):
        options.setdefault(name, []).append(value)
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]+)">(.*?)</select>', page, re.S):
        values = [v for v in re.findall(r'<option value="([^"]*)"', body) if v]
        options.setdefault(name, []).extend(values)
    return options


@pytest.fixture()
def citizen(app: Flask, session: Session, factory: Factory) -> Citizen:
    unit = factory.unit(name="Dinas Penanaman Modal dan PTSP", timezone=TimeZone.WITA)
    ensure_default_survey(session, unit.agency_id)
    point = factory.service_point(unit, name="Loket Perizinan")
    services = [factory.service(unit, name=f"Izin {n}").id for n in ("Usaha", "Reklame")]
    factory.service(unit, name="Izin Lama", active=False)
    now = utcnow()
    officers = []
    for name in ("Rina Sihombing", "Budi Nasution"):
        officer = factory.employee(unit, name=name)
        factory.roster(officer, point, now - dt.timedelta(hours=1))
        officers.append(officer.id)
    other = factory.unit(name="Dinas Lain")
    ensure_default_survey(session, other.agency_id)
    counter_url = f"/s/{ensure_counter_link(session, point).token}"
    page = page_of(app.test_client().get(counter_url))
    options = _choices(page)
    texts = re.findall(r'<textarea id="[^"]*" name="([^"]+)"', page)
    texts += [
        n
        for n in re.findall(r'<input type="text" id="f-[^"]*" name="([^"]+)"', page)
        if not n.startswith("contact_")
    ]
    assert set(ELEMENTS) <= set(options) and "officer" in options and "layanan" in options
    return Citizen(
        point=point,
        counter_url=counter_url,
        kiosk_url=f"/k/{create_kiosk(session, point, 'Tablet pintu keluar').token}",
        services=services,
        officers=officers,
        options=options,
        text_fields=texts,
        foreign_url=f"/s/{ensure_counter_link(session, factory.service_point(other)).token}",
        required=[*ELEMENTS, "layanan"],
    )


@st.composite
def valid_answers(draw: st.DrawFn, citizen: Citizen, *, with_officer: bool) -> dict[str, str]:
    """A complete, valid set of answers as a browser sends them."""
    data: dict[str, str] = {}
    for name, values in citizen.options.items():
        if name == "officer" and not with_officer:
            continue
        if name in citizen.required or draw(st.booleans()):
            data[name] = draw(st.sampled_from(values))
    for name in citizen.text_fields:
        if draw(st.booleans()):
            data[name] = draw(st.text(st.characters(codec="utf-8"), max_size=300))
    if draw(st.integers(0, 3)) == 0:
        data["contact_wanted"] = "1"
        data["contact_phone"] = draw(st.sampled_from(["0812 3456 7890", "+62 812-3456-789"]))
        if draw(st.booleans()):
            data["contact_email"] = "warga@contoh.id"
        if draw(st.booleans()):
            data["contact_name"] = draw(st.text(max_size=40))
    return data


#: ways to spoil a valid submission; each takes (draw, pairs, citizen) and edits the pairs
Mutation = Callable[[st.DrawFn, list[tuple[str, str]], Citizen], None]


def _names(pairs: list[tuple[str, str]]) -> list[str]:
    return sorted({name for name, _value in pairs})


def _set_value(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    if not pairs:
        return
    index = draw(st.integers(0, len(pairs) - 1))
    pairs[index] = (pairs[index][0], draw(nasty_text))


def _drop(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    if pairs:
        del pairs[draw(st.integers(0, len(pairs) - 1))]


def _duplicate(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    if pairs:
        name = draw(st.sampled_from(_names(pairs)))
        pairs.append((name, draw(st.one_of(nasty_text, st.sampled_from(["1", "2", "3", "4"])))))


def _unknown_key(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    name = draw(st.one_of(st.sampled_from(OTHER_KEYS), st.text(min_size=1, max_size=30)))
    pairs.append((name, draw(st.one_of(st.sampled_from(["1", "4", "ya"]), nasty_text))))


def _spoil_contact(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    pairs[:] = [(n, v) for n, v in pairs if not n.startswith("contact_")]
    pairs.append(("contact_wanted", draw(st.sampled_from(["1", "ya", "on", ""]))))
    for name in ("contact_name", "contact_phone", "contact_email"):
        if draw(st.booleans()):
            pairs.append((name, draw(nasty_text)))


def _other_officer(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    pairs[:] = [(n, v) for n, v in pairs if n != "officer"]
    value = draw(st.one_of(st.integers(-5, 10**6).map(str), nasty_text))
    pairs.append(("officer", value))


def _other_service(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    pairs[:] = [(n, v) for n, v in pairs if n != "layanan"]
    pairs.append(("layanan", draw(st.one_of(st.integers(-5, 10**6).map(str), nasty_text))))


def _honeypot(draw: st.DrawFn, pairs: list[tuple[str, str]], citizen: Citizen) -> None:
    pairs.append(("website", draw(st.text(min_size=1, max_size=20).filter(str.strip))))


MUTATIONS: list[Mutation] = [
    _set_value,
    _set_value,
    _drop,
    _duplicate,
    _unknown_key,
    _spoil_contact,
    _other_officer,
    _other_service,
    _honeypot,
]

TARGETS = ["counter", "kiosk", "code"]
#: control characters; a line break is kept in long text
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def texts_in(value: Any) -> Iterator[str]:
    """Every string inside stored answers (lists of choices, text, numbers)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts_in(item)


def open_form(client: FlaskClient, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page_of(page)[:500]
    return form_fields(page_of(page))


def target_url(session: Session, citizen: Citizen, target: str) -> tuple[str, Any]:
    """The address a citizen posts to; a code is minted for the example (rolled back after)."""
    if target == "code":
        code = mint_code(session, citizen.point, ttl_hours=1)
        session.flush()
        return f"/c/{code.code}", code
    return (citizen.kiosk_url if target == "kiosk" else citizen.counter_url), None


@given(data=st.data())
@fuzz_settings()
def test_public_form_near_valid_submissions(app, session, citizen, tally, data):
    """A valid submission with up to three things spoilt: wrong values, huge values, unicode,
    NUL bytes, script and formula payloads, unknown, foreign and repeated keys, no CSRF
    token or form key, a foreign form key, the honeypot; sent as a form or as multipart."""
    target = data.draw(st.sampled_from(TARGETS), label="target")
    with rolled_back(session):
        url, code = target_url(session, citizen, target)
        client = app.test_client()
        fields = open_form(client, url)
        answers = data.draw(valid_answers(citizen, with_officer=target != "code"), label="answers")
        if fields and data.draw(st.integers(0, 5)) == 0:
            # the signed key of another agency's form, or of a form long gone
            fields["form_key"] = data.draw(
                st.sampled_from(
                    [open_form(app.test_client(), citizen.foreign_url)["form_key"], "x"]
                )
            )
        pairs = [*fields.items(), *answers.items()]
        mutations = data.draw(st.lists(st.sampled_from(MUTATIONS), max_size=3), label="mutations")
        for mutation in mutations:
            mutation(data.draw, pairs, citizen)
        multipart = data.draw(st.booleans(), label="multipart")

        before = row_counts(session)
        response = tally.send(
            lambda: client.post(
                url,
                data=MultiDict(pairs),
                content_type="multipart/form-data" if multipart else None,
            )
        )
        changes = added(before, row_counts(session))
        honeypot = any(n == "website" and v for n, v in MultiDict(pairs).items(multi=False))
        if response.status_code == 303:
            assert response.headers["Location"].endswith("/terima-kasih")
            if honeypot:
                assert changes == {}, "the honeypot pretends success and stores nothing"
            else:
                assert changes.get("responses") == 1 and changes.get("response_contacts", 0) <= 1
                row = session.scalars(select(Response).order_by(Response.id.desc()).limit(1)).one()
                for stored in texts_in(row.answers):
                    assert not CONTROL.search(stored), stored  # NUL and friends never stored
                if code is not None:
                    session.refresh(code)
                    assert code.used_at is not None and code.response_id is not None
        else:
            assert_public_refusal(response)
            assert changes == {}, changes
            if code is not None:
                session.refresh(code)
                assert code.used_at is None


@given(data=st.data())
@fuzz_settings(0.5)
def test_public_form_valid_submissions_are_stored_once(app, session, citizen, tally, data):
    """Unspoilt answers are stored exactly once, as sent, and a second tap stores nothing."""
    target = data.draw(st.sampled_from(TARGETS), label="target")
    with rolled_back(session):
        url, code = target_url(session, citizen, target)
        client = app.test_client()
        fields = open_form(client, url)
        answers = data.draw(valid_answers(citizen, with_officer=target != "code"), label="answers")
        before = row_counts(session)
        first = tally.send(lambda: client.post(url, data={**fields, **answers}))
        assert first.status_code == 303, page_of(first)[:3000]
        again = tally.send(lambda: client.post(url, data={**fields, **answers}))
        changes = added(before, row_counts(session))
        assert changes.get("responses") == 1
        assert changes.get("response_contacts", 0) == (1 if "contact_wanted" in answers else 0)
        row = session.scalars(select(Response).order_by(Response.id.desc()).limit(1)).one()
        assert {k: row.answers[k] for k in ELEMENTS} == {k: int(answers[k]) for k in ELEMENTS}
        if code is None:
            assert row.service_id == int(answers["layanan"])
            assert again.status_code == 303  # the same form again: thanked, not stored
        else:
            session.refresh(code)
            assert code.response_id == row.id
            assert_public_refusal(again)  # the code is spent
            assert "Kode ini sudah dipakai" in page_of(again)


CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data",
    "multipart/form-data; boundary=batas",
    "application/json",
    "text/plain",
    "text/html",
    "application/octet-stream",
    "application/xml",
    "",
]


def json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists and objects of ``inner`` (a named function: Hypothesis reads a lambda's source)."""
    return st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner)


def _urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs).encode()


random_bodies = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.tuples(st.text(max_size=20), nasty_text), max_size=30).map(_urlencoded),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        json_containers,
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode()),
    st.integers(1, 50_000).map(lambda depth: b"[" * depth),
    st.sampled_from([b"--batas\r\n", b"--batas--\r\n", b"--batas\r\nContent-Disposition: x\r\n"]),
)


@given(data=st.data())
@fuzz_settings()
def test_public_form_random_bodies(app, session, citizen, tally, data):
    """Whatever bytes, under whatever content type or method, to the citizen's addresses."""
    target = data.draw(st.sampled_from([*TARGETS, "unknown link"]), label="target")
    with rolled_back(session):
        if target == "unknown link":
            url = "/" + data.draw(st.sampled_from("skc")) + "/" + quote(data.draw(st.text()), "")
            code = None
        else:
            url, code = target_url(session, citizen, target)
        client = app.test_client()
        if data.draw(st.booleans()):
            open_form(client, citizen.counter_url)  # a browser with a session and a cookie
        body = data.draw(random_bodies, label="body")
        content_type = data.draw(
            st.one_of(
                st.sampled_from(CONTENT_TYPES),
                st.text(st.characters(min_codepoint=32, max_codepoint=126)),
            )
        )
        method = data.draw(st.sampled_from(["POST", "POST", "POST", "PUT", "PATCH", "DELETE"]))
        before = row_counts(session)
        response = tally.send(
            lambda: client.open(url, method=method, data=body, content_type=content_type)
        )
        changes = added(before, row_counts(session))
        assert changes == {}, "no random body makes a valid submission"
        if response.status_code == 303:
            assert b"website" in body  # only the honeypot thanks without storing
        elif response.status_code == 308:
            # "/s//x": the router merges the slashes and sends the browser on, on this site
            assert urlsplit(response.headers["Location"]).path.startswith(url[:3])
        else:
            assert_public_refusal(response)
        if code is not None:
            session.refresh(code)
            assert code.used_at is None


# --- single-use code addresses ------------------------------------------------------------


@given(data=st.data())
@fuzz_settings()
def test_code_addresses(app, session, citizen, tally, data):
    """Typed, guessed, mangled, spent and expired codes: a page that says so, never an error."""
    with rolled_back(session):
        live = mint_code(session, citizen.point, ttl_hours=1)
        expired = mint_code(session, citizen.point, ttl_hours=1)
        expired.created_at = utcnow() - dt.timedelta(hours=3)
        expired.expires_at = utcnow() - dt.timedelta(hours=1)
        session.flush()
        code = data.draw(
            st.one_of(
                st.text(),
                st.text(st.characters(codec="ascii"), max_size=40),
                st.sampled_from(NASTY_WORDS).filter(bool),
                st.sampled_from([live.code.upper(), live.code + "x", live.code[:-1], expired.code]),
                st.tuples(st.just(live.code), st.text(max_size=20)).map("".join),
            ),
            label="code",
        )
        suffix = data.draw(st.sampled_from(["", "/terima-kasih"]))
        method = "GET" if suffix else data.draw(st.sampled_from(["GET", "POST"]))
        url = f"/c/{quote(code, safe='')}{suffix}"
        before = row_counts(session)
        response = tally.send(lambda: app.test_client().open(url, method=method, data={"U1": "4"}))
        assert added(before, row_counts(session)) == {}
        if response.status_code == 200:
            # only the live code itself (any letter case) opens the form
            assert method == "GET" and not suffix and code.lower()[:16] == live.code
            assert 'name="form_key"' in page_of(response)
        elif response.status_code == 308:
            # "/c//terima-kasih": the router merges the slashes and sends the browser on
            assert urlsplit(response.headers["Location"]).path.startswith("/c/")
        else:
            assert_public_refusal(response)
            if code.lower()[:16] == expired.code and not suffix:
                assert response.status_code == 410
        session.refresh(live)
        assert live.used_at is None


@pytest.mark.parametrize("code", ["\x00", "ab\x00cd", "kode\u0000", "ａｂｃ", "abc def"])
def test_a_code_that_cannot_be_one_is_not_found(client, session, citizen, code):
    """Found by test_code_addresses on PostgreSQL: a NUL byte in the address reached the
    query, and PostgreSQL refuses text holding NUL (a 500)."""
    before = row_counts(session)
    for method, suffix in (("GET", ""), ("POST", ""), ("GET", "/terima-kasih")):
        response = client.open(f"/c/{quote(code, safe='')}{suffix}", method=method)
        assert response.status_code == 404
        assert_public_refusal(response)
    assert added(before, row_counts(session)) == {}


# --- the queue machine's API that mints codes ---------------------------------------------


@dataclass
class ApiWorld:
    """Agency A (root → mine → below, and a sibling) and agency B, each with a counter."""

    points: dict[str, ServicePoint]
    services: dict[str, Service]
    employees: dict[str, Employee]
    #: token name → (secret, the places it may reach)
    tokens: dict[str, tuple[str, frozenset[str]]]


@pytest.fixture()
def api_world(session: Session, factory: Factory) -> ApiWorld:
    agency = factory.agency(name="Pemerintah Kota Pematangsiantar")
    root = factory.unit(agency, name="Dinas Kependudukan")
    units = {
        "mine": factory.unit(parent=root, name="Bidang Pelayanan"),
        "sibling": factory.unit(parent=root, name="Bidang Sebelah"),
        "other": factory.unit(factory.agency(name="Kota Lain"), name="Dinas Lain"),
    }
    units["below"] = factory.unit(parent=units["mine"], name="Seksi Bawah")
    points, services, employees = {}, {}, {}
    for place, unit in units.items():
        points[place] = factory.service_point(unit, code=f"LOKET-{place.upper()}")
        ensure_counter_link(session, points[place])  # a minted code names the general link
        services[place] = factory.service(unit, code=f"LAY-{place.upper()}")
        employees[place] = factory.employee(unit)
    factory.roster(employees["mine"], points["mine"], utcnow() - dt.timedelta(hours=1))
    a_places = frozenset({"mine", "below", "sibling"})
    tokens = {}
    for name, agency_id, unit_id, reach in (
        ("agency", agency.id, None, a_places),
        ("unit", agency.id, units["mine"].id, frozenset({"mine", "below"})),
        ("other", units["other"].agency_id, None, frozenset({"other"})),
        ("revoked", agency.id, None, frozenset()),
        # a live token of an agency that was switched off
        ("switched off", factory.agency(name="Kota Nonaktif", active=False).id, None, frozenset()),
    ):
        token, secret = create_api_token(session, agency_id=agency_id, unit_id=unit_id, name=name)
        token.active = name != "revoked"
        tokens[name] = (secret, reach)
    session.flush()
    return ApiWorld(points, services, employees, tokens)


def _reference(world: ApiWorld, kind: str) -> st.SearchStrategy[Any]:
    records = world.points if kind == "point" else world.services
    return st.sampled_from(sorted(records)).flatmap(
        lambda place: st.sampled_from(
            [
                records[place].id,
                records[place].code,
                records[place].code.lower(),
                f"  {records[place].code} ",
            ]
        )
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | nasty_text,
    json_containers,
    max_leaves=10,
)


def authorizations(world: ApiWorld) -> st.SearchStrategy[dict[str, str]]:
    secrets_ = st.sampled_from(sorted(world.tokens)).map(lambda name: world.tokens[name][0])
    latin = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=300)
    return st.one_of(
        secrets_.map(lambda s: {"Authorization": f"Bearer {s}"}),
        secrets_.map(lambda s: {"Authorization": f"bearer   {s}  "}),
        secrets_.map(lambda s: {"Authorization": f"Bearer {s[:-1]}"}),
        secrets_.map(lambda s: {"Authorization": f"Basic {s}"}),
        latin.map(lambda s: {"Authorization": f"Bearer {s}"}),
        latin.map(lambda s: {"Authorization": s}),
        st.just({}),
        st.just({"Authorization": "Bearer " + "a" * 5000}),
    )


def _secret_of(headers: dict[str, str]) -> str | None:
    scheme, _, secret = headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


@given(data=st.data())
@fuzz_settings()
def test_codes_api(app, session, api_world, tally, data):
    """Near-valid and random requests to ``POST /api/v1/codes`` with good and bad tokens."""
    world = api_world
    headers = data.draw(authorizations(world), label="headers")
    near_valid = st.fixed_dictionaries(
        {"service_point": st.one_of(_reference(world, "point"), json_values)},
        optional={
            "service": st.one_of(_reference(world, "service"), json_values),
            "employee_nip": st.one_of(
                st.sampled_from([e.nip for e in world.employees.values()]),
                st.sampled_from(["199001012015032001", " 198503122010011001 "]),
                json_values,
            ),
            "loket": json_values,
        },
    )
    body = data.draw(
        st.one_of(
            near_valid.map(lambda v: json.dumps(v).encode()),
            json_values.map(lambda v: json.dumps(v).encode()),
            random_bodies,
            st.integers(100_000, 2_000_000).map(
                lambda n: json.dumps({"service_point": "A" * n}).encode()
            ),
        ),
        label="body",
    )
    content_type = data.draw(
        st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""])
    )
    with rolled_back(session):
        before = row_counts(session)
        response = tally.send(
            lambda: app.test_client().post(
                "/api/v1/codes", data=body, content_type=content_type, headers=headers
            )
        )
        changes = added(before, row_counts(session))
        if response.status_code == 201:
            secret = _secret_of(headers)
            names = [n for n, (s, _reach) in world.tokens.items() if s == secret]
            assert names and names[0] != "revoked", "only a live token mints"
            reach = world.tokens[names[0]][1]
            created = response.get_json()
            place = next(
                p for p, point in world.points.items() if point.id == created["service_point"]
            )
            assert place in reach, (names[0], place)
            assert changes == {"transaction_codes": 1}
            stored = session.scalars(select(TransactionCode)).all()
            assert created["code"] in {c.code for c in stored}
            assert created["url"].endswith(f"/c/{created['code']}")
        else:
            assert_json_refusal(response)
            assert changes == {}, changes
            if _secret_of(headers) not in {s for s, reach in world.tokens.values() if reach}:
                assert response.status_code == 401


@pytest.mark.parametrize("field", ["service_point", "service"])
@pytest.mark.parametrize("code", ["\x00", "LOKET-MINE\x00", "LOKET MINE", "LOKET–MINE"])
def test_a_code_with_characters_no_code_has_is_a_400(app, session, api_world, field, code):
    """Found by test_codes_api on PostgreSQL: a NUL byte in a counter's code reached the query."""
    body = {"service_point": api_world.points["mine"].id, field: code}
    before = row_counts(session)
    response = app.test_client().post(
        "/api/v1/codes",
        json=body,
        headers={"Authorization": f"Bearer {api_world.tokens['agency'][0]}"},
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "error": f"'{field}' code has only letters, digits, '.', '_' and '-'",
        "field": field,
    }
    assert added(before, row_counts(session)) == {}


def test_json_nested_too_deeply_is_refused(app, session, api_world):
    """Found by test_codes_api: ``[[[[…`` thousands deep raised RecursionError (a 500)."""
    secret = api_world.tokens["agency"][0]
    before = row_counts(session)
    for body in (b"[" * 100_000, b'{"service_point":' * 50_000):
        response = app.test_client().post(
            "/api/v1/codes",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 400
        assert "nested too deeply" in response.get_json()["error"]
    assert added(before, row_counts(session)) == {}


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        # found by test_read_api: the APIs answered a wrong method with the HTML error page
        ("POST", "/api/v1/read/responses", 405, "use GET"),
        ("DELETE", "/api/v1/read/organisation", 405, "use GET"),
        ("GET", "/api/v1/codes", 405, "use POST"),
        ("GET", "/api/v1/read/nothing", 404, "openapi.json"),
    ],
)
def test_the_apis_answer_routing_errors_in_json(client, method, path, status, message):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert message in response.get_json()["error"]
    if status == 405:
        assert message.removeprefix("use ") in response.headers["Allow"]


# --- the read API -------------------------------------------------------------------------

READ_PATHS = ["/api/v1/read/responses", "/api/v1/read/scores", "/api/v1/read/organisation"]
READ_PARAMS = [
    "period",
    "date_from",
    "date_to",
    "unit",
    "service_point",
    "service",
    "survey_version",
    "include_flagged",
    "cursor",
    "limit",
]
READ_VALUES = st.one_of(
    nasty_text,
    st.sampled_from(["2026", "2026-Q1", "2026-S1", "2026-03", "2026-02-30", "1", "true", "r:1"]),
    st.dates().map(str),
    st.integers(-(2**65), 2**65).map(str),
)


@given(data=st.data())
@fuzz_settings()
def test_read_api(app, session, api_world, tally, data):
    """Every read endpoint with random parameters, methods and tokens: JSON answers only,
    no record beyond the token's scope, and an audit entry only for an answered read."""
    world = api_world
    headers = data.draw(authorizations(world), label="headers")
    path = data.draw(st.sampled_from(READ_PATHS), label="path")
    params = data.draw(
        st.lists(
            st.tuples(st.one_of(st.sampled_from(READ_PARAMS), st.text(max_size=10)), READ_VALUES),
            max_size=4,
        ),
        label="params",
    )
    method = data.draw(st.sampled_from(["GET", "GET", "GET", "POST", "DELETE"]), label="method")
    with rolled_back(session):
        before = row_counts(session)
        response = tally.send(
            lambda: app.test_client().open(
                path, method=method, query_string=MultiDict(params), headers=headers
            )
        )
        changes = added(before, row_counts(session))
        if response.status_code == 200:
            assert method == "GET"
            secret = _secret_of(headers)
            names = [n for n, (s, reach) in world.tokens.items() if s == secret and reach]
            assert names, "only a live token reads"
            reach = world.tokens[names[0]][1]
            text = page_of(response)
            for place, point in world.points.items():
                if place not in reach:
                    assert f'"code":"{point.code}"' not in text.replace(" ", "")
            assert set(changes) <= AUDIT_TABLES
        else:
            assert_json_refusal(response)
            assert changes == {}, changes


# --- the organisation import page ---------------------------------------------------------

KIND_HEADERS = {
    "units": ["kode_unit", "nama_unit", "jenis", "kode_induk", "zona_waktu", "alamat"],
    "counters": ["kode_unit", "kode_loket", "nama_loket", "lokasi"],
    "services": ["kode_unit", "kode_layanan", "nama_layanan", "nama_layanan_en", "keterangan"],
    "employees": ["nip", "nama", "jabatan", "kode_unit", "nip_atasan"],
}
#: the table of each kind, and the columns a row is matched on
KIND_TABLES = {
    "units": "units",
    "counters": "service_points",
    "services": "services",
    "employees": "employees",
}
UNIT_KINDS = ["dinas", "bidang", "puskesmas", "Rumah sakit", "kecamatan", "upt", "mpp"]


@dataclass
class ImportWorld:
    agency_id: int
    client: FlaskClient
    token: str


@pytest.fixture()
def import_world(app: Flask, session: Session, factory: Factory) -> ImportWorld:
    agency = factory.agency(code="KOTA", timezone=TimeZone.WIB)
    factory.unit(agency=agency, code="DINKES", name="Dinas Kesehatan")
    admin = factory.user(Role.AGENCY_ADMIN, agency=agency)
    client = app.test_client()
    sign_in(app, client, admin)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_of(client.get("/import/")))
    assert token
    return ImportWorld(agency.id, client, token.group(1))


#: what people type into a spreadsheet cell: any letter, digit, mark or symbol, no control bytes
PRINTABLE = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"])


@st.composite
def valid_rows(draw: st.DrawFn, kind: str) -> list[list[str]]:
    """Rows that import cleanly: new keys, existing or in-file parents and units."""
    count = draw(st.integers(1, 6))
    rows = []
    for n in range(count):
        name = draw(st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs"]), max_size=60))
        name = name.strip() or f"Nama {n}"
        if kind == "units":
            # a parent above or below in the file, or already there (never a loop)
            parent = draw(st.sampled_from(["", "DINKES", *(f"FZ-{i}" for i in range(n))]))
            zone = draw(st.sampled_from(["", "WIB", "wita", "WIT"]))
            rows.append([f"FZ-{n}", name, draw(st.sampled_from(UNIT_KINDS)), parent, zone, ""])
        elif kind == "counters":
            rows.append(["DINKES", f"LOKET-{n}", name, draw(st.text(PRINTABLE, max_size=30))])
        elif kind == "services":
            rows.append(["dinkes", f"LAY-{n}", name, "", draw(st.text(PRINTABLE, max_size=50))])
        else:
            rows.append([f"198503122010011{n + 1:03d}", name, "Pengadministrasi", "DINKES", ""])
    return rows


def csv_file(
    rows: list[list[Any]], *, delimiter: str, encoding: str, bom: bool, sep_line: bool = False
) -> bytes:
    buffer = io.StringIO()
    if sep_line:
        buffer.write(f"sep={delimiter}\r\n")  # Excel's hint line
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    return (codecs.BOM_UTF8 + data) if bom else data


def xlsx_file(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.properties.created = workbook.properties.modified = dt.datetime(2026, 1, 1)  # noqa: DTZ001
    sheet = workbook.active
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _xlsx_cell(value: Any) -> Any:
    # openpyxl refuses control characters in cells; a real Excel file cannot hold them either
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    return value


def _spoil_zip(data: bytes, draw: st.DrawFn) -> bytes:
    """A workbook with one member cut short, filled with bytes, or with some bytes flipped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_name = draw(st.sampled_from([i.filename for i in source.infolist()]))
    how = draw(st.sampled_from(["cut", "junk", "flip", "drop"]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as spoilt:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == target_name:
                if how == "drop":
                    continue
                if how == "cut":
                    content = content[: draw(st.integers(0, 2**20)) % (len(content) + 1)]
                elif how == "junk":
                    content = draw(st.binary(max_size=500))
                else:
                    flips = random.Random(draw(st.integers(0, 2**32))).sample(
                        range(len(content)), min(5, len(content))
                    )
                    content = bytes(b ^ 0xFF if i in flips else b for i, b in enumerate(content))
            spoilt.writestr(item, content)
    raw = buffer.getvalue()
    if draw(st.booleans()):
        return raw
    # or the archive's own bytes damaged: truncated or flipped
    # positions are drawn independently of the sizes, which vary with the clock in the file
    index = draw(st.integers(0, 2**20)) % len(raw)
    return (
        raw[:index]
        if draw(st.booleans())
        else raw[:index] + bytes([raw[index] ^ 0xFF]) + raw[index + 1 :]
    )


def filler_rows(kind: str, count: int = 150) -> list[list[str]]:
    """Good rows of their own keys, to make a file long."""
    if kind == "units":
        return [[f"PAD-{i}", f"Unit Pengisi {i}", "upt", "DINKES", "", ""] for i in range(count)]
    if kind == "counters":
        return [["DINKES", f"PAD-{i}", f"Loket Pengisi {i}", ""] for i in range(count)]
    if kind == "services":
        return [["DINKES", f"PAD-{i}", f"Layanan Pengisi {i}", "", ""] for i in range(count)]
    nips = (f"199001152015031{100 + i:03d}" for i in range(count))
    return [[nip, "Pegawai Pengisi", "Staf", "DINKES", ""] for nip in nips]


@dataclass
class ImportFile:
    name: str
    #: the rows written into the file (title, header, data)
    table: list[list[Any]]
    #: the data rows, when none was spoilt
    valid_rows: int | None
    content: bytes = field(repr=False)


@st.composite
def import_files(draw: st.DrawFn, kind: str) -> ImportFile:
    header = list(KIND_HEADERS[kind])
    rows = draw(valid_rows(kind))
    if draw(st.integers(0, 4)) == 0:
        # a long file: what is spoilt below comes after the first kilobytes the reader sniffs
        rows = [*filler_rows(kind), *rows]
    spoilt = False
    for _ in range(draw(st.integers(0, 3))):
        spoilt = True
        how = draw(st.sampled_from(["cell", "cell", "cell", "header", "drop column", "row"]))
        if how == "cell":
            row = draw(st.sampled_from(rows))
            if row:
                row[draw(st.integers(0, len(row) - 1))] = draw(nasty_text)
        elif how == "header":
            header[draw(st.integers(0, len(header) - 1))] = draw(nasty_text)
        elif how == "drop column":
            index = draw(st.integers(0, len(header) - 1))
            del header[index]
            for row in rows:
                if index < len(row):
                    del row[index]
        else:
            rows.insert(draw(st.integers(0, len(rows))), draw(st.lists(nasty_text, max_size=8)))
    table = [header, *rows]
    if draw(st.booleans()):
        # a title above the header, padded to the header's width as Excel saves it
        title = draw(st.sampled_from(["DAFTAR DATA ORGANISASI", ""]))
        table.insert(0, [title] + [""] * (len(header) - 1))
    fmt = draw(st.sampled_from(["csv", "xlsx"]))
    if fmt == "csv":
        encoding = draw(st.sampled_from(["utf-8", "cp1252", "utf-16"]))
        data = csv_file(
            table,
            delimiter=draw(st.sampled_from([",", ";", "\t"])),
            encoding=encoding,
            bom=encoding == "utf-8" and draw(st.booleans()),
            sep_line=draw(st.booleans()),
        )
    else:
        data = xlsx_file(table)
        if draw(st.integers(0, 4)) == 0:
            data = _spoil_zip(data, draw)
            spoilt = True
    return ImportFile(f"impor.{fmt}", table, None if spoilt else len(rows), data)


random_files = st.tuples(
    st.one_of(
        st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.txt", "a.tsv", "a.xlsm", "a", "a.png"]),
        st.text(max_size=30),
    ),
    st.one_of(
        st.binary(max_size=4000),
        st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=2000).map(lambda b: codecs.BOM_UTF16_LE + b),
        st.binary(max_size=2000).map(lambda b: codecs.BOM_UTF8 + b),
        st.text(max_size=2000).map(str.encode),
    ),
)


def assert_import_answer(
    world: ImportWorld, session: Session, kind: str, response: Any, before: dict[str, int]
) -> dict[str, int]:
    """The page's answer is a result or a refusal that says why; a refusal changes nothing."""
    changes = added(before, row_counts(session))
    if response.status_code == 302:
        assert (
            f"/org/{'service-points' if kind == 'counters' else kind}/"
            in response.headers["Location"]
        )
        return changes
    assert response.status_code in (200, 400, 413, 422), response.status_code
    page = page_of(response)
    assert 'lang="id"' in page
    if response.status_code == 422:
        assert 'class="problems"' in page or 'class="error"' in page, page[:3000]
    elif response.status_code in (400, 413):
        assert "Permintaan tidak dapat diproses" in page or "Berkas terlalu besar" in page
    assert changes == {}, changes
    return changes


def problems_text(page: str) -> str:
    """What the import page says went wrong, without the markup."""
    found = re.findall(r'<table class="problems">.*?</table>|class="error"[^>]*>[^<]*', page, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", " ".join(found))[:3000] or page[:3000]


def upload(world: ImportWorld, kind: str, name: str, data: bytes, dry_run: bool) -> Any:
    fields: dict[str, Any] = {
        "csrf_token": world.token,
        "kind": kind,
        "file": (io.BytesIO(data), name),
    }
    if dry_run:
        fields["dry_run"] = "y"
    return world.client.post("/import/", data=fields, content_type="multipart/form-data")


@given(data=st.data())
@fuzz_settings(0.6)
def test_import_near_valid_files(app, session, import_world, tally, data):
    """Organisation files as agencies make them, with cells, headers and rows spoilt."""
    world = import_world
    kind = data.draw(st.sampled_from(sorted(KIND_HEADERS)), label="kind")
    file = data.draw(import_files(kind), label="file")
    dry_run = data.draw(st.booleans(), label="dry run")
    with rolled_back(session):
        before = row_counts(session)
        response = tally.send(lambda: upload(world, kind, file.name, file.content, dry_run))
        changes = assert_import_answer(world, session, kind, response, before)
        if file.valid_rows is not None:
            expected = 200 if dry_run else 302
            assert response.status_code == expected, problems_text(page_of(response))
        if response.status_code == 302:
            assert not dry_run
            assert set(changes) <= {KIND_TABLES[kind], *AUDIT_TABLES}
            if file.valid_rows is not None:
                assert changes[KIND_TABLES[kind]] == file.valid_rows
            # the same file again: stored once, nothing new
            again = tally.send(lambda: upload(world, kind, file.name, file.content, False))
            assert again.status_code == 302
            assert added(before, row_counts(session)) == changes


@given(data=st.data())
@fuzz_settings(0.6)
def test_import_random_files(app, session, import_world, tally, data):
    """Bytes of any kind under any name; also no file, an unknown kind, a foreign agency."""
    world = import_world
    kind = data.draw(
        st.one_of(st.sampled_from(sorted(KIND_HEADERS)), st.text(max_size=10)), label="kind"
    )
    name, content = data.draw(random_files, label="file")
    with rolled_back(session):
        before = row_counts(session)
        fields: dict[str, Any] = {"csrf_token": world.token, "kind": kind}
        if data.draw(st.integers(0, 9)):
            fields["file"] = (io.BytesIO(content), name)
        extra = data.draw(st.sampled_from([{}, {"agency_id": "1"}, {"dry_run": "y"}]))
        response = tally.send(
            lambda: world.client.post(
                "/import/", data={**fields, **extra}, content_type="multipart/form-data"
            )
        )
        assert_import_answer(world, session, kind, response, before)
        # a NUL in a field is refused before the import page sees it (feedback_app/security.py)
        expected = (400,) if "\x00" in kind else (200, 422)
        assert response.status_code in expected, "no random file imports"


def _damaged(data: bytes, member: str, how: str) -> bytes:
    """A workbook whose ``member`` has its compressed bytes overwritten (sizes and CRC kept),
    or is stored under a compression method nobody implements."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    if how == "stream":
        local = info.header_offset
        name_length, extra_length = struct.unpack("<HH", data[local + 26 : local + 30])
        start = local + 30 + name_length + extra_length
        # 0xff opens a deflate block of the reserved type 3
        return data[:start] + b"\xff" * info.compress_size + data[start + info.compress_size :]
    entry = data.index(b"PK\x01\x02")  # the central directory, entry by entry
    while data[entry + 46 : entry + 46 + len(member)] != member.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    return data[: entry + 10] + struct.pack("<H", 99) + data[entry + 12 :]


@pytest.mark.parametrize(
    ("member", "how"),
    [
        # found by test_import_near_valid_files: zlib.error "invalid distance too far back"
        # (and "invalid block type") escaped the reader as a server error
        ("docProps/core.xml", "stream"),
        ("xl/worksheets/sheet1.xml", "stream"),
        # found by the same test: NotImplementedError "That compression method is not supported"
        ("xl/workbook.xml", "method"),
    ],
)
def test_a_workbook_with_a_damaged_member_is_refused_with_a_message(
    session, import_world, member, how
):
    good = xlsx_file([KIND_HEADERS["units"], ["FZ-0", "Unit Baru", "dinas", "", "", ""]])
    before = row_counts(session)
    response = upload(import_world, "units", "unit.xlsx", _damaged(good, member, how), False)
    assert response.status_code == 422
    assert "Berkas XLSX tidak dapat dibaca" in page_of(response)
    assert added(before, row_counts(session)) == {}
    assert upload(import_world, "units", "unit.xlsx", good, False).status_code == 302


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_nul_byte_deep_in_a_csv_is_refused(session, import_world, encoding):
    """Found by test_import_near_valid_files on PostgreSQL: the reader looked for NUL bytes
    only in the first 4 KB, and PostgreSQL refuses to store one (a 500)."""
    rows = [
        KIND_HEADERS["units"],
        *filler_rows("units"),
        ["NUL-1", "Dinas\x00Baru", "dinas", "", "", ""],
    ]
    data = csv_file(rows, delimiter=",", encoding=encoding, bom=False)
    assert data.index(b"\x00" if encoding == "utf-8" else b"\x00\x00") > 4096
    before = row_counts(session)
    response = upload(import_world, "units", "unit.csv", data, False)
    assert response.status_code == 422
    assert "Berkas ini bukan CSV atau XLSX" in page_of(response)
    assert added(before, row_counts(session)) == {}


# --- rate limits still answer a burst of garbage ------------------------------------------


def test_a_burst_of_garbage_meets_the_friendly_limit_page(limited_app, session, citizen):  # noqa: F811
    """With the limits on, one device's stream of junk posts is cut off with the 429 page."""
    app = limited_app(PUBLIC_DEVICE_LIMIT="5 per minute", PUBLIC_IP_LIMIT="100 per minute")
    phone = app.test_client()
    assert phone.get(citizen.counter_url).status_code == 200  # the device cookie
    junk = [{"U1": "9" * 40}, {"U1": SCRIPT}, {}, {"layanan": "x", "U2": "\x00"}, {"Z": "1"}]
    statuses = [phone.post(citizen.counter_url, data=body).status_code for body in junk * 2]
    assert statuses[:5] == [409] * 5 and statuses[5:] == [429] * 5
    limited = phone.post(citizen.counter_url, data={"U1": "4"})
    page = page_of(limited)
    assert limited.status_code == 429
    assert 'lang="id"' in page and "Terlalu banyak kiriman" in page and "belum tersimpan" in page
    assert session.scalar(select(func.count()).select_from(Response)) == 0
    assert session.scalar(select(func.count()).select_from(ResponseContact)) == 0
