"""Security headers on every page, no inline script anywhere, cookie flags, staff session expiry.

The pages come from the application's url_map: every GET address is opened
(records from the world of tests/test_scope.py, public links made here), so a
new page is checked without anyone remembering to add it. Each HTML page is
parsed: a script must come from a file, no element may carry an event handler
or a style attribute, and every inline ``<style>`` carries the nonce the
response's Content-Security-Policy allows.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError, Rule

from feedback_app import ROOT
from feedback_app.imports.kinds import KINDS
from feedback_app.models import Agency, ExportJob, PublicLink, Response, Role, Unit, User
from feedback_app.models.responses import TransactionCode
from feedback_app.public.links import ensure_counter_link
from feedback_app.results.periods import PeriodKind, last_closed, local_today
from feedback_app.security import SEEN_AT, SIGNED_IN_AT
from feedback_app.staff.service import create_kiosk, mint_code
from tests.conftest import csrf_token, login, make_test_app, post_form
from tests.factories import PASSWORD, Factory
from tests.test_scope import EXTRA_VALUES, World, build_world, id_argument, record_kind, sign_in
from tests.test_scores import WORKED, response, scores, skm_version, store

HTTPS = "https://localhost"
HSTS = "max-age=31536000; includeSubDomains"
ELEMENTS = [f"U{i}" for i in range(1, 10)]


# --- reading what the server sent ----------------------------------------------------------


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    found = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


class PageMarkup(HTMLParser):
    """What a page's HTML asks the browser to run, style and load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.style_nonces: list[str | None] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: an inline event handler")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>: a style attribute")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower(
            ).startswith("javascript:"):  # fmt: skip
                self.problems.append(f"<{tag} {name}={value!r}>: a javascript: address")
        if tag == "script":
            if values.get("src"):
                self.assets.append(values["src"] or "")
            else:
                self.problems.append("<script> without src: inline script")
        if tag == "style":
            self.style_nonces.append(values.get("nonce"))
        if tag == "link" and "stylesheet" in (values.get("rel") or ""):
            self.assets.append(values.get("href") or "")

    handle_startendtag = handle_starttag


def parse(html: str) -> PageMarkup:
    markup = PageMarkup()
    markup.feed(html)
    markup.close()
    return markup


def header_problems(response: Any, *, framed_by_self: bool = False) -> list[str]:
    """What is missing or too lax in the security headers of one response."""
    headers = response.headers
    problems = []
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Frame-Options": "SAMEORIGIN" if framed_by_self else "DENY",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{name}: {headers.get(name)!r}")
    features = (headers.get("Permissions-Policy") or "").replace(" ", "").split(",")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        if feature not in features:
            problems.append(f"Permissions-Policy lacks {feature}")
    if "Strict-Transport-Security" in headers:
        problems.append("HSTS in development")
    header = headers.get("Content-Security-Policy")
    if not header:
        return [*problems, "no Content-Security-Policy"]
    for lax in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:"):
        if lax in header.split():
            problems.append(f"CSP allows {lax}")
    csp = policy(header)
    frames = ["'self'"] if framed_by_self else ["'none'"]
    if csp.get("frame-ancestors") != frames:
        problems.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if response.mimetype == "text/html":
        wanted = {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "img-src": ["'self'"],
            "form-action": ["'self'"],
            "base-uri": ["'none'"],
            "object-src": ["'none'"],
        }
        for name, sources in wanted.items():
            if csp.get(name) != sources:
                problems.append(f"{name} {csp.get(name)}")
        styles = csp.get("style-src", [])
        if (
            not styles
            or styles[0] != "'self'"
            or any(not s.startswith("'nonce-") for s in styles[1:])
        ):
            problems.append(f"style-src {styles}")
    elif response.mimetype != "application/pdf" and csp.get("default-src") != ["'none'"]:
        problems.append(f"default-src {csp.get('default-src')} for {response.mimetype}")
    return problems


def markup_problems(response: Any) -> tuple[list[str], list[str]]:
    """Inline script, handlers, style attributes, and <style> blocks the policy would block;
    with the files the page loads."""
    markup = parse(response.get_data(as_text=True))
    problems = list(markup.problems)
    nonces = [s[len("'nonce-") : -1] for s in policy(response.headers["Content-Security-Policy"])
              .get("style-src", []) if s.startswith("'nonce-")]  # fmt: skip
    for nonce in markup.style_nonces:
        if nonce is None or nonce not in nonces:
            problems.append(f"<style nonce={nonce!r}> while the policy allows {nonces}")
    return problems, markup.assets


def cookies(response: Any) -> dict[str, Any]:
    """The cookies a response sets, with their attributes."""
    jar: SimpleCookie = SimpleCookie()
    for line in response.headers.getlist("Set-Cookie"):
        jar.load(line)
    return dict(jar)


# --- the site: the world of test_scope plus a live counter link, kiosk, code and results ------


@dataclass
class Site:
    world: World
    link: PublicLink
    kiosk: PublicLink
    code: TransactionCode
    agency: Agency
    job: ExportJob
    service_id: int


def build_site(session: Session, factory: Factory) -> Site:
    world = build_world(factory)
    agency = factory.agency(code="kota-tertib", name="Pemerintah Kota Tertib")
    unit = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    deeper = factory.unit(parent=unit, name="Bidang Pelayanan")
    point = factory.service_point(unit=unit, name="Loket 1")
    service = factory.service(unit=unit, name="Perekaman KTP-el")
    version = skm_version(session, agency)
    quarter = last_closed(PeriodKind.QUARTER, local_today(agency.timezone))
    inside = dt.datetime.combine(quarter.start + dt.timedelta(days=20), dt.time(2), tzinfo=dt.UTC)
    store(
        session, [response(version, u, scores(s), inside) for s in WORKED for u in (unit, deeper)]
    )
    job = ExportJob(
        user_id=world.actors["agency_head"].id,
        agency_id=world.agency_a.id,
        kind="raw",
        format="csv",
        filters={},
    )
    session.add(job)
    session.flush()
    return Site(
        world=world,
        link=ensure_counter_link(session, point),
        kiosk=create_kiosk(session, point, "Tablet pintu keluar"),
        code=mint_code(session, point, ttl_hours=2),
        agency=agency,
        job=job,
        service_id=service.id,
    )


@pytest.fixture()
def site(session: Session, factory: Factory) -> Site:
    return build_site(session, factory)


#: pages for citizens and machines, and the few anyone may open: the values of their addresses
def public_values(site: Site) -> dict[str, dict[str, Any]]:
    return {
        "public.form": {"token": site.link.token},
        "public.form_thanks": {"token": site.link.token},
        "public.kiosk": {"token": site.kiosk.token},
        "public.kiosk_thanks": {"token": site.kiosk.token},
        "public.code": {"code": site.code.code},
        "public.code_thanks": {"code": site.code.code},
        "transparency.agency_results": {"code": site.agency.code},
        "main.switch_language": {"code": "en", "next": "/login"},
        "static": {"filename": "app.css"},
        "dashboard.static": {"filename": "dashboard.css"},
    }


#: staff pages whose other address parts are not a record id or a file format
KNOWN_VALUES = {"imports.template": {"kind": next(iter(KINDS)), "fmt": "xlsx"}}
#: private records: only their owner opens them
PRIVATE_IDS = {"job_id": lambda site: site.job.id}
#: who opens the staff pages, first the one most likely to see the page itself
STAFF_ORDER = ("agency_admin", "admin", "agency_head", "designer", "unit_head", "officer")


def _addresses(app: Flask, rule: Rule, site: Site) -> Iterator[str]:
    """Candidate addresses of a GET rule, best first (empty if no values are known)."""
    adapter = app.url_map.bind("localhost")
    arguments = set(rule.arguments) - set(rule.defaults or {})
    if not arguments:
        yield adapter.build(rule.endpoint, {})
        return
    known = public_values(site).get(rule.endpoint) or KNOWN_VALUES.get(rule.endpoint)
    if known is not None:
        yield adapter.build(rule.endpoint, known)
        return
    key = id_argument(rule)
    values: dict[str, Any] = {}
    if key in PRIVATE_IDS:
        values[key] = PRIVATE_IDS[key](site)
    elif key is not None and (kind := record_kind(rule.endpoint)) is not None:
        values[key] = site.world.objects[kind]["mine"].id
    others = arguments - set(values)
    if not others:
        yield adapter.build(rule.endpoint, values)
        return
    for extra in [*site.world.extra_values, *EXTRA_VALUES]:
        try:
            yield adapter.build(rule.endpoint, {**values, **dict.fromkeys(others, extra)})
        except BuildError:
            continue


#: areas for citizens and machines; pages anyone may open
PUBLIC_BLUEPRINTS = {"public", "api", "read_api", "transparency"}
PUBLIC_ENDPOINTS = {"static", "dashboard.static", "accounts.login", "main.switch_language"}


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".")[0] in PUBLIC_BLUEPRINTS


def open_every_page(app: Flask, site: Site) -> dict[str, Any]:
    """The response of every GET address, by endpoint: staff pages as the first staff member
    who gets the page itself, the others as an anonymous visitor."""
    anonymous = app.test_client()
    staff = {}
    for name in STAFF_ORDER:
        staff[name] = app.test_client()
        sign_in(app, staff[name], site.world.actors[name])
    opened: dict[str, Any] = {}
    rules = sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.endpoint
    )
    for rule in rules:
        clients = [anonymous] if _is_public(rule.endpoint) else list(staff.values())
        best = None
        for url in _addresses(app, rule, site):
            for client in clients:
                answer = client.get(url, buffered=True)
                if best is None or (best.status_code >= 400 and answer.status_code < 400):
                    best = answer
                if answer.status_code < 400:
                    break
            if best is not None and best.status_code != 404:
                break
        opened[rule.endpoint] = best
    return opened


# --- every page ----------------------------------------------------------------------------


def test_every_page_sends_the_headers_and_runs_no_inline_script(app, site):
    opened = open_every_page(app, site)
    unknown = sorted(e for e, r in opened.items() if r is None)
    assert not unknown, "say in public_values or KNOWN_VALUES how to open these pages"
    broken = {e: r.status_code for e, r in opened.items() if r.status_code >= 500}
    assert not broken
    found: dict[str, list[str]] = {}
    assets: set[str] = set()
    html_pages = 0
    for endpoint, answer in opened.items():
        problems = header_problems(answer, framed_by_self=endpoint == "designer.preview_form")
        if answer.mimetype == "text/html":
            html_pages += 1
            more, loaded = markup_problems(answer)
            problems += more
            assets.update(loaded)
        if problems:
            found[f"{endpoint} ({answer.status_code})"] = problems
    assert not found
    # the pages themselves, not only their error pages, were looked at
    shown = {e for e, r in opened.items() if r.status_code == 200 and r.mimetype == "text/html"}
    assert {
        "public.form",
        "public.kiosk",
        "public.code",
        "transparency.agency_results",
        "staff.displays_show",
        "exports_web.job",
        "designer.preview",
        "designer.preview_form",
        "dashboard.index",
        "dashboard.populations",
        "accounts.login",
    } <= shown
    assert html_pages > 60
    # the scripts moved out of the pages, and every stylesheet, come from this site
    assert {"/static/counter-display.js", "/static/export-job.js"} <= assets
    client = app.test_client()
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        served = client.get(asset, buffered=True)
        assert served.status_code == 200, asset
        assert not header_problems(served), asset


def test_no_template_has_inline_script_handlers_or_style_attributes():
    """Also the branches no test reaches: every template file, as written."""
    rules = {
        "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)", re.I),
        "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
        "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
        "javascript: address": re.compile(r"javascript:", re.I),
        "<style> without nonce": re.compile(r"<style\b(?![^>]*\bnonce=)", re.I),
    }
    found = []
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 50
    for template in templates:
        text = template.read_text()
        found += [f"{template.name}: {what}" for what, rule in rules.items() if rule.search(text)]
    assert not found


def test_public_form_style_carries_a_fresh_nonce_each_time(app, site):
    client = app.test_client()
    seen = set()
    for _ in range(3):
        page = client.get(f"/s/{site.link.token}")
        assert page.status_code == 200
        csp = policy(page.headers["Content-Security-Policy"])
        [allowed] = [s for s in csp["style-src"] if s.startswith("'nonce-")]
        nonce = allowed[len("'nonce-") : -1]
        assert len(nonce) >= 16
        markup = parse(page.get_data(as_text=True))
        assert markup.style_nonces == [nonce]  # the form's one inline stylesheet
        assert not markup.problems
        seen.add(nonce)
    assert len(seen) == 3


def test_a_page_without_inline_style_allows_none(client, site):
    page = client.get(f"/hasil/{site.agency.code}")
    assert page.status_code == 200
    assert policy(page.headers["Content-Security-Policy"])["style-src"] == ["'self'"]
    # a conditional request still answers 304: no per-request nonce in the cached body
    again = client.get(
        f"/hasil/{site.agency.code}", headers={"If-None-Match": page.headers["ETag"]}
    )
    assert again.status_code == 304


def test_json_answers_load_nothing(app, client, site):
    sign_in(app, client, site.world.actors["agency_head"])  # the job's owner
    status = client.get(f"/ekspor/tugas/{site.job.id}/status")
    assert status.status_code == 200 and status.mimetype == "application/json"
    assert policy(status.headers["Content-Security-Policy"]) == {
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    assert status.headers["X-Content-Type-Options"] == "nosniff"


# --- production: HSTS and Secure cookies ---------------------------------------------------


@pytest.fixture()
def production_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, session: Session
) -> Iterator[Flask]:
    """The app as started in production, on the test's transaction like the ``app`` fixture."""
    app = make_test_app(
        database_url,
        tmp_path_factory,
        ENV_NAME="production",
        ALLOW_SQLITE=True,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX="test_security_headers",
    )
    database = app.extensions["db"]
    database.session_factory.configure(bind=session.bind, join_transaction_mode="create_savepoint")
    try:
        yield app
    finally:
        database.engine.dispose()
        # Flask-Limiter keeps one state for every app in the process: switch it off again
        make_test_app(database_url, tmp_path_factory).extensions["db"].engine.dispose()


def sign_in_with_password(client: FlaskClient, email: str, *, remember: bool, base: str) -> Any:
    page = client.get("/login", base_url=base)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token
    data = {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    # over HTTPS the CSRF check also wants the page the form came from, as a browser sends it
    answer = client.post("/login", data=data, base_url=base, headers={"Referer": f"{base}/login"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return answer


def expires_in_hours(morsel: Any) -> float:
    when = parsedate_to_datetime(morsel["expires"])
    return (when - dt.datetime.now(dt.UTC)).total_seconds() / 3600


def test_production_sends_hsts_and_only_secure_cookies(production_app, site, factory):
    client = production_app.test_client()
    page = client.get("/login", base_url=HTTPS)
    assert page.headers["Strict-Transport-Security"] == HSTS
    set_here = cookies(page)
    language = cookies(client.get("/lang/en?next=/login", base_url=HTTPS))
    form = client.get(f"/s/{site.link.token}", base_url=HTTPS)
    assert form.status_code == 200 and form.headers["Strict-Transport-Security"] == HSTS
    device = cookies(form)
    user = factory.user(Role.AGENCY_ADMIN, agency=site.agency)
    remembered = cookies(sign_in_with_password(client, user.email, remember=True, base=HTTPS))
    for name, morsel in [
        ("session", set_here["session"]),
        ("lang", language["lang"]),
        ("perangkat", device["perangkat"]),
        ("remember_token", remembered["remember_token"]),
        ("session after sign-in", remembered["session"]),
    ]:
        assert morsel["secure"] is True, name
        assert morsel["httponly"] is True, name
        assert morsel["samesite"] == "Lax", name
    # "remember me" lasts a working day, not the library's default year
    assert 11.9 < expires_in_hours(remembered["remember_token"]) <= 12
    # the downloads and JSON answers too
    status = client.get("/api/v1/read/scores", base_url=HTTPS)
    assert status.headers["Strict-Transport-Security"] == HSTS


def test_development_sends_no_hsts_and_cookies_work_over_http(client, site, factory):
    page = client.get("/login")
    assert "Strict-Transport-Security" not in page.headers
    language = cookies(client.get("/lang/en?next=/login"))
    form = client.get(f"/s/{site.link.token}")
    assert "Strict-Transport-Security" not in form.headers
    user = factory.user(Role.AGENCY_ADMIN, agency=site.agency)
    signed_in = cookies(
        sign_in_with_password(client, user.email, remember=False, base="http://localhost")
    )
    for name, morsel in [
        ("session", cookies(page)["session"]),
        ("lang", language["lang"]),
        ("perangkat", cookies(form)["perangkat"]),
        ("session after sign-in", signed_in["session"]),
    ]:
        assert not morsel["secure"], name
        assert morsel["httponly"] is True, name
        assert morsel["samesite"] == "Lax", name
    # without "remember me" the session ends with the browser
    assert not signed_in["session"]["expires"]
    assert "remember_token" not in signed_in
    assert client.get("/org/units/").status_code == 200


def close_the_browser(client: FlaskClient) -> None:
    """What closing the browser does: the session cookie (it has no expiry) is gone."""
    client.delete_cookie("session")


def test_remember_me_signs_in_again_after_the_browser_closed(client, site, factory, session):
    user = factory.user(Role.AGENCY_ADMIN, agency=site.agency)
    signed_in = cookies(
        sign_in_with_password(client, user.email, remember=True, base="http://localhost")
    )
    assert not signed_in["session"]["expires"]
    assert signed_in["remember_token"]["httponly"] is True
    close_the_browser(client)
    assert client.get("/org/units/").status_code == 200
    with client.session_transaction() as stored:
        # the working day still counts from signing in with the password
        session.refresh(user)
        assert stored[SIGNED_IN_AT] == int(user.last_login_at.timestamp())


def test_remember_me_does_not_stretch_the_working_day(client, site, factory, session):
    user = factory.user(Role.AGENCY_ADMIN, agency=site.agency)
    sign_in_with_password(client, user.email, remember=True, base="http://localhost")
    session.refresh(user)
    user.last_login_at -= dt.timedelta(hours=12, seconds=5)
    session.flush()
    close_the_browser(client)
    answer = client.get("/org/units/")
    assert answer.status_code == 302
    assert expires_in_hours(cookies(answer)["remember_token"]) < 0  # deleted
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "sudah 12 jam sejak Anda masuk" in page
    assert client.get("/org/units/").status_code == 302


# --- staff session expiry ------------------------------------------------------------------


@pytest.fixture()
def staff(client: FlaskClient, factory: Factory) -> User:
    agency = factory.agency(name="Instansi Sesi")
    user = factory.user(Role.AGENCY_ADMIN, agency=agency, name="Admin Sesi")
    factory.unit(agency, name="Dinas Sesi")
    login(client, user.email)
    return user


def age_session(client: FlaskClient, *, signed_in_ago: float, seen_ago: float) -> None:
    now = time.time()
    with client.session_transaction() as stored:
        assert SIGNED_IN_AT in stored and SEEN_AT in stored
        stored[SIGNED_IN_AT] = int(now - signed_in_ago)
        stored[SEEN_AT] = int(now - seen_ago)


def test_sign_in_starts_the_clocks(client, staff):
    with client.session_transaction() as stored:
        assert abs(stored[SIGNED_IN_AT] - time.time()) < 60
        assert abs(stored[SEEN_AT] - time.time()) < 60


def test_idle_session_ends_with_a_message_and_comes_back_after_sign_in(client, staff):
    age_session(client, signed_in_ago=40 * 60, seen_ago=31 * 60)
    answer = client.get("/org/units/?q=Sesi")
    assert answer.status_code == 302
    target = urlsplit(answer.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/org/units/?q=Sesi"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Sesi Anda berakhir karena tidak ada aktivitas selama 30 menit." in page
    # signed out for real: the next page asks to sign in, without the expiry message
    again = client.get("/org/units/")
    assert again.status_code == 302 and again.headers["Location"].startswith("/login")
    # signing in again returns to the page
    back = post_form(
        client,
        "/login",
        {"email": staff.email, "password": PASSWORD, "next": "/org/units/?q=Sesi"},
    )
    assert back.headers["Location"] == "/org/units/?q=Sesi"
    assert "Dinas Sesi" in client.get("/org/units/?q=Sesi").get_data(as_text=True)


def test_a_working_day_ends_even_an_active_session(client, staff):
    age_session(client, signed_in_ago=12 * 3600 + 5, seen_ago=10)
    answer = client.get("/dashboard/")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Sesi Anda berakhir karena sudah 12 jam sejak Anda masuk." in page
    assert client.get("/dashboard/").status_code == 302


def test_activity_keeps_the_session_alive(client, staff):
    age_session(client, signed_in_ago=11 * 3600, seen_ago=29 * 60)
    assert client.get("/org/services/").status_code == 200
    with client.session_transaction() as stored:
        assert abs(stored[SEEN_AT] - time.time()) < 60  # the idle clock starts over
    assert client.get("/org/units/").status_code == 200


def test_the_limits_are_settings(app, client, staff, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_IDLE_MINUTES", 5)
    age_session(client, signed_in_ago=400, seen_ago=6 * 60)
    answer = client.get("/dashboard/")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "tidak ada aktivitas selama 5 menit" in page


def test_the_sign_in_page_itself_explains(client, staff):
    age_session(client, signed_in_ago=3600, seen_ago=3600)
    page = client.get("/login")
    assert page.status_code == 200
    assert "tidak ada aktivitas selama 30 menit" in page.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_a_form_sent_after_expiry_is_refused_and_its_page_kept(client, staff, session):
    token = csrf_token(client, "/org/units/new")
    age_session(client, signed_in_ago=3600, seen_ago=3600)
    answer = client.post(
        "/org/units/new",
        data={"csrf_token": token, "kind": "bidang", "code": "B-X", "name": "Bidang Basi"},
        headers={"Referer": "http://localhost/org/units/new"},
    )
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["next"] == ["/org/units/new"]
    assert session.scalar(select(func.count()).where(Unit.name == "Bidang Basi")) == 0


def test_a_script_polling_after_expiry_gets_401_and_the_page_then_explains(client, staff):
    age_session(client, signed_in_ago=3600, seen_ago=3600)
    poll = client.get("/dashboard/", headers={"Sec-Fetch-Mode": "cors"})
    assert poll.status_code == 401 and poll.mimetype == "application/json"
    # the next page the user opens signs out and says why
    answer = client.get("/dashboard/", headers={"Sec-Fetch-Mode": "navigate"})
    assert answer.status_code == 302
    assert "tidak ada aktivitas" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_the_remember_cookie_does_not_outlive_an_expired_session(client, site, factory):
    user = factory.user(Role.AGENCY_ADMIN, agency=site.agency)
    sign_in_with_password(client, user.email, remember=True, base="http://localhost")
    age_session(client, signed_in_ago=3600, seen_ago=3600)
    answer = client.get("/dashboard/")
    assert answer.status_code == 302
    cleared = cookies(answer)["remember_token"]
    assert expires_in_hours(cleared) < 0  # deleted
    assert client.get("/dashboard/").status_code == 302


def test_an_expired_staff_session_never_stops_a_citizen(app, client, staff, session, site):
    """A phone or tablet signed in for staff work still takes a citizen's answers."""
    age_session(client, signed_in_ago=13 * 3600, seen_ago=13 * 3600)
    url = f"/s/{site.link.token}"
    page = client.get(url)
    assert page.status_code == 200
    fields = dict(
        re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page.get_data(as_text=True))
    )
    before = session.scalar(select(func.count()).select_from(Response))
    sent = client.post(
        url, data={**fields, "layanan": str(site.service_id), **dict.fromkeys(ELEMENTS, "4")}
    )
    assert sent.status_code in (302, 303), sent.get_data(as_text=True)[:500]
    assert "terima-kasih" in sent.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Response)) == before + 1


@pytest.mark.parametrize(
    ("url", "field"),
    [("/login", "email"), ("/org/units/new", "name"), ("/org/services/new", "name")],
)
def test_a_nul_character_in_a_staff_form_is_refused_and_nothing_is_stored(
    client, session, factory, url, field
):
    """PostgreSQL cannot store NUL in text: a clear 400, not a 500 (found by fuzzing)."""
    from feedback_app.models import Service

    admin = factory.user(role=Role.AGENCY_ADMIN)
    if url != "/login":
        login(client, admin.email)
    counts = [session.scalar(select(func.count()).select_from(m)) for m in (Unit, Service, User)]
    token = csrf_token(client, url)
    sent = client.post(url, data={"csrf_token": token, field: "Dinas\x00X", "password": "x"})
    assert sent.status_code == 400
    assert "karakter yang tidak diizinkan" in sent.get_data(as_text=True)
    after = [session.scalar(select(func.count()).select_from(m)) for m in (Unit, Service, User)]
    assert after == counts
