"""Organisation import: files as users make them, all-or-nothing checks, page and CLI."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from exports.sheets import csv_bytes, neutralise, xlsx_bytes
from feedback_app.imports.reader import ImportFileError, read_table
from feedback_app.imports.service import import_rows
from feedback_app.main import LIST_ACTIONS
from feedback_app.models import (
    Employee,
    Role,
    Service,
    ServicePoint,
    TimeZone,
    Unit,
    UnitKind,
)
from tests.conftest import login, post_form

NIP_A = "198503122010011001"
NIP_B = "199001152015032002"
NIP_C = "197812012005011003"
PAYLOAD = '=HYPERLINK("http://contoh.invalid/x","klik")'

UNIT_HEADER = ["kode_unit", "nama_unit", "jenis", "kode_induk", "zona_waktu", "alamat"]
COUNTER_HEADER = ["kode_unit", "kode_loket", "nama_loket", "lokasi"]
SERVICE_HEADER = ["kode_unit", "kode_layanan", "nama_layanan", "nama_layanan_en", "keterangan"]
EMPLOYEE_HEADER = ["nip", "nama", "jabatan", "kode_unit", "nip_atasan"]


# --- building files --------------------------------------------------------------


def make_csv(
    rows: Sequence[Sequence[Any]], *, delimiter: str = ",", bom: bool = False, encoding="utf-8"
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def make_xlsx(rows: Sequence[Sequence[Any]], *, text_formulas: bool = True) -> bytes:
    """An XLSX as openpyxl writes it; ``=...`` strings stay text unless ``text_formulas`` is off."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(list(row))
    if text_formulas:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def make_file(fmt: str, rows: Sequence[Sequence[Any]]) -> bytes:
    return make_csv(rows) if fmt == "csv" else make_xlsx(rows)


def read_xlsx(data: bytes, sheet: str | None = None) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


def upload(client, filename: str, data: bytes, kind: str = "units", **fields: Any):
    return post_form(
        client,
        "/import/",
        {"kind": kind, "file": (io.BytesIO(data), filename), **fields},
        content_type="multipart/form-data",
    )


def page_text(response) -> str:
    return response.get_data(as_text=True)


def problems_on(response) -> list[tuple[str, str, str]]:
    """(row, column, message) of each line of the problems table."""
    text = page_text(response)
    assert '<table class="problems">' in text, text[:2000]
    table = text.split('<table class="problems">', 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>.*?</td>\s*<td>(.*?)</td>", table, re.S
    )
    return [(row, column, html.unescape(message)) for row, column, message in cells]


def flashes(client) -> str:
    return page_text(client.get("/"))


# --- fixtures --------------------------------------------------------------------


@pytest.fixture()
def admin(factory):
    """An agency administrator (whole agency, WITA by default) with one unit, DINKES."""
    agency = factory.agency(code="KOTA", timezone=TimeZone.WITA)
    factory.unit(agency=agency, code="DINKES", name="Dinas Kesehatan")
    return factory.user(Role.AGENCY_ADMIN, agency=agency)


@pytest.fixture()
def signed_in(client, admin):
    login(client, admin.email)
    return admin


def units_of(session, agency_id: int) -> dict[str, Unit]:
    session.expire_all()
    return {u.code: u for u in session.scalars(select(Unit).where(Unit.agency_id == agency_id))}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- units -----------------------------------------------------------------------


GOOD_UNITS = [
    UNIT_HEADER,
    # the parent comes later in the file; labels and odd spacing are accepted
    ["pkm-utara", "Puskesmas  Siantar Utara", "Puskesmas", "bidang-yankes", "", ""],
    ["BIDANG-YANKES", "Bidang Pelayanan Kesehatan", "bidang", "DINKES", "wib", "Jl. Sudirman 1"],
    ["RSUD", "RSUD dr. Djasamen Saragih", "Rumah sakit", "dinkes", "", ""],
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_units_file_creates_the_tree(client, signed_in, session, fmt):
    response = upload(client, f"unit.{fmt}", make_file(fmt, GOOD_UNITS))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/org/units/")
    assert "3 dibuat, 0 diperbarui" in flashes(client)

    units = units_of(session, signed_in.agency_id)
    assert units["PKM-UTARA"].parent_id == units["BIDANG-YANKES"].id
    assert units["BIDANG-YANKES"].parent_id == units["DINKES"].id
    assert units["PKM-UTARA"].name == "Puskesmas Siantar Utara"
    assert units["PKM-UTARA"].kind == UnitKind.PUSKESMAS
    assert units["RSUD"].kind == UnitKind.RUMAH_SAKIT
    # zona_waktu: given → used; empty → the agency's (WITA)
    assert units["BIDANG-YANKES"].timezone == TimeZone.WIB
    assert units["PKM-UTARA"].timezone == TimeZone.WITA
    assert units["BIDANG-YANKES"].address == "Jl. Sudirman 1"


def test_reimport_updates_instead_of_duplicating(client, signed_in, session):
    assert upload(client, "unit.csv", make_csv(GOOD_UNITS)).status_code == 302
    before = count(session, Unit)
    changed = [row[:] for row in GOOD_UNITS]
    changed[3][1] = "RSUD Kota"
    response = upload(client, "unit.csv", make_csv(changed))
    assert response.status_code == 302
    assert "0 dibuat, 1 diperbarui, 2 tidak berubah" in flashes(client)
    assert count(session, Unit) == before
    assert units_of(session, signed_in.agency_id)["RSUD"].name == "RSUD Kota"


def test_bad_rows_are_all_reported_and_nothing_is_imported(client, signed_in, session):
    rows = [
        UNIT_HEADER,
        ["BARU-1", "Unit yang benar", "dinas", "", "", ""],
        ["KODE SALAH", "Spasi di kode", "dinas", "", "", ""],
        ["TANPA-NAMA", "", "dinas", "", "", ""],
        ["JENIS-X", "Jenis aneh", "kantor", "", "", ""],
        ["BARU-1", "Kode ganda", "dinas", "", "", ""],
        ["ANAK", "Induk tidak ada", "bidang", "TIDAK-ADA", "", ""],
        ["ZONA", "Zona salah", "dinas", "", "GMT+7", ""],
        ["LOOP-A", "Lingkaran A", "bidang", "LOOP-B", "", ""],
        ["LOOP-B", "Lingkaran B", "bidang", "LOOP-A", "", ""],
    ]
    before = count(session, Unit)
    response = upload(client, "unit.csv", make_csv(rows))
    assert response.status_code == 422
    text = page_text(response)
    assert "Berkas tidak diimpor" in text
    found = problems_on(response)
    expected = [
        ("3", "kode_unit", "Kode hanya boleh berisi huruf"),
        ("4", "nama_unit", "Wajib diisi"),
        ("5", "jenis", "Jenis unit tidak dikenal"),
        ("6", "kode_unit", "sudah ada di baris 2"),
        ("7", "kode_induk", "Kode induk tidak ditemukan"),
        ("8", "zona_waktu", "WIB, WITA atau WIT"),
        ("9", "kode_induk", "LOOP-A → LOOP-B → LOOP-A"),
        ("10", "kode_induk", "LOOP-B → LOOP-A → LOOP-B"),
    ]
    assert len(found) == len(expected), found
    for (row, column, message), (want_row, want_column, want_text) in zip(
        found, expected, strict=True
    ):
        assert (row, column) == (want_row, want_column)
        assert want_text in message
    assert count(session, Unit) == before
    assert "BARU-1" not in units_of(session, signed_in.agency_id)


def test_parent_may_be_an_existing_unit_and_loops_through_it_are_refused(
    client, signed_in, session, factory
):
    top = session.scalar(select(Unit).where(Unit.code == "DINKES"))
    factory.unit(agency=top.agency, parent=top, code="BIDANG-1")
    rows = [UNIT_HEADER, ["DINKES", "Dinas Kesehatan", "dinas", "BIDANG-1", "", ""]]
    response = upload(client, "unit.csv", make_csv(rows))
    assert response.status_code == 422
    assert "DINKES → BIDANG-1 → DINKES" in page_text(response)


def test_dry_run_checks_without_saving(client, signed_in, session):
    before = count(session, Unit)
    response = upload(client, "unit.csv", make_csv(GOOD_UNITS), dry_run="y")
    assert response.status_code == 200
    assert "3 dibuat, 0 diperbarui" in page_text(response)
    assert "Belum ada yang disimpan" in page_text(response)
    assert count(session, Unit) == before


# --- counters, services, employees ----------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_counters_file(client, signed_in, session, fmt):
    rows = [
        COUNTER_HEADER,
        ["dinkes", "loket-1", "Loket Pendaftaran", "Lantai 1"],
        ["DINKES", "LOKET-2", "Loket Obat", ""],
    ]
    response = upload(client, f"loket.{fmt}", make_file(fmt, rows), kind="counters")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/org/service-points/")
    session.expire_all()
    points = {p.code: p for p in session.scalars(select(ServicePoint))}
    assert points["LOKET-1"].name == "Loket Pendaftaran"
    assert points["LOKET-1"].location == "Lantai 1"
    assert points["LOKET-2"].location is None
    assert points["LOKET-1"].unit.code == "DINKES"

    rows[1][2] = "Loket Pendaftaran Umum"
    response = upload(client, f"loket.{fmt}", make_file(fmt, rows), kind="counters")
    assert response.status_code == 302
    assert "0 dibuat, 1 diperbarui" in flashes(client)
    assert count(session, ServicePoint) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_services_file(client, signed_in, session, fmt):
    rows = [
        SERVICE_HEADER,
        ["DINKES", "SKS", "Surat keterangan sehat", "Health certificate", "Bawa KTP"],
        ["DINKES", "IZIN-PRAKTIK", "Izin praktik", "", ""],
    ]
    response = upload(client, f"layanan.{fmt}", make_file(fmt, rows), kind="services")
    assert response.status_code == 302
    session.expire_all()
    services = {s.code: s for s in session.scalars(select(Service))}
    assert services["SKS"].name_en == "Health certificate"
    assert services["SKS"].description == "Bawa KTP"
    assert services["IZIN-PRAKTIK"].name_en is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_employees_file_with_supervisors_in_any_order(client, signed_in, session, factory, fmt):
    unit = session.scalar(select(Unit).where(Unit.code == "DINKES"))
    boss = factory.employee(unit=unit, nip=NIP_C, name="Kepala Dinas")
    rows = [
        EMPLOYEE_HEADER,
        [NIP_A, "Siti Aminah", "Pengadministrasi Umum", "DINKES", "1990 0115 2015 03 2 002"],
        [NIP_B, "Rina Sari", "Kepala Seksi", "DINKES", NIP_C],
    ]
    response = upload(client, f"pegawai.{fmt}", make_file(fmt, rows), kind="employees")
    assert response.status_code == 302, page_text(response)
    session.expire_all()
    staff = {e.nip: e for e in session.scalars(select(Employee))}
    assert staff[NIP_A].supervisor_id == staff[NIP_B].id
    assert staff[NIP_B].supervisor_id == boss.id
    assert staff[NIP_A].agency_id == signed_in.agency_id


def test_employee_problems(client, signed_in, session, factory):
    unit = session.scalar(select(Unit).where(Unit.code == "DINKES"))
    factory.employee(unit=unit, nip=NIP_C)
    rows = [
        EMPLOYEE_HEADER,
        ["19850312201001100", "Kurang digit", "Staf", "DINKES", ""],
        ["198513122010011001", "Bulan lahir 13", "Staf", "DINKES", ""],
        [NIP_A, "A", "Staf", "DINKES", NIP_B],
        [NIP_B, "B", "Staf", "DINKES", NIP_A],
        [NIP_C, "Diri sendiri", "Staf", "DINKES", NIP_C],
        ["199203042018012001", "Atasan tidak ada", "Staf", "DINKES", "199501012019031001"],
        ["1,98503E+17", "Dari CSV Excel", "Staf", "DINKES", ""],
    ]
    response = upload(client, "pegawai.csv", make_csv(rows), kind="employees")
    assert response.status_code == 422
    text = page_text(response)
    assert "NIP harus 18 digit, bukan 17 digit" in text
    assert "Digit 1–8" in text
    assert text.count("membentuk lingkaran") == 2
    assert "tidak boleh menjadi atasan dirinya sendiri" in text
    assert "NIP atasan tidak ditemukan" in text
    assert "Simpan kolom NIP sebagai Teks" in text
    assert count(session, Employee) == 1


def test_nip_stored_as_number_in_xlsx(client, signed_in, session):
    # what Excel keeps of an 18-digit number typed into a General cell: 15 digits
    rows = [EMPLOYEE_HEADER, [float(NIP_B), "Angka", "Staf", "DINKES", None]]
    response = upload(client, "pegawai.xlsx", make_xlsx(rows), kind="employees")
    assert response.status_code == 422
    assert problems_on(response) == [
        (
            "2",
            "nip",
            "NIP tersimpan sebagai angka sehingga Excel mengubah digit terakhirnya. "
            "Simpan kolom NIP sebagai Teks, lalu ketik ulang NIP-nya.",
        )
    ]
    assert count(session, Employee) == 0


def test_a_whole_number_nip_with_18_digits_is_accepted(session, factory):
    unit = factory.unit(code="DINKES")
    result = import_rows(
        session,
        "employees",
        [{"nip": int(NIP_A), "nama": "Bulat", "jabatan": "Staf", "kode_unit": "DINKES"}],
        agency_id=unit.agency_id,
    )
    assert result.ok, result.problems
    assert session.scalar(select(Employee.name).where(Employee.nip == NIP_A)) == "Bulat"


# --- files as Excel makes them ----------------------------------------------------


def test_semicolon_csv_with_bom_and_spaced_headers(client, signed_in, session):
    rows = [
        ["Kode Unit", " NAMA UNIT ", "Jenis"],
        ["KEC-1", "Kecamatan Siantar Barat", "kecamatan"],
        ["", "", ""],
        ["KEC-2", "Kecamatan Siantar Timur", "Kecamatan"],
        ["", "", ""],
        ["", "", ""],
    ]
    data = make_csv(rows, delimiter=";", bom=True)
    response = upload(client, "unit.csv", data)
    assert response.status_code == 302, page_text(response)
    assert {"KEC-1", "KEC-2"} <= units_of(session, signed_in.agency_id).keys()


def test_title_rows_above_the_header_are_skipped(client, signed_in, session):
    rows = [
        ["DAFTAR LOKET DINAS KESEHATAN"],
        ["Per 1 Januari"],
        [],
        COUNTER_HEADER,
        ["DINKES", "L-7", "Loket 7", ""],
        ["DINKES", "L 8", "Loket 8", ""],
    ]
    response = upload(client, "loket.xlsx", make_xlsx(rows), kind="counters")
    assert problems_on(response) == [
        (
            "6",
            "kode_loket",
            "Kode hanya boleh berisi huruf, angka, titik, garis bawah dan tanda hubung.",
        )
    ]
    assert "Judul kolom ditemukan di baris 4" in page_text(response)
    response = upload(client, "loket.xlsx", make_xlsx(rows[:5]), kind="counters")
    assert response.status_code == 302
    assert "Judul kolom ditemukan di baris 4" in flashes(client)


def test_blank_rows_keep_the_spreadsheet_row_numbers():
    data = make_csv([UNIT_HEADER, ["A", "A", "dinas"], [], ["B", "B", "dinas"]], delimiter="\t")
    table = read_table("unit.txt", data, max_rows=10)
    assert table.row_numbers == [2, 4]
    assert table.rows[1]["kode_unit"] == "B"


def test_windows_1252_csv_is_read_with_a_note(client, signed_in, session):
    rows = [UNIT_HEADER[:3], ["KEC-3", "Kecamatan Siantar – Martoba", "kecamatan"]]
    response = upload(client, "unit.csv", make_csv(rows, encoding="cp1252"), dry_run="y")
    assert response.status_code == 200
    assert "Windows-1252" in page_text(response)
    upload(client, "unit.csv", make_csv(rows, encoding="cp1252"))
    assert units_of(session, signed_in.agency_id)["KEC-3"].name == "Kecamatan Siantar – Martoba"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("foto.png", b"\x89PNG\r\n\x1a\n\x00\x00", "tidak didukung"),
        ("unit.xlsx", b"bukan zip sama sekali", "bukan XLSX yang valid"),
        ("unit.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Format Excel lama"),
        ("unit.csv", b"\x00\x01\x02\x03binary", "bukan CSV atau XLSX"),
        ("unit.csv", b"", "Berkas kosong"),
        ("unit.csv", b"kode_unit,nama_unit,jenis\r\n", "hanya ada baris judul"),
        ("unit.csv", b"kode_unit,kode_unit,jenis\r\nA,B,dinas\r\n", "lebih dari sekali"),
    ],
)
def test_unreadable_files_change_nothing(client, signed_in, session, filename, data, message):
    before = count(session, Unit)
    response = upload(client, filename, data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert count(session, Unit) == before


def test_a_zip_that_is_not_a_workbook(client, signed_in):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    response = upload(client, "unit.xlsx", buffer.getvalue())
    assert response.status_code == 422
    assert "tidak dapat dibaca" in page_text(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_too_many_rows(client, signed_in, session, app, monkeypatch, fmt):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    rows = [UNIT_HEADER[:3], *([f"U{i}", f"Unit {i}", "dinas"] for i in range(3))]
    response = upload(client, f"unit.{fmt}", make_file(fmt, rows))
    assert response.status_code == 422
    assert "lebih dari 2 baris data" in page_text(response)
    assert "U0" not in units_of(session, signed_in.agency_id)


def test_a_damaged_sheet_is_reported(client, signed_in):
    source = zipfile.ZipFile(io.BytesIO(make_xlsx(GOOD_UNITS)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                content = content[: len(content) // 2]
            damaged.writestr(item, content)
    response = upload(client, "unit.xlsx", buffer.getvalue())
    assert response.status_code == 422
    assert "tidak dapat dibaca" in page_text(response)


def test_the_data_sheet_is_found_behind_an_instructions_sheet():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Petunjuk"
    workbook.active.append(["Kolom", "Keterangan"])
    data = workbook.create_sheet("Unit")
    for row in GOOD_UNITS:
        data.append(row)
    output = io.BytesIO()
    workbook.save(output)
    table = read_table("unit.xlsx", output.getvalue(), max_rows=10, expected={"kode_unit"})
    assert table.headers == UNIT_HEADER
    assert [str(n) for n in table.notes] == ["Data dibaca dari lembar “Unit”."]


def test_missing_columns_are_named_once_and_extra_columns_ignored(client, signed_in, session):
    response = upload(client, "unit.csv", make_csv([["kode_unit", "catatan"], ["X", "y"]]))
    assert response.status_code == 422
    text = page_text(response)
    assert "Kolom wajib tidak ada: nama_unit, jenis" in text
    assert text.count("Kolom wajib tidak ada") == 1

    rows = [[*UNIT_HEADER[:3], "catatan"], ["EXTRA", "Unit lain", "lainnya", "apa saja"]]
    response = upload(client, "unit.csv", make_csv(rows), dry_run="y")
    assert response.status_code == 200
    assert "tidak dikenal diabaikan: catatan" in page_text(response)


def test_missing_file_and_wrong_kind_are_form_errors(client, signed_in):
    response = post_form(client, "/import/", {"kind": "units"})
    assert response.status_code == 422
    assert "Pilih berkas yang akan diimpor" in page_text(response)
    response = upload(client, "x.csv", make_csv(GOOD_UNITS), kind="rahasia")
    assert response.status_code == 422
    assert "Pilihan tidak valid" in page_text(response)


# --- formula payloads ------------------------------------------------------------------


@pytest.mark.parametrize("text_formulas", [True, False])
def test_formula_in_a_name_is_kept_as_plain_text(client, signed_in, session, text_formulas):
    rows = [UNIT_HEADER[:3], ["JAHIL", PAYLOAD, "dinas"]]
    data = make_xlsx(rows, text_formulas=text_formulas)
    response = upload(client, "unit.xlsx", data)
    assert response.status_code == 302, page_text(response)
    assert units_of(session, signed_in.agency_id)["JAHIL"].name == PAYLOAD


def test_downloaded_data_neutralises_formulas_and_imports_back_unchanged(
    client, signed_in, session
):
    upload(client, "unit.csv", make_csv([UNIT_HEADER[:3], ["JAHIL", PAYLOAD, "dinas"]]))

    workbook = client.get("/import/template/units.xlsx?data=1")
    assert workbook.status_code == 200
    cells = openpyxl.load_workbook(io.BytesIO(workbook.data))["Data"]
    row = next(r for r in cells.iter_rows(min_row=2) if r[0].value == "JAHIL")
    assert row[1].value == "'" + PAYLOAD
    assert row[1].data_type == "s"

    text = client.get("/import/template/units.csv?data=1").data.decode("utf-8-sig")
    assert next(r for r in csv.reader(io.StringIO(text)) if r[0] == "JAHIL")[1] == "'" + PAYLOAD

    response = upload(client, "unit.xlsx", workbook.data)
    assert response.status_code == 302
    assert "0 dibuat, 0 diperbarui" in flashes(client)
    assert units_of(session, signed_in.agency_id)["JAHIL"].name == PAYLOAD


def test_sheet_writers_neutralise_formula_cells():
    risky = ["=1+1", "+62 812", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "aman", "Budi-Santoso"]
    rows = [[*risky, 7, 123456789012345678, None]]
    headers = [f"k{i}" for i in range(len(rows[0]))]

    sheet = read_xlsx(xlsx_bytes(headers, rows))
    # openpyxl leaves the XML escape of a carriage return as it is
    sheet[1][5] = sheet[1][5].replace("_x000D_", "\r")
    assert sheet[1][:8] == [neutralise(v) for v in risky]
    assert sheet[1][:6] == ["'=1+1", "'+62 812", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1"]
    assert sheet[1][8:] == [7, "123456789012345678", None]

    text = csv_bytes(headers, rows).decode("utf-8")
    assert text.startswith("\ufeffk0,")
    parsed = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert parsed[1][:8] == [neutralise(v) for v in risky]


# --- templates ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["units", "counters", "services", "employees"])
def test_templates_open_in_excel_readers(client, signed_in, kind):
    xlsx = client.get(f"/import/template/{kind}.xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["Data", "Petunjuk"]
    data = workbook["Data"]
    headers = [c.value for c in data[1]]
    assert headers[0] in ("kode_unit", "nip")
    assert all(c.font.b for c in data[1])
    assert data.freeze_panes == "A2"
    guide = [[c.value for c in row] for row in workbook["Petunjuk"].iter_rows()]
    assert guide[0] == ["Kolom", "Wajib", "Keterangan", "Contoh"]
    described = {row[0]: row for row in guide[1:] if row[0] in headers}
    assert described.keys() == set(headers)
    assert all(row[1] in ("Ya", "Tidak") and len(row[2]) > 10 for row in described.values())

    text = client.get(f"/import/template/{kind}.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(text.decode("utf-8-sig")))) == headers


def test_employee_template_formats_nip_as_text(client, signed_in):
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/import/template/employees.xlsx").data)
    )
    sheet = workbook["Data"]

    def column_format(index: int) -> str:
        dims = sheet.column_dimensions.values()
        return next((d.number_format for d in dims if d.min <= index <= d.max), "General")

    assert [column_format(i) for i in range(1, 6)] == ["@", "General", "General", "@", "@"]


def test_a_filled_template_imports(client, signed_in, session):
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/import/template/counters.xlsx").data))
    sheet = workbook["Data"]
    sheet.append(["DINKES", "LOKET-9", "Loket Informasi", "Lobi"])
    output = io.BytesIO()
    workbook.save(output)
    response = upload(client, "loket.xlsx", output.getvalue(), kind="counters")
    assert response.status_code == 302, page_text(response)
    session.expire_all()
    assert session.scalar(select(ServicePoint.name).where(ServicePoint.code == "LOKET-9")) == (
        "Loket Informasi"
    )


def test_unknown_template_is_404(client, signed_in):
    assert client.get("/import/template/users.xlsx").status_code == 404
    assert client.get("/import/template/units.pdf").status_code == 404


# --- page, permission, navigation -----------------------------------------------------


def test_page_lists_the_four_kinds_and_list_pages_offer_import(client, signed_in):
    page = client.get("/import/")
    assert page.status_code == 200
    text = page_text(page)
    for kind in ("units", "counters", "services", "employees"):
        assert f"/import/template/{kind}.csv" in text
        assert f"/import/template/{kind}.xlsx" in text
    assert 'enctype="multipart/form-data"' in text
    assert 'name="csrf_token"' in text
    assert "/import/units/" in page_text(client.get("/org/units/"))
    assert "/import/employees/" in page_text(client.get("/org/employees/"))
    chosen = page_text(client.get("/import/employees/"))
    assert '<option selected value="employees">' in chosen
    assert {slug for slug in LIST_ACTIONS} >= {"units", "service-points", "services", "employees"}


def test_import_needs_the_organisation_permission(client, factory):
    assert client.get("/import/").status_code == 302  # to the login page
    designer = factory.user(Role.DESIGNER)
    login(client, designer.email)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/template/units.csv").status_code == 403


def test_installation_admin_picks_the_agency(client, factory, session):
    target = factory.agency(code="TUJUAN")
    factory.unit(agency=target, code="DINKES")
    other = factory.agency(code="LAIN")
    factory.unit(agency=other, code="DINKES")
    root = factory.user(Role.ADMIN)
    login(client, root.email)
    rows = [COUNTER_HEADER, ["DINKES", "L1", "Loket 1", ""]]
    response = upload(client, "loket.csv", make_csv(rows), kind="counters")
    assert response.status_code == 422
    assert "Wajib diisi" in page_text(response)
    response = upload(client, "loket.csv", make_csv(rows), kind="counters", agency_id=target.id)
    assert response.status_code == 302
    session.expire_all()
    point = session.scalar(select(ServicePoint).where(ServicePoint.code == "L1"))
    assert point.unit.agency_id == target.id


# --- scope ----------------------------------------------------------------------------


@pytest.fixture()
def unit_admin(factory, client):
    """An administrator limited to UPT-A (under DINAS), with a sibling UPT-B and another agency."""
    agency = factory.agency(code="KAB")
    top = factory.unit(agency=agency, code="DINAS")
    mine = factory.unit(agency=agency, parent=top, code="UPT-A")
    factory.unit(agency=agency, parent=mine, code="UPT-A1")
    factory.unit(agency=agency, parent=top, code="UPT-B")
    factory.unit(agency=factory.agency(code="TETANGGA"), code="ASING")
    user = factory.user(Role.AGENCY_ADMIN, agency=agency, unit=mine)
    login(client, user.email)
    return user


def test_unit_limited_admin_cannot_import_into_a_sibling_or_another_agency(
    client, unit_admin, session
):
    rows = [
        COUNTER_HEADER,
        ["UPT-A1", "L1", "Loket di unit saya", ""],
        ["UPT-B", "L2", "Loket unit saudara", ""],
        ["ASING", "L3", "Loket instansi lain", ""],
        ["DINAS", "L4", "Loket unit induk", ""],
    ]
    response = upload(client, "loket.csv", make_csv(rows), kind="counters")
    assert response.status_code == 422
    text = page_text(response)
    assert text.count("Kode unit tidak ditemukan") == 3
    assert "TETANGGA" not in text
    assert count(session, ServicePoint) == 0

    response = upload(client, "loket.csv", make_csv(rows[:2]), kind="counters")
    assert response.status_code == 302


def test_unit_limited_admin_builds_units_only_inside_their_subtree(client, unit_admin, session):
    rows = [
        UNIT_HEADER,
        ["UPT-A", "UPT A (nama baru)", "upt", "", "", ""],
        ["UPT-A2", "Unit baru di bawah saya", "upt", "UPT-A", "", ""],
        ["UPT-A3", "Di bawah unit baru", "upt", "UPT-A2", "", ""],
    ]
    response = upload(client, "unit.csv", make_csv(rows))
    assert response.status_code == 302, page_text(response)
    units = units_of(session, unit_admin.agency_id)
    # the top of their subtree keeps its parent outside it
    assert units["UPT-A"].parent_id == units["DINAS"].id
    assert units["UPT-A"].name == "UPT A (nama baru)"
    assert units["UPT-A3"].parent_id == units["UPT-A2"].id

    bad = [
        UNIT_HEADER,
        ["UPT-B", "Ambil alih saudara", "upt", "UPT-A", "", ""],
        ["UPT-A4", "Di bawah saudara", "upt", "UPT-B", "", ""],
        ["UPT-A5", "Tanpa induk", "upt", "", "", ""],
        ["UPT-A1", "Pindah keluar", "upt", "DINAS", "", ""],
        ["UPT-A6", "Induk di instansi lain", "upt", "ASING", "", ""],
    ]
    response = upload(client, "unit.csv", make_csv(bad))
    assert response.status_code == 422
    text = page_text(response)
    assert "sudah dipakai unit yang tidak boleh Anda ubah" in text
    assert text.count("Kode induk tidak ditemukan") == 3
    assert "isi kode_induk" in text
    assert "UPT-A4" not in units_of(session, unit_admin.agency_id)


def test_the_service_works_without_a_request(app, session, factory):
    agency = factory.agency()
    factory.unit(agency=agency, code="INDUK")
    result = import_rows(
        session,
        "units",
        [
            {"Kode Unit": "ANAK", "Nama Unit": "Anak", "JENIS": "bidang", "kode induk": "induk"},
            {"Kode Unit": "CUCU", "Nama Unit": "Cucu", "JENIS": "bidang", "kode induk": "ANAK"},
        ],
        agency_id=agency.id,
    )
    assert result.ok and result.applied
    assert (result.created, result.updated) == (2, 0)
    cucu = session.scalar(select(Unit).where(Unit.code == "CUCU"))
    assert cucu.parent.parent.code == "INDUK"

    result = import_rows(session, "units", [{"kode_unit": "X"}], agency_id=agency.id, dry_run=True)
    assert not result.ok
    assert [(p.row, p.column) for p in result.problems] == [(1, None)]


def test_reader_rejects_what_it_cannot_read():
    with pytest.raises(ImportFileError):
        read_table("unit.csv", b"   \r\n", max_rows=10)
    table = read_table("unit.csv", b"sep=;\r\nkode_unit;nama_unit\r\nA;Satu\r\n", max_rows=10)
    assert table.rows == [{"kode_unit": "A", "nama_unit": "Satu"}]
    assert table.row_numbers == [2]


# --- CLI ------------------------------------------------------------------------------


def test_cli_imports_and_commits(app, session, factory, tmp_path):
    agency = factory.agency(code="CLI")
    factory.unit(agency=agency, code="DINKES")
    path = tmp_path / "unit.csv"
    path.write_bytes(make_csv(GOOD_UNITS, delimiter=";"))
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["import-org", "units", str(path), "--agency", "cli", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "3 dibuat" in dry.output
    assert "PKM-UTARA" not in units_of(session, agency.id)

    result = runner.invoke(args=["import-org", "units", str(path), "--agency", "CLI"])
    assert result.exit_code == 0, result.output
    assert "Memeriksa baris" in result.output
    assert "3 dibuat, 0 diperbarui" in result.output
    assert units_of(session, agency.id)["PKM-UTARA"].parent.code == "BIDANG-YANKES"

    again = runner.invoke(args=["import-org", "units", str(path), "--agency", "CLI"])
    assert "0 dibuat, 0 diperbarui, 3 tidak berubah" in again.output


def test_cli_reports_every_problem_and_fails(app, session, factory, tmp_path):
    agency = factory.agency(code="CLI")
    factory.unit(agency=agency, code="DINKES")
    path = tmp_path / "pegawai.xlsx"
    rows = [
        EMPLOYEE_HEADER,
        [NIP_A, "Benar", "Staf", "DINKES", None],
        ["123", "NIP pendek", "Staf", "DINKES", None],
        [NIP_B, "", "Staf", "TIDAK-ADA", None],
    ]
    path.write_bytes(make_xlsx(rows))
    result = app.test_cli_runner().invoke(
        args=["import-org", "employees", str(path), "--agency", "CLI"]
    )
    assert result.exit_code == 1
    assert "Baris 3, kolom nip [123]: NIP harus 18 digit" in result.output
    assert "Baris 4, kolom nama: Wajib diisi." in result.output
    assert "Baris 4, kolom kode_unit [TIDAK-ADA]: Kode unit tidak ditemukan." in result.output
    assert "3 masalah ditemukan" in result.output
    assert count(session, Employee) == 0


def test_cli_refuses_unreadable_files_and_unknown_agencies(app, session, factory, tmp_path):
    factory.agency(code="SATU")
    factory.agency(code="DUA")
    path = tmp_path / "unit.pdf"
    path.write_bytes(b"%PDF-1.4")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-org", "units", str(path), "--agency", "SATU"])
    assert result.exit_code == 1
    assert "tidak didukung" in result.output
    result = runner.invoke(args=["import-org", "units", str(path), "--agency", "TIGA"])
    assert result.exit_code == 2
    assert "TIGA" in result.output
    result = runner.invoke(args=["import-org", "units", str(path)])
    assert result.exit_code == 2
    assert "--agency" in result.output
