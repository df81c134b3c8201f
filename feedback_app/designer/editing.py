"""Edits of a survey definition as pure functions: a definition in, a new one out.

Definitions are immutable, so every edit builds a new one; whether the result
may be saved is decided afterwards, on the whole definition, by
:func:`feedback_app.designer.service.check_change` (the domain's validation and
version rules). The few refusals that validation cannot express, such as
deleting a question another question's condition needs, raise
:class:`EditRefused` here, with a message in both languages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from surveys.definition import Section, SurveyDefinition
from surveys.errors import Issue
from surveys.i18n import Message, Text
from surveys.questions import QUESTION_TYPES, Question, SkmElementQuestion
from surveys.questions.base import BASE_FIELDS, MAX_KEY_LENGTH, is_valid_key
from surveys.skm import ELEMENT_KEYS, ELEMENTS_BY_KEY


class EditRefused(Exception):
    """The edit would break the survey; ``issues`` say why and where."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(issue.describe("en") for issue in self.issues))


def refused(code: str, id_text: str, en_text: str, *, path: str = "", key: str | None = None):
    """An :class:`EditRefused` with one designer-facing message."""
    return EditRefused([Issue(path, Message(code, id_text, en_text), key=key)])


# --------------------------------------------------------------------------- locating


@dataclass(frozen=True)
class Place:
    section: int
    index: int

    @property
    def path(self) -> str:
        return f"sections[{self.section}].questions[{self.index}]"


def locate(definition: SurveyDefinition, key: str) -> Place | None:
    for s, section in enumerate(definition.sections):
        for q, question in enumerate(section.questions):
            if question.key == key:
                return Place(s, q)
    return None


def section_index(definition: SurveyDefinition, key: str) -> int | None:
    for s, section in enumerate(definition.sections):
        if section.key == key:
            return s
    return None


def questions_before(definition: SurveyDefinition, key: str | None, section_key: str | None):
    """The questions before ``key`` (or, for a new question, up to the end of its section)."""
    earlier: list[Question] = []
    for section in definition.sections:
        for question in section.questions:
            if key is not None and question.key == key:
                return earlier
            earlier.append(question)
        if key is None and section.key == section_key:
            return earlier
    return earlier


def dependents(definition: SurveyDefinition, key: str) -> list[Question]:
    """Questions whose condition refers to ``key``."""
    return [q for q in definition.questions if q.condition is not None and key in q.condition.keys]


def _with_sections(definition: SurveyDefinition, sections: list[Section]) -> SurveyDefinition:
    return replace(definition, sections=tuple(sections))


def _with_questions(section: Section, questions: list[Question]) -> Section:
    return replace(section, questions=tuple(questions))


# --------------------------------------------------------------------------- questions


def replace_question(
    definition: SurveyDefinition, old_key: str, question: Question
) -> SurveyDefinition:
    place = locate(definition, old_key)
    if place is None:
        raise KeyError(old_key)
    sections = list(definition.sections)
    questions = list(sections[place.section].questions)
    questions[place.index] = question
    sections[place.section] = _with_questions(sections[place.section], questions)
    return _with_sections(definition, sections)


def add_question(
    definition: SurveyDefinition, section_key: str, question: Question
) -> SurveyDefinition:
    """``question`` appended to the section ``section_key``."""
    s = section_index(definition, section_key)
    if s is None:
        raise KeyError(section_key)
    sections = list(definition.sections)
    sections[s] = _with_questions(sections[s], [*sections[s].questions, question])
    return _with_sections(definition, sections)


def remove_question(definition: SurveyDefinition, key: str) -> SurveyDefinition:
    """Without ``key``; refused while a later question's condition refers to it.

    Answers already collected under the key stay in their responses: a removed
    question only leaves the next version.
    """
    place = locate(definition, key)
    if place is None:
        raise KeyError(key)
    users = [q.key for q in dependents(definition, key) if q.key != key]
    if users:
        names = ", ".join(users)
        raise refused(
            "question_in_use",
            f"Pertanyaan '{key}' dipakai dalam kondisi pertanyaan {names}. "
            "Ubah atau hapus kondisi itu lebih dulu.",
            f"Question '{key}' is used in the condition of question(s) {names}. "
            "Change or remove that condition first.",
            path=place.path,
            key=key,
        )
    sections = list(definition.sections)
    questions = [q for q in sections[place.section].questions if q.key != key]
    sections[place.section] = _with_questions(sections[place.section], questions)
    return _with_sections(definition, sections)


def move_question(definition: SurveyDefinition, key: str, step: int) -> SurveyDefinition:
    """One place up (``step`` −1) or down (+1); across a section boundary into the
    neighbouring section; unchanged at the very top or bottom."""
    place = locate(definition, key)
    if place is None:
        raise KeyError(key)
    sections = list(definition.sections)
    questions = list(sections[place.section].questions)
    target = place.index + step
    if 0 <= target < len(questions):
        questions[place.index], questions[target] = questions[target], questions[place.index]
        sections[place.section] = _with_questions(sections[place.section], questions)
        return _with_sections(definition, sections)
    neighbour = place.section + step
    if not 0 <= neighbour < len(sections):
        return definition
    question = questions.pop(place.index)
    sections[place.section] = _with_questions(sections[place.section], questions)
    moved = list(sections[neighbour].questions)
    moved = [*moved, question] if step < 0 else [question, *moved]
    sections[neighbour] = _with_questions(sections[neighbour], moved)
    return _with_sections(definition, sections)


def convert_question(question: Question, type_name: str) -> Question:
    """The same question asked as another type: key, texts, required and condition
    stay, and so do the settings both types share (e.g. the options of single and
    multiple choice). An SKM element gets its official question text when empty."""
    cls = QUESTION_TYPES[type_name]
    kwargs: dict[str, Any] = {
        name: getattr(question, name) for name in BASE_FIELDS if name != "condition"
    }
    kwargs["condition"] = question.condition
    mine = {spec.attribute: spec.kind for spec in question.setting_fields()}
    for spec in cls.setting_fields():
        if spec.attribute not in BASE_FIELDS and mine.get(spec.attribute) == spec.kind:
            kwargs[spec.attribute] = getattr(question, spec.attribute)
    return cls(**kwargs)


# --------------------------------------------------------------------------- sections


def add_section(definition: SurveyDefinition, section: Section) -> SurveyDefinition:
    return _with_sections(definition, [*definition.sections, section])


def replace_section(
    definition: SurveyDefinition, old_key: str, *, key: str, title: Text | None, description
) -> SurveyDefinition:
    """New key and texts for a section; its questions stay."""
    s = section_index(definition, old_key)
    if s is None:
        raise KeyError(old_key)
    sections = list(definition.sections)
    sections[s] = replace(sections[s], key=key, title=title, description=description)
    return _with_sections(definition, sections)


def remove_section(definition: SurveyDefinition, key: str) -> SurveyDefinition:
    """Without the section ``key``; refused while it still holds questions."""
    s = section_index(definition, key)
    if s is None:
        raise KeyError(key)
    if definition.sections[s].questions:
        raise refused(
            "section_not_empty",
            "Bagian ini masih berisi pertanyaan. Pindahkan atau hapus pertanyaannya lebih dulu.",
            "This section still holds questions. Move or delete them first.",
            path=f"sections[{s}]",
        )
    return _with_sections(definition, [x for i, x in enumerate(definition.sections) if i != s])


def move_section(definition: SurveyDefinition, key: str, step: int) -> SurveyDefinition:
    s = section_index(definition, key)
    if s is None:
        raise KeyError(key)
    target = s + step
    if not 0 <= target < len(definition.sections):
        return definition
    sections = list(definition.sections)
    sections[s], sections[target] = sections[target], sections[s]
    return _with_sections(definition, sections)


def set_texts(
    definition: SurveyDefinition, *, title: Text, description: Text | None
) -> SurveyDefinition:
    return replace(definition, title=title, description=description)


# --------------------------------------------------------------------------- new things

#: keys the respondent-data blocks get by default, as in the SKM template
DEFAULT_KEYS = {
    "service": "layanan",
    "gender": "jenis_kelamin",
    "age_range": "umur",
    "education": "pendidikan",
    "occupation": "pekerjaan",
}


def suggest_key(definition: SurveyDefinition, type_name: str) -> str:
    """A free key for a new question of ``type_name``: the next SKM element, the
    usual name of a respondent-data block, else ``q1``, ``q2``, ..."""
    if type_name == SkmElementQuestion.type_name:
        for key in ELEMENT_KEYS:
            if key not in definition:
                return key
    preferred = DEFAULT_KEYS.get(type_name)
    if preferred and preferred not in definition:
        return preferred
    n = 1
    while f"q{n}" in definition:
        n += 1
    return f"q{n}"


def suggest_section_key(definition: SurveyDefinition) -> str:
    taken = {section.key for section in definition.sections}
    n = len(taken) + 1
    while f"bagian_{n}" in taken:
        n += 1
    return f"bagian_{n}"


def default_text(type_name: str, key: str) -> Text:
    """The text a new question starts with: the official wording for an SKM
    element, the block's own name for respondent data, else empty."""
    if type_name == SkmElementQuestion.type_name and key in ELEMENTS_BY_KEY:
        return ELEMENTS_BY_KEY[key].question
    cls = QUESTION_TYPES[type_name]
    if cls.category == "respondent":
        return cls.type_label
    return Text("")


def blank_definition(title: str) -> SurveyDefinition:
    """An empty survey with one section, ready for its first question."""
    return SurveyDefinition(title=Text(title), sections=(Section(key="bagian_1"),))


def option_value_from_label(label: str) -> str:
    """A stored option value made from its label: ``"Sangat baik"`` → ``sangat_baik``."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_").lower()
    return slug[:MAX_KEY_LENGTH] or ""


def copy_key(definition: SurveyDefinition, key: str) -> str:
    """A free key derived from ``key`` (``q1`` → ``q1_2``)."""
    n = 2
    base = key[: MAX_KEY_LENGTH - 4]
    while f"{base}_{n}" in definition or not is_valid_key(f"{base}_{n}"):
        n += 1
    return f"{base}_{n}"


def setting_names(cls: type[Question]) -> list[str]:
    """The type-specific settings of ``cls``, in declaration order."""
    return [f.name for f in fields(cls) if "json" in f.metadata and f.name not in BASE_FIELDS]
