"""The counter's QR code and posters, downloaded from the admin pages, scanned and followed.

Each file goes through the real app: downloaded with the test client, decoded
with zxing-cpp (SVG rasterised with cairosvg, PDF pages with pdfium at 120 dpi),
and the decoded address opened again with the test client: it must land on
the form of the right counter.
"""

from __future__ import annotations

import io
from contextlib import closing
from urllib.parse import urlsplit

import cairosvg
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from feedback_app.models import Role
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from tests.conftest import csrf_token
from tests.test_scope import sign_in

DPI = 120


def scan(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]


def scan_png(data: bytes) -> list[str]:
    return scan(Image.open(io.BytesIO(data)).convert("RGB"))


def scan_svg(data: bytes, width: int = 600) -> list[str]:
    return scan_png(cairosvg.svg2png(bytestring=data, output_width=width))


def scan_pdf(data: bytes) -> list[list[str]]:
    """The codes found on each page."""
    with closing(pdfium.PdfDocument(data)) as document:
        return [scan(page.render(scale=DPI / 72).to_pil().convert("RGB")) for page in document]


def follow(client, url: str):  # type: ignore[no-untyped-def]
    """Open a decoded address in the app, as a citizen's phone would."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost", url
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


@pytest.fixture()
def world(session, factory):
    agency = factory.agency(name="Pemerintah Kota Pematangsiantar")
    unit = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    first = factory.service_point(unit, name="Loket Perekaman KTP-el")
    second = factory.service_point(unit, name="Loket Akta Kelahiran")
    factory.service(unit, name="Perekaman KTP-el")
    ensure_default_survey(session, agency.id)
    other_agency = factory.agency(name="Pemerintah Kota Lain")
    other = factory.service_point(factory.unit(other_agency), name="Loket Asing")
    return {
        "agency": agency,
        "unit": unit,
        "first": first,
        "second": second,
        "other": other,
        "admin": factory.user(Role.AGENCY_ADMIN, agency=agency),
        "designer": factory.user(Role.DESIGNER, agency=agency),
    }


def lands_on(client, url: str, point) -> str:  # type: ignore[no-untyped-def]
    page = follow(client, url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:300]
    assert point.name in html
    return html


def test_qr_png_and_svg_lead_to_the_counters_form(app, client, world):
    sign_in(app, client, world["admin"])
    point = world["first"]
    png = client.get(f"/org/service-points/{point.id}/qr.png")
    svg = client.get(f"/org/service-points/{point.id}/qr.svg")
    assert png.status_code == svg.status_code == 200
    assert png.mimetype == "image/png" and svg.mimetype == "image/svg+xml"
    assert "attachment" in png.headers["Content-Disposition"]

    [from_png] = scan_png(png.data)
    [from_svg] = scan_svg(svg.data)
    assert from_png == from_svg
    assert urlsplit(from_png).query == "c=qr"  # counted as scanned, not typed
    html = lands_on(client, from_png, point)
    assert world["second"].name not in html


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_counter_poster_pdf_leads_to_the_counters_form(app, client, world, size):
    sign_in(app, client, world["admin"])
    point = world["second"]
    response = client.get(f"/org/service-points/{point.id}/poster.pdf?size={size}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [[url]] = scan_pdf(response.data)
    lands_on(client, url, point)


def test_unit_posters_pdf_has_one_page_per_counter_each_leading_to_its_own_form(app, client, world):
    sign_in(app, client, world["admin"])
    response = client.get(f"/org/units/{world['unit'].id}/posters.pdf?size=A5")
    assert response.status_code == 200
    pages = scan_pdf(response.data)
    assert len(pages) == 2 and all(len(codes) == 1 for codes in pages)
    reached = set()
    for [url] in pages:
        html = follow(client, url).get_data(as_text=True)
        reached |= {p.name for p in (world["first"], world["second"]) if p.name in html}
    assert reached == {world["first"].name, world["second"].name}


def test_regenerating_retires_the_printed_code(app, client, session, world):
    sign_in(app, client, world["admin"])
    point = world["first"]
    [old] = scan_png(client.get(f"/org/service-points/{point.id}/qr.png").data)
    link_page = f"/org/service-points/{point.id}/link"
    response = client.post(link_page, data={"csrf_token": csrf_token(client, link_page)})
    assert response.status_code == 302

    [new] = scan_png(client.get(f"/org/service-points/{point.id}/qr.png").data)
    assert new != old
    retired = follow(client, old)
    assert retired.status_code == 410
    assert "sudah diganti" in retired.get_data(as_text=True)
    lands_on(client, new, point)
    # the poster carries the new code as well
    [[on_poster]] = scan_pdf(client.get(f"/org/service-points/{point.id}/poster.pdf").data)
    assert on_poster == new


@pytest.mark.parametrize(
    "path",
    ["qr.png", "qr.svg", "poster.pdf?size=A4", "poster.pdf?size=A5", "link"],
)
def test_another_agencys_counter_does_not_exist(app, client, world, path):
    sign_in(app, client, world["admin"])
    response = client.get(f"/org/service-points/{world['other'].id}/{path}")
    assert response.status_code == 404


def test_another_agencys_unit_posters_do_not_exist(app, client, world):
    sign_in(app, client, world["admin"])
    other_unit = world["other"].unit_id
    assert client.get(f"/org/units/{other_unit}/posters.pdf?size=A4").status_code == 404


def test_downloads_need_a_login(client, world):
    point = world["first"]
    response = client.get(f"/org/service-points/{point.id}/qr.png")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_only_managers_regenerate(app, client, session, world):
    point = world["first"]
    link = ensure_counter_link(session, point)
    sign_in(app, client, world["designer"])
    link_page = f"/org/service-points/{point.id}/link"
    # a designer may download the poster, not replace the link behind it
    assert client.get(f"/org/service-points/{point.id}/qr.png").status_code == 200
    response = client.post(link_page, data={"csrf_token": csrf_token(client, link_page)})
    assert response.status_code == 403
    session.expire_all()
    assert link.retired_at is None
