"""QR codes for the survey links printed at each service counter.

Error correction defaults to level Q (about 25 % of the symbol can be lost).
Counter posters get taped up, laminated, scuffed and photographed through glare,
and Q survives that far better than M (15 %). For the short links we print
(``https://<host>/s/<token>``, roughly 25-40 bytes) Q usually lands on the same
or the next symbol version as M, so the modules stay large enough to scan from a
metre away. Callers that encode long URLs on small stickers may pass ``"M"``.

The quiet zone (blank margin) is 4 modules, as ISO/IEC 18004 requires; many
phone scanners fail on less.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import qrcode
import qrcode.constants

ErrorCorrection = Literal["L", "M", "Q", "H"]

QUIET_ZONE = 4
DEFAULT_ERROR_CORRECTION: ErrorCorrection = "Q"
DEFAULT_TITLE = "Kode QR survei kepuasan layanan"

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True)
class QrMatrix:
    """The dark/light modules of one QR symbol, without its quiet zone.

    Row 0 is the top row, as read on paper or screen.
    """

    modules: tuple[tuple[bool, ...], ...]
    version: int
    error_correction: ErrorCorrection

    @property
    def size(self) -> int:
        """Modules per side of the symbol itself (21 for version 1, +4 per version)."""
        return len(self.modules)

    def rectangles(self) -> Iterator[tuple[int, int, int, int]]:
        """Dark areas as ``(column, row, width, height)`` rectangles in module units.

        Horizontal runs are merged, then identical runs in consecutive rows, which
        keeps the SVG and PDF paths a fraction of one-square-per-module.
        """
        open_runs: dict[tuple[int, int], int] = {}  # (column, width) -> first row
        for row, line in enumerate((*self.modules, ())):
            runs = dict.fromkeys(_runs(line))
            for key in list(open_runs):
                if key not in runs:
                    start = open_runs.pop(key)
                    yield key[0], start, key[1], row - start
            for key in runs:
                open_runs.setdefault(key, row)


def _runs(line: tuple[bool, ...]) -> Iterator[tuple[int, int]]:
    """``(start, length)`` of each run of dark modules in one row."""
    start = None
    for column, dark in enumerate((*line, False)):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            yield start, column - start
            start = None


def _qr(
    url: str, error_correction: ErrorCorrection, border: int, box_size: int = 1
) -> qrcode.QRCode:
    if not url:
        raise ValueError("a QR code needs a non-empty URL")
    try:
        level = _LEVELS[error_correction]
    except KeyError:
        raise ValueError(f"unknown error correction level {error_correction!r}") from None
    code = qrcode.QRCode(error_correction=level, border=border, box_size=box_size)
    code.add_data(url.encode("utf-8"))
    code.make(fit=True)
    return code


def qr_matrix(
    url: str, *, error_correction: ErrorCorrection = DEFAULT_ERROR_CORRECTION
) -> QrMatrix:
    """The module matrix for ``url``, for drawing the code as vectors (PDF posters)."""
    code = _qr(url, error_correction, border=0)
    modules = tuple(tuple(bool(m) for m in row) for row in code.get_matrix())
    return QrMatrix(modules=modules, version=code.version, error_correction=error_correction)


def qr_png(
    url: str,
    *,
    box_size: int = 10,
    border: int = QUIET_ZONE,
    error_correction: ErrorCorrection = DEFAULT_ERROR_CORRECTION,
) -> bytes:
    """A black-on-white PNG, ``box_size`` pixels per module, ``border`` modules of margin."""
    if box_size < 1 or border < 0:
        raise ValueError("box_size must be at least 1 and border at least 0")
    code = _qr(url, error_correction, border=border, box_size=box_size)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def qr_svg(
    url: str,
    *,
    box_size: int = 10,
    border: int = QUIET_ZONE,
    error_correction: ErrorCorrection = DEFAULT_ERROR_CORRECTION,
    title: str = DEFAULT_TITLE,
) -> bytes:
    """A standalone SVG: white background, one path, crisp at any scale.

    ``width``/``height`` default to ``box_size`` px per module so the file has a
    sensible size when opened alone; the ``viewBox`` is in modules, so CSS can
    resize it freely.
    """
    if box_size < 1 or border < 0:
        raise ValueError("box_size must be at least 1 and border at least 0")
    matrix = qr_matrix(url, error_correction=error_correction)
    side = matrix.size + 2 * border
    path = "".join(
        f"M{x + border} {y + border}h{w}v{h}h-{w}z" for x, y, w, h in matrix.rectangles()
    )
    pixels = side * box_size
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{pixels}" '
        f'height="{pixels}" viewBox="0 0 {side} {side}" role="img" '
        f'aria-label={quoteattr(title)} shape-rendering="crispEdges">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/>'
        "</svg>\n"
    )
    return svg.encode("utf-8")
