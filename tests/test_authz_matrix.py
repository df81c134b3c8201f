"""The authorization matrix, generated from the URL map (issue 8, item 5).

tests/test_scope.py and tests/test_csrf.py check the shared management views
closely; this file closes what they leave open, for every rule at once:

- every staff address about one record × every method it accepts (a POST with a
  valid CSRF token) × every role, agency-wide and limited to a unit × the record
  in the user's unit, below it, in a sibling unit and in another agency: outside
  the user's scope the answer is 404 (or the 403 the role gets for the whole
  page, the same as for an id that does not exist) and nothing in the database
  changes; inside it the page is reached, and shows nothing from beyond the scope;
- every rule that changes state (accepts POST, PUT, PATCH or DELETE), except the
  citizen's form and the token-authenticated APIs, refuses a request without a
  valid CSRF token and changes nothing;
- signing in, signing out and switching the language never redirect off the site.

How many route × method × role × record cases ran is printed at the end of the
run ("authz matrix cases"), by the summary hook in tests/conftest.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from feedback_app.db import Base
from feedback_app.models import Role, User
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, Factory
from tests.test_scope import (
    _RULES,
    EXTRA_VALUES,
    NO_RECORD,
    PUBLIC_BLUEPRINTS,
    World,
    _arguments,
    _private,
    _url_map_app,
    build_world,
    id_argument,
    record_kind,
    sign_in,
    visible,
)

#: methods that may change something (HEAD and OPTIONS never reach a view)
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
PLACES = ("mine", "below", "sibling", "other")

#: every staff address about one record, once per method it accepts
RECORD_RULES = sorted(
    (endpoint, method)
    for endpoint, rule in _RULES.items()
    if id_argument(rule) and not _private(endpoint)
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
)


@pytest.fixture()
def world(factory: Factory) -> World:
    """The world of tests/test_scope.py, plus the roles it has only agency-wide, unit-limited."""
    w = build_world(factory)
    mine = w.units["mine"]
    w.actors |= {
        "unit_designer": factory.user(Role.DESIGNER, unit=mine, name="Perancang Bidang"),
        "unit_agency_head": factory.user(Role.AGENCY_HEAD, unit=mine, name="Kepala Terbatas"),
        "unit_officer": factory.user(
            Role.OFFICER,
            unit=mine,
            employee=factory.employee(mine, name="Petugas Bidang"),
            name="Petugas Bidang",
        ),
    }
    return w


def test_the_actors_cover_every_role_with_and_without_a_unit(world):
    covered = {(a.role, a.unit_id is not None) for a in world.actors.values()}
    # the installation admin stands outside every agency; a unit head always has a unit
    expected = {(r, limited) for r in Role for limited in (False, True)} - {
        (Role.ADMIN, True),
        (Role.UNIT_HEAD, False),
    }
    assert covered == expected


# --- what the database holds --------------------------------------------------------------


def fingerprint(session: Session) -> dict[str, str]:
    """A digest of every row of every table: any insert, update or delete changes it."""
    session.expire_all()
    digests = {}
    connection = session.connection()
    for table in Base.metadata.sorted_tables:
        order = ", ".join(c.name for c in table.primary_key.columns) or "1"
        rows = connection.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}"))  # noqa: S608
        digests[table.name] = hashlib.sha256(repr(rows.all()).encode()).hexdigest()
    return digests


@contextmanager
def undone(session: Session) -> Iterator[None]:
    """What a request inside this block writes is rolled back afterwards."""
    savepoint = session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        session.expire_all()


# --- building the requests ----------------------------------------------------------------


def address(app: Flask, endpoint: str, obj: Any, extra: dict[str, Any]) -> str:
    rule = _RULES[endpoint]
    return app.url_map.bind("localhost").build(endpoint, {id_argument(rule): obj.id, **extra})


def send(client: FlaskClient, method: str, url: str, token: str | None):  # type: ignore[no-untyped-def]
    data = {"csrf_token": token} if token is not None else {}
    return client.open(url, method=method, data=data if method != "GET" else None)


def other_values(app: Flask, client: FlaskClient, world: World, endpoint: str) -> dict[str, Any]:
    """Values for an address's other parts (a section key, a file format) at which the
    installation administrator reaches the user's own record."""
    rule = _RULES[endpoint]
    others = _arguments(rule) - {id_argument(rule)}
    if not others:
        return {}
    sign_in(app, client, world.actors["admin"])
    record = world.objects[record_kind(endpoint)]["mine"]
    for value in [*world.extra_values, *EXTRA_VALUES]:
        extra = {name: value for name in others}
        try:
            url = address(app, endpoint, record, extra)
        except BuildError:
            continue
        if client.get(url).status_code != 404 or "GET" not in rule.methods:
            return extra
    raise AssertionError(f"no address of {endpoint} reaches a record")


def never_shown(actor: User) -> list[str]:
    """Names of records beyond the actor's scope (every record's name says where it lives)."""
    if actor.role == Role.ADMIN:
        return []
    return ["Qother", "Qsibling"] if actor.unit_id is not None else ["Qother"]


# --- the matrix ---------------------------------------------------------------------------


def test_the_matrix_covers_every_staff_rule_about_a_record():
    """New pages join the matrix by themselves; only an owner's private records stay out."""
    app = _url_map_app()
    about_a_record = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint in _RULES and id_argument(rule)
    }
    in_matrix = {endpoint for endpoint, _method in RECORD_RULES}
    assert about_a_record - in_matrix == {e for e in about_a_record if _private(e)}
    assert all(record_kind(e) for e in in_matrix), "add the record to tests/test_scope.py"
    methods = {method for _endpoint, method in RECORD_RULES}
    assert methods <= {"GET", "POST"}, "a new method: check it below like POST"


@pytest.mark.parametrize(("endpoint", "method"), RECORD_RULES)
def test_matrix(app, client, session, world, request, endpoint, method):
    kind = record_kind(endpoint)
    records = world.objects[kind]
    extra = other_values(app, client, world, endpoint)
    cases = 0

    # outside the scope: nothing at all, and nothing changes
    before = fingerprint(session)
    for name, actor in world.actors.items():
        sign_in(app, client, actor)
        token = csrf_token(client, "/")
        for place in PLACES:
            if visible(actor, kind, place):
                continue
            cases += 1
            response = send(client, method, address(app, endpoint, records[place], extra), token)
            if response.status_code != 404:
                # a role refused the whole page gets 403, the same for an id that does not exist
                nothing = send(client, method, address(app, endpoint, NO_RECORD, extra), token)
                assert response.status_code == nothing.status_code == 403, (name, place)
            else:
                page = response.get_data(as_text=True)
                assert "Halaman tidak ditemukan" in page or '"error"' in page, (name, place)
    assert fingerprint(session) == before, "a request outside the scope changed something"

    # inside the scope: the page is there (or refused to the role), and shows only the scope
    reached = 0
    for name, actor in world.actors.items():
        sign_in(app, client, actor)
        token = csrf_token(client, "/")
        for place in PLACES:
            if not visible(actor, kind, place):
                continue
            cases += 1
            with undone(session):
                response = send(
                    client, method, address(app, endpoint, records[place], extra), token
                )
                assert response.status_code != 404 and response.status_code < 500, (
                    name,
                    place,
                    response.status_code,
                )
                reached += response.status_code != 403
                if response.status_code == 200 and "text/html" in response.content_type:
                    page = response.get_data(as_text=True)
                    for hidden in never_shown(actor):
                        assert hidden not in page, (name, place, hidden)
    assert reached, "no role reaches this page at all"
    request.node.user_properties.append(("authz matrix cases", cases))


#: staff pages that need no record (lists, forms, menus, downloads), for every role
PAGES_WITHOUT_RECORD = sorted(
    e for e, rule in _RULES.items() if not _arguments(rule) and "GET" in rule.methods
)


@pytest.mark.parametrize("endpoint", PAGES_WITHOUT_RECORD)
def test_pages_without_a_record_show_only_the_scope(app, client, world, request, endpoint):
    """Each role, agency-wide and unit-limited, sees its own records and none beyond."""
    url = app.url_map.bind("localhost").build(endpoint, {"inactive": "1"})
    for name, actor in world.actors.items():
        sign_in(app, client, actor)
        response = client.get(url)
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code == 200 and "text/html" in response.content_type:
            page = response.get_data(as_text=True)
            for hidden in never_shown(actor):
                assert hidden not in page, (name, hidden)
    request.node.user_properties.append(("authz matrix cases", len(world.actors)))


# --- CSRF on every state-changing rule ----------------------------------------------------

#: state-changing rules that answer without a session's CSRF token, on purpose: the
#: citizen's form checks its own signed key and token (tests/test_public_*.py,
#: tests/test_fuzz.py) and the machine API takes a Bearer token (tests/test_codes.py)
CSRF_EXEMPT = {"public.submit", "public.kiosk", "public.code", "api.create_code"}

STATE_CHANGING_RULES = sorted(
    (rule.endpoint, method)
    for rule in _url_map_app().url_map.iter_rules()
    if rule.endpoint not in CSRF_EXEMPT
    for method in sorted(rule.methods & STATE_CHANGING)
)


def test_only_the_citizens_form_and_the_machine_api_go_without_the_token():
    app = _url_map_app()
    outside = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING and rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS
    }
    assert outside == CSRF_EXEMPT
    assert len(STATE_CHANGING_RULES) >= 60


def state_changing_address(app: Flask, client, world: World, endpoint: str) -> str:  # type: ignore[no-untyped-def]
    rule = _RULES.get(endpoint) or next(app.url_map.iter_rules(endpoint))
    key = id_argument(rule)
    if key is None:
        extra = {name: 1 for name in _arguments(rule)}
        return app.url_map.bind("localhost").build(endpoint, extra)
    kind = record_kind(endpoint)
    if kind is None:  # a record only its owner sees: any id will do, the token is checked first
        return app.url_map.bind("localhost").build(endpoint, {key: 1})
    return address(
        app, endpoint, world.objects[kind]["mine"], other_values(app, client, world, endpoint)
    )


@pytest.mark.parametrize(("endpoint", "method"), STATE_CHANGING_RULES)
def test_state_changing_requests_need_the_csrf_token(
    app, client, session, world, request, endpoint, method
):
    url = state_changing_address(app, client, world, endpoint)
    sign_in(app, client, world.actors["admin"])
    stolen = csrf_token(app.test_client(), "/login")  # another browser's token
    before = fingerprint(session)
    for token in (None, "", "bukan-token", stolen):
        data = {"name": "Baru", "code": "BARU", "action": "x", "status": "closed"}
        if token is not None:
            data["csrf_token"] = token
        response = client.open(url, method=method, data=data)
        assert response.status_code == 400, (url, token, response.status_code)
        page = response.get_data(as_text=True)
        assert "Formulir kedaluwarsa" in page, url
    assert fingerprint(session) == before
    assert client.get("/").status_code == 200  # still signed in
    request.node.user_properties.append(("csrf refusal cases", 4))


# --- redirects stay on the site -----------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",
    "//evil.example/org/units/",
    "///evil.example",
    "////evil.example",
    "https://evil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "http:evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "\\\\evil",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "%5C%5Cevil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\r\nSet-Cookie: dicuri=1",
    "/\r\nLocation: https://evil.example",
    "//evil.example\r\n",
    "evil.example",
    "//" + "a" * 5000 + ".example",
    "https://" + "a" * 10_000,
    "//evil.example@localhost",
    "//localhost@evil.example",
    "\u2215\u2215evil.example",  # division slashes
    "\uff0f\uff0fevil.example",  # full-width solidus
]


def stays_on_the_site(location: str) -> bool:
    """A redirect target a browser resolves to this site (localhost, the test host)."""
    if any(c in location for c in "\\\r\n\t") or location.lstrip().startswith("//"):
        return False
    parts = urlsplit(location)
    if parts.scheme:
        return parts.scheme in ("http", "https") and parts.netloc == "localhost"
    return not parts.netloc and location.startswith("/")


def test_the_redirect_check_itself_knows_hostile_targets():
    assert not any(stays_on_the_site(v) for v in HOSTILE_NEXT if not v.startswith("%"))
    assert all(stays_on_the_site(v) for v in ("/", "/org/units/?q=a", "http://localhost/x"))


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_follows_only_a_local_next(client, factory, target):
    user = factory.user()
    page = client.get(f"/login?next={quote(target, safe='')}").get_data(as_text=True)
    assert '<input id="next" name="next" type="hidden" value="">' in page
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_on_the_site(location), location
    assert "dicuri" not in str(response.headers)
    # the same value sent in the query string of the form's address
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = post_form(
        client,
        f"/login?next={quote(target, safe='')}",
        {"email": user.email, "password": PASSWORD},
        form_url="/login",
    )
    assert response.status_code == 302 and stays_on_the_site(response.headers["Location"])


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switch_and_sign_out_stay_on_the_site(app, client, factory, target):
    response = client.get(f"/lang/en?next={quote(target, safe='')}")
    assert response.status_code == 302
    assert stays_on_the_site(response.headers["Location"]), response.headers["Location"]
    sign_in(app, client, factory.user())
    response = client.post(
        f"/logout?next={quote(target, safe='')}",
        data={"csrf_token": csrf_token(client, "/"), "next": target},
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_a_local_next_with_a_query_is_followed(client, factory):
    user = factory.user()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": "/org/units/?q=a"}
    )
    assert response.headers["Location"] == "/org/units/?q=a"


def test_anonymous_visits_keep_the_next_on_the_site(client):
    """The sign-in redirect carries the path asked for, never a host."""
    for path in ("//evil.example/org/units/", "/org/units/?next=//evil.example"):
        response = client.get(path)
        assert response.status_code in (302, 308, 404)
        assert stays_on_the_site(response.headers.get("Location", "/"))
