"""How figures and periods read on the pages, in the interface language.

Numbers follow the locale (77,78 in Indonesian, 77.78 in English); scores are
the rounded values the regulation grades, never re-rounded floats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from feedback_app.results.periods import Period, PeriodKind
from surveys.scoring import Grade, round_half_up
from surveys.skm import ELEMENTS_BY_KEY

#: "Mingguan", not "Minggu", which is also Sunday
KIND_LABELS = {
    PeriodKind.DAY: _l("Harian"),
    PeriodKind.WEEK: _l("Mingguan"),
    PeriodKind.MONTH: _l("Bulanan"),
    PeriodKind.QUARTER: _l("Triwulanan"),
    PeriodKind.SEMESTER: _l("Semesteran"),
    PeriodKind.YEAR: _l("Tahunan"),
    PeriodKind.CUSTOM: _l("Rentang tanggal"),
}

WEEKDAYS = (
    _l("Senin"),
    _l("Selasa"),
    _l("Rabu"),
    _l("Kamis"),
    _l("Jumat"),
    _l("Sabtu"),
    _l("Minggu"),
)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def language() -> str:
    return str(get_locale() or "id")


def day(value: dt.date) -> str:
    return format_date(value, "d MMM yyyy")


def period_label(period: Period) -> str:
    start = period.start
    if period.kind == PeriodKind.DAY:
        return format_date(start, "d MMMM yyyy")
    if period.kind == PeriodKind.WEEK:
        return str(
            _l(
                "Minggu ke-%(week)d, %(start)s–%(end)s",
                week=period.number,
                start=day(period.start),
                end=day(period.end),
            )
        )
    if period.kind == PeriodKind.MONTH:
        return format_date(start, "MMMM yyyy")
    if period.kind == PeriodKind.QUARTER:
        return str(_l("Triwulan %(n)s %(year)d", n=_ROMAN[period.number], year=start.year))
    if period.kind == PeriodKind.SEMESTER:
        return str(_l("Semester %(n)s %(year)d", n=_ROMAN[period.number], year=start.year))
    if period.kind == PeriodKind.YEAR:
        return str(_l("Tahun %(year)d", year=start.year))
    return f"{day(period.start)} – {day(period.end)}"


def month_short(period: Period) -> str:
    return format_date(period.start, "MMM yy")


class Formats:
    """Number formatting for templates: ``fmt.score(x)``, ``fmt.count(n)`` …"""

    @staticmethod
    def score(value: Decimal | None) -> str:
        return "—" if value is None else format_decimal(value, "#,##0.00")

    @staticmethod
    def index(value: Decimal | None) -> str:
        return "—" if value is None else format_decimal(value, "0.0000")

    @staticmethod
    def mean(value: Fraction | Decimal | None) -> str:
        """An exact mean, rounded half up to two decimals."""
        return "—" if value is None else format_decimal(round_half_up(value), "0.00")

    @staticmethod
    def count(value: int | None) -> str:
        return "—" if value is None else format_decimal(value, "#,##0")

    @staticmethod
    def percent(value: Decimal | None) -> str:
        return "—" if value is None else format_decimal(value, "#,##0.0") + " %"

    @staticmethod
    def delta(value: Decimal | None) -> str:
        if value is None:
            return "—"
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return sign + format_decimal(abs(value), "0.00")

    @staticmethod
    def grade_label(grade: Grade | None) -> str:
        return "" if grade is None else grade.label.get(language())

    @staticmethod
    def element(key: str) -> str:
        return ELEMENTS_BY_KEY[key].name.get(language())

    @staticmethod
    def text(value: Any) -> str:
        """A surveys ``Text`` (bilingual) in the interface language."""
        return value.get(language()) if hasattr(value, "get") else str(value)


fmt = Formats()
