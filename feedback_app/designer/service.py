"""The designer's version logic, usable without a request.

A survey's versions are ``SurveyVersion`` rows numbered 1, 2, 3 ... A version
with ``published_at`` set is frozen; at most one version, the highest, is a
draft (``published_at`` NULL) and holds the definition being edited. Editing a
published survey creates that draft from the current version; publishing it
freezes it and points ``Survey.current_version_id`` at it, so new responses use
it while every earlier response keeps pointing at the version it answered.

Every edit goes through the ``surveys`` domain: parse the working definition,
change it (:mod:`feedback_app.designer.editing`), and accept the result only
when :func:`check_change` finds no new error, version-rule breaches included
(a key keeps its type and scale across all published versions).

Functions take the SQLAlchemy session and flush; the request commits.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as delete_rows
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feedback_app.db import utcnow
from feedback_app.designer.editing import EditRefused, blank_definition, refused
from feedback_app.models import (
    Response,
    ServicePoint,
    Survey,
    SurveyStatus,
    SurveyVersion,
    Unit,
)
from feedback_app.models.survey import definition_for
from feedback_app.public.links import survey_is_open  # noqa: F401 - part of this API
from surveys.definition import SurveyDefinition, errors, missing_translations, validate_definition
from surveys.diff import Change, diff_definitions, version_violations
from surveys.errors import Issue, Severity
from surveys.i18n import Text
from surveys.questions import FormContext
from surveys.serialization import definition_from_json, definition_to_json, dumps
from surveys.templates import TEMPLATES, build_template

#: the largest survey JSON file the import accepts
IMPORT_MAX_BYTES = 512 * 1024


# --------------------------------------------------------------------------- versions


def versions(session: Session, survey: Survey) -> list[SurveyVersion]:
    return list(
        session.scalars(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(SurveyVersion.number)
        )
    )


def draft_of(session: Session, survey: Survey) -> SurveyVersion | None:
    """The unpublished version being edited, if any."""
    return session.scalar(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey.id, SurveyVersion.published_at.is_(None))
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )


def current_of(session: Session, survey: Survey) -> SurveyVersion | None:
    """The version new responses use."""
    if survey.current_version_id is None:
        return None
    return session.get(SurveyVersion, survey.current_version_id)


def working_version(session: Session, survey: Survey) -> SurveyVersion | None:
    """What the editor shows: the draft, else the current version."""
    return draft_of(session, survey) or current_of(session, survey)


def version_by_number(session: Session, survey: Survey, number: int) -> SurveyVersion | None:
    return session.scalar(
        select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == number
        )
    )


def parse(version: SurveyVersion) -> SurveyDefinition:
    return definition_for(version)


def published_definitions(session: Session, survey: Survey) -> list[SurveyDefinition]:
    return [parse(v) for v in versions(session, survey) if v.published_at is not None]


def revision(version: SurveyVersion | None) -> str:
    """A short fingerprint of a version's content and identity.

    Edit forms carry it; a form whose revision no longer matches was made on a
    page someone else has changed since, and is refused rather than silently
    overwriting their work.
    """
    if version is None:
        return ""
    raw = json.dumps([version.id, version.definition], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- creating


def create_survey(
    session: Session,
    *,
    agency_id: int,
    name: str,
    definition: SurveyDefinition,
    user_id: int | None = None,
) -> Survey:
    """A new unpublished survey whose version 1 is a draft of ``definition``."""
    survey = Survey(agency_id=agency_id, name=name, status=SurveyStatus.DRAFT)
    session.add(survey)
    session.flush()
    session.add(
        SurveyVersion(
            survey_id=survey.id,
            number=1,
            definition=definition_to_json(definition),
            created_by_id=user_id,
        )
    )
    session.flush()
    return survey


def starting_definition(template: str | None, name: str) -> SurveyDefinition:
    """A built-in template (``skm``, ``kiosk``, ``berorientasi_pelayanan``) or a blank survey."""
    if template:
        return build_template(template)
    return blank_definition(name)


def template_names() -> list[str]:
    return list(TEMPLATES)


def duplicate(session: Session, survey: Survey, *, name: str, user_id: int | None) -> Survey:
    """A new draft survey with the working definition of ``survey`` (no history, no assignment)."""
    source = working_version(session, survey)
    assert source is not None
    return create_survey(
        session,
        agency_id=survey.agency_id,
        name=name,
        definition=parse(source),
        user_id=user_id,
    )


def read_import(data: bytes | str) -> SurveyDefinition:
    """A definition from an uploaded JSON file: shape and content validated.

    Raises :class:`~surveys.errors.SurveyFormatError` listing every problem.
    """
    from surveys.errors import SurveyFormatError
    from surveys.i18n import Message

    if len(data) > IMPORT_MAX_BYTES:
        raise SurveyFormatError(
            [
                Issue(
                    "",
                    Message(
                        "file_too_large",
                        f"Berkas terlalu besar: paling banyak {IMPORT_MAX_BYTES // 1024} KB.",
                        f"The file is too large: at most {IMPORT_MAX_BYTES // 1024} KB.",
                    ),
                )
            ]
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SurveyFormatError(
                [
                    Issue(
                        "",
                        Message(
                            "not_utf8",
                            "Berkas bukan teks UTF-8.",
                            "The file is not UTF-8 text.",
                        ),
                    )
                ]
            ) from None
    return definition_from_json(data, validate=True)


def export_json(version: SurveyVersion) -> str:
    return dumps(parse(version))


# --------------------------------------------------------------------------- editing


def _signature(issue: Issue) -> tuple[str, str | None, str]:
    # paths shift when questions move, so an issue is known by what it says and about which key
    return (issue.code, issue.key, issue.message.id)


def blocking_issues(
    definition: SurveyDefinition, published: Sequence[SurveyDefinition]
) -> list[Issue]:
    """Errors that stop publication: validation errors and version-rule breaches."""
    found = errors(validate_definition(definition))
    if published:
        found += version_violations(published, definition)
    return found


def check_change(
    before: SurveyDefinition,
    after: SurveyDefinition,
    published: Sequence[SurveyDefinition],
) -> list[Issue]:
    """The errors ``after`` has that ``before`` did not: an edit may not add any.

    A draft may be incomplete (a new blank survey has no questions yet), so
    errors already there do not block an edit; only new ones do.
    """
    old = Counter(_signature(i) for i in blocking_issues(before, published))
    new_issues = blocking_issues(after, published)
    new = Counter(_signature(i) for i in new_issues)
    return [i for i in new_issues if new[_signature(i)] > old[_signature(i)]]


def ensure_editable(survey: Survey) -> None:
    if survey.status == SurveyStatus.ARCHIVED:
        raise refused(
            "survey_archived",
            "Survei ini sudah diarsipkan dan tidak dapat diubah. Pulihkan lebih dulu.",
            "This survey is archived and cannot be changed. Restore it first.",
        )


def ensure_draft(session: Session, survey: Survey, user_id: int | None) -> SurveyVersion:
    """The draft to edit; for a published survey, a new draft copied from the current version."""
    ensure_editable(survey)
    draft = draft_of(session, survey)
    if draft is not None:
        return draft
    base = current_of(session, survey)
    assert base is not None, "a survey always has a draft or a published version"
    number = (
        session.scalar(
            select(func.max(SurveyVersion.number)).where(SurveyVersion.survey_id == survey.id)
        )
        or 0
    ) + 1
    draft = SurveyVersion(
        survey_id=survey.id,
        number=number,
        definition=copy.deepcopy(base.definition),
        created_by_id=user_id,
    )
    session.add(draft)
    session.flush()
    return draft


def save_definition(
    session: Session,
    survey: Survey,
    before: SurveyDefinition,
    after: SurveyDefinition,
    *,
    user_id: int | None,
) -> SurveyVersion:
    """Store ``after`` as the draft, or raise :class:`EditRefused` with the new errors."""
    ensure_editable(survey)
    problems = check_change(before, after, published_definitions(session, survey))
    if problems:
        raise EditRefused(problems)
    draft = ensure_draft(session, survey, user_id)
    draft.definition = definition_to_json(after)
    survey.updated_at = utcnow()
    session.flush()
    return draft


def discard_draft(session: Session, survey: Survey) -> None:
    """Drop the unpublished changes of a published survey (a never-published
    survey's draft is the survey itself: delete the survey instead)."""
    draft = draft_of(session, survey)
    if draft is None or survey.current_version_id is None:
        raise refused(
            "nothing_to_discard",
            "Tidak ada draf yang dapat dibuang.",
            "There is no draft to discard.",
        )
    session.delete(draft)
    session.flush()


# --------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class PublishCheck:
    draft: SurveyVersion | None
    definition: SurveyDefinition | None
    #: stop publication
    errors: list[Issue]
    #: shown, do not stop it: missing translations and validation warnings
    warnings: list[Issue]

    @property
    def ok(self) -> bool:
        return self.draft is not None and not self.errors


def publish_check(session: Session, survey: Survey) -> PublishCheck:
    draft = draft_of(session, survey)
    if draft is None:
        return PublishCheck(None, None, [], [])
    definition = parse(draft)
    published = published_definitions(session, survey)
    warnings = [i for i in validate_definition(definition) if i.severity == Severity.WARNING]
    warnings += missing_translations(definition)
    return PublishCheck(draft, definition, blocking_issues(definition, published), warnings)


def publish(
    session: Session,
    survey: Survey,
    *,
    user_id: int | None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> SurveyVersion:
    """Freeze the draft and make it the version new responses use."""
    ensure_editable(survey)
    check = publish_check(session, survey)
    if check.draft is None:
        raise refused(
            "nothing_to_publish",
            "Tidak ada draf untuk diterbitkan.",
            "There is no draft to publish.",
        )
    if check.errors:
        raise EditRefused(check.errors)
    draft = check.draft
    # store the canonical form of what was checked, so the frozen JSON is exactly what is served
    draft.definition = definition_to_json(check.definition)  # type: ignore[arg-type]
    draft.published_at = now or utcnow()
    draft.note = (note or "").strip()[:500] or None
    if user_id is not None and draft.created_by_id is None:
        draft.created_by_id = user_id
    survey.current_version_id = draft.id
    if survey.status in (SurveyStatus.DRAFT, SurveyStatus.CLOSED):
        survey.status = SurveyStatus.PUBLISHED
    survey.updated_at = utcnow()
    session.flush()
    return draft


# --------------------------------------------------------------------------- lifecycle


def response_counts(session: Session, survey_ids: Iterable[int]) -> dict[int, int]:
    ids = list(survey_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(SurveyVersion.survey_id, func.count(Response.id))
        .join(Response, Response.survey_version_id == SurveyVersion.id)
        .where(SurveyVersion.survey_id.in_(ids))
        .group_by(SurveyVersion.survey_id)
    )
    return {survey_id: count for survey_id, count in rows}


def version_response_counts(session: Session, survey: Survey) -> dict[int, int]:
    rows = session.execute(
        select(Response.survey_version_id, func.count(Response.id))
        .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
        .where(SurveyVersion.survey_id == survey.id)
        .group_by(Response.survey_version_id)
    )
    return {version_id: count for version_id, count in rows}


def has_responses(session: Session, survey: Survey) -> bool:
    return (
        session.scalar(
            select(Response.id)
            .join(SurveyVersion, Response.survey_version_id == SurveyVersion.id)
            .where(SurveyVersion.survey_id == survey.id)
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class Assignment:
    units: list[Unit]
    points: list[ServicePoint]
    agency_default: bool

    @property
    def in_use(self) -> bool:
        return bool(self.units or self.points or self.agency_default)


def assignment_of(session: Session, survey: Survey) -> Assignment:
    units = list(
        session.scalars(select(Unit).where(Unit.survey_id == survey.id).order_by(Unit.name))
    )
    points = list(
        session.scalars(
            select(ServicePoint)
            .where(ServicePoint.survey_id == survey.id)
            .order_by(ServicePoint.name)
        )
    )
    return Assignment(units, points, survey.is_agency_default)


def _in_use_refusal(assignment: Assignment, doing_id: str, doing_en: str) -> EditRefused:
    names = [u.name for u in assignment.units] + [p.name for p in assignment.points]
    if assignment.agency_default:
        names.insert(0, "survei bawaan instansi")
    listed = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    return refused(
        "survey_in_use",
        f"Survei ini tidak dapat {doing_id} karena masih dipakai: {listed}. "
        "Ubah penugasannya lebih dulu.",
        f"This survey cannot be {doing_en} while it is in use: {listed}. "
        "Change the assignment first.",
    )


def close(session: Session, survey: Survey) -> None:
    """Stop accepting answers; the links keep working and say the survey is closed."""
    if survey.status != SurveyStatus.PUBLISHED:
        raise refused(
            "not_published",
            "Hanya survei yang sedang terbit yang dapat ditutup.",
            "Only a published survey can be closed.",
        )
    survey.status = SurveyStatus.CLOSED
    session.flush()


def reopen(session: Session, survey: Survey) -> None:
    if survey.status != SurveyStatus.CLOSED or survey.current_version_id is None:
        raise refused(
            "not_closed",
            "Hanya survei yang ditutup yang dapat dibuka kembali.",
            "Only a closed survey can be reopened.",
        )
    survey.status = SurveyStatus.PUBLISHED
    session.flush()


def archive(session: Session, survey: Survey) -> None:
    """Put a survey away for good, answers kept; refused while counters still open it."""
    if survey.status == SurveyStatus.ARCHIVED:
        return
    assignment = assignment_of(session, survey)
    if assignment.in_use:
        raise _in_use_refusal(assignment, "diarsipkan", "archived")
    survey.status = SurveyStatus.ARCHIVED
    session.flush()


def restore(session: Session, survey: Survey) -> None:
    """Back from the archive: closed when it was ever published, else a draft."""
    if survey.status != SurveyStatus.ARCHIVED:
        return
    survey.status = SurveyStatus.CLOSED if survey.current_version_id else SurveyStatus.DRAFT
    session.flush()


def was_published(session: Session, survey: Survey) -> bool:
    return (
        session.scalar(
            select(SurveyVersion.id)
            .where(SurveyVersion.survey_id == survey.id, SurveyVersion.published_at.isnot(None))
            .limit(1)
        )
        is not None
    )


def delete(session: Session, survey: Survey) -> None:
    """Remove a survey that was never published; a published one is archived instead.

    Published versions are never deleted: responses may point at them, and their
    parsed definitions are cached by id, which SQLite may hand out again.
    """
    if was_published(session, survey):
        raise refused(
            "was_published",
            "Survei yang pernah terbit tidak dapat dihapus. Arsipkan saja; versinya dan "
            "jawabannya tetap tersimpan.",
            "A survey that was ever published cannot be deleted. Archive it instead; its "
            "versions and responses are kept.",
        )
    if has_responses(session, survey):
        raise refused(
            "has_responses",
            "Survei ini sudah menerima jawaban, sehingga tidak dapat dihapus. "
            "Arsipkan saja; jawabannya tetap tersimpan.",
            "This survey has responses and cannot be deleted. Archive it instead; "
            "the responses are kept.",
        )
    assignment = assignment_of(session, survey)
    if assignment.in_use:
        raise _in_use_refusal(assignment, "dihapus", "deleted")
    survey.current_version_id = None
    session.flush()
    session.execute(delete_rows(SurveyVersion).where(SurveyVersion.survey_id == survey.id))
    session.delete(survey)
    session.flush()


# --------------------------------------------------------------------------- assignment


def assignable_surveys(session: Session, agency_id: int) -> list[Survey]:
    """Surveys a unit or counter may open: published ones of the agency."""
    return list(
        session.scalars(
            select(Survey)
            .where(Survey.agency_id == agency_id, Survey.status == SurveyStatus.PUBLISHED)
            .order_by(Survey.name)
        )
    )


def set_agency_default(session: Session, agency_id: int, survey: Survey) -> None:
    """Make ``survey`` the one counters open when neither they nor their units name one."""
    for other in session.scalars(
        select(Survey).where(
            Survey.agency_id == agency_id,
            or_(Survey.is_agency_default.is_(True), Survey.id == survey.id),
        )
    ):
        other.is_agency_default = other.id == survey.id
    session.flush()


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEntry:
    version: SurveyVersion
    #: what changed against the previous version (None for the first)
    changes: list[Change] | None
    responses: int
    is_current: bool


def history(session: Session, survey: Survey) -> list[HistoryEntry]:
    """Every version, newest first, with what changed since the one before."""
    counts = version_response_counts(session, survey)
    entries: list[HistoryEntry] = []
    previous: SurveyDefinition | None = None
    for version in versions(session, survey):
        definition = parse(version)
        changes = None if previous is None else diff_definitions(previous, definition)
        entries.append(
            HistoryEntry(
                version,
                changes,
                counts.get(version.id, 0),
                version.id == survey.current_version_id,
            )
        )
        previous = definition
    return entries[::-1]


# --------------------------------------------------------------------------- reading answers


@dataclass(frozen=True)
class ReadAnswer:
    key: str
    question: Text
    value: str


def read_answers(
    definition: SurveyDefinition,
    answers: Mapping[str, Any],
    lang: str,
    context: FormContext | None = None,
) -> list[ReadAnswer]:
    """A response's answers in the wording of the version it answered, in its order.

    Keys the version does not know (never expected) are listed last as they are.
    """
    shown: list[ReadAnswer] = []
    seen: set[str] = set()
    for question in definition.questions:
        for name in question.field_names():
            if name not in answers:
                continue
            seen.add(name)
            if name == question.key:
                text = question.text
                value = question.format_value(answers[name], lang, context)
            else:
                text = Text(f"{question.text.id} · lainnya", f"{question.text.get('en')} · other")
                value = str(answers[name])
            shown.append(ReadAnswer(name, text, value))
    for name, value in answers.items():
        if name not in seen:
            shown.append(ReadAnswer(name, Text(name), str(value)))
    return shown
