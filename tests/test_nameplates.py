"""An officer's nameplate: its QR code credits the officer, wherever they serve."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from sqlalchemy import select

from feedback_app.db import utcnow
from feedback_app.models import Channel, LinkKind, PublicLink, Response, Role
from feedback_app.public.links import ensure_default_survey
from tests.conftest import csrf_token
from tests.test_public_form import answers, form_fields
from tests.test_qr_downloads import follow, scan_pdf, scan_png, scan_svg
from tests.test_scope import sign_in


@pytest.fixture()
def world(session, factory):
    agency = factory.agency(name="Pemerintah Kota Pematangsiantar")
    unit = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    mine = factory.unit(parent=unit, name="Bidang Pelayanan")
    sibling = factory.unit(parent=unit, name="Bidang Sebelah")
    ensure_default_survey(session, agency.id)
    other = factory.agency(name="Pemerintah Kota Lain")
    return {
        "unit": unit,
        "point": factory.service_point(unit, name="Loket 3"),
        "service": factory.service(unit, name="Perekaman KTP-el"),
        "officer": factory.employee(
            mine, name="Rizky Siregar", position="Pengadministrasi Kependudukan"
        ),
        "sibling_officer": factory.employee(sibling, name="Pegawai Sebelah"),
        "stranger": factory.employee(factory.unit(other), name="Pegawai Asing"),
        "admin": factory.user(Role.AGENCY_ADMIN, agency=agency),
        "unit_admin": factory.user(Role.AGENCY_ADMIN, unit=mine),
        "designer": factory.user(Role.DESIGNER, agency=agency),
        "other_admin": factory.user(Role.AGENCY_ADMIN, agency=other),
    }


def page_url(employee) -> str:  # type: ignore[no-untyped-def]
    return f"/org/employees/{employee.id}/nameplate"


def test_nameplate_page_shows_the_link_and_downloads(app, client, session, world):
    sign_in(app, client, world["admin"])
    officer = world["officer"]
    page = client.get(page_url(officer))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rizky Siregar" in html and "<svg" in html
    link = session.scalars(select(PublicLink).where(PublicLink.employee_id == officer.id)).one()
    assert link.kind == LinkKind.NAMEPLATE
    assert f"/s/{link.token}" in html
    for fmt in ("png", "svg", "pdf"):
        assert f"{page_url(officer)}.{fmt}" in html


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_download_scans_to_the_officers_form(app, client, session, world, fmt):
    sign_in(app, client, world["admin"])
    officer = world["officer"]
    response = client.get(f"{page_url(officer)}.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "png":
        [url] = scan_png(response.data)
    elif fmt == "svg":
        [url] = scan_svg(response.data)
    else:
        [[url]] = scan_pdf(response.data)
        text = pypdf.PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
        assert "Rizky Siregar" in text and "Nilai pelayanan saya" in text
    form = follow(client, url)
    assert form.status_code == 200
    assert "Rizky Siregar" in form.get_data(as_text=True)


def test_a_nameplate_response_credits_the_officer(app, client, session, factory, world):
    officer = world["officer"]
    # rostered at a counter right now: the response is placed there too
    factory.roster(officer, world["point"], utcnow() - dt.timedelta(hours=1))
    sign_in(app, client, world["admin"])
    [url] = scan_png(client.get(f"{page_url(officer)}.png").data)
    citizen = app.test_client()  # a phone: nobody signed in
    html = follow(citizen, url).get_data(as_text=True)
    token_path = re.search(r"/s/[a-z0-9]+", url).group(0)
    sent = citizen.post(token_path, data={**form_fields(html), **answers(world["service"].id)})
    assert sent.status_code == 303
    row = session.scalars(select(Response)).one()
    assert row.employee_id == officer.id
    assert row.service_point_id == world["point"].id
    assert row.channel == Channel.QR


def test_regenerate_retires_the_old_nameplate(app, client, session, world):
    sign_in(app, client, world["admin"])
    officer = world["officer"]
    [old] = scan_png(client.get(f"{page_url(officer)}.png").data)
    response = client.post(
        page_url(officer), data={"csrf_token": csrf_token(client, page_url(officer))}
    )
    assert response.status_code == 303
    [new] = scan_png(client.get(f"{page_url(officer)}.png").data)
    assert new != old
    retired = follow(client, old)
    assert retired.status_code == 410
    assert "sudah diganti" in retired.get_data(as_text=True)
    assert "Rizky Siregar" in follow(client, new).get_data(as_text=True)
    links = session.scalars(select(PublicLink).where(PublicLink.employee_id == officer.id)).all()
    assert sorted(link.retired_at is None for link in links) == [False, True]


@pytest.mark.parametrize("suffix", ["", ".png", ".svg", ".pdf"])
def test_scope(app, client, world, suffix):
    """Another agency's or a sibling unit's employee does not exist for the user."""
    sign_in(app, client, world["other_admin"])
    assert client.get(page_url(world["officer"]) + suffix).status_code == 404
    sign_in(app, client, world["unit_admin"])
    assert client.get(page_url(world["sibling_officer"]) + suffix).status_code == 404
    assert client.get(page_url(world["officer"]) + suffix).status_code == 200
    sign_in(app, client, world["admin"])
    assert client.get(page_url(world["stranger"]) + suffix).status_code == 404


def test_viewers_may_print_but_not_regenerate(app, client, session, world):
    sign_in(app, client, world["designer"])
    officer = world["officer"]
    page = client.get(page_url(officer))
    assert page.status_code == 200
    assert "Buat tautan baru" not in page.get_data(as_text=True)
    response = client.post(
        page_url(officer), data={"csrf_token": csrf_token(client, page_url(officer))}
    )
    assert response.status_code == 403
    live = session.scalars(select(PublicLink).where(PublicLink.employee_id == officer.id)).all()
    assert len(live) == 1 and live[0].retired_at is None


def test_unknown_format_and_anonymous_visitor(app, client, world):
    officer = world["officer"]
    login_redirect = client.get(page_url(officer))
    assert login_redirect.status_code == 302
    assert login_redirect.headers["Location"].startswith("/login")
    sign_in(app, client, world["admin"])
    assert client.get(f"{page_url(officer)}.gif").status_code == 404
