"""Exports read back with real readers and compared with the database."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select

from feedback_app import exports_web, read_api
from feedback_app.models import AuditEntry, ExportJob, JobStatus
from surveys.scoring import ikm_from_responses
from tests.conftest import csrf_token, login, make_test_app
from tests.exports_data import CHECK_ANSWERS, FORMULA, SCRIPT, World, build_world


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("exports")
    app = make_test_app(
        database_url,
        tmp_path_factory,
        HUEY_IMMEDIATE=True,
        EXPORT_DIR=str(folder),
        EXPORT_SYNC_MAX_ROWS=1000,
    )
    if "exports_web" not in app.blueprints:
        exports_web.init_app(app)
    if "read_api" not in app.blueprints:
        read_api.init_app(app)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture()
def world(session, factory) -> World:
    return build_world(session, factory)


def export(client, data: dict, **kw):
    token = csrf_token(client, "/ekspor/")
    base = {"csrf_token": token, "period": "2025", "delimiter": ";", "values": "labels"}
    kw.setdefault("buffered", True)
    return client.post("/ekspor/", data={**base, **data}, **kw)


def test_page_lists_only_units_in_scope(client, world):
    login(client, world.unit_head.email)
    page = client.get("/ekspor/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert world.dinas.name in html and world.bidang.name in html
    assert "Kartini" not in html  # the puskesmas is another subtree
    assert world.other_unit.name not in html


def test_page_escapes_names(client, world):
    login(client, world.head.email)
    html = client.get("/ekspor/").get_data(as_text=True)
    assert "Puskesmas &lt;b&gt;Kartini&lt;/b&gt;" in html
    assert "<b>Kartini</b>" not in html


def test_raw_csv_semicolon_decimal_comma(client, session, world):
    login(client, world.head.email)
    response = export(client, {"kind": "raw", "format": "csv", "decimal_comma": "y"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig", dtype=str)
    # 2025, not flagged: three at the dinas, one in the bidang, one at the puskesmas
    assert len(frame) == 5
    ids = sorted(int(i) for i in frame["ID respons"])
    assert ids == sorted(r.id for r in world.responses[:5])
    first = frame[frame["ID respons"] == str(world.responses[0].id)].iloc[0]
    assert first["Unit"] == world.dinas.name
    assert first["Loket"] == world.point.name
    assert first["Jenis layanan"] == world.service.name
    assert first["Petugas"] == world.officer.name
    # 02:30 UTC is 09:30 WIB
    assert first["Waktu (lokal)"] == "2025-03-10 09:30:00"
    assert first["Zona waktu"] == "WIB"
    assert first["U1 Persyaratan"] == "Sesuai"  # score 3
    assert first["U4 Biaya/tarif"] == "Gratis"  # score 4
    assert first["Jenis kelamin"] == "Laki-laki"
    # the formula stays text
    assert first["Saran dan masukan"] == "'" + FORMULA
    puskesmas = frame[frame["Unit"] == world.puskesmas.name]
    # 16:59 UTC on 30 June is 23:59 WIB: still in June
    assert puskesmas.iloc[0]["Waktu (lokal)"] == "2025-06-30 23:59:00"


def test_raw_csv_codes_comma(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "raw", "format": "csv", "delimiter": ",", "values": "codes"})
    frame = pd.read_csv(io.BytesIO(response.get_data()), encoding="utf-8-sig")
    assert len(frame) == 5
    dinas = frame[frame["Unit"] == world.dinas.name].sort_values("ID respons")
    scores = dinas[[c for c in frame.columns if c.startswith("U") and c[1].isdigit()]].values
    assert scores.tolist() == CHECK_ANSWERS


def test_flagged_only_when_asked(client, world):
    login(client, world.head.email)
    without = export(client, {"kind": "raw", "format": "csv"})
    with_flagged = export(client, {"kind": "raw", "format": "csv", "include_flagged": "y"})
    count = lambda r: len(pd.read_csv(io.BytesIO(r.get_data()), sep=";", encoding="utf-8-sig"))  # noqa: E731
    assert count(without) == 5
    assert count(with_flagged) == 6


def test_raw_xlsx(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "raw", "format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Respons", "Label nilai"]
    sheet = book["Respons"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["ID respons", "Waktu (lokal)", "Zona waktu", "Unit"]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.max_row == 6
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    first = rows[world.responses[0].id]
    assert first["Waktu (lokal)"] == dt.datetime(2025, 3, 10, 9, 30)  # noqa: DTZ001 - local, naive
    assert first["U2 Sistem, mekanisme, dan prosedur"] == "Kurang mudah"
    assert first["Saran dan masukan"] == "'" + FORMULA
    assert rows[world.responses[1].id]["Saran dan masukan"] == SCRIPT
    labels = list(book["Label nilai"].iter_rows(min_row=2, values_only=True))
    assert ("U1", "U1 Persyaratan", 4, "Sangat sesuai") in labels
    # no formula anywhere in the workbook
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)


def expected_unit_ikm() -> str:
    return str(
        ikm_from_responses(
            [dict(zip([f"U{i}" for i in range(1, 10)], a, strict=True)) for a in CHECK_ANSWERS]
        ).score
    )


def test_summary_xlsx_matches_scoring(client, world):
    login(client, world.unit_head.email)
    response = export(client, {"kind": "summary", "format": "xlsx"})
    assert response.status_code == 200
    data = response.get_data()
    book = openpyxl.load_workbook(io.BytesIO(data))
    units = book["IKM per unit"]
    header = [c.value for c in units[1]]
    rows = [dict(zip(header, r, strict=True)) for r in units.iter_rows(min_row=2, values_only=True)]
    by_unit = {r["Unit"]: r for r in rows}
    dinas = by_unit[world.dinas.name]
    assert dinas["Responden (n)"] == 3
    assert f"{dinas['IKM (25–100)']:.2f}" == expected_unit_ikm() == "77.78"
    assert dinas["Mutu"] == "B" and dinas["Kinerja unit"] == "Baik"
    assert dinas["U2 Sistem, mekanisme, dan prosedur"] == pytest.approx(58.33)
    # population 10 → minimum sample 10: not reached with 3
    assert dinas["Populasi"] == 10 and dinas["Sampel minimum"] == 10
    assert dinas["Sampel cukup"] == "belum"
    assert by_unit[world.bidang.name]["IKM (25–100)"] == pytest.approx(91.67)
    assert world.puskesmas.name not in by_unit  # outside the unit head's scope
    total = by_unit["Seluruh unit terpilih"]
    assert total["Responden (n)"] == 4
    elements = book["IKM per unsur"]
    assert [c.value for c in elements["A"]][1:] == [f"U{i}" for i in range(1, 10)]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    assert units.freeze_panes == "A2" and units["A1"].font.b
    assert units.cell(row=2, column=header.index("IKM (25–100)") + 1).number_format == "0.00"


def test_summary_csv(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "summary", "format": "csv", "decimal_comma": "y"})
    frame = pd.read_csv(io.BytesIO(response.get_data()), sep=";", encoding="utf-8-sig", dtype=str)
    dinas = frame[frame["Unit"] == world.dinas.name].iloc[0]
    assert dinas["IKM (25–100)"] == "77,78"
    assert dinas["Mutu"] == "B"
    assert set(frame["Unit"]) == {
        world.dinas.name,
        world.bidang.name,
        world.puskesmas.name,
        "Seluruh unit terpilih",
    }


def test_sav_variable_and_value_labels(client, world, tmp_path: Path):
    login(client, world.head.email)
    response = export(client, {"kind": "raw", "format": "sav"})
    assert response.status_code == 200
    path = tmp_path / "raw.sav"
    path.write_bytes(response.get_data())
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 5
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["U1"] == "U1 Persyaratan"
    assert labels["waktu_lokal"] == "Waktu (lokal)"
    assert meta.variable_value_labels["U1"] == {
        1.0: "Tidak sesuai",
        2.0: "Kurang sesuai",
        3.0: "Sesuai",
        4.0: "Sangat sesuai",
    }
    assert meta.variable_value_labels["unit"][float(world.dinas.id)] == world.dinas.name
    gender = meta.variable_value_labels["jenis_kelamin"]
    assert gender == {1.0: "Laki-laki", 2.0: "Perempuan"}
    first = frame[frame["id"] == world.responses[0].id].iloc[0]
    assert first["U1"] == 3 and first["jenis_kelamin"] == 1
    assert first["saran"] == FORMULA  # SPSS has no formulas: stored as typed
    assert first["waktu_lokal"] == pd.Timestamp("2025-03-10 09:30:00")


def test_json_is_inert(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "comments", "format": "json"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script>" not in text and "\\u003cscript\\u003e" in text
    document = json.loads(text)
    table = document["tables"][0]
    names = [c["name"] for c in table["columns"]]
    comments = [dict(zip(names, row, strict=True)) for row in table["rows"]]
    assert {c["komentar"] for c in comments} == {
        FORMULA,
        SCRIPT,
        "Antrean terlalu panjang, tambah loket.",
    }
    assert all(c["tindak_lanjut"] == "belum ditindaklanjuti" for c in comments)


def test_comments_with_follow_up_status(client, session, world):
    from feedback_app.models import FollowUp, FollowUpStatus

    session.add(
        FollowUp(
            response_id=world.responses[2].id,
            unit_id=world.dinas.id,
            status=FollowUpStatus.IN_PROGRESS,
        )
    )
    session.flush()
    login(client, world.head.email)
    response = export(client, {"kind": "comments", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()))["Komentar"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    status = {r["Komentar"]: r["Status tindak lanjut"] for r in rows}
    assert status["Antrean terlalu panjang, tambah loket."] == "diproses"
    assert status["'" + FORMULA] == "belum ditindaklanjuti"
    assert status[SCRIPT] == "belum ditindaklanjuti"
    csv = export(client, {"kind": "comments", "format": "csv"}).get_data().decode("utf-8-sig")
    assert f"'{FORMULA}".replace('"', '""') in csv


def test_pdf_report(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "summary", "format": "pdf", "unit": str(world.dinas.id)})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for bab in ("BAB I", "BAB II", "BAB III", "BAB IV", "BAB V"):
        assert bab in flat
    # the dinas subtree: the DESIGN.md three plus the bidang's one
    assert world.dinas.name in flat and world.bidang.name in flat
    assert "77,78" in flat  # the dinas's own IKM
    assert "Baik" in flat
    assert "Menambah dua petugas perekaman pada jam sibuk" in flat  # rencana tindak lanjut for U3
    assert "Ir. Budi Santoso, M.Si." in flat and "NIP. 197001011995031001" in flat
    assert "Wali Kota Uji Ekspor" in flat
    assert "Tahun 2024" in flat  # trend against last year
    assert "Laki-laki" in flat and "Perempuan" in flat  # respondent profile


def test_pdf_escapes_markup(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "summary", "format": "pdf"})
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Puskesmas <b>Kartini</b>" in " ".join(text.split())


def test_indicators(client, world):
    login(client, world.head.email)
    response = export(client, {"kind": "indicators", "format": "csv"})
    frame = pd.read_csv(io.BytesIO(response.get_data()), sep=";", encoding="utf-8-sig", dtype=str)
    row = frame[frame["Pegawai"] == world.officer.name].iloc[0]
    assert row["Responden (n)"] == "3"
    assert pd.isna(row["IKM (25–100)"])  # fewer than 30: not shown
    assert row["Keterangan"] == "data belum cukup"


def test_audit_log(client, session, world):
    login(client, world.unit_head.email)
    export(client, {"kind": "summary", "format": "csv", "unit": str(world.bidang.id)})
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.user_id == world.unit_head.id
    assert entry.agency_id == world.agency.id
    assert entry.action == "export"
    assert entry.details["kind"] == "summary" and entry.details["format"] == "csv"
    assert entry.details["filters"]["unit"] == world.bidang.id
    assert entry.details["filters"]["period"] == "2025"
    assert entry.created_at is not None


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    "field, target",
    [
        ("unit", "puskesmas"),
        ("unit", "other_unit"),
        ("service_point", "point_puskesmas"),
        ("agency", "other_agency"),
    ],
)
def test_unit_head_cannot_reach_other_units(client, session, world, field, target):
    login(client, world.unit_head.email)
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    for fmt in ("csv", "xlsx", "pdf"):
        kind = "summary" if fmt == "pdf" else "raw"
        response = export(
            client, {"kind": kind, "format": fmt, field: str(getattr(world, target).id)}
        )
        assert response.status_code == 404
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_other_agency_survey_version_is_404(client, session, world):
    from feedback_app.models import Survey

    other_version = session.scalar(
        select(Survey.current_version_id).where(Survey.agency_id == world.other_agency.id)
    )
    login(client, world.head.email)
    response = export(
        client, {"kind": "raw", "format": "csv", "survey_version": str(other_version)}
    )
    assert response.status_code == 404


def test_designer_gets_403(client, world):
    login(client, world.designer.email)
    assert client.get("/ekspor/").status_code == 403
    assert export(client, {"kind": "raw", "format": "csv"}).status_code == 403


def test_anonymous_goes_to_login(client, world):
    assert client.get("/ekspor/").status_code in (302, 401)


def test_unit_head_export_stays_in_subtree(client, world):
    login(client, world.unit_head.email)
    frame = pd.read_csv(
        io.BytesIO(export(client, {"kind": "raw", "format": "csv"}).get_data()),
        sep=";",
        encoding="utf-8-sig",
    )
    assert set(frame["Unit"]) == {world.dinas.name, world.bidang.name}


# --------------------------------------------------------------------------- background jobs


def test_background_job_and_download(client, session, world):
    login(client, world.unit_head.email)
    response = export(client, {"kind": "raw", "format": "xlsx", "background": "y"})
    assert response.status_code == 303
    job_url = response.headers["Location"]
    job = session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    session.refresh(job)
    assert job.status == JobStatus.DONE
    assert job.user_id == world.unit_head.id
    assert job.done_rows == job.total_rows == 4
    assert job.expires_at > job.finished_at
    page = client.get(job_url).get_data(as_text=True)
    assert "Unduh berkas" in page and 'value="100"' in page
    state = client.get(f"/ekspor/tugas/{job.id}/status").get_json()
    assert state["status"] == "done" and state["percent"] == 100
    download = client.get(state["download_url"], buffered=True)
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.get_data()))
    assert book["Respons"].max_row == 5
    actions = [
        e.action
        for e in session.scalars(select(AuditEntry).where(AuditEntry.user_id == world.unit_head.id))
    ]
    assert "export" in actions and "export.download" in actions


def test_large_exports_go_to_the_background(app, client, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 2)
    login(client, world.head.email)
    response = export(client, {"kind": "raw", "format": "csv"})
    assert response.status_code == 303
    job = session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    session.refresh(job)
    assert job.status == JobStatus.DONE and job.total_rows == 5


def test_jobs_belong_to_their_owner(client, session, world):
    login(client, world.unit_head.email)
    export(client, {"kind": "raw", "format": "csv", "background": "y"})
    job = session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/ekspor/")})
    for user in (world.puskesmas_head, world.other_head, world.head):
        login(client, user.email)
        for url in (
            f"/ekspor/tugas/{job.id}",
            f"/ekspor/tugas/{job.id}/status",
            f"/ekspor/tugas/{job.id}/unduh",
        ):
            assert client.get(url).status_code == 404, (user.email, url)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/ekspor/")})


def test_expired_files_are_removed(app, client, session, world):
    from feedback_app.exports_web import service

    login(client, world.head.email)
    export(client, {"kind": "summary", "format": "xlsx", "background": "y"})
    job = session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    session.refresh(job)
    path = Path(app.config["EXPORT_DIR"]) / job.file_name
    assert path.exists()
    job.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.flush()
    assert client.get(f"/ekspor/tugas/{job.id}/unduh").status_code == 404
    with app.app_context():
        removed = service.purge_expired()
    assert removed >= 1
    assert not path.exists()
    session.refresh(job)
    assert job.file_name is None


def test_cli_export(app, session, world, tmp_path):
    output = tmp_path / "ringkasan.csv"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "export",
            "run",
            "summary",
            "csv",
            "-o",
            str(output),
            "--user",
            world.head.email,
            "--period",
            "2025",
            "--delimiter",
            ";",
            "--decimal-comma",
        ]  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(output, sep=";", encoding="utf-8-sig", dtype=str)
    assert frame[frame["Unit"] == world.dinas.name].iloc[0]["IKM (25–100)"] == "77,78"
    result = runner.invoke(
        args=[
            "export",
            "run",
            "raw",
            "csv",
            "-o",
            str(output),
            "--user",
            world.unit_head.email,
            "--unit",
            world.puskesmas.code,
        ]  # fmt: skip
    )
    assert result.exit_code != 0 and "outside" in result.output


def test_a_job_that_lost_its_worker_is_marked_failed_after_a_day(app, client, session, world):
    from feedback_app.exports_web import service

    login(client, world.head.email)
    export(client, {"kind": "summary", "format": "xlsx", "background": "y"})
    job = session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    session.refresh(job)
    job.status = JobStatus.RUNNING  # the worker died half-way
    job.file_name = None
    job.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    fresh = ExportJob(
        user_id=job.user_id,
        agency_id=job.agency_id,
        kind=job.kind,
        format=job.format,
        filters=job.filters,
        status=JobStatus.RUNNING,
    )
    session.add(fresh)
    session.flush()
    with app.app_context():
        service.purge_expired()
    session.refresh(job)
    session.refresh(fresh)
    assert job.status == JobStatus.FAILED and "silakan ulangi" in job.error
    assert fresh.status == JobStatus.RUNNING  # still within its day
    page = client.get(f"/ekspor/tugas/{job.id}").get_data(as_text=True)
    assert "Ekspor gagal" in page  # the owner sees it failed, not a bar that never moves
