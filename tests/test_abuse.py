"""Abuse control on the citizen's path: rate limits, flags, and the admins' review of flags."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from feedback_app import responses
from feedback_app.models import Response, ResponseCount, Role, TimeZone
from feedback_app.public import abuse
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.staff.service import create_kiosk, mint_code
from tests.conftest import csrf_token, make_test_app
from tests.test_public_form import answers, form_fields, stored
from tests.test_scope import sign_in

DEVICE_COOKIE = "perangkat"
STAFF_NET = "10.20.0.0/16"


# --- helpers shared with the other abuse tests ------------------------------------


def submit(
    client: FlaskClient,
    url: str,
    service_id: int,
    *,
    score: str = "4",
    ip: str = "127.0.0.1",
    extra: dict[str, Any] | None = None,
):  # type: ignore[no-untyped-def]
    """Open the form as a citizen would, answer every question with ``score``, send it.

    Each call is another visit: the browser session (which remembers what it sent, to
    catch resends) starts afresh, while the device cookie stays.
    """
    client.delete_cookie("session", domain="localhost")
    environ = {"REMOTE_ADDR": ip}
    page = client.get(url, environ_base=environ)
    assert page.status_code == 200, page.status_code
    data = {**form_fields(page.get_data(as_text=True)), **answers(service_id, score)}
    return client.post(url, data={**data, **(extra or {})}, environ_base=environ)


def bind(app: Flask, session) -> None:  # type: ignore[no-untyped-def]
    """Let ``app``'s requests run inside the test's own transaction."""
    app.extensions["db"].session_factory.configure(
        bind=session.connection(), join_transaction_mode="create_savepoint"
    )


@pytest.fixture()
def limited_app(database_url, tmp_path_factory, session) -> Iterator[Callable[..., Flask]]:
    """Build apps with the rate limits on (counters in memory unless told otherwise)."""
    built: list[Flask] = []

    def build(**settings: Any) -> Flask:
        settings.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        app = make_test_app(database_url, tmp_path_factory, RATELIMIT_ENABLED=True, **settings)
        bind(app, session)
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["db"].engine.dispose()
    # Flask-Limiter keeps one state for every app in the process: switch it off again.
    make_test_app(database_url, tmp_path_factory).extensions["db"].engine.dispose()


@pytest.fixture()
def counters(session, factory) -> dict[str, Any]:
    unit = factory.unit(name="Dinas Kependudukan dan Pencatatan Sipil", timezone=TimeZone.WITA)
    ensure_default_survey(session, unit.agency_id)
    first = factory.service_point(unit=unit, name="Loket Satu")
    second = factory.service_point(unit=unit, name="Loket Dua")
    return {
        "unit": unit,
        "service": factory.service(unit=unit, name="Perekaman KTP-el"),
        "first": first,
        "url": f"/s/{ensure_counter_link(session, first).token}",
        "other_url": f"/s/{ensure_counter_link(session, second).token}",
        "kiosk_url": f"/k/{create_kiosk(session, first, 'Tablet pintu keluar').token}",
    }


# --- the device cookie --------------------------------------------------------------


def test_public_get_sets_a_private_long_lived_device_cookie(client, session, counters):
    first = client.get(counters["url"])
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    value = re.match(rf"{DEVICE_COOKIE}=([^;]+)", cookie).group(1)
    # a browser that has one keeps it
    again = client.get(counters["url"])
    assert DEVICE_COOKIE not in again.headers.get("Set-Cookie", "")
    # the kiosk needs none
    assert DEVICE_COOKIE not in client.get(counters["kiosk_url"]).headers.get("Set-Cookie", "")
    # it is never stored with the answers
    assert submit(client, counters["url"], counters["service"].id).status_code == 303
    row = session.scalars(select(Response)).one()
    assert all(value not in str(getattr(row, c.key)) for c in Response.__table__.columns)


# --- rate limits ----------------------------------------------------------------------


def test_one_device_is_limited_and_nothing_is_stored(limited_app, session, counters):
    app = limited_app(PUBLIC_DEVICE_LIMIT="2 per minute", PUBLIC_IP_LIMIT="50 per minute")
    phone = app.test_client()
    for _ in range(2):
        assert submit(phone, counters["url"], counters["service"].id).status_code == 303
    limited = submit(phone, counters["url"], counters["service"].id)
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Terlalu banyak kiriman" in page and "belum tersimpan" in page
    assert "coba lagi dalam 1 menit" in page
    assert f'href="{counters["url"]}"' in page  # back to the form
    assert int(limited.headers["Retry-After"]) > 0
    assert stored(session) == 2
    # the form still opens, at any counter; another phone on the same network still sends
    assert phone.get(counters["url"]).status_code == 200
    assert phone.get(counters["other_url"]).status_code == 200
    other_phone = app.test_client()
    assert submit(other_phone, counters["url"], counters["service"].id).status_code == 303
    assert stored(session) == 3


def test_dropping_the_device_cookie_does_not_lift_the_limit(limited_app, session, counters):
    app = limited_app(PUBLIC_DEVICE_LIMIT="2 per minute", PUBLIC_IP_LIMIT="50 per minute")
    script = app.test_client()
    statuses = []
    for score in ("4", "3", "2"):  # other answers each time: not mere resends
        page = script.get(counters["url"])
        script.delete_cookie(DEVICE_COOKIE)
        assert script.get_cookie(DEVICE_COOKIE) is None
        data = {
            **form_fields(page.get_data(as_text=True)),
            **answers(counters["service"].id, score),
        }
        statuses.append(script.post(counters["url"], data=data).status_code)
    assert statuses == [303, 303, 429]
    assert stored(session) == 2


def test_one_network_is_limited_per_counter(limited_app, session, counters):
    app = limited_app(PUBLIC_DEVICE_LIMIT="50 per minute", PUBLIC_IP_LIMIT="3 per minute")
    office_wifi = "203.0.113.7"
    service = counters["service"].id
    for _ in range(3):  # three citizens, three phones, one Wi-Fi
        assert (
            submit(app.test_client(), counters["url"], service, ip=office_wifi).status_code == 303
        )
    fourth = submit(app.test_client(), counters["url"], service, ip=office_wifi)
    assert fourth.status_code == 429
    assert stored(session) == 3
    # the next counter and another network are counted apart
    assert (
        submit(app.test_client(), counters["other_url"], service, ip=office_wifi).status_code == 303
    )
    assert submit(app.test_client(), counters["url"], service, ip="198.51.100.9").status_code == 303
    assert stored(session) == 5


def test_single_use_codes_are_limited_too(limited_app, session, counters):
    app = limited_app(PUBLIC_DEVICE_LIMIT="2 per minute", PUBLIC_IP_LIMIT="50 per minute")
    codes = [mint_code(session, counters["first"], ttl_hours=1) for _ in range(3)]
    phone = app.test_client()
    statuses = [
        submit(phone, f"/c/{code.code}", counters["service"].id).status_code for code in codes
    ]
    assert statuses == [303, 303, 429]
    session.refresh(codes[2])
    assert codes[2].used_at is None  # still usable later
    assert stored(session) == 2


def test_the_kiosk_is_never_rate_limited(limited_app, session, counters):
    app = limited_app(PUBLIC_DEVICE_LIMIT="1 per minute", PUBLIC_IP_LIMIT="1 per minute")
    tablet = app.test_client()
    for _ in range(4):
        assert submit(tablet, counters["kiosk_url"], counters["service"].id).status_code == 303
    assert stored(session) == 4


# --- flags ----------------------------------------------------------------------------


@pytest.fixture()
def staff_network(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "STAFF_NETWORKS", [STAFF_NET])


def reasons(session) -> list[tuple[bool, str | None]]:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(Response).order_by(Response.id))
    return [(r.flagged, r.flag_reason) for r in rows]


def test_submissions_from_the_office_network_are_flagged(client, session, counters, staff_network):
    service = counters["service"].id
    assert submit(client, counters["url"], service, ip="10.20.3.4").status_code == 303
    assert (
        submit(client, counters["url"], service, ip="::ffff:10.20.9.9", score="3").status_code
        == 303
    )
    assert submit(client, counters["url"], service, ip="10.21.0.1", score="2").status_code == 303
    # the kiosk stands in the office: its network says nothing
    assert submit(client, counters["kiosk_url"], service, ip="10.20.3.4").status_code == 303
    assert reasons(session) == [
        (True, "staff_network"),
        (True, "staff_network"),
        (False, None),
        (False, None),
    ]


def test_staff_networks_may_be_one_string(app, client, session, counters, monkeypatch):
    # what FEEDBACK_STAFF_NETWORKS="10.20.0.0/16, 192.168.5.0/24" gives
    monkeypatch.setitem(app.config, "STAFF_NETWORKS", "10.20.0.0/16, 192.168.5.0/24")
    assert (
        submit(client, counters["url"], counters["service"].id, ip="192.168.5.77").status_code
        == 303
    )
    assert reasons(session) == [(True, "staff_network")]


def test_identical_burst_flags_every_member(client, session, counters):
    service = counters["service"].id
    for _ in range(3):
        assert submit(client, counters["url"], service, ip="198.51.100.1").status_code == 303
    assert [f for f, _ in reasons(session)] == [False, False, False]
    assert submit(client, counters["url"], service, ip="198.51.100.2").status_code == 303
    assert reasons(session) == [(True, "identical_burst")] * 4
    # different answers, or the same answers at another counter, are no part of it
    assert submit(client, counters["url"], service, score="3").status_code == 303
    assert submit(client, counters["other_url"], service).status_code == 303
    assert reasons(session)[4:] == [(False, None), (False, None)]
    # the scores leave the flagged answers out
    flagged = session.scalar(
        select(func.sum(ResponseCount.count)).where(ResponseCount.flagged.is_(True))
    )
    assert flagged == 4


def test_a_cleared_response_stays_cleared_when_the_burst_goes_on(client, session, counters):
    service = counters["service"].id
    for _ in range(4):
        submit(client, counters["url"], service)
    first = session.scalars(select(Response).order_by(Response.id)).first()
    abuse.review(session, first, flagged=False, user_id=None, now=first.submitted_at)
    session.flush()
    assert submit(client, counters["url"], service).status_code == 303
    session.expire_all()
    flags = [f for f, _ in reasons(session)]
    assert flags == [False, True, True, True, True]


def test_flag_notes_read_back(session, factory):
    at = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
    reviewer = factory.user()
    response = Response(flagged=False, flag_reason="identical_burst")
    assert abuse.flag_note(response) == abuse.FlagNote("identical_burst")
    response.flag_reviewed_at, response.flag_reviewed_by_id = at, reviewer.id
    assert abuse.flag_note(response) == abuse.FlagNote(
        "identical_burst", abuse.CLEARED, at, reviewer.id
    )
    assert abuse.flag_note(Response(flagged=False, flag_reason=None)) is None


# --- the admins' list ---------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_app(database_url, tmp_path_factory) -> Iterator[Flask]:
    """The app with the flagged-responses area (registered here until create_app does)."""
    app = make_test_app(database_url, tmp_path_factory, STAFF_NETWORKS=[STAFF_NET])
    if "responses" not in app.blueprints:
        responses.init_app(app)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture()
def world(admin_app, session, factory) -> Iterator[dict[str, Any]]:
    bind(admin_app, session)
    agency = factory.agency(name="Pemerintah Kota Bitung", timezone=TimeZone.WITA)
    root = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    mine = factory.unit(parent=root, name="Bidang Pelayanan Qmine")
    sibling = factory.unit(parent=root, name="Bidang Sebelah")
    ensure_default_survey(session, agency.id)
    point = factory.service_point(mine, name="Loket Qsatu")
    other_agency = factory.agency(name="Pemerintah Kota Lain")
    other_unit = factory.unit(other_agency, name="Dinas Lain")
    ensure_default_survey(session, other_agency.id)
    other_point = factory.service_point(other_unit, name="Loket Qlain")
    yield {
        "agency": agency,
        "point": point,
        "url": f"/s/{ensure_counter_link(session, point).token}",
        "service": factory.service(mine, name="Perekaman KTP-el"),
        "other_url": f"/s/{ensure_counter_link(session, other_point).token}",
        "other_service": factory.service(other_unit, name="Akta Kelahiran"),
        "actors": {
            "admin": factory.user(Role.ADMIN),
            "agency_admin": factory.user(Role.AGENCY_ADMIN, agency=agency, name="Sri Admin"),
            "agency_head": factory.user(Role.AGENCY_HEAD, agency=agency),
            "root_head": factory.user(Role.UNIT_HEAD, unit=root),
            "sibling_head": factory.user(Role.UNIT_HEAD, unit=sibling),
            "designer": factory.user(Role.DESIGNER, agency=agency),
            "other_admin": factory.user(Role.AGENCY_ADMIN, agency=other_agency),
        },
    }
    admin_app.extensions["db"].session_factory.configure(bind=admin_app.extensions["db"].engine)


def flagged_response(admin_app, world, session, **kw: Any) -> Response:  # type: ignore[no-untyped-def]
    """A citizen's answers sent from the office network, through the real form."""
    before = stored(session)
    response = submit(
        admin_app.test_client(), world["url"], world["service"].id, ip="10.20.1.1", **kw
    )
    assert response.status_code == 303
    assert stored(session) == before + 1
    return session.scalars(select(Response).order_by(Response.id.desc())).first()


def as_user(admin_app, world, who: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = admin_app.test_client()
    sign_in(admin_app, client, world["actors"][who])
    return client


LIST = "/responses/flagged"


def test_flagged_list_shows_reason_local_time_and_counter(admin_app, world, session):
    row = flagged_response(admin_app, world, session)
    page = as_user(admin_app, world, "agency_admin").get(LIST)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Jaringan kantor" in html and "Loket Qsatu" in html and "Bidang Pelayanan Qmine" in html
    local = row.submitted_at.astimezone(ZoneInfo("Asia/Makassar"))
    assert f"{local:%H:%M} WITA" in html
    # an agency admin manages the flag but does not read results
    assert "Bersihkan tanda" in html and "<details>" not in html


@pytest.mark.parametrize(
    ("who", "sees", "can_clear"),
    [
        ("admin", True, True),
        ("agency_admin", True, True),
        ("agency_head", True, False),
        ("root_head", True, False),
        ("sibling_head", False, False),
        ("other_admin", False, True),
    ],
)
def test_flagged_list_follows_the_scope(admin_app, world, session, who, sees, can_clear):
    flagged_response(admin_app, world, session)
    page = as_user(admin_app, world, who).get(LIST)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ("Loket Qsatu" in html) is sees
    assert ("Bersihkan tanda" in html) is (sees and can_clear)


def test_flagged_list_needs_a_permission(admin_app, world, session):
    assert as_user(admin_app, world, "designer").get(LIST).status_code == 403
    anonymous = admin_app.test_client().get(LIST)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_admin_clears_and_sets_a_flag_again(admin_app, world, session):
    row = flagged_response(admin_app, world, session)
    client = as_user(admin_app, world, "agency_admin")
    token = csrf_token(client, LIST)

    cleared = client.post(f"/responses/{row.id}/clear", data={"csrf_token": token})
    assert cleared.status_code == 302
    session.refresh(row)
    assert row.flagged is False
    note = abuse.flag_note(row)
    assert note.reason == "staff_network" and note.action == "cleared"
    assert note.by_user_id == world["actors"]["agency_admin"].id and note.at is not None
    scored = session.scalar(
        select(func.sum(ResponseCount.count)).where(ResponseCount.flagged.is_(False))
    )
    assert scored == 1  # now counted in the scores

    html = client.get(cleared.headers["Location"]).get_data(as_text=True)
    assert "respons ini kini dihitung dalam nilai" in html
    assert "Loket Qsatu" not in html  # the default list shows what is still flagged
    history = client.get(LIST + "?status=cleared").get_data(as_text=True)
    local = note.at.astimezone(ZoneInfo("Asia/Makassar"))
    assert "Dibersihkan oleh Sri Admin, " in history and f"{local:%H:%M} WITA" in history
    assert "Tandai lagi" in history

    again = client.post(f"/responses/{row.id}/flag", data={"csrf_token": token})
    assert again.status_code == 302
    session.refresh(row)
    assert row.flagged is True
    assert abuse.flag_note(row).action == "reflagged"
    assert "Ditandai lagi oleh Sri Admin" in client.get(LIST).get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_admin", 404), ("sibling_head", 404), ("agency_head", 403), ("designer", 403)],
)
def test_clearing_is_scoped_then_permissioned(admin_app, world, session, who, status):
    row = flagged_response(admin_app, world, session)
    client = as_user(admin_app, world, who)
    token = csrf_token(client, "/")  # any page with a form in the menu
    assert (
        client.post(f"/responses/{row.id}/clear", data={"csrf_token": token}).status_code == status
    )
    session.refresh(row)
    assert row.flagged is True


def test_clearing_needs_the_form_token(admin_app, world, session):
    row = flagged_response(admin_app, world, session)
    client = as_user(admin_app, world, "agency_admin")
    assert client.post(f"/responses/{row.id}/clear").status_code == 400
    session.refresh(row)
    assert row.flagged is True


def test_unflagged_responses_are_not_reviewed_here(admin_app, world, session):
    submit(admin_app.test_client(), world["url"], world["service"].id, score="2")
    row = session.scalars(select(Response)).one()
    assert row.flagged is False
    client = as_user(admin_app, world, "agency_admin")
    token = csrf_token(client, "/")
    assert client.post(f"/responses/{row.id}/flag", data={"csrf_token": token}).status_code == 404


def test_heads_see_the_answers_escaped(admin_app, world, session):
    flagged_response(admin_app, world, session, extra={"saran": "<script>alert(1)</script>"})
    html = as_user(admin_app, world, "agency_head").get(LIST).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
