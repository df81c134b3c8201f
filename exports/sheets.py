"""CSV and XLSX writers that are safe to open in Excel: headers and rows in, bytes out.

Spreadsheet programs run a text cell that starts with ``= + - @`` (or a tab or
carriage return that hides one) as a formula, so every text cell that starts
like that is written with a leading apostrophe. The XLSX writer also turns off
xlsxwriter's own conversion of strings to formulas and links. Used by the
import templates and by the exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import itertools
import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

import xlsxwriter

#: how a cell that a spreadsheet would run as a formula can start
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

UTF8_BOM = "\ufeff"

#: Excel keeps 15 significant digits; longer whole numbers are written as text
_EXACT_DIGITS = 10**15
#: the longest text an XLSX cell holds
_MAX_CELL_TEXT = 32767
#: rows looked at to size the columns when no widths are given
_WIDTH_SAMPLE = 100
_MIN_WIDTH, _MAX_WIDTH = 8, 60

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _csv_cell_decimal_comma(value: Any) -> Any:
    if isinstance(value, float | decimal.Decimal) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    return _csv_cell(value)


def iter_csv(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    decimal_comma: bool = False,
    checked: bool = False,
) -> Iterator[bytes]:
    """Stream a CSV file as UTF-8 with a BOM (so Excel reads accents right), in chunks.

    ``decimal_comma`` writes 3,25 instead of 3.25 (Indonesian-locale Excel,
    with ``delimiter=";"``). ``checked`` rows come from a builder that already
    neutralised every text cell and formatted every date and decimal (see
    :mod:`exports.rows`); they are written as they are, which keeps a million
    rows fast.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write(UTF8_BOM)
    writer.writerow([_csv_cell(str(h)) for h in headers])
    cell = _csv_cell_decimal_comma if decimal_comma else _csv_cell
    writerow = writer.writerow
    if checked:
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 1000:
                writer.writerows(batch)
                batch.clear()
                if buffer.tell() > 256 * 1024:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
        writer.writerows(batch)
    else:
        for row in rows:
            writerow([cell(v) for v in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(
    output: IO[bytes],
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    **kwargs: Any,
) -> None:
    for chunk in iter_csv(headers, rows, **kwargs):
        output.write(chunk)


def csv_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]], **kwargs: Any) -> bytes:
    return b"".join(iter_csv(headers, rows, **kwargs))


def _display_length(value: Any) -> int:
    if value is None:
        return 0
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _column_widths(
    headers: Sequence[str], sample: Sequence[Sequence[Any]], widths: Mapping[str, float] | None
) -> list[float]:
    result = []
    for index, header in enumerate(headers):
        if widths and header in widths:
            result.append(widths[header])
            continue
        longest = max(
            [len(header), *(_display_length(row[index]) for row in sample if index < len(row))]
        )
        result.append(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH))
    return result


class _CellWriter:
    """Writes one value with the right xlsxwriter call, never as a formula or link."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.text = workbook.add_format({"num_format": "@"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})

    def write(self, sheet: Any, row: int, col: int, value: Any, as_text: bool, fmt: Any) -> None:
        if value is None:
            return
        if as_text or isinstance(value, str):
            text = neutralise(str(value))[:_MAX_CELL_TEXT]
            sheet.write_string(row, col, text, self.text if as_text else fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int) and abs(value) >= _EXACT_DIGITS:
            sheet.write_string(row, col, str(value), self.text)
        elif isinstance(value, int | float | decimal.Decimal):
            number = float(value)
            if math.isfinite(number):
                sheet.write_number(row, col, number, fmt)
            else:
                sheet.write_string(row, col, str(value), fmt)
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(row, col, value, self.datetime)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, self.date)
        else:
            sheet.write_string(row, col, neutralise(str(value))[:_MAX_CELL_TEXT], fmt)


def write_xlsx(
    output: IO[bytes] | str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "Data",
    text_columns: Collection[str] = (),
    widths: Mapping[str, float] | None = None,
    instructions: Sequence[Sequence[Any]] | None = None,
    instructions_name: str = "Petunjuk",
) -> None:
    """Write rows to an XLSX workbook with a bold, frozen header row.

    ``text_columns`` (header names) are formatted as text ``@``, so what a
    user types there later (an 18-digit NIP, a code like ``007``) stays text.
    ``instructions`` is an optional second sheet: its first row is a header.
    Rows are written as they come (xlsxwriter's constant-memory mode).
    """
    headers = [str(h) for h in headers]
    workbook = xlsxwriter.Workbook(
        output,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": True,
            "remove_timezone": True,
        },
    )
    try:
        cells = _CellWriter(workbook)
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(sheet_name)
        rows = iter(rows)
        sample = list(itertools.islice(rows, _WIDTH_SAMPLE))
        as_text = [h in text_columns for h in headers]
        for col, width in enumerate(_column_widths(headers, sample, widths)):
            sheet.set_column(col, col, width, cells.text if as_text[col] else None)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, neutralise(header), bold)
        sheet.freeze_panes(1, 0)
        for row_index, row in enumerate(itertools.chain(sample, rows), start=1):
            for col, value in enumerate(row):
                cells.write(sheet, row_index, col, value, col < len(as_text) and as_text[col], None)

        if instructions:
            _write_instructions(workbook, cells, bold, instructions_name, instructions)
    finally:
        workbook.close()


def _write_instructions(
    workbook: xlsxwriter.Workbook,
    cells: _CellWriter,
    bold: Any,
    name: str,
    rows: Sequence[Sequence[Any]],
) -> None:
    sheet = workbook.add_worksheet(name)
    header, *body = rows
    names = [str(h) for h in header]
    for col, width in enumerate(_column_widths(names, body, None)):
        sheet.set_column(col, col, width, cells.wrap)
    for col, value in enumerate(header):
        sheet.write_string(0, col, neutralise(str(value)), bold)
    sheet.freeze_panes(1, 0)
    for row_index, row in enumerate(body, start=1):
        for col, value in enumerate(row):
            cells.write(sheet, row_index, col, value, False, cells.wrap)


def xlsx_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]], **kwargs: Any) -> bytes:
    output = io.BytesIO()
    write_xlsx(output, headers, rows, **kwargs)
    return output.getvalue()


# --------------------------------------------------------------------------- workbooks of tables

#: rows per worksheet in Excel, header included
EXCEL_MAX_ROWS = 1_048_576
_SHEET_NAME_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_name(name: str, part: int, used: set[str]) -> str:
    base = name.translate(_SHEET_NAME_BAD).strip("' ") or "Data"
    suffix = f" ({part})" if part > 1 else ""
    candidate = base[: 31 - len(suffix)] + suffix
    counter = 2
    while candidate.lower() in used:
        extra = f" {counter}{suffix}"
        candidate = base[: 31 - len(extra)] + extra
        counter += 1
    used.add(candidate.lower())
    return candidate


class _SheetWriter:
    """Writes one table, moving on to a new sheet whenever one is full."""

    def __init__(self, workbook: Any, cells: _CellWriter, table: Any, max_rows: int, used: set):
        self.workbook = workbook
        self.cells = cells
        self.table = table
        self.max_rows = max_rows
        self.used = used
        self.bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.formats = [
            workbook.add_format({"num_format": c.num_format}) if c.num_format else None
            for c in table.columns
        ]
        self.part = 0
        self.sheets: list[tuple[Any, str, int]] = []

    def new_sheet(self, widths: list[float]) -> Any:
        self.part += 1
        name = _sheet_name(self.table.name, self.part, self.used)
        sheet = self.workbook.add_worksheet(name)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for col, header in enumerate(self.table.headers):
            sheet.write_string(0, col, neutralise(str(header)), self.bold)
        sheet.freeze_panes(1, 0)
        self.sheets.append((sheet, name, 0))
        return sheet

    def write(self, progress: Any = None) -> int:
        table = self.table
        rows = iter(table.rows)
        sample = list(itertools.islice(rows, _WIDTH_SAMPLE))
        given = {c.header: c.width for c in table.columns if c.width}
        widths = _column_widths(table.headers, sample, given)
        sheet = self.new_sheet(widths)
        row_index = 0
        written = 0
        cells, formats, per_sheet = self.cells, self.formats, self.max_rows - 1
        for row in itertools.chain(sample, rows):
            if row_index == per_sheet:
                self._close(sheet, row_index)
                sheet = self.new_sheet(widths)
                row_index = 0
            row_index += 1
            for col, value in enumerate(row):
                if value is not None:
                    cells.write(sheet, row_index, col, value, False, formats[col])
            written += 1
            if progress is not None and written % 1000 == 0:
                progress(1000)
        self._close(sheet, row_index)
        if progress is not None and written % 1000:
            progress(written % 1000)
        if table.chart is not None and self.sheets:
            self._chart()
        return written

    def _close(self, sheet: Any, rows: int) -> None:
        last = len(self.table.columns) - 1
        sheet.autofilter(0, 0, max(rows, 1), last)
        name = self.sheets[-1][1]
        self.sheets[-1] = (sheet, name, rows)

    def _chart(self) -> None:
        spec = self.table.chart
        sheet, name, rows = self.sheets[0]
        points = min(rows, spec.max_points)
        if points == 0:
            return
        chart = self.workbook.add_chart({"type": spec.type})
        category = self.table.index(spec.category)
        quoted = "'" + name.replace("'", "''") + "'"
        for value_name in spec.values:
            col = self.table.index(value_name)
            chart.add_series(
                {
                    "name": [name, 0, col],
                    "categories": f"={quoted}!${_col(category)}$2:${_col(category)}${points + 1}",
                    "values": f"={quoted}!${_col(col)}$2:${_col(col)}${points + 1}",
                    "data_labels": {"value": True, "num_format": "0.00"},
                }
            )
        chart.set_title({"name": spec.title})
        axis = {"min": spec.y_min, "max": spec.y_max}
        axis = {k: v for k, v in axis.items() if v is not None}
        (chart.set_x_axis if spec.type == "bar" else chart.set_y_axis)(axis)
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": max(320, 22 * points + 120)})
        sheet.insert_chart(1, len(self.table.columns) + 1, chart)


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_workbook(
    output: IO[bytes] | str,
    tables: Iterable[Any],
    *,
    max_rows: int = EXCEL_MAX_ROWS,
    progress: Any = None,
    properties: Mapping[str, str] | None = None,
) -> int:
    """Write :class:`exports.tables.Table` objects to one workbook, one sheet per table.

    A table longer than ``max_rows`` (header included) continues on sheets
    named "Name (2)", "Name (3)" …, each with the same bold, frozen header.
    Columns take the table's number formats and widths; a table with a
    ``chart`` gets a bar chart beside it. Rows are written as they come
    (constant-memory mode), formulas and links are never created. Returns the
    number of data rows written; ``progress(n)`` is called as the first
    table's rows are (the main table; the others are small companions).
    """
    if max_rows < 2:
        raise ValueError("a sheet needs room for the header and a row")
    workbook = xlsxwriter.Workbook(
        output,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": True,
            "remove_timezone": True,
        },
    )
    total = 0
    try:
        if properties:
            workbook.set_properties(dict(properties))
        cells = _CellWriter(workbook)
        used: set[str] = set()
        for index, table in enumerate(tables):
            writer = _SheetWriter(workbook, cells, table, max_rows, used)
            total += writer.write(progress if index == 0 else None)
    finally:
        workbook.close()
    return total
