"""Indicator ratings and the SKP predikat matrix (DESIGN.md §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from surveys.indicators import (
    MIN_EMPLOYEE_RESPONSES,
    NOT_ENOUGH_DATA,
    Comparison,
    Expectation,
    Predikat,
    rate_indicator,
    reportable,
    skp_predikat,
)

ABOVE, MEETS, BELOW = Expectation.ABOVE, Expectation.MEETS, Expectation.BELOW


@pytest.mark.parametrize(
    ("realisation", "expected"),
    [(120, ABOVE), (110, ABOVE), (109, MEETS), (100, MEETS), (99, BELOW), (0, BELOW)],
)
def test_higher_is_better(realisation, expected):
    assert rate_indicator(realisation, 100, ">=", exceeds_at=110) is expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, ABOVE), (2, ABOVE), (2.5, MEETS), (3, MEETS), (Decimal("3.01"), BELOW), (10, BELOW)],
)
def test_lower_is_better(days, expected):
    assert rate_indicator(days, 3, Comparison.AT_MOST, exceeds_at=2) is expected


def test_tolerance_and_defaults():
    # without an "exceeds" threshold nothing is above expectations
    assert rate_indicator(1000, 100) is MEETS
    # "sesuai" from 95 % of target when the supervisor set it so
    assert rate_indicator(96, 100, exceeds_at=110, meets_at=95) is MEETS
    assert rate_indicator(94, 100, exceeds_at=110, meets_at=95) is BELOW
    assert rate_indicator("0.1", "0.1", "<=") is MEETS  # exact decimals, no float noise
    assert rate_indicator(0.30000000000000004, 0.3, "<=") is BELOW


def test_thresholds_on_the_wrong_side_are_refused():
    with pytest.raises(ValueError):
        rate_indicator(5, 100, ">=", exceeds_at=90)
    with pytest.raises(ValueError):
        rate_indicator(5, 3, "<=", exceeds_at=4)
    with pytest.raises(ValueError):
        rate_indicator(5, 3, "<=", exceeds_at=3)
    with pytest.raises(ValueError):
        rate_indicator(5, 3, "=")
    with pytest.raises(TypeError):
        rate_indicator(True, 3)


@pytest.mark.parametrize(
    ("hasil", "perilaku", "predikat", "label"),
    [
        (ABOVE, BELOW, Predikat.KURANG, "Kurang/Misconduct"),
        (ABOVE, MEETS, Predikat.BAIK, "Baik"),
        (ABOVE, ABOVE, Predikat.SANGAT_BAIK, "Sangat baik"),
        (MEETS, BELOW, Predikat.KURANG, "Kurang/Misconduct"),
        (MEETS, MEETS, Predikat.BAIK, "Baik"),
        (MEETS, ABOVE, Predikat.BAIK, "Baik"),
        (BELOW, BELOW, Predikat.SANGAT_KURANG, "Sangat kurang"),
        (BELOW, MEETS, Predikat.BUTUH_PERBAIKAN, "Butuh perbaikan"),
        (BELOW, ABOVE, Predikat.BUTUH_PERBAIKAN, "Butuh perbaikan"),
    ],
)
def test_skp_predikat_matrix(hasil, perilaku, predikat, label):
    assert skp_predikat(hasil, perilaku) is predikat
    assert predikat.label.id == label
    assert predikat.label.en


def test_labels_are_bilingual():
    assert ABOVE.label.id == "Di atas ekspektasi"
    assert BELOW.label.get("en") == "Below expectations"
    assert MEETS.code == "sesuai"


def test_minimum_responses_for_employee_figures():
    assert MIN_EMPLOYEE_RESPONSES == 30
    assert not reportable(29)
    assert reportable(30)
    assert reportable(5, minimum=5)
    assert NOT_ENOUGH_DATA.id == "Data belum cukup"
