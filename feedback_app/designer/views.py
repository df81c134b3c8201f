"""Designer pages under /surveys: build, preview, publish, version, assign and share surveys.

Every view loads the survey through :func:`_load` (another agency's survey: 404),
then checks the permission (403), then acts through
:mod:`feedback_app.designer.service`; the request hook commits, and a refused
edit answers 422 so nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

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
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Select, select
from wtforms import FormField
from wtforms.fields.choices import SelectChoice

from feedback_app.accounts.access import scoped, visible_unit_ids
from feedback_app.db import db
from feedback_app.designer import editing, service
from feedback_app.designer.editing import EditRefused
from feedback_app.designer.forms import (
    ActionForm,
    CreateForm,
    ImportForm,
    PublishForm,
    QuestionForm,
    SectionForm,
    SettingsForm,
    TextsForm,
    add_error,
    build_question,
    optional_text,
    pad_rows,
    pair_data,
    place_issues,
    question_data,
    question_form_class,
    set_rule_choices,
    settings_of,
    text_of,
)
from feedback_app.models import (
    Agency,
    Permission,
    Response,
    Role,
    Service,
    ServicePoint,
    Survey,
    SurveyStatus,
    SurveyVersion,
    Unit,
)
from feedback_app.organisation.choices import tree_order
from feedback_app.pagination import current_page
from feedback_app.public import form as public_form
from surveys.definition import Section, SurveyDefinition
from surveys.diff import diff_definitions
from surveys.errors import Issue, SurveyFormatError
from surveys.i18n import Text
from surveys.questions import QUESTION_TYPES, Category, FormContext, Question, service_option
from surveys.submission import evaluate_submission
from surveys.templates import TEMPLATES

bp = Blueprint("designer", __name__, url_prefix="/surveys")

STATUS_LABELS = {
    SurveyStatus.DRAFT: _l("Draf"),
    SurveyStatus.PUBLISHED: _l("Terbit"),
    SurveyStatus.CLOSED: _l("Ditutup"),
    SurveyStatus.ARCHIVED: _l("Diarsipkan"),
}

CATEGORY_LABELS = {
    Category.SKM: _l("SKM"),
    Category.SCALE: _l("Skala"),
    Category.CHOICE: _l("Pilihan"),
    Category.INPUT: _l("Isian"),
    Category.RESPONDENT: _l("Data responden"),
}

TEMPLATE_HELP = {
    "skm": _l(
        "Sembilan unsur PermenPANRB 14/2017 (U1–U9), jenis layanan, pertanyaan lanjutan "
        "bila ada unsur bernilai 1 atau 2, saran, dan data responden."
    ),
    "kiosk": _l("Tiga pertanyaan wajah senyum untuk tablet di pintu keluar."),
    "berorientasi_pelayanan": _l(
        "Lima pernyataan tentang petugas untuk nilai BerAKHLAK 'Berorientasi pelayanan'."
    ),
}

RESPONSES_PAGE_SIZE = 50


class Conflict(Exception):
    """The form was made on a version of the survey that someone has changed since."""


# --------------------------------------------------------------------------- helpers


def _lang() -> str:
    return str(get_locale() or "id")


def _permit(permission: Permission = Permission.DESIGN_SURVEYS) -> None:
    if not current_user.can(permission):
        abort(403)
    if permission == Permission.DESIGN_SURVEYS and current_user.unit_id is not None:
        abort(403)  # surveys are the agency's: designing them needs an agency-wide account


def _scoped_surveys(query: Select) -> Select:
    """Surveys belong to an agency: a user sees their agency's, the administrator all.

    Like every agency-level record, they are beyond a user limited to a unit subtree.
    """
    if current_user.role == Role.ADMIN:
        return query
    if current_user.unit_id is not None:
        return query.where(False)
    return query.where(Survey.agency_id == current_user.agency_id)


def _load(object_id: int, permission: Permission = Permission.DESIGN_SURVEYS) -> Survey:
    """Load (another agency's survey: 404), then check the permission (403)."""
    survey = db.scalar(_scoped_surveys(select(Survey)).where(Survey.id == object_id))
    if survey is None:
        abort(404)
    _permit(permission)
    return survey


def _working(survey: Survey) -> tuple[SurveyVersion, SurveyDefinition]:
    version = service.working_version(db, survey)
    if version is None:  # a survey always has one; a broken row is not the designer's fault
        abort(404)
    return version, service.parse(version)


def _check_rev(form: Any, version: SurveyVersion) -> None:
    submitted = form.rev.data if hasattr(form, "rev") else None
    if submitted and submitted != service.revision(version):
        raise Conflict


def _conflict_response(survey: Survey):  # type: ignore[no-untyped-def]
    flash(
        _l(
            "Survei ini baru saja diubah di halaman lain. Perubahan Anda tidak disimpan; "
            "periksa isinya lalu ulangi."
        ),
        "error",
    )
    return redirect(url_for(".survey", object_id=survey.id), code=303)


def _messages(issues: list[Issue]) -> list[str]:
    lang = _lang()
    return [(f"{issue.key}: " if issue.key else "") + issue.message.get(lang) for issue in issues]


def _agency_zone(agency_id: int) -> ZoneInfo:
    agency = db.get(Agency, agency_id)
    assert agency is not None
    return ZoneInfo(agency.timezone.iana)


def _to_local(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return None if value is None else value.astimezone(zone).replace(tzinfo=None)


def _to_utc(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=zone).astimezone(dt.UTC)


def _agencies() -> list[Agency]:
    return list(db.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)))


def _target_agency(form: Any) -> int:
    if current_user.role == Role.ADMIN:
        return int(form.agency_id.data)
    return int(current_user.agency_id)


def _prepare_agency_field(form: Any) -> None:
    if current_user.role == Role.ADMIN:
        form.agency_id.choices = [SelectChoice(a.id, a.name) for a in _agencies()]  # type: ignore[arg-type]
    else:
        del form.agency_id


@dataclass(frozen=True)
class TypeChoice:
    name: str
    label: Text
    category: Category


def _type_menu() -> list[tuple[Any, list[TypeChoice]]]:
    groups: dict[Category, list[TypeChoice]] = {}
    for name, cls in QUESTION_TYPES.items():
        groups.setdefault(cls.category, []).append(TypeChoice(name, cls.type_label, cls.category))
    return [(CATEGORY_LABELS[c], groups[c]) for c in Category if c in groups]


def _issues_by_place(definition: SurveyDefinition, issues: list[Issue]) -> dict[str, list[Issue]]:
    """Issues grouped by where the editor shows them: ``q:<key>``, ``s:<index>`` or ``survey``."""
    placed: dict[str, list[Issue]] = {}
    for issue in issues:
        if issue.key and issue.key in definition:
            where = f"q:{issue.key}"
        elif issue.path.startswith("sections["):
            where = "s:" + issue.path.split("]", 1)[0][len("sections[") :]
        else:
            where = "survey"
        placed.setdefault(where, []).append(issue)
    return placed


def _render_editor(
    survey: Survey,
    *,
    refused: list[Issue] | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    version, definition = _working(survey)
    draft = service.draft_of(db, survey)
    current = service.current_of(db, survey)
    check = service.publish_check(db, survey)
    refused = refused or []
    counts = service.response_counts(db, [survey.id])
    return (
        render_template(
            "designer/survey.html",
            survey=survey,
            version=version,
            draft=draft,
            current=current,
            definition=definition,
            issues=_issues_by_place(definition, check.errors + check.warnings),
            refused=_issues_by_place(definition, refused),
            refused_count=len(refused),
            error_count=len(check.errors),
            warning_count=len(check.warnings),
            responses=counts.get(survey.id, 0),
            assignment=service.assignment_of(db, survey),
            rev=service.revision(version),
            type_menu=_type_menu(),
            status_label=STATUS_LABELS[survey.status],
            editable=survey.status != SurveyStatus.ARCHIVED,
            deletable=current is None and not service.was_published(db, survey),
            window=_window_text(survey),
            lang=_lang(),
        ),
        status,
    )


def _window_text(survey: Survey) -> str | None:
    if survey.opens_at is None and survey.closes_at is None:
        return None
    zone = _agency_zone(survey.agency_id)
    parts = []
    if survey.opens_at is not None:
        parts.append(str(_l("dibuka %(when)s", when=_show_time(survey.opens_at, zone))))
    if survey.closes_at is not None:
        parts.append(str(_l("ditutup %(when)s", when=_show_time(survey.closes_at, zone))))
    return ", ".join(parts)


def _show_time(value: dt.datetime, zone: ZoneInfo) -> str:
    return format_datetime(value.astimezone(zone).replace(tzinfo=None), "d MMM yyyy HH:mm")


def _save(survey: Survey, before: SurveyDefinition, after: SurveyDefinition) -> SurveyVersion:
    return service.save_definition(db, survey, before, after, user_id=current_user.id)


def _back(survey: Survey, anchor: str | None = None):  # type: ignore[no-untyped-def]
    url = url_for(".survey", object_id=survey.id)
    return redirect(url + (f"#{anchor}" if anchor else ""), code=303)


def _action(object_id: int, change: Any, *, anchor: Any = None, done: Any = None):  # type: ignore[no-untyped-def]
    """A button that edits the draft: CSRF, revision, change, check, save or show why not."""
    survey = _load(object_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    version, definition = _working(survey)
    try:
        _check_rev(form, version)
        _save(survey, definition, change(definition))
    except Conflict:
        return _conflict_response(survey)
    except EditRefused as refusal:
        return _render_editor(survey, refused=refusal.issues, status=422)
    except KeyError:
        abort(404)
    if done:
        flash(done, "success")
    return _back(survey, anchor)


def _step() -> int:
    """The direction of a move button, read only after the survey was loaded and checked."""
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


# --------------------------------------------------------------------------- list, create, import


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    _permit()
    show_archived = request.args.get("archived") == "1"
    query = _scoped_surveys(select(Survey))
    if not show_archived:
        query = query.where(Survey.status != SurveyStatus.ARCHIVED)
    surveys = list(db.scalars(query.order_by(Survey.name, Survey.id)))
    ids = [s.id for s in surveys]
    drafts = set(
        db.scalars(
            select(SurveyVersion.survey_id).where(
                SurveyVersion.survey_id.in_(ids), SurveyVersion.published_at.is_(None)
            )
        )
    )
    numbers = dict(
        db.execute(
            select(SurveyVersion.id, SurveyVersion.number).where(
                SurveyVersion.id.in_([s.current_version_id for s in surveys])
            )
        ).all()
    )
    agencies = (
        {a.id: a.name for a in db.scalars(select(Agency))}
        if current_user.role == Role.ADMIN
        else {}
    )
    return render_template(
        "designer/list.html",
        surveys=surveys,
        drafts=drafts,
        numbers=numbers,
        counts=service.response_counts(db, ids),
        agencies=agencies,
        show_archived=show_archived,
        status_labels=STATUS_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():  # type: ignore[no-untyped-def]
    _permit()
    form = CreateForm()
    lang = _lang()
    form.template.choices = [SelectChoice("", str(_l("Survei kosong")))] + [
        SelectChoice(name, template.title.get(lang)) for name, template in TEMPLATES.items()
    ]
    _prepare_agency_field(form)
    if form.validate_on_submit():
        definition = service.starting_definition(form.template.data or None, form.name.data)
        survey = service.create_survey(
            db,
            agency_id=_target_agency(form),
            name=form.name.data,
            definition=definition,
            user_id=current_user.id,
        )
        flash(_l("Survei dibuat sebagai draf. Ubah, pratinjau, lalu terbitkan."), "success")
        return redirect(url_for(".survey", object_id=survey.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("designer/new.html", form=form, template_help=TEMPLATE_HELP), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_survey():  # type: ignore[no-untyped-def]
    _permit()
    form = ImportForm()
    _prepare_agency_field(form)
    problems: list[Issue] = []
    if form.validate_on_submit():
        try:
            definition = service.read_import(form.file.data.read())
        except SurveyFormatError as error:
            problems = list(error.issues)
        else:
            name = form.name.data or definition.title.id[:200]
            survey = service.create_survey(
                db,
                agency_id=_target_agency(form),
                name=name,
                definition=definition,
                user_id=current_user.id,
            )
            flash(_l("Survei diimpor sebagai draf."), "success")
            return redirect(url_for(".survey", object_id=survey.id), code=303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template("designer/import.html", form=form, problems=problems, lang=_lang()),
        status,
    )


# --------------------------------------------------------------------------- the editor


@bp.get("/<int:object_id>")
@login_required
def survey(object_id: int):  # type: ignore[no-untyped-def]
    return _render_editor(_load(object_id))


@bp.route("/<int:object_id>/settings", methods=["GET", "POST"])
@login_required
def settings(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    zone = _agency_zone(survey.agency_id)
    form = SettingsForm()
    if request.method == "GET":
        form.name.data = survey.name
        form.opens_at.data = _to_local(survey.opens_at, zone)
        form.closes_at.data = _to_local(survey.closes_at, zone)
    if form.validate_on_submit():
        survey.name = form.name.data
        survey.opens_at = _to_utc(form.opens_at.data, zone)
        survey.closes_at = _to_utc(form.closes_at.data, zone)
        flash(_l("Pengaturan survei tersimpan."), "success")
        return _back(survey)
    status = 422 if request.method == "POST" else 200
    return render_template("designer/settings.html", survey=survey, form=form, zone=zone), status


@bp.route("/<int:object_id>/texts", methods=["GET", "POST"])
@login_required
def texts(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    version, definition = _working(survey)
    form = TextsForm()
    general: list[str] = []
    if request.method == "GET":
        form.process(
            data={
                "rev": service.revision(version),
                "title": pair_data(definition.title),
                "description": pair_data(definition.description),
            }
        )
    elif form.validate_on_submit():
        after = editing.set_texts(
            definition, title=text_of(form.title), description=optional_text(form.description)
        )
        try:
            _check_rev(form, version)
            _save(survey, definition, after)
        except Conflict:
            return _conflict_response(survey)
        except EditRefused as refusal:
            general = _place_simple(form, refusal.issues)
        else:
            flash(_l("Judul dan keterangan tersimpan."), "success")
            return _back(survey)
    status = 422 if request.method == "POST" else 200
    return render_template("designer/texts.html", survey=survey, form=form, general=general), status


def _place_simple(form: Any, issues: list[Issue], prefix: str = "") -> list[str]:
    """Errors of the survey texts or of a section at their inputs; the rest listed."""
    general = []
    lang = _lang()
    for issue in issues:
        relative = issue.path[len(prefix) + 1 :] if prefix else issue.path
        if not issue.path.startswith(prefix):
            relative = None
        name = relative.split(".")[0] if relative else None
        target = getattr(form, name, None) if name in ("key", "title", "description") else None
        if target is None:
            general.append((f"{issue.key}: " if issue.key else "") + issue.message.get(lang))
        else:
            add_error(
                target.indonesian if isinstance(target, FormField) else target,
                issue.message.get(lang),
            )
    return general


# --- sections


@bp.route("/<int:object_id>/sections/new", methods=["GET", "POST"])
@login_required
def section_new(object_id: int):  # type: ignore[no-untyped-def]
    return _section_page(object_id, None)


@bp.route("/<int:object_id>/sections/<section_key>/edit", methods=["GET", "POST"])
@login_required
def section_edit(object_id: int, section_key: str):  # type: ignore[no-untyped-def]
    return _section_page(object_id, section_key)


def _section_page(object_id: int, section_key: str | None):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    version, definition = _working(survey)
    index = None
    if section_key is not None:
        index = editing.section_index(definition, section_key)
        if index is None:
            abort(404)
    form = SectionForm()
    general: list[str] = []
    if request.method == "GET":
        section = definition.sections[index] if index is not None else None
        form.process(
            data={
                "rev": service.revision(version),
                "key": section.key if section else editing.suggest_section_key(definition),
                "title": pair_data(section.title if section else None),
                "description": pair_data(section.description if section else None),
            }
        )
    elif form.validate_on_submit():
        title, description = optional_text(form.title), optional_text(form.description)
        key = form.key.data or ""
        if section_key is None:
            after = editing.add_section(
                definition, Section(key=key, title=title, description=description)
            )
            position = len(after.sections) - 1
        else:
            after = editing.replace_section(
                definition, section_key, key=key, title=title, description=description
            )
            position = index
        try:
            _check_rev(form, version)
            _save(survey, definition, after)
        except Conflict:
            return _conflict_response(survey)
        except EditRefused as refusal:
            general = _place_simple(form, refusal.issues, f"sections[{position}]")
        else:
            flash(_l("Bagian tersimpan."), "success")
            return _back(survey, f"s-{key}")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "designer/section.html",
        survey=survey,
        form=form,
        section_key=section_key,
        general=general,
    ), status


@bp.post("/<int:object_id>/sections/<section_key>/move")
@login_required
def section_move(object_id: int, section_key: str):  # type: ignore[no-untyped-def]
    return _action(
        object_id,
        lambda d: editing.move_section(d, section_key, _step()),
        anchor=f"s-{section_key}",
    )


@bp.post("/<int:object_id>/sections/<section_key>/delete")
@login_required
def section_delete(object_id: int, section_key: str):  # type: ignore[no-untyped-def]
    return _action(
        object_id,
        lambda d: editing.remove_section(d, section_key),
        done=_l("Bagian dihapus."),
    )


# --- questions


@bp.route("/<int:object_id>/sections/<section_key>/questions/new", methods=["GET", "POST"])
@login_required
def question_new(object_id: int, section_key: str):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    version, definition = _working(survey)
    if editing.section_index(definition, section_key) is None:
        abort(404)
    type_name = request.args.get("type", "")
    if not type_name:
        if request.method == "POST":
            abort(400)
        return render_template(
            "designer/choose_type.html",
            survey=survey,
            section_key=section_key,
            type_menu=_type_menu(),
            lang=_lang(),
        )
    cls = QUESTION_TYPES.get(type_name)
    if cls is None:
        abort(404)
    key = editing.suggest_key(definition, cls.type_name)
    start = cls(key=key, text=editing.default_text(cls.type_name, key))
    return _question_page(survey, version, definition, cls, start, section_key=section_key)


@bp.route("/<int:object_id>/questions/<key>/edit", methods=["GET", "POST"])
@login_required
def question_edit(object_id: int, key: str):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    version, definition = _working(survey)
    question = definition.get(key)
    if question is None:
        abort(404)
    type_name = request.args.get("type") or question.type_name
    cls = QUESTION_TYPES.get(type_name)
    if cls is None:
        abort(404)
    if cls is not type(question):
        question = editing.convert_question(question, type_name)
    return _question_page(survey, version, definition, cls, question, old_key=key)


def _question_page(
    survey: Survey,
    version: SurveyVersion,
    definition: SurveyDefinition,
    cls: type[Question],
    question: Question,
    *,
    old_key: str | None = None,
    section_key: str | None = None,
):  # type: ignore[no-untyped-def]
    lang = _lang()
    form_class = question_form_class(cls)
    general: list[str] = []
    more = False
    if request.method == "POST":
        form: QuestionForm = form_class()
    else:
        form = form_class(data=question_data(question))
        form.rev.data = service.revision(version)
    earlier = editing.questions_before(definition, old_key, section_key)
    if request.method == "POST":
        more = "more_rows" in request.form
        if not more and form.validate_on_submit():
            built, rows = build_question(cls, form, earlier)
            if built is not None:
                if old_key is not None:
                    after = editing.replace_question(definition, old_key, built)
                else:
                    assert section_key is not None
                    after = editing.add_question(definition, section_key, built)
                try:
                    _check_rev(form, version)
                    _save(survey, definition, after)
                except Conflict:
                    return _conflict_response(survey)
                except EditRefused as refusal:
                    place = editing.locate(after, built.key)
                    assert place is not None
                    general = place_issues(
                        form, refusal.issues, prefix=place.path, key=built.key, rows=rows, lang=lang
                    )
                else:
                    flash(_l("Pertanyaan %(key)s tersimpan.", key=built.key), "success")
                    return _back(survey, f"q-{built.key}")
    pad_rows(form, cls, more=more)
    set_rule_choices(form, earlier, lang)
    status = 422 if request.method == "POST" and not more else 200
    return render_template(
        "designer/question.html",
        survey=survey,
        form=form,
        cls=cls,
        settings=settings_of(cls),
        old_key=old_key,
        section_key=section_key,
        general=general,
        earlier=[q for q in earlier if q.condition_ops],
        type_menu=_type_menu(),
        lang=lang,
    ), status


@bp.post("/<int:object_id>/questions/<key>/move")
@login_required
def question_move(object_id: int, key: str):  # type: ignore[no-untyped-def]
    return _action(object_id, lambda d: editing.move_question(d, key, _step()), anchor=f"q-{key}")


@bp.post("/<int:object_id>/questions/<key>/delete")
@login_required
def question_delete(object_id: int, key: str):  # type: ignore[no-untyped-def]
    return _action(
        object_id,
        lambda d: editing.remove_question(d, key),
        done=_l("Pertanyaan %(key)s dihapus dari draf. Jawaban lama tetap tersimpan.", key=key),
    )


# --------------------------------------------------------------------------- preview


@dataclass
class _PreviewUnit:
    name: str
    agency: Any


@dataclass
class _PreviewTarget:
    """What the public template needs to know about where it is shown."""

    unit: Any
    point: Any
    form_url: str


def _preview_units(survey: Survey) -> list[Unit]:
    query = scoped(select(Unit), Unit).where(
        Unit.agency_id == survey.agency_id, Unit.active.is_(True)
    )
    return [unit for unit, _depth in tree_order(list(db.scalars(query)))]


def _preview_version(survey: Survey) -> SurveyVersion:
    number = request.args.get("version", type=int)
    if number is None:
        version, _definition = _working(survey)
        return version
    version = service.version_by_number(db, survey, number)
    if version is None:
        abort(404)
    return version


@bp.get("/<int:object_id>/preview")
@login_required
def preview(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    version = _preview_version(survey)
    units = _preview_units(survey)
    unit_id = request.args.get("unit", type=int)
    return render_template(
        "designer/preview.html",
        survey=survey,
        version=version,
        units=units,
        unit_id=unit_id,
        frame_url=url_for(
            ".preview_form",
            object_id=survey.id,
            version=request.args.get("version", type=int),
            unit=unit_id,
        ),
    )


@bp.route("/<int:object_id>/preview/form", methods=["GET", "POST"])
@login_required
def preview_form(object_id: int):  # type: ignore[no-untyped-def]
    """The survey exactly as a citizen's phone shows it, from the public template.

    A POST checks the answers as the public form would (required questions,
    follow-ups) and shows what would be stored; nothing is stored.
    """
    survey = _load(object_id)
    version = _preview_version(survey)
    definition = service.parse(version)
    lang = _lang()
    unit = None
    unit_id = request.args.get("unit", type=int)
    units = _preview_units(survey)
    if unit_id is not None:
        unit = next((u for u in units if u.id == unit_id), None)
    if unit is None and units:
        unit = units[0]
    services = (
        list(
            db.scalars(
                select(Service)
                .where(Service.unit_id == unit.id, Service.active.is_(True))
                .order_by(Service.name)
            )
        )
        if unit is not None
        else []
    )
    agency = db.get(Agency, survey.agency_id)
    target = _PreviewTarget(
        unit=unit if unit is not None else _PreviewUnit(str(_l("Unit contoh")), agency),
        point=None,
        form_url=request.full_path.rstrip("?"),
    )
    kept: dict[str, list[str]] = {}
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        context = FormContext(
            services=tuple(service_option(s.id, s.name, s.name_en) for s in services)
        )
        result = evaluate_submission(
            definition, request.form, context=context, ignore=public_form.FORM_FIELDS
        )
        if result.ok:
            return _no_store(
                render_template(
                    "designer/preview_result.html",
                    target=target,
                    answers=service.read_answers(definition, result.answers, lang, context),
                    dropped=result.dropped,
                    back_url=target.form_url,
                    lang=lang,
                )
            )
        kept = public_form.kept_answers(request.form)
        errors = dict(result.errors)
        status = 422
    page = render_template(
        "public/form.html",
        target=target,
        questions=public_form.render_questions(definition, kept, errors, lang, services),
        officers=[],
        chosen_officer=None,
        kept=kept,
        has_errors=bool(errors),
        errors_officer=False,
        contact_errors={},
        form_key="preview",
        csrf_token_value=generate_csrf(),
        notice=None,
        lang=lang,
    )
    return _no_store(current_app.make_response((page, status)))


def _no_store(response: Any) -> Any:
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- publishing


@bp.route("/<int:object_id>/publish", methods=["GET", "POST"])
@login_required
def publish(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    form = PublishForm()
    check = service.publish_check(db, survey)
    version, definition = _working(survey)
    if request.method == "GET":
        form.rev.data = service.revision(version)
    if survey.status != SurveyStatus.ARCHIVED and form.validate_on_submit():
        try:
            _check_rev(form, version)
            published = service.publish(db, survey, user_id=current_user.id, note=form.note.data)
        except Conflict:
            return _conflict_response(survey)
        except EditRefused:
            pass  # shown below, at their places
        else:
            flash(
                _l(
                    "Versi %(number)d diterbitkan; jawaban baru memakai versi ini.",
                    number=published.number,
                ),
                "success",
            )
            if check.warnings:
                flash(
                    _l(
                        "Perhatian: %(count)d teks belum diterjemahkan; warga yang memilih "
                        "bahasa Inggris melihat teks bahasa Indonesia.",
                        count=sum(1 for w in check.warnings if w.code == "missing_translation"),
                    ),
                    "warning",
                )
            return _back(survey)
    status = 422 if request.method == "POST" else 200
    current = service.current_of(db, survey)
    changes = (
        diff_definitions(service.parse(current), check.definition)
        if current is not None and check.definition is not None
        else None
    )
    return render_template(
        "designer/publish.html",
        survey=survey,
        form=form,
        check=check,
        changes=changes,
        definition=definition,
        errors=_issues_by_place(definition, check.errors),
        warnings=_issues_by_place(definition, check.warnings),
        lang=_lang(),
        archived=survey.status == SurveyStatus.ARCHIVED,
    ), status


@bp.post("/<int:object_id>/discard")
@login_required
def discard(object_id: int):  # type: ignore[no-untyped-def]
    done = _l("Draf dibuang; survei kembali ke versi terbit.")
    return _lifecycle(object_id, service.discard_draft, done)


def _lifecycle(object_id: int, act: Any, done: Any):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        act(db, survey)
    except EditRefused as refusal:
        return _render_editor(survey, refused=refusal.issues, status=422)
    flash(done, "success")
    return _back(survey)


@bp.post("/<int:object_id>/close")
@login_required
def close(object_id: int):  # type: ignore[no-untyped-def]
    done = _l("Survei ditutup; formulir tidak menerima jawaban.")
    return _lifecycle(object_id, service.close, done)


@bp.post("/<int:object_id>/reopen")
@login_required
def reopen(object_id: int):  # type: ignore[no-untyped-def]
    return _lifecycle(object_id, service.reopen, _l("Survei dibuka kembali."))


@bp.post("/<int:object_id>/archive")
@login_required
def archive(object_id: int):  # type: ignore[no-untyped-def]
    done = _l("Survei diarsipkan; jawabannya tetap tersimpan.")
    return _lifecycle(object_id, service.archive, done)


@bp.post("/<int:object_id>/restore")
@login_required
def restore(object_id: int):  # type: ignore[no-untyped-def]
    return _lifecycle(object_id, service.restore, _l("Survei dipulihkan dari arsip."))


@bp.route("/<int:object_id>/delete", methods=["GET", "POST"])
@login_required
def delete(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    form = ActionForm()
    problem: list[Issue] = []
    if form.validate_on_submit():
        try:
            name = survey.name
            service.delete(db, survey)
        except EditRefused as refusal:
            problem = refusal.issues
        else:
            flash(_l("Survei %(name)s dihapus.", name=name), "success")
            return redirect(url_for(".index"), code=303)
    elif request.method == "POST":
        abort(400)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "designer/delete.html",
        survey=survey,
        form=form,
        problems=_messages(problem),
        deletable=not service.was_published(db, survey) and not service.has_responses(db, survey),
    ), status


@bp.post("/<int:object_id>/duplicate")
@login_required
def duplicate(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = str(_l("Salinan %(name)s", name=survey.name))[:200]
    copy = service.duplicate(db, survey, name=name, user_id=current_user.id)
    flash(_l("Salinan dibuat sebagai draf baru."), "success")
    return redirect(url_for(".survey", object_id=copy.id), code=303)


# --------------------------------------------------------------------------- sharing and history


@bp.get("/<int:object_id>/export.json")
@login_required
def export(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    version = _preview_version(survey)
    data = service.export_json(version).encode("utf-8")
    return send_file(
        io.BytesIO(data),
        mimetype="application/json",
        as_attachment=True,
        download_name=f"survei-{survey.id}-v{version.number}.json",
    )


@bp.get("/<int:object_id>/versions")
@login_required
def versions(object_id: int):  # type: ignore[no-untyped-def]
    survey = _load(object_id)
    zone = _agency_zone(survey.agency_id)
    return render_template(
        "designer/history.html",
        survey=survey,
        entries=service.history(db, survey),
        show_time=lambda value: _show_time(value, zone),
        lang=_lang(),
        can_read=current_user.can(Permission.VIEW_RESULTS),
    )


@bp.get("/<int:object_id>/responses")
@login_required
def responses(object_id: int):  # type: ignore[no-untyped-def]
    """Collected answers, each read with the wording of the version it answered."""
    survey = _load(object_id, Permission.VIEW_RESULTS)
    zone = _agency_zone(survey.agency_id)
    lang = _lang()
    query = (
        select(Response)
        .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
        .where(SurveyVersion.survey_id == survey.id)
    )
    units = visible_unit_ids()
    if units is not None:
        query = query.where(Response.unit_id.in_(units))
    pager = current_page(query, RESPONSES_PAGE_SIZE)
    rows = list(
        db.scalars(
            query.order_by(Response.submitted_at.desc(), Response.id.desc())
            .limit(pager.size)
            .offset(pager.offset)
        )
    )
    version_ids = {r.survey_version_id for r in rows}
    by_version = {
        v.id: v for v in db.scalars(select(SurveyVersion).where(SurveyVersion.id.in_(version_ids)))
    }
    service_ids = {r.service_id for r in rows if r.service_id}
    services = list(db.scalars(select(Service).where(Service.id.in_(service_ids))))
    context = FormContext(services=tuple(service_option(s.id, s.name, s.name_en) for s in services))
    unit_names = dict(
        db.execute(select(Unit.id, Unit.name).where(Unit.id.in_({r.unit_id for r in rows}))).all()
    )
    point_names = dict(
        db.execute(
            select(ServicePoint.id, ServicePoint.name).where(
                ServicePoint.id.in_({r.service_point_id for r in rows if r.service_point_id})
            )
        ).all()
    )
    shown = [
        {
            "response": r,
            "version": by_version[r.survey_version_id],
            "when": _show_time(r.submitted_at, zone),
            "unit": unit_names.get(r.unit_id, ""),
            "point": point_names.get(r.service_point_id or 0, ""),
            "answers": service.read_answers(
                service.parse(by_version[r.survey_version_id]), r.answers, lang, context
            ),
        }
        for r in rows
    ]
    return render_template(
        "designer/responses.html",
        survey=survey,
        rows=shown,
        total=pager.total,
        page=pager.page,
        pages=pager.pages,
        lang=lang,
    )


# --------------------------------------------------------------------------- assignment


@dataclass
class AssignmentRow:
    kind: str  # "unit" or "point"
    obj: Any
    depth: int
    choices: list[tuple[str, str]]
    selected: str
    effective: Survey | None
    error: Any = None

    @property
    def field(self) -> str:
        return f"{self.kind}-{self.obj.id}"


def _assignment_agency() -> Agency:
    if current_user.role == Role.ADMIN:
        agency_id = request.args.get("agency", type=int)
        agencies = _agencies()
        if agency_id is None and agencies:
            agency_id = agencies[0].id
        agency = db.get(Agency, agency_id) if agency_id else None
    else:
        agency = db.get(Agency, current_user.agency_id)
    if agency is None:
        abort(404)
    return agency


@bp.route("/assignments", methods=["GET", "POST"])
@login_required
def assignments():  # type: ignore[no-untyped-def]
    """Which survey each unit opens by default, and each counter as its own override.

    Counter links (QR codes) never change: they are resolved to a survey when opened.
    """
    _permit()
    agency = _assignment_agency()
    lang = _lang()
    form = FlaskForm()
    surveys = {s.id: s for s in service.assignable_surveys(db, agency.id)}
    units = list(
        db.scalars(
            scoped(select(Unit), Unit).where(Unit.agency_id == agency.id, Unit.active.is_(True))
        )
    )
    unit_ids = [u.id for u in units]
    points = list(
        db.scalars(
            scoped(select(ServicePoint), ServicePoint)
            .where(ServicePoint.unit_id.in_(unit_ids), ServicePoint.active.is_(True))
            .order_by(ServicePoint.name)
        )
    )
    in_use = {u.survey_id for u in units} | {p.survey_id for p in points}
    for assigned_id in in_use - set(surveys) - {None}:
        found = db.get(Survey, assigned_id)
        if found is not None:
            surveys[found.id] = found
    can_default = current_user.role == Role.ADMIN or current_user.unit_id is None
    default = db.scalar(
        select(Survey).where(Survey.agency_id == agency.id, Survey.is_agency_default.is_(True))
    )

    def label(survey: Survey) -> str:
        if survey.status == SurveyStatus.PUBLISHED:
            return survey.name
        return f"{survey.name} ({STATUS_LABELS[survey.status]})"

    options = [(str(s.id), label(s)) for s in sorted(surveys.values(), key=lambda s: s.name)]
    unit_blank = ("", str(_l("— ikut unit induk / survei bawaan instansi —")))
    point_blank = ("", str(_l("— ikut unit —")))
    error_count = 0
    default_error = None

    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen: dict[str, int | None] = {}
        errors: dict[str, Any] = {}
        names = [f"unit-{u.id}" for u in units] + [f"point-{p.id}" for p in points]
        current = {f"unit-{u.id}": u.survey_id for u in units} | {
            f"point-{p.id}": p.survey_id for p in points
        }
        for name in names:
            raw = request.form.get(name, "")
            value = _survey_choice(raw, surveys, current.get(name))
            if value is False:
                errors[name] = _l("Pilih survei yang sudah terbit.")
            else:
                chosen[name] = value  # type: ignore[assignment]
        new_default = default
        if can_default and "agency_default" in request.form:
            value = _survey_choice(
                request.form["agency_default"], surveys, default.id if default else None
            )
            if value is False or value is None:
                default_error = _l("Pilih survei yang sudah terbit.")
            else:
                new_default = surveys[value]
        if not errors and default_error is None:
            for u in units:
                u.survey_id = chosen[f"unit-{u.id}"]
            for p in points:
                p.survey_id = chosen[f"point-{p.id}"]
            if new_default is not None and new_default is not default:
                service.set_agency_default(db, agency.id, new_default)
            flash(
                _l("Penugasan survei tersimpan. Tautan dan kode QR loket tidak berubah."),
                "success",
            )
            args = {"agency": agency.id} if current_user.role == Role.ADMIN else {}
            return redirect(url_for(".assignments", **args), code=303)
        error_count = len(errors) + (default_error is not None)
    else:
        errors = {}

    submitted = request.form if request.method == "POST" else None
    by_unit: dict[int, Unit] = {u.id: u for u in units}
    default_survey = default

    def effective_unit(unit: Unit) -> Survey | None:
        current: Unit | None = unit
        seen: set[int] = set()
        while current is not None and current.id not in seen:
            if current.survey_id is not None:
                return db.get(Survey, current.survey_id)
            seen.add(current.id)
            current = by_unit.get(current.parent_id) if current.parent_id else None
        return default_survey

    rows: list[AssignmentRow] = []
    points_by_unit: dict[int, list[ServicePoint]] = {}
    for p in points:
        points_by_unit.setdefault(p.unit_id, []).append(p)
    for unit, depth in tree_order(units):
        name = f"unit-{unit.id}"
        selected = submitted.get(name, "") if submitted else str(unit.survey_id or "")
        rows.append(
            AssignmentRow(
                "unit",
                unit,
                depth,
                [unit_blank, *options],
                selected,
                effective_unit(unit),
                errors.get(name),
            )
        )
        for p in points_by_unit.get(unit.id, []):
            name = f"point-{p.id}"
            selected = submitted.get(name, "") if submitted else str(p.survey_id or "")
            effective = db.get(Survey, p.survey_id) if p.survey_id else effective_unit(unit)
            rows.append(
                AssignmentRow(
                    "point",
                    p,
                    depth + 1,
                    [point_blank, *options],
                    selected,
                    effective,
                    errors.get(name),
                )
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "designer/assignments.html",
        form=form,
        agency=agency,
        agencies=_agencies() if current_user.role == Role.ADMIN else [],
        rows=rows,
        options=options,
        default=default,
        can_default=can_default,
        default_error=default_error,
        error_count=error_count,
        lang=lang,
    ), status


def _survey_choice(raw: str, surveys: dict[int, Survey], current: int | None) -> int | None | bool:
    """The survey id chosen in a select: None for "inherit", False for one that may not be chosen.

    A survey that is no longer published may stay where it is, but not be newly chosen.
    """
    if raw == "":
        return None
    try:
        chosen = int(raw)
    except ValueError:
        return False
    survey = surveys.get(chosen)
    if survey is None:
        return False
    if survey.status != SurveyStatus.PUBLISHED and chosen != current:
        return False
    return chosen


@bp.app_template_filter("local_text")
def _local_text(text: Text | None, lang: str = "id") -> str:
    return text.get(lang) if text is not None else ""
