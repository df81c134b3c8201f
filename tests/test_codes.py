"""Single-use transaction codes: minted on the counter display or by a queue machine."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import func, select

from feedback_app.db import utcnow
from feedback_app.models import (
    ApiToken,
    Channel,
    LinkKind,
    PublicLink,
    Response,
    Role,
    TransactionCode,
)
from feedback_app.public.links import ensure_default_survey
from feedback_app.staff.service import create_api_token, mint_code
from tests.conftest import csrf_token
from tests.test_public_form import ELEMENTS, form_fields
from tests.test_qr_downloads import follow, scan_svg
from tests.test_scope import sign_in

NIP = "198503122010011042"


@pytest.fixture()
def world(session, factory):
    agency = factory.agency(name="Pemerintah Kota Pematangsiantar")
    root = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    mine = factory.unit(parent=root, name="Bidang Pelayanan")
    sibling = factory.unit(parent=root, name="Bidang Sebelah")
    ensure_default_survey(session, agency.id)
    point = factory.service_point(mine, code="LOKET-3", name="Loket 3 Perekaman")
    officer = factory.employee(mine, name="Rizky Siregar", nip=NIP)
    factory.roster(officer, point, utcnow() - dt.timedelta(hours=1))
    other_agency = factory.agency(name="Pemerintah Kota Lain")
    return {
        "agency": agency,
        "point": point,
        "idle_point": factory.service_point(mine, name="Loket 4 Kosong"),
        "sibling_point": factory.service_point(sibling, code="LOKET-9", name="Loket Sebelah"),
        "other_point": factory.service_point(factory.unit(other_agency), name="Loket Asing"),
        "ktp": factory.service(mine, code="KTP-EL", name="Perekaman KTP-el"),
        "kk": factory.service(mine, code="KK", name="Kartu Keluarga"),
        "officer": officer,
        # a front-line officer's account; the role only sets what else they may see
        "officer_user": factory.user(Role.UNIT_HEAD, unit=mine, employee_id=officer.id),
        "manager": factory.user(Role.AGENCY_ADMIN, agency=agency),
        "unit_admin": factory.user(Role.AGENCY_ADMIN, unit=mine),
        "designer": factory.user(Role.DESIGNER, agency=agency),
        "other_manager": factory.user(Role.AGENCY_ADMIN, agency=other_agency),
    }


def display_url(point) -> str:  # type: ignore[no-untyped-def]
    return f"/org/service-points/{point.id}/display"


def shown_code(html: str) -> str:
    return re.search(r'data-code="([a-z0-9]+)"', html).group(1)


def scan_display(html: str) -> str:
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    [url] = scan_svg(svg.encode())
    return url


def answer_code(client, url: str, extra: dict | None = None):  # type: ignore[no-untyped-def]
    """Open a code's address and answer the nine SKM questions (the service is preset)."""
    page = follow(client, url)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    html = page.get_data(as_text=True)
    data = {**form_fields(html), **dict.fromkeys(ELEMENTS, "4"), **(extra or {})}
    return client.post(url.removeprefix("http://localhost"), data=data), html


# --- the counter display -------------------------------------------------------------


def test_display_shows_a_code_that_credits_officer_and_service(app, client, session, world):
    sign_in(app, client, world["officer_user"])
    page = client.get(display_url(world["point"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    first = shown_code(html)
    assert first.upper() in html  # printed large, to type in by hand
    assert 'http-equiv="refresh"' in html  # without JavaScript the page reloads itself
    assert scan_display(html) == f"http://localhost/c/{first}"
    # looking again does not mint another
    assert shown_code(client.get(display_url(world["point"])).get_data(as_text=True)) == first

    # the officer presses the button of the service just given
    mint = f"{display_url(world['point'])}/codes"
    token = csrf_token(client, display_url(world["point"]))
    pressed = client.post(mint, data={"csrf_token": token, "service_id": str(world["ktp"].id)})
    assert pressed.status_code == 303
    html = client.get(pressed.headers["Location"]).get_data(as_text=True)
    code = shown_code(html)
    assert code != first and "Perekaman KTP-el" in html and "Rizky Siregar" in html

    citizen = app.test_client()
    sent, form_html = answer_code(citizen, scan_display(html))
    assert "Rizky Siregar" in form_html and "Loket 3 Perekaman" in form_html
    assert sent.status_code == 303
    assert "Terima kasih" in citizen.get(sent.headers["Location"]).get_data(as_text=True)
    row = session.scalars(select(Response)).one()
    assert row.channel == Channel.CODE
    assert row.employee_id == world["officer"].id
    assert row.service_id == world["ktp"].id
    assert row.service_point_id == world["point"].id
    used = session.scalars(select(TransactionCode).where(TransactionCode.code == code)).one()
    assert used.used_at is not None and used.response_id == row.id
    assert used.created_by_user_id == world["officer_user"].id

    # the display's poll sees the use, and the reload shows a fresh code
    status = client.get(f"{display_url(world['point'])}/status?code={code}")
    assert status.get_json() == {"current": False}
    fresh = shown_code(client.get(display_url(world["point"])).get_data(as_text=True))
    assert fresh not in (code, first)
    status = client.get(f"{display_url(world['point'])}/status?code={fresh}")
    assert status.get_json() == {"current": True}


def test_a_code_works_once(app, session, world):
    code = mint_code(
        session, world["point"], ttl_hours=24, employee=world["officer"], service=world["kk"]
    )
    citizen = app.test_client()
    url = f"http://localhost/c/{code.code}"
    sent, _html = answer_code(citizen, url)
    assert sent.status_code == 303
    again = citizen.get(f"/c/{code.code}")
    html = again.get_data(as_text=True)
    assert again.status_code == 410
    assert "sudah dipakai" in html
    # the counter's general form is offered instead
    general = session.scalars(
        select(PublicLink).where(
            PublicLink.service_point_id == world["point"].id, PublicLink.kind == LinkKind.COUNTER
        )
    ).one()
    assert f'href="/s/{general.token}"' in html
    assert citizen.get(f"/s/{general.token}").status_code == 200
    assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_an_expired_code_offers_the_general_form(app, session, world):
    code = mint_code(session, world["point"], ttl_hours=24)
    code.created_at = utcnow() - dt.timedelta(hours=30)
    code.expires_at = utcnow() - dt.timedelta(hours=6)
    session.flush()
    page = app.test_client().get(f"/c/{code.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "kedaluwarsa" in html and 'href="/s/' in html


def test_code_lifetime_comes_from_the_configuration(app, client, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_TTL_HOURS", 2)
    sign_in(app, client, world["officer_user"])
    code = shown_code(client.get(display_url(world["point"])).get_data(as_text=True))
    row = session.scalars(select(TransactionCode).where(TransactionCode.code == code)).one()
    assert row.expires_at - row.created_at == dt.timedelta(hours=2)


def test_who_may_open_a_display(app, client, world):
    # an officer: only the counter they are rostered at
    sign_in(app, client, world["officer_user"])
    assert client.get(display_url(world["point"])).status_code == 200
    assert client.get(display_url(world["idle_point"])).status_code == 403
    assert client.get(display_url(world["sibling_point"])).status_code == 404
    assert client.get(display_url(world["other_point"])).status_code == 404
    listing = client.get("/org/displays/").get_data(as_text=True)
    assert "Loket 3 Perekaman" in listing and "Loket 4 Kosong" not in listing
    # a manager: any counter in scope; the code then credits the one officer on duty
    sign_in(app, client, world["manager"])
    assert client.get(display_url(world["idle_point"])).status_code == 200
    assert client.get(display_url(world["sibling_point"])).status_code == 200
    assert client.get(display_url(world["other_point"])).status_code == 404
    assert "Rizky Siregar" in client.get(display_url(world["point"])).get_data(as_text=True)
    sign_in(app, client, world["unit_admin"])
    assert client.get(display_url(world["sibling_point"])).status_code == 404
    # neither rostered nor a manager
    sign_in(app, client, world["designer"])
    assert client.get(display_url(world["point"])).status_code == 403
    sign_in(app, client, world["other_manager"])
    assert client.get(display_url(world["point"])).status_code == 404


@pytest.mark.parametrize("actor", ["designer", "other_manager"])
def test_refused_users_mint_nothing(app, client, session, world, actor):
    sign_in(app, client, world[actor])
    token = csrf_token(client, "/")
    for path in ("", "/status?code=x"):
        assert client.get(display_url(world["point"]) + path).status_code in (403, 404)
    response = client.post(f"{display_url(world['point'])}/codes", data={"csrf_token": token})
    assert response.status_code == (403 if actor == "designer" else 404)
    assert session.scalar(select(func.count()).select_from(TransactionCode)) == 0


def test_minting_needs_the_csrf_token_and_a_service_of_the_counter(app, client, session, world):
    sign_in(app, client, world["officer_user"])
    mint = f"{display_url(world['point'])}/codes"
    assert client.post(mint, data={"service_id": ""}).status_code == 400
    token = csrf_token(client, display_url(world["point"]))
    before = session.scalar(select(func.count()).select_from(TransactionCode))
    foreign = world["other_point"].id  # any id that is not a service of this unit
    assert client.post(mint, data={"csrf_token": token, "service_id": foreign}).status_code == 400
    assert session.scalar(select(func.count()).select_from(TransactionCode)) == before


def test_anonymous_display_goes_to_sign_in(client, world):
    for path in ("", "/status"):
        response = client.get(display_url(world["point"]) + path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- the API for queue machines ------------------------------------------------------


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def secret(session, world) -> str:
    _token, value = create_api_token(
        session, agency_id=world["agency"].id, unit_id=None, name="Mesin antrean"
    )
    return value


def test_manager_creates_a_token_shown_once_and_the_machine_mints(app, client, session, world):
    sign_in(app, client, world["manager"])
    page = client.post(
        "/org/api-tokens/new",
        data={"csrf_token": csrf_token(client, "/org/api-tokens/new"), "name": "Mesin MPP"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    value = re.search(r'id="secret" type="text" readonly value="([^"]+)"', html).group(1)
    stored = session.scalars(select(ApiToken).where(ApiToken.name == "Mesin MPP")).one()
    assert stored.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert stored.agency_id == world["agency"].id and stored.unit_id is None
    listing = client.get("/org/api-tokens/").get_data(as_text=True)
    assert "Mesin MPP" in listing and value not in listing

    machine = app.test_client()  # no session, no CSRF token: the API is exempt
    response = machine.post(
        "/api/v1/codes",
        json={"service_point": "loket-3", "service": "ktp-el", "employee_nip": NIP},
        headers=bearer(value),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["url"] == f"http://localhost/c/{body['code']}"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (utcnow() + dt.timedelta(hours=24))) < dt.timedelta(minutes=1)
    assert body["employee_nip"] == NIP and body["service"] == world["ktp"].id

    citizen = app.test_client()
    sent, form_html = answer_code(citizen, body["url"])
    assert sent.status_code == 303
    assert "Rizky Siregar" in form_html
    row = session.scalars(select(Response)).one()
    assert (row.channel, row.employee_id, row.service_id) == (
        Channel.CODE,
        world["officer"].id,
        world["ktp"].id,
    )
    code = session.scalars(select(TransactionCode)).one()
    assert code.api_token_id == stored.id and code.used_at is not None
    session.expire_all()
    assert stored.last_used_at is not None


def test_api_by_counter_id_credits_the_officer_on_duty(app, client, session, world, secret):
    response = client.post(
        "/api/v1/codes", json={"service_point": world["point"].id}, headers=bearer(secret)
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["service"] is None and body["employee_nip"] == NIP
    code = session.scalars(select(TransactionCode)).one()
    assert code.service_point_id == world["point"].id and code.employee_id == world["officer"].id


def test_api_scope(app, client, session, world):
    _t, unit_secret = create_api_token(
        session, agency_id=world["agency"].id, unit_id=world["point"].unit_id, name="Unit"
    )
    _t, agency_secret = create_api_token(
        session, agency_id=world["agency"].id, unit_id=None, name="Instansi"
    )
    other = world["other_point"]
    for value in (unit_secret, agency_secret):
        response = client.post(
            "/api/v1/codes", json={"service_point": other.id}, headers=bearer(value)
        )
        assert response.status_code == 404
        assert response.get_json()["field"] == "service_point"
    # a unit token does not reach a sibling unit's counter; the agency token does
    sibling = {"service_point": world["sibling_point"].id}
    assert (
        client.post("/api/v1/codes", json=sibling, headers=bearer(unit_secret)).status_code == 404
    )
    assert (
        client.post("/api/v1/codes", json=sibling, headers=bearer(agency_secret)).status_code == 201
    )
    # a service of another unit is not offered at this counter
    response = client.post(
        "/api/v1/codes",
        json={"service_point": world["sibling_point"].id, "service": world["ktp"].id},
        headers=bearer(agency_secret),
    )
    assert response.status_code == 404 and response.get_json()["field"] == "service"
    assert session.scalar(select(func.count()).select_from(TransactionCode)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic abc"},
    ],
)
def test_api_refuses_missing_or_bad_tokens(client, session, world, headers):
    response = client.post(
        "/api/v1/codes", json={"service_point": world["point"].id}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error" in response.get_json()
    assert session.scalar(select(func.count()).select_from(TransactionCode)) == 0


def test_a_revoked_token_is_refused(app, client, session, world, secret):
    machine = app.test_client()
    request = {"service_point": world["point"].id}
    assert machine.post("/api/v1/codes", json=request, headers=bearer(secret)).status_code == 201
    sign_in(app, client, world["manager"])
    token = session.scalars(select(ApiToken)).one()
    revoke = client.post(
        f"/org/api-tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token(client, "/org/api-tokens/")},
    )
    assert revoke.status_code == 303
    response = machine.post("/api/v1/codes", json=request, headers=bearer(secret))
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "JSON object"),
        ('{"service_point": 1}', "text/plain", "Content-Type: application/json"),
        ("{}", "application/json", "'service_point' is required"),
        ('{"service_point": true}', "application/json", "id (number) or a code"),
        ('{"service_point": 1, "loket": 2}', "application/json", "unknown field(s): loket"),
        ('{"service_point": 1, "employee_nip": 123}', "application/json", "18 digits"),
    ],
)
def test_api_explains_bad_requests(client, session, world, secret, data, content_type, message):
    response = client.post(
        "/api/v1/codes", data=data, content_type=content_type, headers=bearer(secret)
    )
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_api_unknown_officer(client, world, secret):
    response = client.post(
        "/api/v1/codes",
        json={"service_point": world["point"].id, "employee_nip": "199001012015032001"},
        headers=bearer(secret),
    )
    assert response.status_code == 404 and response.get_json()["field"] == "employee_nip"


# --- the API tokens page -------------------------------------------------------------


def test_api_tokens_page_scope_and_permission(app, client, session, world):
    agency_token, _ = create_api_token(
        session, agency_id=world["agency"].id, unit_id=None, name="Token Qagency"
    )
    unit_token, _ = create_api_token(
        session, agency_id=world["agency"].id, unit_id=world["point"].unit_id, name="Token Qunit"
    )
    other_token, _ = create_api_token(
        session, agency_id=world["other_point"].unit.agency_id, unit_id=None, name="Token Qother"
    )
    sign_in(app, client, world["manager"])
    listing = client.get("/org/api-tokens/").get_data(as_text=True)
    assert "Token Qagency" in listing and "Token Qunit" in listing
    assert "Token Qother" not in listing
    token = csrf_token(client, "/org/api-tokens/")
    assert (
        client.post(
            f"/org/api-tokens/{other_token.id}/revoke", data={"csrf_token": token}
        ).status_code
        == 404
    )
    # a unit-limited manager sees only the tokens of their subtree
    sign_in(app, client, world["unit_admin"])
    listing = client.get("/org/api-tokens/").get_data(as_text=True)
    assert "Token Qunit" in listing and "Token Qagency" not in listing
    assert (
        client.post(
            f"/org/api-tokens/{agency_token.id}/revoke", data={"csrf_token": token}
        ).status_code
        == 404
    )
    # ... and can only create one limited to their units
    page = client.post(
        "/org/api-tokens/new",
        data={"csrf_token": csrf_token(client, "/org/api-tokens/new"), "name": "Tanpa unit"},
    )
    assert page.status_code == 422
    for role in ("designer", "officer_user"):
        sign_in(app, client, world[role])
        assert client.get("/org/api-tokens/").status_code == 403
        assert client.get("/org/api-tokens/new").status_code == 403
        revoke = client.post(f"/org/api-tokens/{unit_token.id}/revoke", data={"csrf_token": token})
        assert revoke.status_code == 403
    session.expire_all()
    assert agency_token.active and unit_token.active and other_token.active


def test_the_system_administrator_picks_the_tokens_agency(app, client, session, factory, world):
    sign_in(app, client, factory.user(Role.ADMIN))
    form = "/org/api-tokens/new"
    data = {"csrf_token": csrf_token(client, form), "name": "Mesin pusat"}
    assert client.post(form, data=data).status_code == 422  # no agency chosen
    mismatched = {**data, "agency_id": world["agency"].id, "unit_id": world["other_point"].unit_id}
    page = client.post(form, data=mismatched)
    assert page.status_code == 422
    assert "Unit harus dari instansi token." in page.get_data(as_text=True)
    page = client.post(form, data={**data, "agency_id": world["agency"].id})
    assert page.status_code == 200
    stored = session.scalars(select(ApiToken).where(ApiToken.name == "Mesin pusat")).one()
    assert stored.agency_id == world["agency"].id
