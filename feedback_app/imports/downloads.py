"""The import templates: empty, or filled with the current records to edit and re-import."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from exports.sheets import CSV_MIMETYPE, XLSX_MIMETYPE, csv_bytes, xlsx_bytes
from feedback_app.imports.kinds import Kind
from feedback_app.models import Employee, Service, ServicePoint, Unit

FORMATS = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}


def instructions(kind: Kind) -> list[list[Any]]:
    """The "Petunjuk" sheet: one row per column, then the rules of the import."""
    rows: list[list[Any]] = [[_("Kolom"), _("Wajib"), _("Keterangan"), _("Contoh")]]
    for field in kind.fields:
        rows.append(
            [
                field.name,
                _("Ya") if field.required else _("Tidak"),
                str(field.description),
                field.example,
            ]
        )
    rows.append([])
    general = [
        _("Isi data mulai baris 2 pada lembar pertama; baris 1 adalah judul kolom."),
        _("Huruf besar-kecil dan spasi pada judul kolom tidak berpengaruh; kolom lain diabaikan."),
        _(
            "Impor ulang berkas yang sama memperbarui data yang sudah ada "
            "(dicocokkan dengan %(key)s), tidak membuat data ganda.",
            key=kind.key_description,
        ),
        _(
            "Semua baris diperiksa dulu. Jika ada satu saja yang salah, tidak ada data "
            "yang disimpan dan semua masalah ditampilkan sekaligus."
        ),
        _("Berkas CSV boleh dipisah koma, titik koma atau tab."),
    ]
    rows.extend([_("Catatan"), "", text, ""] for text in general)
    return rows


def current_rows(
    session: Session, kind: Kind, agency_id: int, unit_ids: Collection[int] | None
) -> Iterator[list[Any]]:
    """The stored records of ``kind`` as template rows, limited to the user's units."""
    if kind.slug == "units":
        parent = aliased(Unit)
        query = (
            select(Unit, parent.code)
            .outerjoin(parent, Unit.parent_id == parent.id)
            .where(Unit.agency_id == agency_id)
            .order_by(Unit.code)
        )
        if unit_ids is not None:
            query = query.where(Unit.id.in_(unit_ids))
        for unit, parent_code in session.execute(query):
            yield [
                unit.code,
                unit.name,
                unit.kind.value,
                parent_code,
                unit.timezone.value,
                unit.address,
            ]
        return
    if kind.slug == "employees":
        boss = aliased(Employee)
        query = (
            select(Employee, Unit.code, boss.nip)
            .join(Unit, Employee.unit_id == Unit.id)
            .outerjoin(boss, Employee.supervisor_id == boss.id)
            .where(Employee.agency_id == agency_id)
            .order_by(Unit.code, Employee.name)
        )
        if unit_ids is not None:
            query = query.where(Employee.unit_id.in_(unit_ids))
        for employee, unit_code, boss_nip in session.execute(query):
            yield [employee.nip, employee.name, employee.position, unit_code, boss_nip]
        return
    model = ServicePoint if kind.slug == "counters" else Service
    query = (
        select(model, Unit.code)
        .join(Unit, model.unit_id == Unit.id)
        .where(Unit.agency_id == agency_id)
        .order_by(Unit.code, model.code)
    )
    if unit_ids is not None:
        query = query.where(model.unit_id.in_(unit_ids))
    for record, unit_code in session.execute(query):
        if isinstance(record, ServicePoint):
            yield [unit_code, record.code, record.name, record.location]
        else:
            yield [unit_code, record.code, record.name, record.name_en, record.description]


def template_file(kind: Kind, fmt: str, rows: Iterator[list[Any]] | None = None) -> bytes:
    """The template of ``kind`` as CSV (UTF-8 with BOM) or XLSX (with a "Petunjuk" sheet)."""
    data = rows if rows is not None else iter(())
    if fmt == "csv":
        return csv_bytes(kind.headers, data)
    return xlsx_bytes(
        kind.headers,
        data,
        sheet_name=_("Data"),
        text_columns=kind.text_columns,
        widths={f.name: f.width for f in kind.fields},
        instructions=instructions(kind),
        instructions_name=_("Petunjuk"),
    )
