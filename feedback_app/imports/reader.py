"""Read an uploaded CSV or XLSX file into a header and rows, as Excel users make them.

Indonesian Excel saves CSV with semicolons, sometimes a ``sep=;`` first line,
often a UTF-8 BOM and sometimes Windows-1252; "Unicode text" is UTF-16 with
tabs. Row numbers are the ones the user sees in the spreadsheet (the header is
row 1). Blank rows are skipped. No Flask request objects here.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from flask_babel import lazy_gettext as _l

CSV_EXTENSIONS = {".csv", ".txt", ".tsv"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (";", ",", "\t")
#: trailing rows that only carry formatting end the sheet after this many
_MAX_BLANK_RUN = 1000
#: how many rows from the top may hold a title above the header row
_HEADER_SEARCH_ROWS = 10
#: what openpyxl raises on a damaged or foreign zip (SyntaxError covers XML parse errors);
#: zipfile adds zlib.error and EOFError for a damaged compressed stream, NotImplementedError
#: for a compression method or zip version it lacks, RuntimeError for an encrypted member
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    SyntaxError,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


class ImportFileError(ValueError):
    """The file cannot be read at all; nothing was checked or changed."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Table:
    #: normalised column names in file order (see ``normalise_header``)
    headers: list[str]
    #: one dict per non-blank data row, keyed by normalised column name
    rows: list[dict[str, Any]]
    #: the spreadsheet row number of each entry of ``rows``
    row_numbers: list[int]
    #: what the reader had to guess or work around, for the user to know
    notes: list[Any] = field(default_factory=list)
    format: str = "csv"


def normalise_header(name: Any) -> str:
    """``" Kode Unit "``, ``"KODE-UNIT"`` and ``"kode_unit"`` all become ``kode_unit``."""
    text = str(name or "").replace("\ufeff", "").strip().lower().rstrip("*").strip()
    return re.sub(r"[\s\-_]+", "_", text).strip("_")


def _blank(values: Any) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_table(
    filename: str | None,
    data: bytes,
    *,
    max_rows: int,
    expected: set[str] | None = None,
) -> Table:
    """Read ``data`` (named ``filename``) as CSV or XLSX, judged by its content.

    ``expected`` (the required column names) finds the header below title
    rows and picks the worksheet of a workbook (the first whose header holds
    them all, else the first). Raises ``ImportFileError`` with a message for
    the user.
    """
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".xls" or data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _l("Format Excel lama (.xls) tidak didukung. Simpan sebagai .xlsx atau CSV.")
        )
    if extension and extension not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
        raise ImportFileError(
            _l(
                "Jenis berkas %(ext)s tidak didukung. Unggah berkas CSV atau XLSX.",
                ext=extension,
            )
        )
    if not data.strip():
        raise ImportFileError(_l("Berkas kosong."))
    if data.startswith(_ZIP_MAGIC):
        table = _read_xlsx(data, max_rows=max_rows, expected=expected)
    elif extension in XLSX_EXTENSIONS:
        raise ImportFileError(_l("Berkas ini bukan XLSX yang valid. Simpan ulang dari Excel."))
    else:
        table = _read_csv(data, max_rows=max_rows, expected=expected)
    if not table.rows:
        raise ImportFileError(_l("Berkas tidak berisi data: hanya ada baris judul kolom."))
    return table


# --- CSV ----------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, Any]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), None
        except UnicodeDecodeError:
            raise ImportFileError(
                _l("Berkas ditandai UTF-8 tetapi isinya rusak. Simpan ulang sebagai “CSV UTF-8”.")
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            raise ImportFileError(_l("Berkas UTF-16 ini rusak dan tidak dapat dibaca.")) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            _l("Berkas ini bukan CSV atau XLSX. Unggah berkas CSV atau XLSX dari Excel.")
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    note = _l(
        "Berkas tidak tersimpan sebagai UTF-8; dibaca sebagai Windows-1252. "
        "Periksa huruf beraksen pada data yang diimpor, atau simpan sebagai "
        "“CSV UTF-8” di Excel."
    )
    try:
        return data.decode("cp1252"), note
    except UnicodeDecodeError:
        return data.decode("latin-1"), note


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, *, max_rows: int, expected: set[str] | None) -> Table:
    text, note = _decode(data)
    if "\x00" in text:
        # past the first kilobytes _decode sniffs, or inside UTF-16: no spreadsheet writes
        # a NUL, and PostgreSQL refuses to store one
        raise ImportFileError(
            _l("Berkas ini bukan CSV atau XLSX. Unggah berkas CSV atau XLSX dari Excel.")
        )
    notes = [note] if note else []
    lines = text.splitlines(keepends=True)
    sep_hint = re.fullmatch(r"sep=(.)", lines[0].strip("\r\n")) if lines else None
    if sep_hint:
        # Excel's own hint line; Excel hides it, so the header is still row 1.
        delimiter = sep_hint.group(1)
        text = "".join(lines[1:])
    else:
        first = next((line for line in lines if line.strip()), "")
        delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        return _collect(
            enumerate(reader, start=1), max_rows=max_rows, notes=notes, fmt="csv", expected=expected
        )
    except csv.Error as error:
        raise ImportFileError(
            _l("Berkas CSV tidak dapat dibaca: %(error)s", error=str(error))
        ) from None


# --- XLSX ---------------------------------------------------------------------


def _read_xlsx(data: bytes, *, max_rows: int, expected: set[str] | None) -> Table:
    from openpyxl import load_workbook

    unreadable = _l("Berkas XLSX tidak dapat dibaca. Simpan ulang dari Excel sebagai .xlsx.")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (data validation, styles); harmless here
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _XLSX_ERRORS:
        raise ImportFileError(unreadable) from None
    try:
        return _read_workbook(workbook, max_rows=max_rows, expected=expected)
    except ImportFileError:
        raise
    except _XLSX_ERRORS:
        # a damaged sheet shows only while its rows are read
        raise ImportFileError(unreadable) from None
    finally:
        workbook.close()


def _read_workbook(workbook: Any, *, max_rows: int, expected: set[str] | None) -> Table:
    sheets = [s for s in workbook.worksheets if s.sheet_state == "visible"] or list(
        workbook.worksheets
    )
    if not sheets:
        raise ImportFileError(_l("Buku kerja ini tidak memiliki lembar kerja."))
    sheet = sheets[0]
    if expected and len(sheets) > 1:
        for candidate in sheets:
            header = _first_header(candidate)
            if header is not None and _names(list(header), expected):
                sheet = candidate
                break
    formulas = [0]
    table = _collect(
        _xlsx_rows(sheet, formulas), max_rows=max_rows, notes=[], fmt="xlsx", expected=expected
    )
    if formulas[0]:
        table.notes.append(
            _l(
                "%(n)d sel berisi rumus Excel; rumus tidak dijalankan dan teksnya "
                "disimpan apa adanya.",
                n=formulas[0],
            )
        )
    if sheet is not sheets[0]:
        table.notes.insert(0, _l("Data dibaca dari lembar “%(name)s”.", name=sheet.title))
    return table


def _first_header(sheet: Any) -> tuple[Any, ...] | None:
    sheet.reset_dimensions()
    for row in sheet.iter_rows(min_row=1, values_only=True):
        if not _blank(row):
            return row
    return None


def _xlsx_rows(sheet: Any, formulas: list[int]) -> Iterator[tuple[int, list[Any]]]:
    # The stored dimension is often wrong in files not written by Excel.
    sheet.reset_dimensions()
    for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
        values = []
        for cell in cells:
            if cell.data_type == "f":
                formulas[0] += 1
            values.append(cell.value)
        yield number, values


# --- both -----------------------------------------------------------------------


def _collect(
    records: Iterator[tuple[int, list[Any]]],
    *,
    max_rows: int,
    notes: list[Any],
    fmt: str,
    expected: set[str] | None = None,
) -> Table:
    (_number, header_values), records = _find_header(_skip_blank(records), expected, notes)
    headers = [normalise_header(v) for v in header_values]
    _check_headers(headers)
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    for number, values in records:
        if len(rows) >= max_rows:
            raise ImportFileError(
                _l(
                    "Berkas berisi lebih dari %(max)d baris data. Bagi menjadi beberapa berkas.",
                    max=max_rows,
                )
            )
        rows.append({h: v for h, v in zip(headers, values, strict=False) if h})
        numbers.append(number)
    return Table(
        headers=[h for h in headers if h], rows=rows, row_numbers=numbers, notes=notes, format=fmt
    )


def _skip_blank(records: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Non-blank rows only; a long run of blank rows (formatting only) ends the sheet."""
    blank_run = 0
    for number, values in records:
        if _blank(values):
            blank_run += 1
            if blank_run > _MAX_BLANK_RUN:
                return
            continue
        blank_run = 0
        yield number, values


def _find_header(
    records: Iterator[tuple[int, list[Any]]], expected: set[str] | None, notes: list[Any]
) -> tuple[tuple[int, list[Any]], Iterator[tuple[int, list[Any]]]]:
    """The header row and the rows after it.

    Agencies' sheets often start with a title ("DAFTAR PEGAWAI ...") above the
    header: when a row near the top names all of ``expected``, the rows above
    it are skipped. Otherwise the first row is the header, so that the missing
    columns are reported.
    """
    first = next(records, None)
    if first is None:
        raise ImportFileError(_l("Berkas kosong."))
    if not expected or _names(first[1], expected):
        return first, records
    looked_at: list[tuple[int, list[Any]]] = []
    for record in records:
        if _names(record[1], expected):
            notes.append(
                _l(
                    "Judul kolom ditemukan di baris %(row)d; baris di atasnya diabaikan.",
                    row=record[0],
                )
            )
            return record, records
        looked_at.append(record)
        if len(looked_at) >= _HEADER_SEARCH_ROWS:
            break
    return first, itertools.chain(looked_at, records)


def _names(values: list[Any], expected: set[str]) -> bool:
    return expected <= {normalise_header(v) for v in values}


def _check_headers(headers: list[str]) -> None:
    seen: set[str] = set()
    repeated = []
    for name in headers:
        if name and name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ImportFileError(
            _l(
                "Kolom berikut muncul lebih dari sekali di baris judul: %(names)s.",
                names=", ".join(repeated),
            )
        )
