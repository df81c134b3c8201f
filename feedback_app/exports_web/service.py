"""The exports themselves: tables from the database, written by the ``exports`` writers.

The same code serves the export page (small exports stream straight to the
browser), the background worker (:func:`run_job`) and ``flask export``.
Raw rows are streamed from the database with ``yield_per`` and turned into
export rows by :class:`exports.rows.ResponseRows`, so memory stays bounded
whatever the number of responses (the SPSS writer is the exception: see
:mod:`exports.spss`).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, func, select, type_coerce, update
from sqlalchemy.orm import Session

from exports.jsondoc import JSON_MIMETYPE, iter_json
from exports.report import (
    PDF_MIMETYPE,
    ElementRow,
    PlanRow,
    ProfileTable,
    Signature,
    SkmReport,
    TrendRow,
    UnitRow,
    write_report,
)
from exports.rows import Headers, Names, QuestionColumn, QuestionKind, ResponseRows
from exports.sheets import CSV_MIMETYPE, EXCEL_MAX_ROWS, XLSX_MIMETYPE, iter_csv, write_workbook
from exports.spss import SAV_MIMETYPE, write_sav
from exports.tables import ChartSpec, Column, Kind, Table
from feedback_app.audit import record_export
from feedback_app.db import get_session, utcnow
from feedback_app.exports_web import figures
from feedback_app.exports_web.selection import Actor, Filters, Selection, resolve
from feedback_app.models import (
    AuditEntry,
    Channel,
    Employee,
    ExportJob,
    FollowUp,
    JobStatus,
    Response,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    Unit,
    User,
)
from feedback_app.models.survey import definition_for
from surveys.questions import Widget
from surveys.scoring import IkmResult
from surveys.skm import ELEMENT_KEYS, ELEMENTS_BY_KEY

#: export kind → the formats it comes in
KINDS: dict[str, tuple[str, ...]] = {
    "raw": ("csv", "xlsx", "sav", "json"),
    "summary": ("xlsx", "csv", "pdf", "json"),
    "comments": ("csv", "xlsx", "json"),
    "indicators": ("csv", "xlsx", "json"),
}
MIMETYPES = {
    "csv": CSV_MIMETYPE,
    "xlsx": XLSX_MIMETYPE,
    "sav": SAV_MIMETYPE,
    "json": JSON_MIMETYPE,
    "pdf": PDF_MIMETYPE,
}
#: kinds read from the raw responses (the others come from the aggregate tables)
ROW_KINDS = ("raw", "comments")
#: formats that can stream straight to the browser
STREAMED = ("csv", "json")


@dataclass(frozen=True)
class Options:
    delimiter: str = ","
    decimal_comma: bool = False
    #: value labels ("Sangat sesuai") instead of codes (4) in CSV, XLSX and JSON
    labelled: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "delimiter": self.delimiter,
            "decimal_comma": self.decimal_comma,
            "labelled": self.labelled,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Options:
        delimiter = data.get("delimiter", ",")
        return cls(
            delimiter=delimiter if delimiter in (",", ";") else ",",
            decimal_comma=bool(data.get("decimal_comma")),
            labelled=bool(data.get("labelled", True)),
        )


def actor_for(user: User) -> Actor:
    from feedback_app.models import Role

    return Actor(
        agency_id=None if user.role == Role.ADMIN else user.agency_id,
        unit_id=user.unit_id,
        user_id=user.id,
    )


# --------------------------------------------------------------------------- raw responses


def _question_header(question: Any) -> str:
    if question.key in ELEMENTS_BY_KEY and question.type_name == "skm_element":
        return f"{question.key} {ELEMENTS_BY_KEY[question.key].name.get('id')}"
    text = question.text.get("id")
    return text if len(text) <= 80 else text[:79] + "…"


def question_columns(
    session: Session, versions: list[SurveyVersion], services: dict[int, str]
) -> list[QuestionColumn]:
    """One column per answer key across ``versions`` (first wording wins, labels merged)."""
    columns: dict[str, QuestionColumn] = {}
    service_labels = {str(k): v for k, v in services.items()}
    for version in versions:
        for question in definition_for(version).questions:
            header = _question_header(question)
            if question.scale is not None:
                kind, labels = QuestionKind.SCALE, question.value_labels("id")
            elif question.type_name == "service":
                kind, labels = QuestionKind.CHOICE, service_labels
            elif question.widget == Widget.CHECKBOX:
                kind, labels = QuestionKind.MULTI, question.value_labels("id")
            elif question.widget in (Widget.RADIO, Widget.SELECT):
                kind, labels = QuestionKind.CHOICE, question.value_labels("id")
            elif question.widget == Widget.NUMBER:
                kind, labels = QuestionKind.NUMBER, {}
            elif question.widget == Widget.DATE:
                kind, labels = QuestionKind.DATE, {}
            else:
                kind, labels = QuestionKind.TEXT, {}
            existing = columns.get(question.key)
            if existing is None:
                columns[question.key] = QuestionColumn(question.key, header, kind, dict(labels))
            elif labels:
                merged = {**labels, **existing.labels}
                columns[question.key] = QuestionColumn(
                    question.key, existing.header, existing.kind, merged
                )
            for extra in question.field_names()[1:]:
                columns.setdefault(
                    extra,
                    QuestionColumn(extra, f"{header} ({_('lainnya')})", QuestionKind.TEXT),
                )
    return list(columns.values())


def _pairs(session: Session, query: Any) -> dict[Any, Any]:
    return {key: value for key, value in session.execute(query)}


def names_for(session: Session, selection: Selection) -> Names:
    agency_id = selection.agency.id
    units = _pairs(session, select(Unit.id, Unit.name).where(Unit.agency_id == agency_id))
    points = _pairs(
        session,
        select(ServicePoint.id, ServicePoint.name)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(Unit.agency_id == agency_id),
    )
    services = _pairs(
        session,
        select(Service.id, Service.name)
        .join(Unit, Unit.id == Service.unit_id)
        .where(Unit.agency_id == agency_id),
    )
    employees = _pairs(
        session, select(Employee.id, Employee.name).where(Employee.agency_id == agency_id)
    )
    versions = {
        version_id: f"{name} v{number}"
        for version_id, name, number in session.execute(
            select(SurveyVersion.id, Survey.name, SurveyVersion.number)
            .join(Survey, Survey.id == SurveyVersion.survey_id)
            .where(Survey.agency_id == agency_id)
        )
    }
    channels = {
        Channel.QR.value: _("kode QR"),
        Channel.KIOSK.value: _("kios"),
        Channel.LINK.value: _("tautan"),
        Channel.CODE.value: _("kode transaksi"),
    }
    return Names(units, points, services, employees, versions, channels)


def fixed_headers() -> Headers:
    return Headers(
        id=_("ID respons"),
        local_time=_("Waktu (lokal)"),
        timezone=_("Zona waktu"),
        unit=_("Unit"),
        service_point=_("Loket"),
        service=_("Jenis layanan"),
        employee=_("Petugas"),
        version=_("Versi survei"),
        channel=_("Saluran"),
        language=_("Bahasa"),
        flagged=_("Ditandai"),
        yes=_("ya"),
        no=_("tidak"),
    )


def record_query(selection: Selection, *extra: Any) -> Any:
    """The raw responses of the selection as plain tuples (see ``exports.rows.RECORD_FIELDS``)."""
    return (
        select(
            Response.id,
            Response.submitted_at,
            type_coerce(Response.timezone, String),
            Response.unit_id,
            Response.service_point_id,
            Response.service_id,
            Response.employee_id,
            Response.survey_version_id,
            type_coerce(Response.channel, String),
            Response.language,
            Response.flagged,
            Response.answers,
            *extra,
        )
        .where(*selection.response_conditions())
        .order_by(Response.id)
    )


def stream_records(session: Session, query: Any, batch: int = 2000) -> Iterator[Any]:
    yield from session.execute(query.execution_options(yield_per=batch))


def count_responses(session: Session, selection: Selection) -> int:
    query = select(func.count()).select_from(Response).where(*selection.response_conditions())
    return int(session.scalar(query) or 0)


def raw_tables(
    session: Session, selection: Selection, target: str, options: Options
) -> tuple[list[Table], ResponseRows]:
    names = names_for(session, selection)
    versions = figures.versions_in(session, selection)
    builder = ResponseRows(
        question_columns(session, versions, dict(names.services)),
        names,
        target=target,
        labelled=options.labelled,
        decimal_comma=options.decimal_comma,
        headers=fixed_headers(),
    )
    rows = builder.rows(stream_records(session, record_query(selection)))
    tables = [Table(_("Respons"), builder.columns, rows, title=_("Respons mentah"))]
    if target == "xlsx":
        label_columns = [
            Column("kolom", _("Kolom")),
            Column("judul", _("Judul kolom")),
            Column("kode", _("Kode")),
            Column("label", _("Label")),
        ]
        tables.append(Table(_("Label nilai"), label_columns, list(builder.value_label_rows())))
    return tables, builder


# --------------------------------------------------------------------------- summary


def _grade(result: IkmResult) -> tuple[str | None, str | None]:
    if result.grade is None:
        return None, None
    return result.grade.letter, result.grade.label.get("id")


def summary_tables(session: Session, selection: Selection) -> list[Table]:
    data = figures.summary(session, selection)
    element_columns = [
        Column(key.lower(), f"{key} {ELEMENTS_BY_KEY[key].name.get('id')}", Kind.NUMBER,
               num_format="0.00", width=12)
        for key in ELEMENT_KEYS
    ]  # fmt: skip
    unit_columns = [
        Column("unit", _("Unit"), width=36),
        Column("kode", _("Kode unit"), width=12),
        Column("n", _("Responden (n)"), Kind.INT, num_format="#,##0"),
        Column("ikm", _("IKM (25–100)"), Kind.NUMBER, num_format="0.00"),
        Column("indeks", _("Nilai indeks (1–4)"), Kind.NUMBER, num_format="0.0000"),
        Column("mutu", _("Mutu"), width=7),
        Column("kinerja", _("Kinerja unit"), width=14),
        Column("sk_bawah", _("Selang kepercayaan 95 % (bawah)"), Kind.NUMBER, num_format="0.00"),
        Column("sk_atas", _("Selang kepercayaan 95 % (atas)"), Kind.NUMBER, num_format="0.00"),
        Column("populasi", _("Populasi"), Kind.INT, num_format="#,##0"),
        Column("sampel_minimum", _("Sampel minimum"), Kind.INT, num_format="#,##0"),
        Column("sampel_cukup", _("Sampel cukup")),
        *element_columns,
    ]

    def unit_row(name: str, code: str, result: IkmResult, population: int | None) -> list:
        from surveys.scoring import krejcie_morgan

        letter, label = _grade(result)
        interval = result.interval
        minimum = None if population is None else krejcie_morgan(population)
        reached = None if minimum is None else (_("ya") if result.respondents >= minimum
                                                 else _("belum"))  # fmt: skip
        return [
            name,
            code,
            result.respondents,
            result.score,
            result.index(4),
            letter,
            label,
            interval.low if interval else None,
            interval.high if interval else None,
            population,
            minimum,
            reached,
            *(e.score for e in result.elements),
        ]

    unit_rows = [unit_row(f.name, f.code, f.result, f.population) for f in data.units]
    unit_rows.append(unit_row(_("Seluruh unit terpilih"), "", data.overall, data.population))
    element_rows = [
        [
            e.key,
            e.name.get("id"),
            e.n,
            e.nrr_rounded(3),
            e.score,
            e.grade.letter if e.grade else None,
        ]
        for e in data.overall.elements
    ]
    elements = [
        Column("unsur", _("Unsur"), width=7),
        Column("uraian", _("Uraian"), width=36),
        Column("n", _("Jawaban (n)"), Kind.INT, num_format="#,##0"),
        Column("nrr", _("NRR (1–4)"), Kind.NUMBER, num_format="0.000"),
        Column("nilai", _("Nilai (25–100)"), Kind.NUMBER, num_format="0.00"),
        Column("mutu", _("Mutu"), width=7),
    ]
    meta = {"period": selection.period.label, "scope": selection.scope_name}
    return [
        Table(
            _("IKM per unit"),
            unit_columns,
            unit_rows,
            title=_("IKM per unit"),
            chart=ChartSpec(_("IKM per unit"), "unit", ("ikm",), y_min=0, y_max=100),
            meta=meta,
        ),
        Table(
            _("IKM per unsur"),
            elements,
            element_rows,
            title=_("IKM per unsur"),
            chart=ChartSpec(_("Nilai per unsur"), "unsur", ("nilai",), y_min=0, y_max=100),
            meta=meta,
        ),
    ]


def indicator_tables(session: Session, selection: Selection) -> list[Table]:
    """Per-employee IKM of the responses credited to them (suppressed below the minimum)."""
    not_enough = _("data belum cukup")
    units = _pairs(session, select(Unit.id, Unit.name).where(Unit.agency_id == selection.agency.id))
    rows = []
    for employee, result, reportable in figures.employee_figures(session, selection):
        letter, label = _grade(result) if reportable else (None, None)
        rows.append(
            [
                employee.name,
                employee.nip,
                employee.position,
                units.get(employee.unit_id),
                result.respondents,
                result.score if reportable else None,
                letter,
                label,
                None if reportable else not_enough,
                *((e.score if reportable else None) for e in result.elements),
            ]
        )
    columns = [
        Column("pegawai", _("Pegawai"), width=30),
        Column("nip", _("NIP"), width=20),
        Column("jabatan", _("Jabatan"), width=28),
        Column("unit", _("Unit"), width=30),
        Column("n", _("Responden (n)"), Kind.INT, num_format="#,##0"),
        Column("ikm", _("IKM (25–100)"), Kind.NUMBER, num_format="0.00"),
        Column("mutu", _("Mutu"), width=7),
        Column("kinerja", _("Kinerja"), width=14),
        Column("keterangan", _("Keterangan"), width=18),
        *(
            Column(key.lower(), f"{key} {ELEMENTS_BY_KEY[key].name.get('id')}", Kind.NUMBER,
                   num_format="0.00", width=12)
            for key in ELEMENT_KEYS
        ),
    ]  # fmt: skip
    return [
        Table(
            _("Indikator pegawai"),
            columns,
            rows,
            title=_("Umpan balik warga per pegawai (bahan bagi atasan, bukan penilaian otomatis)"),
            meta={"minimum_responses": selection.agency.min_employee_responses},
        )
    ]


# --------------------------------------------------------------------------- comments


def comment_tables(session: Session, selection: Selection) -> list[Table]:
    names = names_for(session, selection)
    versions = figures.versions_in(session, selection)
    text_keys: dict[int, list[tuple[str, str]]] = {}
    for version in versions:
        keys = []
        for question in definition_for(version).questions:
            if question.widget in (Widget.TEXT, Widget.TEXTAREA) and question.scale is None:
                keys.append((question.key, _question_header(question)))
            for extra in question.field_names()[1:]:
                keys.append((extra, f"{_question_header(question)} ({_('lainnya')})"))
        text_keys[version.id] = keys
    statuses = {"baru": _("baru"), "diproses": _("diproses"), "selesai": _("selesai")}
    offsets = {"WIB": 7, "WITA": 8, "WIT": 9}
    query = record_query(selection, type_coerce(FollowUp.status, String)).outerjoin(
        FollowUp, FollowUp.response_id == Response.id
    )

    def rows() -> Iterator[list[Any]]:
        for record in stream_records(session, query):
            keys = text_keys.get(record[7], ())
            answers = record[11] or {}
            for key, header in keys:
                text = answers.get(key)
                if not isinstance(text, str) or not text.strip():
                    continue
                local = record[1] + dt.timedelta(hours=offsets[record[2]])
                yield [
                    record[0],
                    local.replace(tzinfo=None),
                    record[2],
                    names.units.get(record[3]),
                    names.service_points.get(record[4]),
                    names.services.get(record[5]),
                    header,
                    text,
                    statuses.get(record[12]) if record[12] else _("belum ditindaklanjuti"),
                ]

    columns = [
        Column("id", _("ID respons"), Kind.INT, width=10),
        Column("waktu_lokal", _("Waktu (lokal)"), Kind.DATETIME, width=17),
        Column("zona_waktu", _("Zona waktu"), width=8),
        Column("unit", _("Unit"), width=30),
        Column("loket", _("Loket"), width=20),
        Column("layanan", _("Jenis layanan"), width=24),
        Column("pertanyaan", _("Pertanyaan"), width=30),
        Column("komentar", _("Komentar"), width=60),
        Column("tindak_lanjut", _("Status tindak lanjut"), width=20),
    ]
    return [Table(_("Komentar"), columns, rows(), title=_("Komentar dan saran"))]


# --------------------------------------------------------------------------- the PDF report


def report_data(session: Session, selection: Selection) -> SkmReport:
    data = figures.summary(session, selection)
    overall = data.overall
    letter, label = _grade(overall)
    interval = overall.interval

    def interval_text(result: IkmResult) -> str | None:
        i = result.interval
        if i is None:
            return None
        return f"{i.low}–{i.high}".replace(".", ",")

    elements = [
        ElementRow(
            e.key,
            e.name.get("id"),
            e.n,
            e.nrr_rounded(3),
            e.score,
            e.grade.letter if e.grade else None,
        )
        for e in overall.elements
    ]
    units = [
        UnitRow(
            f.name,
            f.n,
            f.result.score,
            *_grade(f.result),
            interval=interval_text(f.result),
            population=f.population,
            minimum=f.minimum,
            reached=f.reached,
        )
        for f in data.units
    ]
    weakest = overall.weakest(3)
    plans = figures.improvement_plans(session, selection, [e.key for e in weakest])
    weak_rows = [
        PlanRow(
            f"{e.key} {e.name.get('id')}",
            e.score,
            e.grade.letter if e.grade else None,
            [
                (
                    p.action,
                    p.owner,
                    p.due_date.strftime("%d-%m-%Y") if p.due_date else None,
                    p.done,
                )
                for p in plans.get(e.key, [])
            ],
        )
        for e in weakest
    ]
    strongest = [
        ElementRow(e.key, e.name.get("id"), e.n, e.nrr_rounded(3), e.score,
                   e.grade.letter if e.grade else None)
        for e in overall.strongest(3)
    ]  # fmt: skip
    trend_rows = [
        TrendRow(period.label, result.respondents, result.score,
                 result.grade.letter if result.grade else None)
        for period, result in figures.trend(session, selection)
    ]  # fmt: skip
    profiles = [
        ProfileTable(title, rows)
        for title, rows in figures.profile_counts(session, selection, overall.respondents)
    ]
    channel_labels = names_for(session, selection).channels
    channel_counts = session.execute(
        select(type_coerce(Response.channel, String), func.count())
        .where(*selection.response_conditions())
        .group_by(Response.channel)
    )
    channels = [(channel_labels.get(c, c), int(n)) for c, n in channel_counts]
    agency = selection.agency
    today = dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)
    from feedback_app.exports_web.selection import MONTHS

    place = _report_place(agency.name)
    return SkmReport(
        agency=agency.name,
        scope=selection.scope_name,
        period=selection.period.label,
        respondents=overall.respondents,
        score=overall.score,
        index=overall.index(4),
        grade=letter,
        grade_label=label,
        interval=interval_text(overall) if interval else None,
        weight="bobot 0,111 per unsur" if agency.legacy_ikm_weight else "bobot 1/9 per unsur",
        elements=elements,
        units=units,
        signature=Signature(
            place=place,
            date=f"{today.day} {MONTHS[today.month - 1]} {today.year}",
            title=agency.head_title,
            name=agency.head_name,
            nip=agency.head_nip,
        ),
        profiles=profiles,
        weakest=weak_rows,
        strongest=strongest,
        trend=trend_rows,
        channels=channels,
        population=data.population,
        minimum_sample=data.minimum,
        flagged_included=selection.include_flagged,
        generated=f"Dibuat {today:%d-%m-%Y %H:%M} WIB",
    )


def _report_place(agency_name: str) -> str:
    """The city of the signature line, guessed from "Pemerintah Kota X" names."""
    for prefix in ("Pemerintah Kota ", "Pemerintah Kabupaten ", "Pemko ", "Pemkab "):
        if agency_name.startswith(prefix):
            return agency_name[len(prefix) :]
    return agency_name


# --------------------------------------------------------------------------- writing


def tables_for(
    session: Session, selection: Selection, kind: str, target: str, options: Options
) -> list[Table]:
    if kind == "raw":
        return raw_tables(session, selection, target, options)[0]
    if kind == "summary":
        return summary_tables(session, selection)
    if kind == "comments":
        return comment_tables(session, selection)
    if kind == "indicators":
        return indicator_tables(session, selection)
    raise ValueError(kind)


def total_rows(session: Session, selection: Selection, kind: str) -> int:
    """Rows the export will hold (responses for row exports; a small number otherwise)."""
    if kind in ROW_KINDS:
        return count_responses(session, selection)
    return 1


def file_name(selection: Selection, kind: str, fmt: str) -> str:
    words = {"raw": "respons", "summary": "ringkasan-ikm", "comments": "komentar",
             "indicators": "indikator-pegawai"}  # fmt: skip
    if kind == "summary" and fmt == "pdf":
        words["summary"] = "laporan-hasil-skm"
    from feedback_app.exports_web.selection import period_code

    period = period_code(selection.period).replace("..", "_")
    scope = (selection.root_unit.code if selection.root_unit else selection.agency.code).lower()
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in scope)
    return f"{words[kind]}-{safe}-{period}.{fmt}"


def meta_for(selection: Selection, kind: str) -> dict[str, Any]:
    return {"kind": kind, "generated_at": utcnow().isoformat(), **selection.describe()}


def write_export(
    session: Session,
    selection: Selection,
    kind: str,
    fmt: str,
    options: Options,
    output: IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write one export to ``output`` (a binary file)."""
    if fmt not in KINDS[kind]:
        raise ValueError(f"{kind} exports come as {', '.join(KINDS[kind])}")
    if fmt == "pdf":
        write_report(output, report_data(session, selection), progress=progress)
        return
    if fmt == "xlsx":
        write_workbook(
            output,
            tables_for(session, selection, kind, "xlsx", options),
            max_rows=current_app.config.get("EXPORT_XLSX_MAX_ROWS", EXCEL_MAX_ROWS),
            progress=progress,
            properties={"title": file_name(selection, kind, fmt), "company": selection.agency.name},
        )
        return
    if fmt == "sav":
        table = tables_for(session, selection, kind, "sav", options)[0]
        write_sav(output, table, file_label=selection.scope_name, progress=progress)
        return
    for chunk in iter_export(session, selection, kind, fmt, options, progress):
        output.write(chunk)


def iter_export(
    session: Session,
    selection: Selection,
    kind: str,
    fmt: str,
    options: Options,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """CSV and JSON as a stream of chunks (for streaming responses)."""
    if fmt == "json":
        tables = tables_for(session, selection, kind, "json", options)
        yield from iter_json(tables, meta=meta_for(selection, kind), progress=progress)
        return
    if fmt != "csv":
        raise ValueError(fmt)
    tables = tables_for(session, selection, kind, "csv", options)
    table = tables[0]
    rows: Iterable[Any] = table.rows
    if progress is not None:
        rows = _counting(rows, progress)
    yield from iter_csv(
        table.headers,
        rows,
        delimiter=options.delimiter,
        decimal_comma=options.decimal_comma,
        checked=kind == "raw",
    )


def _counting(rows: Iterable[Any], progress: Callable[[int], None]) -> Iterator[Any]:
    count = 0
    for row in rows:
        yield row
        count += 1
        if count == 1000:
            progress(count)
            count = 0
    if count:
        progress(count)


# --------------------------------------------------------------------------- audit


def audit(
    session: Session,
    selection: Selection,
    action: str,
    details: dict[str, Any],
) -> AuditEntry:
    actor = selection.actor
    entry = AuditEntry(
        user_id=actor.user_id,
        api_token_id=actor.api_token_id,
        agency_id=selection.agency.id,
        action=action,
        details={"filters": selection.filters.to_json(), "scope": selection.describe(), **details},
    )
    session.add(entry)
    record_export(session, selection, action, details)
    session.flush()
    return entry


# --------------------------------------------------------------------------- background jobs


def export_dir() -> Path:
    configured = current_app.config.get("EXPORT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(
    session: Session,
    selection: Selection,
    kind: str,
    fmt: str,
    options: Options,
    total: int | None,
) -> ExportJob:
    if selection.actor.user_id is None:
        raise ValueError("a background export belongs to a user")
    job = ExportJob(
        user_id=selection.actor.user_id,
        agency_id=selection.agency.id,
        kind=kind,
        format=fmt,
        filters={**selection.filters.to_json(), "_options": options.to_json()},
        status=JobStatus.QUEUED,
        done_rows=0,
        total_rows=total,
    )
    session.add(job)
    session.flush()
    return job


class ProgressRecorder:
    """Counts rows and writes the count to the job at most every ``interval`` seconds.

    Uses a session of its own, committed each time, so the page sees the
    progress while the export's own read is still running.
    """

    def __init__(self, job_id: int, interval: float = 0.5) -> None:
        self.job_id = job_id
        self.interval = interval
        self.done = 0
        self._written_at = 0.0
        self._session = current_app.extensions["db"].session_factory()

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._written_at >= self.interval:
            self.flush()
            self._written_at = now

    def flush(self) -> None:
        self._session.execute(
            update(ExportJob).where(ExportJob.id == self.job_id).values(done_rows=self.done)
        )
        self._session.commit()

    def close(self) -> None:
        self._session.close()


def job_selection(session: Session, job: ExportJob) -> tuple[Selection, Options]:
    """The job's filters, checked again against its owner's scope now."""
    user = session.get(User, job.user_id)
    if user is None or not user.active:
        raise PermissionError("the user who asked for this export is no longer active")
    data = dict(job.filters)
    options = Options.from_json(data.pop("_options", {}))
    return resolve(session, actor_for(user), Filters.from_json(data)), options


def run_job(job_id: int) -> None:
    """Run one queued export job to its file (called by the Huey worker)."""
    session = get_session()
    job = session.get(ExportJob, job_id)
    if job is None or job.status != JobStatus.QUEUED:
        return
    job.status = JobStatus.RUNNING
    session.commit()
    folder = export_dir()
    name = f"{job.id}-{secrets.token_hex(8)}.{job.format}"
    partial = folder / (name + ".part")
    recorder = ProgressRecorder(job.id)
    try:
        selection, options = job_selection(session, job)
        if job.total_rows is None:
            job.total_rows = total_rows(session, selection, job.kind)
            session.commit()
        with open(partial, "wb") as output:
            write_export(session, selection, job.kind, job.format, options, output, recorder)
        os.replace(partial, folder / name)
    except Exception as error:  # noqa: BLE001 - any failure is reported on the job page
        session.rollback()
        partial.unlink(missing_ok=True)
        job = session.get(ExportJob, job_id)
        assert job is not None
        job.status = JobStatus.FAILED
        job.error = f"{type(error).__name__}: {error}"[:1000]
        job.finished_at = utcnow()
        session.commit()
        current_app.logger.exception("export job %s failed", job_id)
        return
    finally:
        recorder.close()
    session.rollback()  # end the long read before writing the result
    job = session.get(ExportJob, job_id)
    assert job is not None
    now = utcnow()
    job.status = JobStatus.DONE
    job.file_name = name
    job.done_rows = recorder.done if job.kind in ROW_KINDS else job.total_rows or recorder.done
    if job.kind in ROW_KINDS:
        job.total_rows = recorder.done
    job.finished_at = now
    job.expires_at = now + dt.timedelta(hours=current_app.config["EXPORT_RETENTION_HOURS"])
    session.commit()


def job_path(job: ExportJob) -> Path | None:
    if job.file_name is None:
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None


#: a queued or running job older than this has lost its worker
STALLED_AFTER = dt.timedelta(hours=24)
STALLED_MESSAGE = "Pekerjaan terhenti sebelum selesai (pekerja latar berhenti); silakan ulangi."


def purge_expired(now: dt.datetime | None = None) -> int:
    """Remove the files of jobs past their time; returns how many were removed."""
    session = get_session()
    now = now or utcnow()
    removed = 0
    jobs = session.scalars(
        select(ExportJob).where(ExportJob.expires_at <= now, ExportJob.file_name.is_not(None))
    )
    folder = export_dir()
    for job in jobs:
        (folder / (job.file_name or "")).unlink(missing_ok=True)
        job.file_name = None
        removed += 1
    # a job whose worker died, or could not record its failure (the database was
    # away), would show "running" for ever: after a day it is marked failed
    stalled = session.scalars(
        select(ExportJob).where(
            ExportJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            ExportJob.created_at <= now - STALLED_AFTER,
        )
    )
    for job in stalled:
        job.status = JobStatus.FAILED
        job.error = STALLED_MESSAGE
        job.finished_at = now
    # files left by a worker that died half-way
    cutoff = time.time() - 24 * 3600
    for partial in folder.glob("*.part"):
        if partial.stat().st_mtime < cutoff:
            partial.unlink(missing_ok=True)
    session.commit()
    return removed
