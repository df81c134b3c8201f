"""The export writers alone (no app): sheet splitting, neutralisation, decimal comma, JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd

from exports.jsondoc import iter_json
from exports.rows import Names, QuestionColumn, QuestionKind, ResponseRows
from exports.sheets import EXCEL_MAX_ROWS, csv_bytes, iter_csv, write_workbook
from exports.tables import ChartSpec, Column, Kind, Table

PAYLOADS = ["=1+1", "+628123", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']


def _book(tables, **kw) -> bytes:
    output = io.BytesIO()
    write_workbook(output, tables, **kw)
    return output.getvalue()


def test_long_table_continues_on_further_sheets():
    columns = [Column("n", "Nomor", Kind.INT), Column("teks", "Teks")]
    rows = [[i, f"baris {i}"] for i in range(1, 13)]
    data = _book([Table("Respons", columns, rows), Table("Label", columns, [[1, "a"]])], max_rows=5)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Respons", "Respons (2)", "Respons (3)", "Label"]
    seen = []
    for name in book.sheetnames[:3]:
        sheet = book[name]
        assert [c.value for c in sheet[1]] == ["Nomor", "Teks"]
        assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
        assert sheet.max_row <= 5
        seen += [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert seen == list(range(1, 13))


def test_split_at_excels_real_limit():
    """1,048,576 data rows: 1,048,575 under the header of the first sheet, one on the next."""
    total = EXCEL_MAX_ROWS
    started = time.perf_counter()
    data = _book([Table("Data", [Column("n", "n", Kind.INT)], ([i] for i in range(total)))])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first = archive.read("xl/worksheets/sheet1.xml")[:2000].decode()
        second = archive.read("xl/worksheets/sheet2.xml").decode()
        assert '<dimension ref="A1:A1048576"/>' in first
        assert '<dimension ref="A1:A2"/>' in second
        assert re.search(r'<c r="A2"[^>]*><v>1048575</v>', second)
        workbook = archive.read("xl/workbook.xml").decode()
        assert 'name="Data"' in workbook and 'name="Data (2)"' in workbook
    assert time.perf_counter() - started < 120


def test_xlsx_cells_are_never_formulas():
    columns = [Column("teks", "Teks"), Column("angka", "Angka", Kind.NUMBER, num_format="0.00")]
    rows = [[p, 1.5] for p in PAYLOADS] + [["http://contoh.go.id", 2.25]]
    data = _book([Table("Data", columns, rows)])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Data"]
    # xlsxwriter stores a carriage return as _x000D_, which openpyxl leaves as it is
    values = [r[0].replace("_x000D_", "\r") for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[: len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert sheet.cell(row=2, column=2).number_format == "0.00"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
        assert b"<f>" not in xml and b"<hyperlink" not in xml


def test_chart_on_a_table():
    columns = [Column("unit", "Unit"), Column("ikm", "IKM", Kind.NUMBER)]
    table = Table("IKM", columns, [["A", 80.5], ["B", 90.1]],
                  chart=ChartSpec("IKM per unit", "unit", ("ikm",)))  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(_book([table]))) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "'IKM'!$A$2:$A$3" in chart and "'IKM'!$B$2:$B$3" in chart


def test_csv_neutralises_and_uses_decimal_comma():
    rows = [[p, 3.25, Decimal("77.78"), 12] for p in PAYLOADS]
    data = csv_bytes(["teks", "a", "b", "c"], rows, delimiter=";", decimal_comma=True)
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)  # fmt: skip
    assert [v.replace("\r", "\\r") for v in frame["teks"]] == [
        ("'" + p).replace("\r", "\\r") for p in PAYLOADS
    ]
    assert (
        set(frame["a"]) == {"3,25"} and set(frame["b"]) == {"77,78"} and set(frame["c"]) == {"12"}
    )


def test_response_rows_neutralise_every_text_for_spreadsheets():
    questions = [
        QuestionColumn(
            "U1", "U1 Persyaratan", QuestionKind.SCALE, {1: "Tidak sesuai", 4: "Sangat sesuai"}
        ),
        QuestionColumn("saran", "Saran", QuestionKind.TEXT),
        QuestionColumn("jumlah", "Jumlah", QuestionKind.NUMBER),
    ]  # fmt: skip
    names = Names(
        units={1: "=Unit jahat"}, service_points={2: "@Loket"}, channels={"qr": "kode QR"}
    )
    record = (7, dt.datetime(2025, 1, 1, 17, 0, tzinfo=dt.UTC), "WITA", 1, 2, None, None, 3, "qr",
              "id", False, {"U1": 4, "saran": "-1+1", "jumlah": 2.5})  # fmt: skip
    csv_row = ResponseRows(questions, names, target="csv", decimal_comma=True).row(record)
    assert csv_row[:5] == [7, "2025-01-02 01:00:00", "WITA", "'=Unit jahat", "'@Loket"]
    assert csv_row[-3:] == ["Sangat sesuai", "'-1+1", "2,5"]
    data = b"".join(iter_csv(["h"] * len(csv_row), [csv_row], checked=True))
    assert b"'=Unit jahat" in data
    json_row = ResponseRows(questions, names, target="json").row(record)
    assert json_row[1] == "2025-01-02T01:00:00+08:00" and json_row[3] == "=Unit jahat"
    sav = ResponseRows(questions, names, target="sav")
    assert sav.row(record)[-3:] == [4, "-1+1", 2.5]
    assert sav.columns[3].labels == {1: "=Unit jahat"}


def test_json_document():
    table = Table("Data", [Column("teks", "Teks", labels={"a": "A"})], [["</script><b>"]])
    text = b"".join(iter_json([table], meta={"kind": "raw"})).decode()
    assert "<" not in text and ">" not in text
    document = json.loads(text)
    assert document["tables"][0]["rows"] == [["</script><b>"]]
    assert document["tables"][0]["columns"][0]["labels"] == [{"value": "a", "label": "A"}]
