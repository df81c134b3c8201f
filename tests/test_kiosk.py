"""Kiosk devices: created and revoked by managers, a tablet at the exit loops on the form."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback_app.models import Channel, LinkKind, PublicLink, Response, Role
from feedback_app.public.links import ensure_default_survey
from feedback_app.staff.service import create_kiosk
from tests.conftest import csrf_token
from tests.test_public_form import answers, form_fields
from tests.test_scope import sign_in

KIOSK_URL = re.compile(r"http://localhost/k/([a-z0-9]+)")


@pytest.fixture()
def world(session, factory):
    agency = factory.agency(name="Pemerintah Kota Pematangsiantar")
    root = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    mine = factory.unit(parent=root, name="Bidang Pelayanan")
    sibling = factory.unit(parent=root, name="Bidang Sebelah")
    ensure_default_survey(session, agency.id)
    other = factory.agency(name="Pemerintah Kota Lain")
    point = factory.service_point(mine, name="Loket Kiosk Qmine")
    sibling_point = factory.service_point(sibling, name="Loket Qsibling")
    other_point = factory.service_point(factory.unit(other), name="Loket Qother")
    return {
        "point": point,
        "service": factory.service(mine, name="Perekaman KTP-el"),
        "sibling_point": sibling_point,
        "kiosks": {
            "mine": create_kiosk(session, point, "Tablet Qmine"),
            "sibling": create_kiosk(session, sibling_point, "Tablet Qsibling"),
            "other": create_kiosk(session, other_point, "Tablet Qother"),
        },
        "actors": {
            "admin": factory.user(Role.ADMIN),
            "agency_admin": factory.user(Role.AGENCY_ADMIN, agency=agency),
            "unit_admin": factory.user(Role.AGENCY_ADMIN, unit=mine),
            "designer": factory.user(Role.DESIGNER, agency=agency),
            "agency_head": factory.user(Role.AGENCY_HEAD, agency=agency),
            "unit_head": factory.user(Role.UNIT_HEAD, unit=mine),
        },
    }


def create(client, point_id: int, label: str = "Tablet pintu keluar"):  # type: ignore[no-untyped-def]
    return client.post(
        "/org/kiosks/new",
        data={
            "csrf_token": csrf_token(client, "/org/kiosks/new"),
            "label": label,
            "service_point_id": str(point_id),
        },
    )


def test_manager_creates_a_kiosk_and_the_tablet_loops_on_the_form(app, client, session, world):
    sign_in(app, client, world["actors"]["agency_admin"])
    response = create(client, world["point"].id)
    assert response.status_code == 303
    detail = client.get(response.headers["Location"])
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert detail.headers["Cache-Control"] == "no-store"
    assert "Tablet pintu keluar" in html and "Loket Kiosk Qmine" in html
    token = KIOSK_URL.search(html).group(1)
    assert len(token) == 32  # a long secret, never printed on a poster
    link = session.scalars(select(PublicLink).where(PublicLink.token == token)).one()
    assert link.kind == LinkKind.KIOSK and link.label == "Tablet pintu keluar"
    assert "Tablet pintu keluar" in client.get("/org/kiosks/").get_data(as_text=True)

    tablet = app.test_client()
    form = tablet.get(f"/k/{token}")
    assert form.status_code == 200
    assert "Loket Kiosk Qmine" in form.get_data(as_text=True)
    sent = tablet.post(
        f"/k/{token}",
        data={**form_fields(form.get_data(as_text=True)), **answers(world["service"].id)},
    )
    assert sent.status_code == 303
    thanks = tablet.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Terima kasih" in thanks
    # back to the form by itself, for the next citizen
    assert re.search(rf'http-equiv="refresh" content="\d+;url=/k/{token}"', thanks)
    row = session.scalars(select(Response)).one()
    assert row.channel == Channel.KIOSK
    assert row.service_point_id == world["point"].id
    # the kiosk's secret is not a counter link
    assert tablet.get(f"/s/{token}").status_code == 404


def test_revoked_kiosk_stops_working(app, client, session, world):
    kiosk = world["kiosks"]["mine"]
    tablet = app.test_client()
    assert tablet.get(f"/k/{kiosk.token}").status_code == 200
    sign_in(app, client, world["actors"]["agency_admin"])
    detail = f"/org/kiosks/{kiosk.id}"
    response = client.post(f"{detail}/revoke", data={"csrf_token": csrf_token(client, detail)})
    assert response.status_code == 303
    assert tablet.get(f"/k/{kiosk.token}").status_code == 410
    html = client.get(detail).get_data(as_text=True)
    assert "Dicabut" in html and kiosk.token not in html


@pytest.mark.parametrize("actor", ["agency_admin", "unit_admin", "admin"])
def test_kiosks_outside_the_scope_do_not_exist(app, client, session, world, actor):
    hidden = {"agency_admin": ["other"], "unit_admin": ["other", "sibling"], "admin": []}[actor]
    sign_in(app, client, world["actors"][actor])
    listing = client.get("/org/kiosks/").get_data(as_text=True)
    token = csrf_token(client, "/org/kiosks/")
    for place, kiosk in world["kiosks"].items():
        shown = place not in hidden
        assert (f"Tablet Q{place}" in listing) == shown, place
        assert client.get(f"/org/kiosks/{kiosk.id}").status_code == (200 if shown else 404)
        if not shown:
            revoke = client.post(f"/org/kiosks/{kiosk.id}/revoke", data={"csrf_token": token})
            assert revoke.status_code == 404
            session.expire_all()
            assert kiosk.retired_at is None


def test_a_unit_limited_manager_cannot_place_a_kiosk_at_a_sibling_counter(app, client, world):
    sign_in(app, client, world["actors"]["unit_admin"])
    assert "Loket Qsibling" not in client.get("/org/kiosks/new").get_data(as_text=True)
    response = create(client, world["sibling_point"].id)
    assert response.status_code == 422
    assert "Pilihan tidak valid." in response.get_data(as_text=True)


@pytest.mark.parametrize("actor", ["designer", "agency_head", "unit_head"])
def test_roles_without_the_permission_are_refused(app, client, session, world, actor):
    kiosk = world["kiosks"]["mine"]
    sign_in(app, client, world["actors"][actor])
    for url in ("/org/kiosks/", "/org/kiosks/new", f"/org/kiosks/{kiosk.id}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert kiosk.token not in response.get_data(as_text=True)
    token = csrf_token(client, "/")
    assert (
        client.post(f"/org/kiosks/{kiosk.id}/revoke", data={"csrf_token": token}).status_code == 403
    )
    assert create(client, world["point"].id).status_code == 403
    session.expire_all()
    assert kiosk.retired_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    kiosk = world["kiosks"]["mine"]
    for url in ("/org/kiosks/", "/org/kiosks/new", f"/org/kiosks/{kiosk.id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_every_staff_page_needs_a_login(app, client, world):
    """Built from the URL map, so a page added to the staff area later is checked too."""
    checked = 0
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "staff":
            continue
        values = {"object_id": world["point"].id, "fmt": "png"}
        url = adapter.build(rule.endpoint, {k: v for k, v in values.items() if k in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            token = csrf_token(client, "/login")
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (rule.endpoint, method)
            assert response.headers["Location"].startswith("/login"), rule.endpoint
            checked += 1
    assert checked >= 14
