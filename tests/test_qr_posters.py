"""QR images and counter posters, checked the way a citizen meets them: scanned and read."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from contextlib import closing
from dataclasses import replace

import cairosvg
import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from exports.posters import (
    ENGLISH_TEXTS,
    PosterInfo,
    layout_poster,
    poster_pdf,
    posters_pdf,
    write_posters,
)
from exports.qr import QUIET_ZONE, qr_matrix, qr_png, qr_svg

URL = "https://siantar.go.id/s/Ab3dEf9"
LONG_TOKEN_URL = "https://pelayanan.pematangsiantarkota.go.id/s/" + "Zq8xW3mN7pL2" * 8
PRIVACY = (
    "Survei ini anonim: kami tidak meminta nama, NIK atau nomor telepon. "
    "Data dipakai untuk memperbaiki layanan."
)
DPI = 120


def decode(image: Image.Image) -> list[zxingcpp.Result]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def words(text: str) -> str:
    """Whitespace-normalised text, since wrapped lines come back with line breaks."""
    return " ".join(text.split())


def counter(number: int, **changes: object) -> PosterInfo:
    info = PosterInfo(
        agency="Pemerintah Kota Pematangsiantar",
        unit="Dinas Kependudukan dan Pencatatan Sipil",
        counter=f"Loket {number} \u2014 Perekaman KTP-el",
        location="Gedung A, lantai 1",
        url=f"https://siantar.go.id/s/Tk{number:05d}x",
        display_url=f"siantar.go.id/s/Tk{number:05d}x",
        duration_hint="\u00b1 1 menit",
    )
    return replace(info, **changes)


HUGE = PosterInfo(
    agency="Pemerintah Provinsi Sumatera Barat " * 8,
    unit="Unit Pelaksana Teknis Daerah Pusat Kesehatan Masyarakat Kecamatan " * 6,
    counter="Loket Pelayanan Terpadu Satu Pintu Pendaftaran Pasien Umum dan BPJS " * 6,
    location="Jalan Sudirman Nomor 17, Kelurahan Proklamasi, di samping ruang tunggu " * 5,
    url=LONG_TOKEN_URL,
    display_url=LONG_TOKEN_URL.removeprefix("https://"),
    duration_hint="\u00b1 1 menit",
)


def render_pages(pdf: bytes) -> list[Image.Image]:
    with closing(pdfium.PdfDocument(pdf)) as document:
        return [page.render(scale=DPI / 72).to_pil() for page in document]


# --- QR images -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, LONG_TOKEN_URL, "https://x.go.id/s/a?lang=en&loket=3"])
def test_png_scans_back_to_exactly_the_url(url):
    image = Image.open(io.BytesIO(qr_png(url)))
    assert [result.text for result in decode(image)] == [url]


def test_png_has_a_four_module_white_quiet_zone():
    matrix = qr_matrix(URL)
    image = Image.open(io.BytesIO(qr_png(URL, box_size=5))).convert("L")
    side = (matrix.size + 2 * QUIET_ZONE) * 5
    assert image.size == (side, side)
    quiet = QUIET_ZONE * 5
    for box in [(0, 0, side, quiet), (0, 0, quiet, side), (side - quiet, 0, side, side)]:
        assert image.crop(box).getextrema() == (255, 255)
    assert image.getpixel((quiet, quiet)) == 0  # the finder pattern's corner starts right there


def test_svg_rasterised_scans_back_to_the_url():
    png = cairosvg.svg2png(bytestring=qr_svg(LONG_TOKEN_URL), output_width=600)
    assert [result.text for result in decode(Image.open(io.BytesIO(png)))] == [LONG_TOKEN_URL]


def test_svg_is_standalone_with_white_background_and_label():
    title = 'Kode QR <Loket 3> & "Dukcapil"'
    svg = ET.fromstring(qr_svg(URL, title=title))  # noqa: S314 - our own output
    ns = {"svg": "http://www.w3.org/2000/svg"}
    side = qr_matrix(URL).size + 2 * QUIET_ZONE
    assert svg.get("viewBox") == f"0 0 {side} {side}"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == title
    assert svg.find("svg:title", ns).text == title
    background = svg.find("svg:rect", ns)
    assert (background.get("width"), background.get("fill")) == (str(side), "#fff")
    assert len(svg.findall("svg:path", ns)) == 1


def test_matrix_rectangles_cover_exactly_the_dark_modules():
    matrix = qr_matrix(LONG_TOKEN_URL)
    covered: list[tuple[int, int]] = []
    for column, row, width, height in matrix.rectangles():
        covered += [(x, y) for y in range(row, row + height) for x in range(column, column + width)]
    dark = [(x, y) for y, line in enumerate(matrix.modules) for x, on in enumerate(line) if on]
    assert sorted(covered) == sorted(dark)
    assert matrix.error_correction == "Q"
    assert matrix.size == 17 + 4 * matrix.version


def test_bad_qr_arguments_are_refused():
    with pytest.raises(ValueError, match="error correction"):
        qr_png(URL, error_correction="X")
    with pytest.raises(ValueError, match="non-empty"):
        qr_svg("")


# --- posters ---------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "min_mm"), [("A4", 100), ("A5", 80)])
def test_every_page_scans_to_its_own_counter_in_order(size, min_mm):
    infos = [counter(1), HUGE, counter(3, location=None, duration_hint=None)]
    pages = render_pages(posters_pdf(infos, size))
    assert len(pages) == len(infos)
    for info, page in zip(infos, pages, strict=True):
        results = decode(page)
        assert [result.text for result in results] == [info.url]
        # Printed width measured on the rendered page, finder corner to finder corner.
        position = results[0].position
        width_px = abs(position.top_right.x - position.top_left.x)
        assert width_px / DPI * 25.4 >= min_mm - 1


@pytest.mark.parametrize(("size", "min_mm"), [("A4", 100), ("A5", 80)])
def test_qr_is_at_least_the_minimum_printed_width(size, min_mm):
    for info in (counter(1), HUGE):
        assert layout_poster(info, size).qr.width >= min_mm * mm


def test_poster_qr_is_drawn_as_vectors_module_for_module():
    layout = layout_poster(counter(7))
    pdf = poster_pdf(counter(7))
    assert b"/Subtype /Image" not in pdf
    (page,) = render_pages(pdf)
    gray = page.convert("L")
    qr, scale = layout.qr, DPI / 72
    n = qr.matrix.size
    for row in range(n):
        for column in range(n):
            x = (qr.x + (column + 0.5) * qr.module) * scale
            y = (layout.height - qr.y - (n - row - 0.5) * qr.module) * scale
            assert (gray.getpixel((x, y)) < 128) == qr.matrix.modules[row][column]


def test_text_layer_reads_like_the_poster():
    infos = [counter(1), counter(2, location="Lantai 2, ruang 204")]
    reader = pypdf.PdfReader(io.BytesIO(posters_pdf(infos)))
    for info, page in zip(infos, reader.pages, strict=True):
        text = words(page.extract_text())
        for expected in (
            info.agency,
            info.unit,
            info.counter,
            info.location,
            info.display_url,
            "Bagaimana pelayanan kami hari ini?",
            "Pindai kode QR ini untuk menilai",
            "How was our service today?",
            "\u00b1 1 menit",
            PRIVACY,
        ):
            assert expected in text
    assert reader.metadata.author == "Pemerintah Kota Pematangsiantar"
    assert "Pemerintah Kota Pematangsiantar" in reader.metadata.title
    assert reader.trailer["/Root"]["/Lang"] == "id"


def test_english_texts_replace_the_indonesian_ones():
    reader = pypdf.PdfReader(io.BytesIO(poster_pdf(counter(1, texts=ENGLISH_TEXTS))))
    text = words(reader.pages[0].extract_text())
    assert "How was our service today?" in text
    assert "we do not ask for your name" in text
    assert "Bagaimana" not in text
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_single_poster_title_names_the_counter():
    metadata = pypdf.PdfReader(io.BytesIO(poster_pdf(counter(5)))).metadata
    assert "Loket 5" in metadata.title
    assert metadata.author == "Pemerintah Kota Pematangsiantar"


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_long_names_stay_inside_the_margins_and_clear_of_the_code(size):
    layout = layout_poster(HUGE, size)
    left, right = layout.margin - 0.01, layout.width - layout.margin + 0.01
    quiet_left, quiet_bottom, quiet_right, quiet_top = layout.qr.quiet_box
    assert left <= quiet_left and quiet_right <= right
    boxes = [line.bbox for line in layout.lines]
    for x0, y0, x1, y1 in boxes:
        assert left <= x0 and x1 <= right
        assert layout.margin - 0.01 <= y0 and y1 <= layout.height - layout.margin + 0.01
        assert y1 <= quiet_bottom or y0 >= quiet_top  # nothing inside the quiet zone
    ordered = sorted(boxes, key=lambda box: -box[3])
    for upper, lower in zip(ordered, ordered[1:], strict=False):
        assert lower[3] <= upper[1] + 0.01  # lines never overlap
    # Overlong names are shortened visibly, not cut off at the page edge.
    assert any(line.text.endswith("\u2026") for line in layout.lines)


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_drawn_text_positions_stay_on_the_page(size):
    """The same check on the PDF itself, through pypdf's text positions."""
    reader = pypdf.PdfReader(io.BytesIO(poster_pdf(HUGE, size)))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    drawn: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font, font_size):
        if text.strip():
            drawn.append(
                (
                    text.strip(),
                    tm[4],
                    tm[5],
                    stringWidth(text.strip(), font["/BaseFont"][1:], font_size),
                )
            )

    page.extract_text(visitor_text=visit)
    assert len(drawn) > 10
    for _text, x, y, text_width in drawn:
        assert 0 < x < width - text_width
        assert 0 < y < height


def test_write_posters_streams_a_generator_into_a_file(tmp_path):
    target = tmp_path / "posters.pdf"
    with target.open("wb") as sink:
        pages = write_posters((counter(number) for number in range(1, 6)), sink, size="a5")
    assert pages == 5
    reader = pypdf.PdfReader(target)
    assert len(reader.pages) == 5
    assert round(float(reader.pages[0].mediabox.width) / mm) == 148


def test_bad_poster_input_is_refused():
    with pytest.raises(ValueError, match="no counters"):
        posters_pdf([])
    with pytest.raises(ValueError, match="unknown poster size"):
        poster_pdf(counter(1), size="Letter")
    with pytest.raises(ValueError, match="counter"):
        counter(1, counter="  ")
