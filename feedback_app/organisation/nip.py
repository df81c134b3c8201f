"""NIP (Nomor Induk Pegawai) parsing for PNS and PPPK numbers.

PNS:  YYYYMMDD (birth) + YYYYMM (start of CPNS service) + gender + 3-digit serial
PPPK: YYYYMMDD (birth) + YYYY (start year) + "2" + one digit + gender + 3-digit serial

Digit 13 tells them apart: a PNS month starts with 0 or 1, PPPK has the fixed 2.
Every error names the part that is wrong, with its digit positions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

PNS = "PNS"
PPPK = "PPPK"

#: youngest age at which anyone is appointed
_MIN_AGE_AT_START = 18


class NipError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Nip:
    number: str
    kind: str
    birth_date: dt.date
    start_year: int
    #: month of the CPNS appointment; PPPK numbers carry only the year
    start_month: int | None
    #: "L" (laki-laki) or "P" (perempuan)
    gender: str
    serial: int


def normalise_nip(raw: str) -> str:
    """Drop the spaces people type in ("19850312 201001 1 003")."""
    return "".join(str(raw).split())


def parse_nip(raw: str, today: dt.date | None = None) -> Nip:
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date is enough here
    number = normalise_nip(raw)
    if not number:
        raise NipError(_l("NIP wajib diisi."))
    if not number.isascii() or not number.isdigit():
        raise NipError(_l("NIP hanya boleh berisi angka."))
    if len(number) != 18:
        raise NipError(_l("NIP harus 18 digit, bukan %(n)s digit.", n=len(number)))

    try:
        birth = dt.datetime.strptime(number[0:8], "%Y%m%d").date()  # noqa: DTZ007
    except ValueError:
        raise NipError(
            _l(
                "Digit 1–8 (tanggal lahir, TTTTBBHH) '%(part)s' bukan tanggal yang valid.",
                part=number[0:8],
            )
        ) from None
    if birth.year < 1940 or birth > today:
        raise NipError(
            _l(
                "Digit 1–8 (tanggal lahir) '%(part)s' berada di luar rentang yang mungkin.",
                part=number[0:8],
            )
        )

    start_year = int(number[8:12])
    marker = number[12]
    if marker in "01":
        kind = PNS
        start_month: int | None = int(number[12:14])
        if not 1 <= start_month <= 12:
            raise NipError(
                _l("Digit 13–14 (bulan TMT CPNS) '%(part)s' bukan bulan 01–12.", part=number[12:14])
            )
    elif marker == "2":
        kind = PPPK
        start_month = None
    else:
        raise NipError(
            _l(
                "Digit 13 '%(part)s' tidak dikenal: NIP PNS memuat bulan TMT (01–12), "
                "NIP PPPK memuat angka 2.",
                part=marker,
            )
        )

    part_label = _l("tahun TMT CPNS") if kind == PNS else _l("tahun pengangkatan PPPK")
    # A PNS number carries the month too, so the age at appointment is checked to the month.
    started = (start_year, start_month or 12)
    if started < (birth.year + _MIN_AGE_AT_START, birth.month):
        raise NipError(
            _l(
                "Digit 9–12 (%(label)s) '%(part)s': pegawai belum berusia 18 tahun "
                "menurut tanggal lahir %(birth)s.",
                label=part_label,
                part=number[8:12],
                birth=number[0:8],
            )
        )
    if start_year > today.year:
        raise NipError(
            _l(
                "Digit 9–12 (%(label)s) '%(part)s' berada di masa depan.",
                label=part_label,
                part=number[8:12],
            )
        )
    if start_month is not None and (start_year, start_month) > (today.year, today.month):
        raise NipError(
            _l("Digit 9–14 (TMT CPNS) '%(part)s' berada di masa depan.", part=number[8:14])
        )

    gender_digit = number[14]
    if gender_digit not in "12":
        raise NipError(
            _l(
                "Digit 15 (jenis kelamin) harus 1 (laki-laki) atau 2 (perempuan), "
                "bukan '%(part)s'.",
                part=gender_digit,
            )
        )
    serial = int(number[15:18])
    if serial == 0:
        raise NipError(_l("Digit 16–18 (nomor urut) tidak boleh 000."))

    return Nip(
        number=number,
        kind=kind,
        birth_date=birth,
        start_year=start_year,
        start_month=start_month,
        gender="L" if gender_digit == "1" else "P",
        serial=serial,
    )
