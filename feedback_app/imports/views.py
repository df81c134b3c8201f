"""The import page and the template downloads."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from feedback_app import audit
from feedback_app.accounts.access import require, visible_unit_ids
from feedback_app.db import db
from feedback_app.imports.downloads import FORMATS, current_rows, template_file
from feedback_app.imports.forms import ImportForm, agency_select_choices
from feedback_app.imports.kinds import KINDS
from feedback_app.imports.reader import ImportFileError, read_table
from feedback_app.imports.service import ImportResult, failure, import_rows
from feedback_app.models import Permission
from feedback_app.organisation.choices import agency_choices

bp = Blueprint("imports", __name__, url_prefix="/import")


@require(Permission.MANAGE_ORGANISATION)
def index(kind: str | None = None):  # type: ignore[no-untyped-def]
    form = ImportForm()
    # Only an installation administrator stands outside every agency and picks one.
    pick_agency = current_user.agency_id is None
    if pick_agency:
        form.agency_id.choices = agency_select_choices(agency_choices())
    else:
        del form.agency_id
    if not form.is_submitted() and kind is not None:
        form.kind.data = kind

    result: ImportResult | None = None
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        agency_id = form.agency_id.data if pick_agency else current_user.agency_id
        result = _import(form, agency_id)
        if result.applied:
            flash(_summary(result), "success")
            for note in result.notes:
                flash(str(note), "info")
            return redirect(url_for(f"organisation.{result.kind.list_slug}_list"))
        status = 200 if result.ok else 422
    return render_template(
        "imports/index.html",
        form=form,
        kinds=list(KINDS.values()),
        result=result,
        summary=_summary(result) if result is not None and result.ok else None,
        with_data=not pick_agency,
    ), status


def _import(form: ImportForm, agency_id: int) -> ImportResult:
    kind = KINDS[form.kind.data]
    upload = form.file.data
    try:
        table = read_table(
            upload.filename,
            upload.read(),
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
            expected=set(kind.required),
        )
    except ImportFileError as error:
        return failure(kind, error.message)
    result = import_rows(
        db,
        kind,
        table.rows,
        agency_id=agency_id,
        unit_ids=visible_unit_ids(),
        columns=table.headers,
        row_numbers=table.row_numbers,
        dry_run=form.dry_run.data,
    )
    result.notes[:0] = table.notes
    return result


def _summary(result: ImportResult) -> str:
    return _(
        "%(kind)s: %(created)d dibuat, %(updated)d diperbarui, %(unchanged)d tidak berubah.",
        kind=result.kind.title,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )


@bp.get("/template/<kind>.<fmt>")
@require(Permission.MANAGE_ORGANISATION)
def template(kind: str, fmt: str):  # type: ignore[no-untyped-def]
    """An empty template, or (``?data=1``) one filled with the records the user may edit."""
    if kind not in KINDS or fmt not in FORMATS:
        abort(404)
    spec = KINDS[kind]
    rows = None
    if request.args.get("data") == "1":
        if current_user.agency_id is None:
            abort(404)
        rows = current_rows(db, spec, current_user.agency_id, visible_unit_ids())
    name = f"impor-{spec.stem}{'-data' if rows is not None else ''}.{fmt}"
    if rows is not None:  # the agency's records leave the system
        audit.record(
            db,
            "export",
            "Export",
            label=name,
            agency_id=current_user.agency_id,
            unit_id=current_user.unit_id,
            after={"via": "imports.template", "kind": kind, "format": fmt},
        )
    return send_file(
        io.BytesIO(template_file(spec, fmt, rows)),
        mimetype=FORMATS[fmt],
        as_attachment=True,
        download_name=name,
        max_age=0,
    )


bp.add_url_rule("/", "index", index, methods=["GET", "POST"])
for _slug in KINDS:
    # one address per kind, so the "Impor" button of a list page opens with it chosen
    bp.add_url_rule(
        f"/{_slug}/", f"index_{_slug}", index, methods=["GET", "POST"], defaults={"kind": _slug}
    )
