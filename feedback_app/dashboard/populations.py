"""Unit populations (service users per period): enter them per unit, or import a file.

The page shows one period (the dashboard's period filter) with a number field
per unit the user may see, the respondents of that period and the
Krejcie–Morgan minimum sample. Agency heads, unit heads (their subtree) and
the organisation's administrators may enter figures.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import delete, select

from feedback_app.accounts.access import visible_unit_ids
from feedback_app.dashboard.data import scope_units
from feedback_app.dashboard.labels import KIND_LABELS, fmt, period_label
from feedback_app.dashboard.views import bp, load_choices, load_filters
from feedback_app.db import db
from feedback_app.imports.reader import ImportFileError, read_table
from feedback_app.models import Permission, UnitPopulation
from feedback_app.results.populations import (
    MAX_POPULATION,
    apply_import,
    check_import,
    populations_for,
    save_population,
)
from feedback_app.results.scores import element_aggregates, rolled_up, weight_for
from feedback_app.results.slices import Slice, UnitNode, UnitTree
from surveys.scoring import SampleStatus, ikm_from_aggregates, sample_status


class PopulationImportForm(FlaskForm):
    file = FileField(
        _l("Berkas CSV atau XLSX"),
        validators=[FileRequired(message=_l("Pilih berkas yang akan diimpor."))],
        description=_l(
            "Kolom: kode_unit, periode (mis. 2025-Q1, 2025-S1, 2025-03, 2025) atau mulai dan "
            "selesai (TTTT-BB-HH), populasi."
        ),
    )


def _can_manage() -> bool:
    return current_user.can(Permission.VIEW_RESULTS) or current_user.can(
        Permission.MANAGE_ORGANISATION
    )


@dataclass
class PopulationRow:
    node: UnitNode
    depth: int
    #: the figure entered for exactly this period (what the field edits)
    exact: int | None
    #: the period's population, exact or summed from shorter periods
    population: int | None
    respondents: int
    sample: SampleStatus | None


def _rows(filters, tree: UnitTree) -> list[PopulationRow]:  # type: ignore[no-untyped-def]
    visible = visible_unit_ids()
    period = filters.period
    listed = [
        (node, node.depth - tree.nodes[root].depth)
        for root in tree.top_units(visible)
        for node in tree.ordered([root])
        if node.active
    ]
    ids = [node.id for node, _depth in listed]
    exact = {
        row.unit_id: row.population
        for row in db.scalars(
            select(UnitPopulation).where(
                UnitPopulation.unit_id.in_(ids),
                UnitPopulation.period_start == period.start,
                UnitPopulation.period_end == period.end,
            )
        )
    }
    populations = populations_for(db, ids, period)
    slice_ = Slice(filters.agency.id, unit_ids=scope_units(tree, visible, None)).within(period)
    own = {g[0]: a for g, a in element_aggregates(db, slice_, ("unit",)).items()}
    weight = weight_for(filters.agency)
    respondents = {
        unit_id: ikm_from_aggregates(aggregates, weight=weight).respondents
        for unit_id, aggregates in rolled_up(own, tree, ids).items()
    }
    return [
        PopulationRow(
            node,
            depth,
            exact.get(node.id),
            populations.get(node.id),
            respondents.get(node.id, 0),
            sample_status(populations[node.id], respondents.get(node.id, 0))
            if node.id in populations
            else None,
        )
        for node, depth in listed
    ]


def _render(filters, tree, rows, *, errors=None, import_form=None, problems=None, status=200):  # type: ignore[no-untyped-def]
    return (
        render_template(
            "dashboard/populations.html",
            filters=filters,
            rows=rows,
            errors=errors or {},
            save_form=FlaskForm(),
            import_form=import_form or PopulationImportForm(),
            problems=problems or [],
            choices=load_choices(filters.agency),
            fmt=fmt,
            period_label=period_label,
            kinds=KIND_LABELS,
            max_population=MAX_POPULATION,
        ),
        status,
    )


@bp.route("/populasi", methods=["GET", "POST"])
@login_required
def populations():  # type: ignore[no-untyped-def]
    filters = load_filters()
    tree = UnitTree.load(db, filters.agency.id)
    visible = visible_unit_ids()
    allowed = set(tree.nodes) if visible is None else set(visible)
    posted: dict[int, str] = {}
    if request.method == "POST":
        for name, value in request.form.items():
            if name.startswith("pop-"):
                digits = name[4:]
                unit_id = int(digits) if digits.isascii() and digits.isdigit() else None
                if unit_id is None or unit_id not in allowed:
                    abort(404)
                posted[unit_id] = value.strip().replace(".", "")
    if not _can_manage():
        abort(403)
    if request.method == "GET":
        return _render(filters, tree, _rows(filters, tree))

    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("Formulir kedaluwarsa. Kirim sekali lagi."), "error")
        return _render(filters, tree, _rows(filters, tree), status=400)
    errors = {
        unit_id: _("Isi bilangan bulat 0 sampai %(max)s, atau kosongkan.", max=MAX_POPULATION)
        for unit_id, value in posted.items()
        if value and (not (value.isascii() and value.isdigit()) or int(value) > MAX_POPULATION)
    }
    if errors:
        return _render(filters, tree, _rows(filters, tree), errors=errors, status=422)
    period = filters.period
    saved = removed = 0
    for unit_id, value in posted.items():
        if value:
            save_population(db, unit_id, period, int(value))
            saved += 1
        else:
            removed += db.execute(
                delete(UnitPopulation).where(
                    UnitPopulation.unit_id == unit_id,
                    UnitPopulation.period_start == period.start,
                    UnitPopulation.period_end == period.end,
                )
            ).rowcount
    flash(
        _(
            "Populasi %(period)s tersimpan: %(saved)d diisi, %(removed)d dihapus.",
            period=period_label(period),
            saved=saved,
            removed=removed,
        ),
        "success",
    )
    return redirect(url_for("dashboard.populations", **filters.args()), code=303)


@bp.post("/populasi/impor")
@login_required
def populations_import():  # type: ignore[no-untyped-def]
    filters = load_filters()
    if not _can_manage():
        abort(403)
    tree = UnitTree.load(db, filters.agency.id)
    form = PopulationImportForm()
    if not form.validate_on_submit():
        return _render(filters, tree, _rows(filters, tree), import_form=form, status=422)
    upload = form.file.data
    try:
        table = read_table(
            upload.filename,
            upload.read(),
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
            expected={"kode_unit", "populasi"},
        )
    except ImportFileError as error:
        form.file.errors = [error.message]
        return _render(filters, tree, _rows(filters, tree), import_form=form, status=422)
    checked = check_import(
        db,
        table.rows,
        table.row_numbers,
        agency_id=filters.agency.id,
        unit_ids=visible_unit_ids(),
    )
    if not checked.ok:
        problems = checked.problems or [(0, _("Berkas tidak berisi data."))]
        return _render(
            filters, tree, _rows(filters, tree), import_form=form, problems=problems, status=422
        )
    count = apply_import(db, checked)
    flash(_("%(n)d angka populasi diimpor.", n=count), "success")
    return redirect(url_for("dashboard.populations", **filters.args()), code=303)


@bp.get("/populasi/templat.csv")
@login_required
def populations_template():  # type: ignore[no-untyped-def]
    """A CSV to fill in: one row per unit the user may see, for the period on screen."""
    filters = load_filters()
    if not _can_manage():
        abort(403)
    tree = UnitTree.load(db, filters.agency.id)
    visible = visible_unit_ids()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["kode_unit", "nama_unit", "periode", "populasi"])
    for root in tree.top_units(visible):
        for node in tree.ordered([root]):
            if node.active:
                writer.writerow([node.code, node.name, filters.period.code, ""])
    data = "\ufeff" + buffer.getvalue()
    return (
        data,
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="populasi-{filters.period.code}.csv"',
        },
    )
