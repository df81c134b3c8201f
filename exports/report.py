"""The PDF "Laporan Hasil SKM" (reportlab platypus), in the usual outline of BAB I–V.

The caller computes every figure (:class:`SkmReport`); this module only lays
it out. All text from the database passes through :func:`esc` before it goes
into a Paragraph (whose mini-markup would otherwise read ``<b>`` or
``<script>`` as tags). The 14 standard PDF fonts are used, as for posters:
nothing embedded, small files, pdftotext and pypdf read the text back.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

PDF_MIMETYPE = "application/pdf"

NAVY = colors.HexColor("#0B3A66")
LIGHT = colors.HexColor("#D6E4F5")
GRID = colors.HexColor("#9AA5B1")

#: the regulation's interval table (PermenPANRB 14/2017), for BAB II
GRADE_TABLE = (
    ("1,00 – 2,5996", "25,00 – 64,99", "D", "Tidak baik"),
    ("2,60 – 3,064", "65,00 – 76,60", "C", "Kurang baik"),
    ("3,0644 – 3,532", "76,61 – 88,30", "B", "Baik"),
    ("3,5324 – 4,00", "88,31 – 100,00", "A", "Sangat baik"),
)


def esc(value: object) -> str:
    """Text safe inside a reportlab Paragraph (no markup from the data)."""
    return escape("" if value is None else str(value))


def num(value: Decimal | float | int | None, places: int = 2) -> str:
    """A number the Indonesian way: 77,78; "–" when there is none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    text = f"{Decimal(value):,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@dataclass(frozen=True)
class ElementRow:
    key: str
    name: str
    n: int
    nrr: Decimal | None
    score: Decimal | None
    grade: str | None


@dataclass(frozen=True)
class UnitRow:
    name: str
    n: int
    score: Decimal | None
    grade: str | None
    grade_label: str | None
    interval: str | None = None
    population: int | None = None
    minimum: int | None = None
    reached: bool | None = None


@dataclass(frozen=True)
class ProfileTable:
    title: str
    #: (label, count)
    rows: Sequence[tuple[str, int]]


@dataclass(frozen=True)
class PlanRow:
    element: str
    score: Decimal | None
    grade: str | None
    #: (action, owner, due date text, done)
    actions: Sequence[tuple[str, str | None, str | None, bool]] = ()


@dataclass(frozen=True)
class TrendRow:
    label: str
    n: int
    score: Decimal | None
    grade: str | None


@dataclass(frozen=True)
class Signature:
    place: str
    date: str
    title: str | None
    name: str | None
    nip: str | None


@dataclass
class SkmReport:
    agency: str
    #: the unit subtree reported on, or the agency
    scope: str
    period: str
    respondents: int
    score: Decimal | None
    index: Decimal | None
    grade: str | None
    grade_label: str | None
    interval: str | None
    weight: str
    elements: Sequence[ElementRow]
    units: Sequence[UnitRow]
    signature: Signature
    profiles: Sequence[ProfileTable] = ()
    weakest: Sequence[PlanRow] = ()
    strongest: Sequence[ElementRow] = ()
    trend: Sequence[TrendRow] = ()
    #: (channel label, count) for BAB II
    channels: Sequence[tuple[str, int]] = ()
    population: int | None = None
    minimum_sample: int | None = None
    flagged_included: bool = False
    generated: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- styles


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=10.5,
                          leading=14.5, spaceAfter=5)  # fmt: skip
    return {
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=18,
            leading=23,
            alignment=TA_CENTER,
            textColor=NAVY,
        ),  # fmt: skip
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=12.5, leading=17, alignment=TA_CENTER
        ),  # fmt: skip
        "bab": ParagraphStyle(
            "bab",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=14,
            leading=18,
            spaceBefore=6,
            spaceAfter=8,
            textColor=NAVY,
        ),  # fmt: skip
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
        ),  # fmt: skip
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0),
        "head": ParagraphStyle(
            "head",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=9,
            leading=11.5,
            spaceAfter=0,
            textColor=colors.white,
        ),  # fmt: skip
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11),
        "sign": ParagraphStyle("sign", parent=body, alignment=TA_CENTER, spaceAfter=0),
    }


def _table(
    styles: dict[str, ParagraphStyle],
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    numeric: Sequence[int] = (),
    total_row: bool = False,
) -> Table:
    data = [[Paragraph(esc(h), styles["head"]) for h in header]]
    for row in rows:
        data.append([Paragraph(esc(cell), styles["cell"]) for cell in row])
    table = Table(data, colWidths=widths, repeatRows=1)
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F6FA")]),
    ]
    for col in numeric:
        commands.append(("ALIGN", (col, 1), (col, -1), "RIGHT"))
    if total_row and rows:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), LIGHT))
    table.setStyle(TableStyle(commands))
    return table


def _bar_chart(
    labels: Sequence[str], values: Sequence[float], *, width: float, title: str
) -> Drawing:
    """Horizontal bars on the 25–100 scale, with the B (76,61) and A (88,31) lines."""
    height = 26 + 16 * max(len(values), 1) + 24
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 24
    chart.width, chart.height = width - 170, height - 50
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = [label[:32] for label in labels] or [""]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 10
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7.5
    chart.bars[0].fillColor = NAVY
    chart.barLabelFormat = lambda v: num(Decimal(str(v)))
    chart.barLabels.fontName = "Helvetica"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 14
    drawing.add(chart)
    for threshold, colour in ((76.61, colors.HexColor("#C98A00")), (88.31, colors.green)):
        x = chart.x + chart.width * threshold / 100
        drawing.add(Line(x, chart.y, x, chart.y + chart.height, strokeColor=colour,
                         strokeDashArray=[2, 2], strokeWidth=0.8))  # fmt: skip
    drawing.add(String(0, height - 12, title, fontName="Helvetica-Bold", fontSize=9))
    return drawing


def _trend_chart(rows: Sequence[TrendRow], *, width: float) -> Drawing:
    height = 170
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, width - 60, height - 55
    chart.data = [[float(r.score) if r.score is not None else 0 for r in rows]]
    chart.categoryAxis.categoryNames = [r.label for r in rows]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7.5
    chart.bars[0].fillColor = NAVY
    chart.barLabelFormat = lambda v: num(Decimal(str(v))) if v else "–"
    chart.barLabels.fontName = "Helvetica"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 7
    drawing.add(chart)
    drawing.add(String(0, height - 12, "Tren IKM", fontName="Helvetica-Bold", fontSize=9))
    return drawing


# --------------------------------------------------------------------------- chapters


def _cover(report: SkmReport, s: dict[str, ParagraphStyle]) -> list:
    return [
        Spacer(1, 45 * mm),
        Paragraph("LAPORAN HASIL", s["title"]),
        Paragraph("SURVEI KEPUASAN MASYARAKAT (SKM)", s["title"]),
        Spacer(1, 10 * mm),
        Paragraph(esc(report.scope), s["subtitle"]),
        Paragraph(esc(report.agency), s["subtitle"]),
        Spacer(1, 6 * mm),
        Paragraph("Periode " + esc(report.period), s["subtitle"]),
        Spacer(1, 30 * mm),
        Paragraph(
            "Disusun berdasarkan Peraturan Menteri Pendayagunaan Aparatur Negara dan "
            "Reformasi Birokrasi Nomor 14 Tahun 2017",
            s["subtitle"],
        ),
        Spacer(1, 8 * mm),
        Paragraph(esc(report.generated), s["small"]),
        PageBreak(),
    ]


def _bab1(report: SkmReport, s: dict[str, ParagraphStyle]) -> list:
    who = esc(report.scope)
    return [
        Paragraph("BAB I<br/>PENDAHULUAN", s["bab"]),
        Paragraph("1.1 Latar Belakang", s["h2"]),
        Paragraph(
            f"Pelayanan publik yang berkualitas menjadi hak setiap warga negara. Sebagai "
            f"penyelenggara pelayanan publik, {who} wajib melakukan Survei Kepuasan "
            f"Masyarakat (SKM) secara berkala sebagai bahan evaluasi dan perbaikan "
            f"kualitas pelayanan, serta mempublikasikan hasilnya kepada masyarakat.",
            s["body"],
        ),
        Paragraph("1.2 Dasar Hukum", s["h2"]),
        Paragraph(
            "1. Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;<br/>"
            "2. Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan Undang-Undang "
            "Nomor 25 Tahun 2009 tentang Pelayanan Publik;<br/>"
            "3. Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan "
            "Survei Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik.",
            s["body"],
        ),
        Paragraph("1.3 Maksud dan Tujuan", s["h2"]),
        Paragraph(
            "Survei ini dimaksudkan untuk mengetahui tingkat kepuasan masyarakat atas "
            "pelayanan yang diberikan, dengan tujuan: mengukur Indeks Kepuasan Masyarakat "
            "(IKM) secara berkala; mengetahui unsur pelayanan yang masih lemah; dan "
            "menyusun rencana tindak lanjut perbaikan pelayanan.",
            s["body"],
        ),
        PageBreak(),
    ]


def _bab2(report: SkmReport, s: dict[str, ParagraphStyle], width: float) -> list:
    parts = [
        Paragraph("BAB II<br/>PENGUMPULAN DATA SKM", s["bab"]),
        Paragraph("2.1 Pelaksana SKM", s["h2"]),
        Paragraph(
            f"Survei dilaksanakan oleh {esc(report.scope)}, {esc(report.agency)}.", s["body"]
        ),
        Paragraph("2.2 Metode Pengumpulan Data", s["h2"]),
        Paragraph(
            "Data dikumpulkan dengan kuesioner elektronik yang diisi sendiri oleh pengguna "
            "layanan setelah menerima pelayanan, melalui kode QR di loket, tablet kios, "
            "tautan, atau kode transaksi. Kuesioner memuat sembilan unsur pelayanan "
            "sesuai PermenPANRB Nomor 14 Tahun 2017 dengan skala penilaian 1 sampai 4. "
            "Responden tidak diminta menuliskan nama maupun NIK.",
            s["body"],
        ),
    ]
    if report.channels:
        rows = [(label, num(count)) for label, count in report.channels]
        rows.append(("Jumlah", num(sum(c for _, c in report.channels))))
        parts.append(_table(s, ["Saluran pengisian", "Jumlah responden"], rows,
                            [width * 0.6, width * 0.3], numeric=[1], total_row=True))  # fmt: skip
    parts += [
        Paragraph("2.3 Lokasi dan Waktu Pengumpulan Data", s["h2"]),
        Paragraph(
            f"Pengumpulan data dilakukan di lokasi pelayanan {esc(report.scope)} pada "
            f"periode {esc(report.period)}.",
            s["body"],
        ),
        Paragraph("2.4 Penentuan Jumlah Responden", s["h2"]),
    ]
    sample = (
        f"Jumlah populasi penerima layanan pada periode ini adalah {num(report.population)} "
        f"orang; menurut tabel Krejcie dan Morgan, sampel minimum adalah "
        f"{num(report.minimum_sample)} responden. "
        if report.population is not None
        else "Jumlah populasi penerima layanan pada periode ini belum dicatat, sehingga "
        "kecukupan sampel menurut tabel Krejcie dan Morgan belum dapat dinilai. "
    )
    parts.append(
        Paragraph(
            sample
            + f"Jumlah responden yang terkumpul adalah {num(report.respondents)} orang"
            + (
                " (termasuk respons yang ditandai)."
                if report.flagged_included
                else "; respons yang ditandai (misalnya dari jaringan kantor) tidak dihitung."
            ),
            s["body"],
        )
    )
    parts += [
        Paragraph(
            "Nilai IKM dihitung dengan rata-rata tertimbang nilai per unsur: IKM = jumlah "
            f"NRR tertimbang ({esc(report.weight)}), dikonversi ke skala 25–100 (× 25), "
            "dan dikategorikan sebagai berikut:",
            s["body"],
        ),
        _table(
            s,
            ["Nilai persepsi", "Nilai interval konversi", "Mutu", "Kinerja unit"],
            GRADE_TABLE,
            [width * 0.25, width * 0.3, width * 0.12, width * 0.28],
        ),  # fmt: skip
        PageBreak(),
    ]
    return parts


def _bab3(report: SkmReport, s: dict[str, ParagraphStyle], width: float) -> list:
    parts: list = [
        Paragraph("BAB III<br/>HASIL PENGOLAHAN DATA SKM", s["bab"]),
        Paragraph("3.1 Profil Responden", s["h2"]),
    ]
    if report.profiles:
        for profile in report.profiles:
            total = sum(count for _, count in profile.rows)
            rows = [
                (label, num(count), num(Decimal(count * 100) / total) + " %" if total else "–")
                for label, count in profile.rows
            ]
            rows.append(("Jumlah", num(total), "100,00 %" if total else "–"))
            parts.append(
                KeepTogether(
                    [
                        Paragraph(esc(profile.title), s["body"]),
                        _table(
                            s,
                            ["Kategori", "Jumlah", "Persentase"],
                            rows,
                            [width * 0.5, width * 0.2, width * 0.2],
                            numeric=[1, 2],
                            total_row=True,
                        ),  # fmt: skip
                        Spacer(1, 4 * mm),
                    ]
                )
            )
    else:
        parts.append(Paragraph("Kuesioner tidak memuat pertanyaan profil responden.", s["body"]))

    parts.append(Paragraph("3.2 Indeks Kepuasan Masyarakat per Unsur", s["h2"]))
    rows = [
        (e.key, e.name, num(e.n), num(e.nrr, 3), num(e.score), e.grade or "–")
        for e in report.elements
    ]
    parts.append(_table(s, ["Unsur", "Uraian", "n", "NRR", "Nilai (×25)", "Mutu"], rows,
                        [width * 0.09, width * 0.41, width * 0.1, width * 0.12, width * 0.16,
                         width * 0.1], numeric=[2, 3, 4]))  # fmt: skip
    parts.append(Spacer(1, 4 * mm))
    answered = [e for e in report.elements if e.score is not None]
    if answered:
        parts.append(
            _bar_chart(
                [f"{e.key} {e.name}" for e in answered],
                [float(e.score) for e in answered],
                width=width,
                title="Nilai per unsur (skala 25–100)",
            )  # fmt: skip
        )
    summary = (
        f"Nilai IKM {esc(report.scope)} periode {esc(report.period)} adalah "
        f"<b>{num(report.score)}</b> (nilai indeks {num(report.index, 4)}) dengan mutu "
        f"pelayanan <b>{esc(report.grade or '–')}</b> dan kinerja unit "
        f"<b>{esc(report.grade_label or '–')}</b>, dari {num(report.respondents)} responden."
        if report.score is not None
        else "IKM belum dapat dihitung: belum ada jawaban untuk semua unsur."
    )
    if report.interval:
        summary += f" Selang kepercayaan 95 %: {esc(report.interval)}."
    parts.append(Paragraph(summary, s["body"]))

    parts.append(Paragraph("3.3 Indeks Kepuasan Masyarakat per Unit", s["h2"]))
    unit_rows = []
    for u in report.units:
        if u.minimum is None:
            sample = "populasi belum dicatat"
        else:
            sample = ("cukup" if u.reached else "belum cukup") + f" (min. {num(u.minimum)})"
        unit_rows.append((u.name, num(u.n), num(u.score), u.grade or "–",
                          u.grade_label or "–", u.interval or "–", sample))  # fmt: skip
    parts.append(
        _table(
            s,
            ["Unit", "n", "IKM", "Mutu", "Kinerja", "SK 95 %", "Sampel"],
            unit_rows,
            [
                width * 0.27,
                width * 0.08,
                width * 0.1,
                width * 0.08,
                width * 0.13,
                width * 0.16,
                width * 0.18,
            ],
            numeric=[1, 2],
        )  # fmt: skip
    )
    scored = [u for u in report.units if u.score is not None][:30]
    if len(scored) > 1:
        parts.append(Spacer(1, 4 * mm))
        parts.append(_bar_chart([u.name for u in scored], [float(u.score) for u in scored],
                                width=width, title="IKM per unit"))  # fmt: skip
    parts.append(PageBreak())
    return parts


def _bab4(report: SkmReport, s: dict[str, ParagraphStyle], width: float) -> list:
    parts: list = [
        Paragraph("BAB IV<br/>ANALISIS HASIL SKM", s["bab"]),
        Paragraph("4.1 Unsur dengan Nilai Terendah dan Rencana Tindak Lanjut", s["h2"]),
    ]
    if report.weakest:
        for plan in report.weakest:
            parts.append(
                Paragraph(
                    f"<b>{esc(plan.element)}</b>: nilai {num(plan.score)} "
                    f"(mutu {esc(plan.grade or '–')}).",
                    s["body"],
                )
            )
            if plan.actions:
                rows = [
                    (action, owner or "–", due or "–", "selesai" if done else "direncanakan")
                    for action, owner, due, done in plan.actions
                ]
                header = ["Rencana tindak lanjut", "Penanggung jawab", "Waktu", "Status"]
                widths = [width * 0.46, width * 0.22, width * 0.14, width * 0.16]
                parts.append(_table(s, header, rows, widths))
                parts.append(Spacer(1, 3 * mm))
            else:
                parts.append(
                    Paragraph("Rencana tindak lanjut untuk unsur ini belum dicatat.", s["small"])
                )
    else:
        parts.append(Paragraph("Belum ada nilai unsur pada periode ini.", s["body"]))
    parts.append(Paragraph("4.2 Unsur dengan Nilai Tertinggi", s["h2"]))
    if report.strongest:
        text = "; ".join(f"{esc(e.key)} {esc(e.name)} ({num(e.score)})" for e in report.strongest)
        parts.append(Paragraph(f"Unsur dengan nilai tertinggi: {text}.", s["body"]))
    parts.append(Paragraph("4.3 Tren Nilai IKM", s["h2"]))
    if len(report.trend) > 1:
        rows = [(t.label, num(t.n), num(t.score), t.grade or "–") for t in report.trend]
        parts.append(_table(s, ["Periode", "Responden", "IKM", "Mutu"], rows,
                            [width * 0.4, width * 0.2, width * 0.2, width * 0.15],
                            numeric=[1, 2]))  # fmt: skip
        parts.append(Spacer(1, 4 * mm))
        parts.append(_trend_chart(report.trend, width=width))
        first, last = report.trend[0], report.trend[-1]
        if first.score is not None and last.score is not None:
            change = last.score - first.score
            word = "naik" if change > 0 else "turun" if change < 0 else "tetap"
            parts.append(
                Paragraph(
                    f"Dibandingkan periode {esc(first.label)}, nilai IKM {word} "
                    f"{num(abs(change))} poin.",
                    s["body"],
                )
            )
    else:
        parts.append(Paragraph("Belum ada data periode sebelumnya untuk dibandingkan.", s["body"]))
    for note in report.notes:
        parts.append(Paragraph(esc(note), s["small"]))
    parts.append(PageBreak())
    return parts


def _bab5(report: SkmReport, s: dict[str, ParagraphStyle], width: float) -> list:
    sig = report.signature
    closing = (
        f"Demikian laporan hasil Survei Kepuasan Masyarakat {esc(report.scope)} periode "
        f"{esc(report.period)}. Nilai IKM sebesar {num(report.score)} (mutu "
        f"{esc(report.grade or '–')}, {esc(report.grade_label or '–')}) menjadi dasar "
        "perbaikan pelayanan, terutama pada unsur dengan nilai terendah, dan hasilnya "
        "dipublikasikan kepada masyarakat."
    )
    block = [
        Paragraph(f"{esc(sig.place)}, {esc(sig.date)}", s["sign"]),
        Paragraph(esc(sig.title or "Kepala Instansi"), s["sign"]),
        Spacer(1, 22 * mm),
        Paragraph(f"<u><b>{esc(sig.name or '(nama belum diisi)')}</b></u>", s["sign"]),
        Paragraph("NIP. " + esc(sig.nip or "–"), s["sign"]),
    ]
    signature = Table([["", block]], colWidths=[width * 0.45, width * 0.55])
    return [
        Paragraph("BAB V<br/>PENUTUP", s["bab"]),
        Paragraph(closing, s["body"]),
        Spacer(1, 12 * mm),
        KeepTogether([signature]),
    ]


def write_report(
    output: IO[bytes], report: SkmReport, *, progress: Callable[[int], None] | None = None
) -> None:
    styles = _styles()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"Laporan Hasil SKM {report.scope} {report.period}",
        author=report.agency,
        subject="Survei Kepuasan Masyarakat",
    )
    width = document.width

    def footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#4A4A4A"))
        canvas.drawString(22 * mm, 12 * mm, f"Laporan Hasil SKM — {report.scope}"[:90])
        canvas.drawRightString(A4[0] - 22 * mm, 12 * mm, f"Halaman {doc.page}")
        canvas.restoreState()

    story = [
        *_cover(report, styles),
        *_bab1(report, styles),
        *_bab2(report, styles, width),
        *_bab3(report, styles, width),
        *_bab4(report, styles, width),
        *_bab5(report, styles, width),
    ]
    document.build(story, onFirstPage=lambda c, d: None, onLaterPages=footer)
    if progress is not None:
        progress(1)


def report_bytes(report: SkmReport) -> bytes:
    output = io.BytesIO()
    write_report(output, report)
    return output.getvalue()
