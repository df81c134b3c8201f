"""NIP numbers: PNS and PPPK accepted, anything else refused with the part that is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_app.organisation.nip import PNS, PPPK, NipError, parse_nip

TODAY = dt.date(2026, 6, 15)


def error_of(raw: str) -> str:
    with pytest.raises(NipError) as caught:
        parse_nip(raw, today=TODAY)
    return str(caught.value)


def test_pns_number_is_split_into_its_parts():
    nip = parse_nip("198503122010011003", today=TODAY)
    assert nip.kind == PNS
    assert nip.birth_date == dt.date(1985, 3, 12)
    assert (nip.start_year, nip.start_month) == (2010, 1)
    assert nip.gender == "L"
    assert nip.serial == 3


def test_pppk_number_is_split_into_its_parts():
    # born 1990-02-15, appointed 2021, fixed "2", one digit, female, serial 5
    nip = parse_nip("199002152021242005", today=TODAY)
    assert nip.kind == PPPK
    assert nip.birth_date == dt.date(1990, 2, 15)
    assert nip.start_year == 2021
    assert nip.start_month is None
    assert nip.gender == "P"
    assert nip.serial == 5


@pytest.mark.parametrize(
    "typed",
    [
        "19850312 201001 1 003",
        "  198503122010011003  ",
        "19850312\t201001\t1\t003",
        "19850312\u00a0201001\u00a01\u00a0003",  # a no-break space pasted from a document
    ],
)
def test_spaces_typed_in_are_accepted(typed):
    assert parse_nip(typed, today=TODAY).number == "198503122010011003"


def test_a_pns_appointed_this_month_is_accepted():
    assert parse_nip("198503122026061003", today=TODAY).start_month == 6


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "wajib diisi"),
        ("   ", "wajib diisi"),
        ("19850312201001100", "18 digit, bukan 17 digit"),
        ("1985031220100110033", "18 digit, bukan 19 digit"),
        ("19850312-201001-1-003", "hanya boleh berisi angka"),
        ("19850312201001100A", "hanya boleh berisi angka"),
        ("１９８５０３１２２０１００１１００３", "hanya boleh berisi angka"),  # full-width digits
        ("198502302010011003", "Digit 1–8 (tanggal lahir, TTTTBBHH) '19850230' bukan tanggal"),
        ("198513122010011003", "Digit 1–8 (tanggal lahir, TTTTBBHH) '19851312'"),
        ("193012122010011003", "Digit 1–8 (tanggal lahir) '19301212' berada di luar rentang"),
        ("202701012010011003", "Digit 1–8 (tanggal lahir) '20270101' berada di luar rentang"),
        ("198503122010001003", "Digit 13–14 (bulan TMT CPNS) '00' bukan bulan 01–12"),
        ("198503122010131003", "Digit 13–14 (bulan TMT CPNS) '13' bukan bulan 01–12"),
        ("198503122002121003", "Digit 9–12 (tahun TMT CPNS) '2002': pegawai belum berusia 18"),
        # 18 years old only in March 2003: a January 2003 appointment is too early
        ("198503122003011003", "Digit 9–12 (tahun TMT CPNS) '2003': pegawai belum berusia 18"),
        ("199002152007241005", "Digit 9–12 (tahun pengangkatan PPPK) '2007': pegawai belum"),
        ("198503122027011003", "Digit 9–12 (tahun TMT CPNS) '2027' berada di masa depan"),
        ("199002152027241005", "Digit 9–12 (tahun pengangkatan PPPK) '2027' berada di masa"),
        ("198503122026071003", "Digit 9–14 (TMT CPNS) '202607' berada di masa depan"),
        ("198503122010013003", "Digit 15 (jenis kelamin) harus 1 (laki-laki) atau 2"),
        ("198503122010010003", "bukan '0'"),
        ("199002152021240005", "Digit 15 (jenis kelamin)"),
        ("198503122010011000", "Digit 16–18 (nomor urut) tidak boleh 000"),
        ("199002152021241000", "Digit 16–18 (nomor urut) tidak boleh 000"),
        ("198503122010311003", "Digit 13 '3' tidak dikenal"),
        ("198503122010911003", "Digit 13 '9' tidak dikenal"),
    ],
)
def test_wrong_numbers_say_which_part_is_wrong(raw, expected):
    assert expected in error_of(raw)


def test_the_future_is_judged_against_the_given_day():
    assert parse_nip("198503122026071003", today=dt.date(2026, 7, 1)).start_month == 7


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2000, 12, 31)),
    years_after_18=st.integers(min_value=0, max_value=6),
    month=st.integers(min_value=1, max_value=12),
    gender=st.sampled_from("12"),
    serial=st.integers(min_value=1, max_value=999),
    pppk=st.booleans(),
    pppk_digit=st.integers(min_value=0, max_value=9),
)
def test_every_well_formed_number_reads_back(
    birth, years_after_18, month, gender, serial, pppk, pppk_digit
):
    year = birth.year + 18 + years_after_18 + 1  # a whole year after the 18th birthday
    middle = f"{year}2{pppk_digit}" if pppk else f"{year}{month:02d}"
    number = f"{birth:%Y%m%d}{middle}{gender}{serial:03d}"
    nip = parse_nip(number, today=TODAY)
    assert nip.kind == (PPPK if pppk else PNS)
    assert nip.birth_date == birth
    assert nip.start_year == year
    assert nip.start_month == (None if pppk else month)
    assert nip.gender == ("L" if gender == "1" else "P")
    assert nip.serial == serial
