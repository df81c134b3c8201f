"""Printable counter posters: the survey QR code with who, where and why, in A4 or A5.

Layout is computed first (``layout_poster``) and drawn second, so tests and
callers can check geometry (QR width, text staying on the page) without parsing
the PDF. Text uses the 14 standard PDF fonts: nothing is embedded, pages stay
small and pdftotext reads them. Those fonts cover Latin-1/WinAnsi, which is
enough for Indonesian and English names.

Sizes follow the "scan distance is about ten times the code width" rule: the
symbol (without its quiet zone) is at least 10 cm wide on A4 and 8 cm on A5.
Long names shrink, then wrap, then (only past a few lines at a still legible
minimum size) end in an ellipsis; nothing is drawn outside the page margins.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.pdfgen.canvas import Canvas

from exports.qr import QUIET_ZONE, QrMatrix, qr_matrix

PAGE_SIZES = {"A4": A4, "A5": A5}
# Smallest QR symbol per paper size (scannable from about a metre on A4).
MIN_QR_WIDTH = {"A4": 100 * mm, "A5": 80 * mm}

# Contrast on white: NAVY 11.6:1, INK 17:1, MUTED 8.9:1 (WCAG AAA is 7:1).
NAVY = HexColor("#0B3A66")
INK = HexColor("#1B1B1B")
MUTED = HexColor("#4A4A4A")
BAND_SUBTLE = HexColor("#D6E4F5")  # 9:1 on NAVY

ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class PosterTexts:
    """The fixed wording of a poster; replace it for English or local variants."""

    invitation: str = "Bagaimana pelayanan kami hari ini?"
    call_to_action: str = "Pindai kode QR ini untuk menilai"
    secondary: str | None = "How was our service today? Scan the code to rate us."
    link_label: str = "Tidak bisa memindai? Buka alamat ini:"
    privacy: str = (
        "Survei ini anonim: kami tidak meminta nama, NIK atau nomor telepon. "
        "Data dipakai untuk memperbaiki layanan."
    )
    document_title: str = "Poster survei kepuasan layanan"
    lang: str = "id"


ENGLISH_TEXTS = PosterTexts(
    invitation="How was our service today?",
    call_to_action="Scan this QR code to rate us",
    secondary=None,
    link_label="Cannot scan? Open this address:",
    privacy=(
        "This survey is anonymous: we do not ask for your name, ID number (NIK) or "
        "phone number. Answers are used to improve our service."
    ),
    document_title="Service feedback poster",
    lang="en",
)


@dataclass(frozen=True)
class PosterInfo:
    """One counter's poster. ``url`` is encoded; ``display_url`` is printed (no scheme)."""

    agency: str
    unit: str
    counter: str
    location: str | None
    url: str
    display_url: str
    duration_hint: str | None = None  # e.g. "± 1 menit"
    texts: PosterTexts = field(default_factory=PosterTexts)

    def __post_init__(self) -> None:
        for name in ("agency", "unit", "counter", "url", "display_url"):
            if not getattr(self, name).strip():
                raise ValueError(f"a poster needs a non-empty {name}")


@dataclass(frozen=True)
class TextLine:
    """One line of text as drawn: ``x`` is its left edge, ``y`` its baseline (points)."""

    text: str
    x: float
    y: float
    font: str
    size: float
    color: Color

    @property
    def width(self) -> float:
        return stringWidth(self.text, self.font, self.size)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` in points."""
        ascent, descent = getAscentDescent(self.font, self.size)
        return self.x, self.y + descent, self.x + self.width, self.y + ascent


@dataclass(frozen=True)
class QrPlacement:
    """Where the symbol sits: ``x``/``y`` is its bottom-left corner, quiet zone excluded."""

    matrix: QrMatrix
    x: float
    y: float
    module: float

    @property
    def width(self) -> float:
        return self.module * self.matrix.size

    @property
    def width_mm(self) -> float:
        return self.width / mm

    @property
    def quiet_box(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` including the quiet zone, which must stay blank."""
        pad = QUIET_ZONE * self.module
        return self.x - pad, self.y - pad, self.x + self.width + pad, self.y + self.width + pad


@dataclass(frozen=True)
class PosterLayout:
    width: float
    height: float
    margin: float
    band: tuple[float, float, float, float]  # header band: x, y, width, height
    lines: tuple[TextLine, ...]
    qr: QrPlacement


@dataclass(frozen=True)
class _Style:
    font: str
    size: float  # at full scale on A4
    min_size: float  # never smaller, whatever the paper or text length
    max_lines: int
    color: Color
    leading: float = 1.18
    one_line_down_to: float = 0.8  # shrink this far to stay on one line before wrapping


_AGENCY = _Style("Helvetica-Bold", 15, 8, 2, BAND_SUBTLE)
_UNIT = _Style("Helvetica-Bold", 23, 10, 3, white)
_COUNTER = _Style("Helvetica-Bold", 38, 13, 3, NAVY, leading=1.1)
_LOCATION = _Style("Helvetica", 16, 8, 2, MUTED)
_INVITATION = _Style("Helvetica-Bold", 31, 14, 2, INK, leading=1.12)
_CALL = _Style("Helvetica", 20, 10, 2, INK)
_SECONDARY = _Style("Helvetica-Oblique", 14, 8, 2, MUTED)
_LINK_LABEL = _Style("Helvetica", 13, 8, 2, MUTED)
_LINK = _Style("Courier-Bold", 27, 10, 3, INK, one_line_down_to=0.6)
_PRIVACY = _Style("Helvetica", 11, 7, 3, MUTED, leading=1.25, one_line_down_to=1.0)

_URL_PIECES = re.compile(r"[^/?&=.-]+[/?&=.-]*|[/?&=.-]+")


class _Words:
    """Text cut where a line may break, with each piece's width at 1 pt.

    Standard-font widths are additive and linear in the size, so wrapping at any
    size is arithmetic on these numbers rather than repeated ``stringWidth`` calls.
    """

    def __init__(self, text: str, font: str, *, url: bool) -> None:
        self.pieces, self.sep = (_URL_PIECES.findall(text), "") if url else (text.split(), " ")
        self.font = font
        self.widths = [stringWidth(piece, font, 1) for piece in self.pieces]
        self.sep_width = stringWidth(self.sep, font, 1)

    def wrap(self, size: float, width: float) -> list[str]:
        """Greedy line filling; a piece wider than the line is cut between characters."""
        limit = width / size
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for piece, piece_width in zip(self.pieces, self.widths, strict=True):
            if current and used + self.sep_width + piece_width <= limit:
                current.append(piece)
                used += self.sep_width + piece_width
                continue
            if current:
                lines.append(self.sep.join(current))
            if piece_width > limit:
                *full, piece = self._cut(piece, limit)
                lines.extend(full)
                piece_width = stringWidth(piece, self.font, 1)
            current, used = [piece], piece_width
        if current:
            lines.append(self.sep.join(current))
        return lines

    def _cut(self, piece: str, limit: float) -> list[str]:
        parts: list[str] = []
        start, used = 0, 0.0
        for index, char in enumerate(piece):
            char_width = stringWidth(char, self.font, 1)
            if used + char_width > limit and index > start:
                parts.append(piece[start:index])
                start, used = index, 0.0
            used += char_width
        parts.append(piece[start:])
        return parts

    def balance(self, size: float, width: float, lines: list[str]) -> list[str]:
        """Same number of lines, but as even as possible (no lone last word under a heading)."""
        low, high = width / len(lines), width
        while high - low > 1:
            middle = (low + high) / 2
            if len(self.wrap(size, middle)) <= len(lines):
                high = middle
            else:
                low = middle
        return self.wrap(size, high)


def _fit(
    text: str, style: _Style, scale: float, width: float, *, url: bool = False
) -> tuple[float, list[str]]:
    """Largest size (≤ the style's, ≥ its minimum) at which ``text`` fits its line budget.

    One line is preferred while the size stays above ``style.one_line_down_to`` of
    the full size; only then does the text wrap, at the largest size that fits.
    """
    words = _Words(text, style.font, url=url)
    size = max(style.size * scale, style.min_size)
    one_line_floor = max(size * style.one_line_down_to, style.min_size)
    for max_lines, floor in ((1, one_line_floor), (style.max_lines, style.min_size)):
        trial = size
        while True:
            lines = words.wrap(trial, width)
            if len(lines) <= max_lines:
                if len(lines) > 1:
                    lines = words.balance(trial, width, lines)
                return trial, lines
            if trial <= floor:
                break
            trial = max(floor, trial - 0.5)
    lines = lines[: style.max_lines]
    last = lines[-1]
    while last and stringWidth(last + ELLIPSIS, style.font, trial) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + ELLIPSIS
    return trial, lines


class _Column:
    """Stacks centred text blocks downwards from ``top``."""

    def __init__(self, center: float, top: float, width: float, scale: float) -> None:
        self.center, self.y, self.width, self.scale = center, top, width, scale
        self.lines: list[TextLine] = []

    def add(self, text: str | None, style: _Style, *, url: bool = False) -> None:
        if not text or not text.strip():
            return
        size, wrapped = _fit(text.strip(), style, self.scale, self.width, url=url)
        ascent, descent = getAscentDescent(style.font, size)
        baseline = self.y - ascent
        for line in wrapped:
            x = self.center - stringWidth(line, style.font, size) / 2
            self.lines.append(TextLine(line, x, baseline, style.font, size, style.color))
            baseline -= size * style.leading
        self.y = baseline + size * style.leading + descent

    def gap(self, points: float) -> None:
        self.y -= points


def _paper(size: str) -> tuple[str, tuple[float, float]]:
    key = size.upper()
    if key not in PAGE_SIZES:
        raise ValueError(f"unknown poster size {size!r}; use one of {', '.join(PAGE_SIZES)}")
    return key, PAGE_SIZES[key]


def layout_poster(info: PosterInfo, size: str = "A4") -> PosterLayout:
    """Place every element; text shrinks step by step until the QR code gets its minimum."""
    paper, (width, height) = _paper(size)
    matrix = qr_matrix(info.url)
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5):
        layout = _layout(info, matrix, width, height, scale)
        if layout.qr.width >= MIN_QR_WIDTH[paper] - 0.01:
            return layout
    raise ValueError("poster text too long to leave room for the QR code")  # pragma: no cover


def _layout(
    info: PosterInfo, matrix: QrMatrix, width: float, height: float, scale: float
) -> PosterLayout:
    paper_scale = width / A4[0]  # A5 is ~0.7 of A4 in every direction
    text_scale = paper_scale * scale
    margin = 12 * mm * paper_scale
    content = width - 2 * margin
    center = width / 2
    texts = info.texts

    # Header band: agency and unit, white on navy.
    pad = 6 * mm * text_scale
    band_top = height - margin
    head = _Column(center, band_top - pad, content - 2 * pad, text_scale)
    head.add(info.agency, _AGENCY)
    head.gap(1.5 * mm * text_scale)
    head.add(info.unit, _UNIT)
    band_bottom = head.y - pad
    band = (margin, band_bottom, content, band_top - band_bottom)

    top = _Column(center, band_bottom - 8 * mm * text_scale, content, text_scale)
    top.add(info.counter, _COUNTER)
    top.gap(1.5 * mm * text_scale)
    top.add(info.location, _LOCATION)
    top.gap(8 * mm * text_scale)
    top.add(texts.invitation, _INVITATION)
    top.gap(2 * mm * text_scale)
    call = texts.call_to_action
    if info.duration_hint:
        call = f"{call} \u00b7 {info.duration_hint}"
    top.add(call, _CALL)
    top.gap(1.5 * mm * text_scale)
    top.add(texts.secondary, _SECONDARY)

    # Bottom block, measured first at the top of the page then moved down.
    bottom = _Column(center, 0, content, text_scale)
    bottom.add(texts.link_label, _LINK_LABEL)
    bottom.gap(1.5 * mm * text_scale)
    bottom.add(info.display_url, _LINK, url=True)
    bottom.gap(7 * mm * text_scale)
    bottom.add(texts.privacy, _PRIVACY)
    shift = margin - bottom.y
    bottom_lines = [
        TextLine(line.text, line.x, line.y + shift, line.font, line.size, line.color)
        for line in bottom.lines
    ]
    bottom_top = shift

    # The QR code takes what is left; its quiet zone doubles as the white space around it.
    gap = 4 * mm * paper_scale
    room_top, room_bottom = top.y - gap, bottom_top + gap
    modules_with_quiet = matrix.size + 2 * QUIET_ZONE
    box = min(room_top - room_bottom, content, 0.62 * width * modules_with_quiet / matrix.size)
    module = box / modules_with_quiet
    symbol = module * matrix.size
    x = center - symbol / 2
    y = (room_top + room_bottom) / 2 - symbol / 2
    qr = QrPlacement(matrix=matrix, x=x, y=y, module=module)

    return PosterLayout(
        width=width,
        height=height,
        margin=margin,
        band=band,
        lines=(*head.lines, *top.lines, *bottom_lines),
        qr=qr,
    )


def _draw(canvas: Canvas, layout: PosterLayout) -> None:
    x, y, w, h = layout.band
    canvas.setFillColor(NAVY)
    canvas.roundRect(x, y, w, h, radius=3 * mm * layout.width / A4[0], stroke=0, fill=1)

    for line in layout.lines:
        canvas.setFillColor(line.color)
        canvas.setFont(line.font, line.size)
        canvas.drawString(line.x, line.y, line.text)

    qr = layout.qr
    left, bottom, right, top = qr.quiet_box
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(1.2)
    canvas.roundRect(left, bottom, right - left, top - bottom, radius=2 * qr.module)

    # Drawn in module units (integers) under a scaling transform: exact, compact, fast.
    n = qr.matrix.size
    rects = " ".join(
        f"{col} {n - row - rows} {cols} {rows} re"
        for col, row, cols, rows in qr.matrix.rectangles()
    )
    canvas.saveState()
    canvas.translate(qr.x, qr.y)
    canvas.scale(qr.module, qr.module)
    canvas.setFillColor(black)
    canvas.addLiteral(f"{rects} f")
    canvas.restoreState()


def write_posters(infos: Iterable[PosterInfo], sink: BinaryIO, size: str = "A4") -> int:
    """Write one PDF, one page per counter, to ``sink``; returns the page count.

    ``infos`` may be a generator: pages are laid out one at a time. ReportLab
    keeps each finished page (a few KB, compressed) until the document is
    written at the end, so memory grows with the page count, not the page content.
    """
    _, pagesize = _paper(size)
    iterator = iter(infos)
    first = next(iterator, None)
    if first is None:
        raise ValueError("no counters to make posters for")
    canvas = Canvas(sink, pagesize=pagesize, pageCompression=1, lang=first.texts.lang)
    agencies: dict[str, None] = {}
    pages = 0
    for info in itertools.chain([first], iterator):
        _draw(canvas, layout_poster(info, size))
        canvas.showPage()
        agencies.setdefault(info.agency)
        pages += 1

    title = first.texts.document_title
    if pages == 1:
        title = f"{title}: {first.unit} \u2014 {first.counter}"
    elif len(agencies) == 1:
        title = f"{title}: {first.agency}"
    canvas.setTitle(title)
    canvas.setAuthor("; ".join(agencies))
    canvas.setSubject(first.texts.invitation)
    canvas.setCreator("feedback_app")
    canvas.save()
    return pages


def posters_pdf(infos: Iterable[PosterInfo], size: str = "A4") -> bytes:
    """One PDF with a page per counter, as bytes."""
    out = io.BytesIO()
    write_posters(infos, out, size)
    return out.getvalue()


def poster_pdf(info: PosterInfo, size: str = "A4") -> bytes:
    """The poster for a single counter."""
    return posters_pdf([info], size)
