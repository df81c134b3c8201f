"""The export page: choose filters and a format, download now or follow a background job.

Every handler: load (404 for anything outside the user's agency or unit
subtree, including ids in the filters), then check the permission (403), then
act. Every export, direct or background, is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from feedback_app import jobs
from feedback_app.db import db, utcnow
from feedback_app.exports_web import service
from feedback_app.exports_web.selection import (
    MONTHS,
    ROMAN,
    Filters,
    InvalidFilters,
    OutOfScope,
    Selection,
    resolve,
    today_local,
)
from feedback_app.models import (
    ExportJob,
    JobStatus,
    Permission,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    Unit,
)

bp = Blueprint("exports_web", __name__, url_prefix="/ekspor")

KIND_LABELS = {
    "raw": _l("Respons mentah (satu baris per respons)"),
    "summary": _l("Ringkasan IKM per unit dan per unsur"),
    "comments": _l("Komentar dan status tindak lanjut"),
    "indicators": _l("Indikator pegawai (umpan balik per petugas)"),
}
FORMAT_LABELS = {
    "csv": _l("CSV"),
    "xlsx": _l("Excel (XLSX)"),
    "pdf": _l("PDF Laporan Hasil SKM"),
    "sav": _l("SPSS (.sav)"),
    "json": _l("JSON"),
}
STATUS_LABELS = {
    JobStatus.QUEUED: _l("Menunggu giliran"),
    JobStatus.RUNNING: _l("Sedang dibuat"),
    JobStatus.DONE: _l("Selesai"),
    JobStatus.FAILED: _l("Gagal"),
}


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


class ExportForm(FlaskForm):
    kind = SelectField(_l("Data"), choices=_choices(KIND_LABELS.items()), default="summary")
    format = SelectField(
        _l("Format"),
        choices=_choices(FORMAT_LABELS.items()),
        default="xlsx",
    )
    period = SelectField(_l("Periode"), validate_choice=False)
    date_from = StringField(_l("Dari tanggal"), render_kw={"type": "date"})
    date_to = StringField(_l("Sampai tanggal"), render_kw={"type": "date"})
    unit = SelectField(_l("Unit (beserta unit di bawahnya)"), validate_choice=False)
    service_point = SelectField(_l("Loket"), validate_choice=False)
    service = SelectField(_l("Jenis layanan"), validate_choice=False)
    survey_version = SelectField(_l("Versi survei"), validate_choice=False)
    include_flagged = BooleanField(_l("Sertakan respons yang ditandai"))
    delimiter = SelectField(
        _l("Pemisah kolom CSV"),
        choices=_choices(
            [
                (";", _l("Titik koma ( ; ) — Excel berbahasa Indonesia")),
                (",", _l("Koma ( , )")),
            ]
        ),
        default=";",
    )
    decimal_comma = BooleanField(_l("Koma desimal (3,25)"), default=True)
    values = SelectField(
        _l("Isi jawaban"),
        choices=_choices([("labels", _l("Label (Sangat sesuai)")), ("codes", _l("Kode (4)"))]),
        default="labels",
    )
    background = BooleanField(_l("Buat di latar belakang"))


def period_choices() -> list[tuple[str, str]]:
    today = today_local()
    choices: list[tuple[str, str]] = []
    for year in (today.year, today.year - 1):
        choices.append((str(year), _("Tahun %(year)s", year=year)))
        for s in (1, 2):
            choices.append(
                (f"{year}-S{s}", _("Semester %(n)s %(year)s", n=ROMAN[s - 1], year=year))
            )
        for q in (1, 2, 3, 4):
            choices.append(
                (f"{year}-Q{q}", _("Triwulan %(n)s %(year)s", n=ROMAN[q - 1], year=year))
            )
    for offset in range(12):
        month = (today.month - offset - 1) % 12 + 1
        year = today.year - (1 if month > today.month else 0)
        choices.append((f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}"))
    choices.append(("", _("Rentang tanggal di bawah")))
    return choices


def _actor() -> Any:
    return service.actor_for(current_user)


def _scope_choices(form: ExportForm) -> None:
    actor = _actor()
    agency_id = actor.agency_id
    if agency_id is None:
        from feedback_app.models import Agency

        agency_id = db.scalar(select(Agency.id).order_by(Agency.id).limit(1))
    units_query = select(Unit).where(Unit.agency_id == agency_id)
    if actor.unit_id is not None:
        from feedback_app.models import subtree_ids

        units_query = units_query.where(Unit.id.in_(subtree_ids(db, actor.unit_id)))
    units = list(db.scalars(units_query.order_by(Unit.name)))
    unit_ids = [u.id for u in units] or [0]
    all_label = _("Semua") if actor.unit_id is None else _("Semua unit saya")
    form.unit.choices = _choices([("", all_label)] + [(str(u.id), u.name) for u in units])
    points = db.scalars(
        select(ServicePoint).where(ServicePoint.unit_id.in_(unit_ids)).order_by(ServicePoint.name)
    )
    names = {u.id: u.name for u in units}
    form.service_point.choices = _choices(
        [("", _("Semua"))] + [(p.id, f"{p.name} — {names.get(p.unit_id, '')}") for p in points]
    )
    services = db.scalars(
        select(Service).where(Service.unit_id.in_(unit_ids)).order_by(Service.name)
    )
    form.service.choices = _choices(
        [("", _("Semua"))] + [(s.id, f"{s.name} — {names.get(s.unit_id, '')}") for s in services]
    )
    versions = db.execute(
        select(SurveyVersion.id, Survey.name, SurveyVersion.number)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .where(Survey.agency_id == agency_id, SurveyVersion.published_at.is_not(None))
        .order_by(Survey.name, SurveyVersion.number)
    )
    form.survey_version.choices = _choices(
        [("", _("Semua"))] + [(i, f"{name} v{number}") for i, name, number in versions]
    )
    form.period.choices = _choices(period_choices())
    if not form.is_submitted() and not form.period.data:
        form.period.data = str(today_local().year)


def _recent_jobs() -> list[ExportJob]:
    return list(
        db.scalars(
            select(ExportJob)
            .where(ExportJob.user_id == current_user.id)
            .order_by(ExportJob.id.desc())
            .limit(10)
        )
    )


def _page(form: ExportForm, status: int = 200, error: str | None = None) -> Any:
    return (
        render_template(
            "exports_web/index.html",
            form=form,
            jobs=_recent_jobs(),
            kinds=service.KINDS,
            kind_labels=KIND_LABELS,
            format_labels=FORMAT_LABELS,
            status_labels=STATUS_LABELS,
            error=error,
        ),
        status,
    )


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    if not current_user.can(Permission.VIEW_RESULTS):
        abort(403)
    form = ExportForm()
    _scope_choices(form)
    return _page(form)


@bp.post("/")
@login_required
def start():  # type: ignore[no-untyped-def]
    form = ExportForm()
    try:
        filters = Filters.from_args(request.form)
        selection = resolve(db, _actor(), filters)
    except OutOfScope:
        abort(404)
    except InvalidFilters as problem:
        if not current_user.can(Permission.VIEW_RESULTS):
            abort(403)
        _scope_choices(form)
        return _page(form, 422, _("Filter tidak valid: %(problem)s", problem=problem.message))
    if not current_user.can(Permission.VIEW_RESULTS):
        abort(403)
    _scope_choices(form)
    if not form.validate():
        return _page(form, 422, _("Periksa pilihan ekspor."))
    kind, fmt = form.kind.data, form.format.data
    if fmt not in service.KINDS[kind]:
        return _page(
            form,
            422,
            _(
                "Format %(format)s tidak tersedia untuk data ini.",
                format=FORMAT_LABELS[fmt],
            ),
        )
    options = service.Options(
        delimiter=form.delimiter.data if form.delimiter.data in (",", ";") else ",",
        decimal_comma=bool(form.decimal_comma.data),
        labelled=form.values.data != "codes",
    )
    total = service.total_rows(db, selection, kind)
    background = bool(form.background.data) or (
        kind in service.ROW_KINDS and total > current_app.config["EXPORT_SYNC_MAX_ROWS"]
    )
    if background:
        job = service.create_job(db, selection, kind, fmt, options, total)
        service.audit(
            db,
            selection,
            "export",
            {"kind": kind, "format": fmt, "mode": "background", "job": job.id, "rows": total},
        )
        g.setdefault("export_jobs", []).append(job.id)
        return redirect(url_for("exports_web.job", job_id=job.id), code=303)
    service.audit(
        db, selection, "export", {"kind": kind, "format": fmt, "mode": "direct", "rows": total}
    )
    return _direct(selection, kind, fmt, options)


def _direct(selection: Selection, kind: str, fmt: str, options: service.Options) -> Response:
    name = service.file_name(selection, kind, fmt)
    mimetype = service.MIMETYPES[fmt]
    if fmt in service.STREAMED:
        chunks = service.iter_export(db, selection, kind, fmt, options)
        response = Response(stream_with_context(chunks), mimetype=mimetype)
        if fmt == "csv":
            response.mimetype = "text/csv"
            response.charset = "utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    output = io.BytesIO()
    service.write_export(db, selection, kind, fmt, options, output)
    output.seek(0)
    return send_file(output, mimetype=mimetype, as_attachment=True, download_name=name)


def _own_job(job_id: int) -> ExportJob:
    job = db.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    if not current_user.can(Permission.VIEW_RESULTS):
        abort(403)
    return job


def _job_state(job: ExportJob) -> dict[str, Any]:
    total = job.total_rows
    percent = None
    if job.status == JobStatus.DONE:
        percent = 100
    elif total:
        percent = min(99, int(job.done_rows * 100 / total))
    elif total == 0:
        percent = 0
    expired = job.expires_at is not None and job.expires_at <= utcnow()
    available = job.status == JobStatus.DONE and not expired and service.job_path(job) is not None
    return {
        "id": job.id,
        "status": str(job.status),
        "status_label": str(STATUS_LABELS[JobStatus(job.status)]),
        "done_rows": job.done_rows,
        "total_rows": total,
        "percent": percent,
        "download_url": url_for("exports_web.download", job_id=job.id) if available else None,
        "expired": expired,
        "error": job.error if job.status == JobStatus.FAILED else None,
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
    }


@bp.get("/tugas/<int:job_id>")
@login_required
def job(job_id: int):  # type: ignore[no-untyped-def]
    export = _own_job(job_id)
    return render_template(
        "exports_web/job.html",
        job=export,
        state=_job_state(export),
        kind_label=KIND_LABELS.get(export.kind, export.kind),
        format_label=FORMAT_LABELS.get(export.format, export.format),
        local=_local,
    )


@bp.get("/tugas/<int:job_id>/status")
@login_required
def job_status(job_id: int):  # type: ignore[no-untyped-def]
    response = jsonify(_job_state(_own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tugas/<int:job_id>/unduh")
@login_required
def download(job_id: int):  # type: ignore[no-untyped-def]
    export = _own_job(job_id)
    state = _job_state(export)
    path = service.job_path(export)
    if state["download_url"] is None or path is None:
        abort(404)
    selection_name = f"{export.kind}-{export.id}.{export.format}"
    try:
        selection, _options = service.job_selection(db, export)
        selection_name = service.file_name(selection, export.kind, export.format)
    except (OutOfScope, PermissionError):
        abort(404)
    service.audit(db, selection, "export.download", {"job": export.id})
    return send_file(
        path,
        mimetype=service.MIMETYPES.get(export.format, "application/octet-stream"),
        as_attachment=True,
        download_name=selection_name,
    )


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return "–"
    return (moment.astimezone(dt.UTC) + dt.timedelta(hours=7)).strftime("%d-%m-%Y %H:%M WIB")


def register_enqueue(app: Flask) -> None:
    """Hand new jobs to the queue once the request's transaction is committed."""

    @app.after_request
    def enqueue_exports(response):  # type: ignore[no-untyped-def]
        pending = g.pop("export_jobs", None)
        if pending and response.status_code < 400:
            # the worker must find the job: commit before queueing (the request's
            # own commit hook then has nothing left to do)
            db.commit()
            for job_id in pending:
                jobs.enqueue_export(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
        return response
