"""Employee indicator helpers (PermenPANRB No. 6 Tahun 2022).

- :func:`rate_indicator`: realisation against target → di atas / sesuai / di
  bawah ekspektasi.
- :func:`skp_predikat`: the SKP predikat from the ratings of hasil kerja and
  perilaku kerja (DESIGN.md section 3).
- :func:`reportable`: per-employee citizen-feedback figures are shown only from
  a minimum number of responses ("data belum cukup" below it).

Citizen feedback is evidence for the supervisor, not an automatic verdict.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from fractions import Fraction

from surveys.i18n import Text

Number = int | Decimal | Fraction


class Expectation(enum.Enum):
    """A rating of hasil kerja or perilaku kerja."""

    ABOVE = ("di_atas", Text("Di atas ekspektasi", "Above expectations"))
    MEETS = ("sesuai", Text("Sesuai ekspektasi", "Meets expectations"))
    BELOW = ("di_bawah", Text("Di bawah ekspektasi", "Below expectations"))

    def __init__(self, code: str, label: Text) -> None:
        self.code = code
        self.label = label


class Predikat(enum.Enum):
    """The SKP predikat kinerja."""

    SANGAT_BAIK = ("sangat_baik", Text("Sangat baik", "Very good"))
    BAIK = ("baik", Text("Baik", "Good"))
    BUTUH_PERBAIKAN = ("butuh_perbaikan", Text("Butuh perbaikan", "Needs improvement"))
    KURANG = ("kurang", Text("Kurang/Misconduct", "Poor/Misconduct"))
    SANGAT_KURANG = ("sangat_kurang", Text("Sangat kurang", "Very poor"))

    def __init__(self, code: str, label: Text) -> None:
        self.code = code
        self.label = label


class Comparison(enum.StrEnum):
    #: higher is better: the target is a minimum (e.g. documents processed)
    AT_LEAST = ">="
    #: lower is better: the target is a maximum (e.g. days to finish, complaints)
    AT_MOST = "<="


def _number(value: Number | float | str) -> Fraction:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def rate_indicator(
    realisation: Number | float | str,
    target: Number | float | str,
    comparison: Comparison | str = Comparison.AT_LEAST,
    *,
    exceeds_at: Number | float | str | None = None,
    meets_at: Number | float | str | None = None,
) -> Expectation:
    """Rate a realisation against its target.

    With ``comparison`` "≥" (higher is better): ``realisation ≥ exceeds_at`` is
    di atas ekspektasi, ``realisation ≥ meets_at`` is sesuai, anything lower di
    bawah. With "≤" (lower is better) the same with ≤. ``meets_at`` defaults to
    the target itself; ``exceeds_at`` is the threshold for "di atas" (without
    it nothing is rated above expectations: exceeding a target counts only when
    the supervisor said by how much, at planning time).

    Thresholds must be on the right side: for "≥", exceeds_at > meets_at; for
    "≤", exceeds_at < meets_at (``ValueError`` otherwise).
    """
    comparison = Comparison(comparison)
    value = _number(realisation)
    meets = _number(target if meets_at is None else meets_at)
    exceeds = None if exceeds_at is None else _number(exceeds_at)
    better = (lambda a, b: a >= b) if comparison == Comparison.AT_LEAST else (lambda a, b: a <= b)
    if exceeds is not None and (exceeds == meets or not better(exceeds, meets)):
        raise ValueError(
            f"exceeds_at {exceeds} must be beyond meets_at {meets} for comparison {comparison}"
        )
    if exceeds is not None and better(value, exceeds):
        return Expectation.ABOVE
    if better(value, meets):
        return Expectation.MEETS
    return Expectation.BELOW


_MATRIX: dict[tuple[Expectation, Expectation], Predikat] = {
    (Expectation.ABOVE, Expectation.BELOW): Predikat.KURANG,
    (Expectation.ABOVE, Expectation.MEETS): Predikat.BAIK,
    (Expectation.ABOVE, Expectation.ABOVE): Predikat.SANGAT_BAIK,
    (Expectation.MEETS, Expectation.BELOW): Predikat.KURANG,
    (Expectation.MEETS, Expectation.MEETS): Predikat.BAIK,
    (Expectation.MEETS, Expectation.ABOVE): Predikat.BAIK,
    (Expectation.BELOW, Expectation.BELOW): Predikat.SANGAT_KURANG,
    (Expectation.BELOW, Expectation.MEETS): Predikat.BUTUH_PERBAIKAN,
    (Expectation.BELOW, Expectation.ABOVE): Predikat.BUTUH_PERBAIKAN,
}


def skp_predikat(hasil_kerja: Expectation, perilaku: Expectation) -> Predikat:
    """The predikat kinerja for a rating of hasil kerja and one of perilaku kerja."""
    return _MATRIX[(Expectation(hasil_kerja), Expectation(perilaku))]


#: below this many responses a per-employee figure is not shown
MIN_EMPLOYEE_RESPONSES = 30
NOT_ENOUGH_DATA = Text("Data belum cukup", "Not enough data yet")


def reportable(responses: int, minimum: int = MIN_EMPLOYEE_RESPONSES) -> bool:
    """Whether a per-employee figure from ``responses`` answers may be shown."""
    return responses >= minimum
