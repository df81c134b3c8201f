"""Charts drawn on the server as inline SVG: no script, no CDN, a few kilobytes each.

Each function returns the ``<svg>`` only; the template puts it in a
``<figure>`` with a visible caption and a data table for screen readers (the
SVG itself is ``aria-hidden``). All text placed in the SVG is escaped here.
Values arrive already formatted where they are shown, so numbers read the same
in the chart, its tooltip and its table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

#: lower bounds of grades C, B and A on the 25–100 scale, with the band colours
GRADE_BANDS = (
    (Decimal("25"), Decimal("65.00"), "#fbe3e4", "D"),
    (Decimal("65.00"), Decimal("76.61"), "#fdf0d5", "C"),
    (Decimal("76.61"), Decimal("88.31"), "#e3eefb", "B"),
    (Decimal("88.31"), Decimal("100"), "#e2f3e6", "A"),
)
INK = "#1b1f24"
MUTED = "#4a5561"
ACCENT = "#0b5cab"
WEAK = "#b00020"
FONT = 'font-family="system-ui,sans-serif" font-size="12"'
#: longer bar labels are cut (the full name is in the tooltip and the table)
LABEL_CHARS = 44


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    # every text in ``body`` went through escape() in _text or at its f-string
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' xmlns="http://www.w3.org/2000/svg" aria-hidden="true"'
        f' focusable="false"'
        f' data-chart="{escape(label)}" {FONT}>' + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal | None
    #: shown in the tooltip, e.g. "Maret 2025: 82,41 (n = 312)"
    title: str


def trend(points: Sequence[Point], *, low: Decimal | None = None, name: str = "trend") -> Markup:
    """A line of converted IKM values over months on grade bands; gaps where a month is empty."""
    width, height = 720, 260
    left, right, top, bottom = 44, 28, 12, 36
    values = [p.value for p in points if p.value is not None]
    floor = low if low is not None else Decimal("25")
    if low is None and values:
        floor = max(Decimal("25"), min(Decimal("60"), (min(values) - 5) // 5 * 5))
    ceiling = Decimal("100")
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(value: Decimal) -> float:
        return top + float((ceiling - value) / (ceiling - floor)) * plot_h

    step = plot_w / max(len(points), 1)

    def x(index: int) -> float:
        return left + step * (index + 0.5)

    body = []
    for band_low, band_high, colour, letter in GRADE_BANDS:
        lo, hi = max(band_low, floor), min(band_high, ceiling)
        if hi <= lo:
            continue
        body.append(
            f'<rect x="{left}" y="{y(hi):.1f}" width="{plot_w}" height="{y(lo) - y(hi):.1f}"'
            f' fill="{colour}"/>'
        )
        body.append(_text(width - right + 6, (y(lo) + y(hi)) / 2 + 4, letter, fill=MUTED))
    for tick in range(int(floor), 101, 10 if ceiling - floor > 40 else 5):
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(Decimal(tick)):.1f}"'
            f' y2="{y(Decimal(tick)):.1f}" stroke="#c9d1d9" stroke-width="0.5"/>'
        )
        body.append(_text(left - 6, y(Decimal(tick)) + 4, str(tick), anchor="end", fill=MUTED))
    segment: list[str] = []
    segments = []
    for index, point in enumerate(points):
        if point.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point.value):.1f}")
    if segment:
        segments.append(segment)
    for part in segments:
        body.append(
            f'<polyline points="{" ".join(part)}" fill="none" stroke="{ACCENT}"'
            ' stroke-width="2.5"/>'
        )
    for index, point in enumerate(points):
        body.append(_text(x(index), height - bottom + 18, point.label, anchor="middle", fill=MUTED))
        if point.value is not None:
            body.append(
                f'<circle cx="{x(index):.1f}" cy="{y(point.value):.1f}" r="4" fill="{ACCENT}">'
                f"<title>{escape(point.title)}</title></circle>"
            )
    return _svg(width, height, body, name)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None
    #: the value as printed at the end of the bar
    shown: str
    highlight: bool = False
    note: str = ""


def element_bars(bars: Sequence[Bar], *, name: str = "elements") -> Markup:
    """Horizontal bars on the 25–100 scale, grade boundaries dashed, weak ones highlighted."""
    row, label_w, width = 30, 300, 760
    top, bottom = 8, 26
    height = top + row * len(bars) + bottom
    plot_w = width - label_w - 110

    def x(value: Decimal) -> float:
        return label_w + float((value - 25) / 75) * plot_w

    body = []
    for boundary in (Decimal("65.00"), Decimal("76.61"), Decimal("88.31")):
        body.append(
            f'<line x1="{x(boundary):.1f}" x2="{x(boundary):.1f}" y1="{top}"'
            f' y2="{height - bottom}" stroke="{MUTED}" stroke-dasharray="3 3" stroke-width="0.8"/>'
        )
    for band_low, band_high, _, letter in GRADE_BANDS:
        middle = (band_low + band_high) / 2
        body.append(_text(x(middle), height - 8, letter, anchor="middle", fill=MUTED))
    for index, bar in enumerate(bars):
        y = top + index * row
        weight = ' font-weight="700"' if bar.highlight else ""
        label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
        body.append(_text(label_w - 8, y + 19, label, anchor="end", extra=weight))
        if bar.value is None:
            body.append(_text(label_w + 4, y + 19, bar.shown, fill=MUTED))
            continue
        colour = WEAK if bar.highlight else ACCENT
        body.append(
            f'<rect x="{label_w}" y="{y + 6}" width="{max(x(bar.value) - label_w, 1):.1f}"'
            f' height="{row - 12}" fill="{colour}"><title>{escape(bar.label)}: '
            f"{escape(bar.shown)}</title></rect>"
        )
        text = bar.shown + (f"  {bar.note}" if bar.note else "")
        body.append(_text(x(bar.value) + 6, y + 19, text, fill=colour, extra=weight))
    return _svg(width, height, body, name)


def columns(
    items: Sequence[tuple[str, int, str]], *, every: int = 1, name: str = "volume"
) -> Markup:
    """Vertical bars of counts: (axis label, count, tooltip); every n-th axis label shown."""
    width, height = 720, 200
    left, right, top, bottom = 44, 8, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((count for _, count, _ in items), default=0) or 1
    step = plot_w / max(len(items), 1)
    body = [
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"'
        f' stroke="{MUTED}" stroke-width="0.8"/>',
        _text(left - 6, top + 10, f"{highest:,}".replace(",", "."), anchor="end", fill=MUTED),
        _text(left - 6, top + plot_h, "0", anchor="end", fill=MUTED),
    ]
    for index, (label, count, title) in enumerate(items):
        bar_h = plot_h * count / highest
        x = left + step * index
        body.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{top + plot_h - bar_h:.1f}"'
            f' width="{max(step * 0.8, 1):.1f}" height="{bar_h:.1f}" fill="{ACCENT}">'
            f"<title>{escape(title)}</title></rect>"
        )
        if index % every == 0:
            body.append(_text(x + step / 2, height - 10, label, anchor="middle", fill=MUTED))
    return _svg(width, height, body, name)


def heatmap(
    counts: dict[tuple[int, int], int],
    weekdays: Sequence[str],
    hours: Sequence[int],
    *,
    name: str = "heatmap",
) -> Markup:
    """Weekday rows × local-hour columns, darker for more responses."""
    cell_w, cell_h, left, top = 26, 24, 70, 22
    width = left + cell_w * len(hours) + 8
    height = top + cell_h * len(weekdays) + 8
    highest = max(counts.values(), default=0) or 1
    body = []
    for column, hour in enumerate(hours):
        body.append(
            _text(
                left + cell_w * column + cell_w / 2, 15, f"{hour:02d}", anchor="middle", fill=MUTED
            )
        )
    for row, weekday in enumerate(weekdays):
        y = top + cell_h * row
        body.append(_text(left - 8, y + 16, weekday, anchor="end"))
        for column, hour in enumerate(hours):
            count = counts.get((row, hour), 0)
            share = count / highest
            body.append(
                f'<rect x="{left + cell_w * column}" y="{y}" width="{cell_w - 2}"'
                f' height="{cell_h - 2}" fill="{ACCENT}" fill-opacity="{0.06 + 0.94 * share:.2f}"'
                f' stroke="#c9d1d9" stroke-width="0.5"><title>{escape(weekday)} {hour:02d}.00: '
                f"{count}</title></rect>"
            )
    return _svg(width, height, body, name)
