"""A printable nameplate card: the officer's name and a QR code to rate their service.

A6 landscape (148 × 105 mm), to stand on the desk in a holder or slip into a
name badge sleeve. No Flask in here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A6, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from exports.qr import QUIET_ZONE, qr_matrix

NAVY = HexColor("#0B3A66")
MUTED = HexColor("#4A4A4A")
PAGE = landscape(A6)
MARGIN = 6 * mm
QR_SIDE = 62 * mm


@dataclass(frozen=True)
class NameplateInfo:
    agency: str
    unit: str
    name: str
    position: str
    #: what the QR code encodes
    url: str
    #: printed under the code, without the scheme
    display_url: str
    invitation: str = "Nilai pelayanan saya"
    call: str = "Pindai kode QR ini dengan kamera ponsel. Anonim, ± 1 menit."


def _fit_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Wrap ``text``; shorten the last line with an ellipsis rather than overflow."""
    lines = simpleSplit(text, font, size, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and stringWidth(last + "\u2026", font, size) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + "\u2026"
    return kept


def _text(
    canvas: Canvas,
    text: str,
    *,
    x: float,
    top: float,
    width: float,
    font: str,
    size: float,
    color: object,
    max_lines: int = 2,
) -> float:
    """Draw wrapped text from ``top`` down; returns the y below the last line."""
    canvas.setFont(font, size)
    canvas.setFillColor(color)
    y = top
    for line in _fit_lines(text, font, size, width, max_lines):
        y -= size * 1.15
        canvas.drawString(x, y, line)
    return y


def nameplate_pdf(info: NameplateInfo) -> bytes:
    out = io.BytesIO()
    width, height = PAGE
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1, lang="id")
    canvas.setTitle(f"Papan nama: {info.name}")
    canvas.setCreator("feedback_app")

    band = 17 * mm
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    text_width = width - 2 * MARGIN
    y = _text(
        canvas,
        info.agency,
        x=MARGIN,
        top=height - 2 * mm,
        width=text_width,
        font="Helvetica-Bold",
        size=10,
        color=white,
        max_lines=1,
    )
    _text(
        canvas,
        info.unit,
        x=MARGIN,
        top=y - 1 * mm,
        width=text_width,
        font="Helvetica",
        size=9,
        color=white,
        max_lines=1,
    )

    # The QR code on the left, in module units under a scaling transform, quiet zone kept white.
    matrix = qr_matrix(info.url)
    module = QR_SIDE / (matrix.size + 2 * QUIET_ZONE)
    qr_x = MARGIN - 2 * mm + QUIET_ZONE * module
    qr_y = MARGIN + 4 * mm + QUIET_ZONE * module
    n = matrix.size
    rects = " ".join(
        f"{col} {n - row - rows} {cols} {rows} re" for col, row, cols, rows in matrix.rectangles()
    )
    canvas.saveState()
    canvas.translate(qr_x, qr_y)
    canvas.scale(module, module)
    canvas.setFillColor(black)
    canvas.addLiteral(f"{rects} f")
    canvas.restoreState()
    canvas.setFont("Courier-Bold", 7.5)
    canvas.setFillColor(black)
    url_width = stringWidth(info.display_url, "Courier-Bold", 7.5)
    canvas.drawString(
        max(2 * mm, MARGIN - 2 * mm + (QR_SIDE - url_width) / 2), MARGIN, info.display_url
    )

    right = MARGIN - 2 * mm + QR_SIDE + 3 * mm
    column = width - right - MARGIN
    y = height - band - 5 * mm
    y = _text(
        canvas,
        info.name,
        x=right,
        top=y,
        width=column,
        font="Helvetica-Bold",
        size=15,
        color=black,
        max_lines=3,
    )
    y = _text(
        canvas,
        info.position,
        x=right,
        top=y - 1 * mm,
        width=column,
        font="Helvetica",
        size=9.5,
        color=MUTED,
        max_lines=2,
    )
    y = _text(
        canvas,
        info.invitation,
        x=right,
        top=y - 6 * mm,
        width=column,
        font="Helvetica-Bold",
        size=13,
        color=NAVY,
        max_lines=2,
    )
    _text(
        canvas,
        info.call,
        x=right,
        top=y - 1 * mm,
        width=column,
        font="Helvetica",
        size=9,
        color=MUTED,
        max_lines=4,
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()
