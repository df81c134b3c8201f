"""Survey definitions: survey → sections → questions, and their validation.

Definitions are immutable: a published version is frozen and may be cached in
the process. Building a definition never fails on content; drafts may be
incomplete. :func:`validate_definition` lists every problem with its place,
:func:`assert_valid` raises when there are errors (publish, import), and
:func:`missing_translations` lists the English texts still missing (the
"publish warns" feature).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from surveys.errors import DefinitionError, Issue, Severity
from surveys.i18n import Text, message, text_or_none
from surveys.questions import Question, SkmElementQuestion, is_valid_key
from surveys.questions.base import QUESTION_TYPES
from surveys.skm import ELEMENT_KEYS


@dataclass(frozen=True, kw_only=True)
class Section:
    """A page or block of questions with an optional title."""

    key: str
    title: Text | None = None
    description: Text | None = None
    questions: tuple[Question, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", text_or_none(self.title))
        object.__setattr__(self, "description", text_or_none(self.description))
        object.__setattr__(self, "questions", tuple(self.questions))


@dataclass(frozen=True, kw_only=True)
class SurveyDefinition:
    """A whole survey. Question keys are unique across sections."""

    title: Text
    description: Text | None = None
    sections: tuple[Section, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", Text.coerce(self.title))
        object.__setattr__(self, "description", text_or_none(self.description))
        object.__setattr__(self, "sections", tuple(self.sections))

    @classmethod
    def single_section(
        cls,
        title: Text | str,
        questions: Iterable[Question],
        *,
        description: Text | str | None = None,
        section_key: str = "main",
    ) -> SurveyDefinition:
        """A survey whose questions sit in one untitled section."""
        return cls(
            title=Text.coerce(title),
            description=text_or_none(description),
            sections=(Section(key=section_key, questions=tuple(questions)),),
        )

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question in form order."""
        return tuple(q for section in self.sections for q in section.questions)

    @cached_property
    def _index(self) -> dict[str, Question]:
        index: dict[str, Question] = {}
        for question in self.questions:
            index.setdefault(question.key, question)  # the first wins in an invalid draft
        return index

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)

    def get(self, key: str) -> Question | None:
        return self._index.get(key)

    def question(self, key: str) -> Question:
        """The question ``key``; ``KeyError`` when there is none."""
        return self._index[key]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def section_of(self, key: str) -> Section | None:
        for section in self.sections:
            if any(q.key == key for q in section.questions):
                return section
        return None

    @cached_property
    def skm_elements(self) -> dict[str, SkmElementQuestion]:
        """SKM element questions by element key, in U1 … U9 order."""
        found = {q.key: q for q in self.questions if isinstance(q, SkmElementQuestion)}
        return {key: found[key] for key in ELEMENT_KEYS if key in found}

    @property
    def is_skm(self) -> bool:
        """True when all nine SKM elements are asked, so an IKM can be computed."""
        return len(self.skm_elements) == len(ELEMENT_KEYS)

    def answer_keys(self) -> tuple[str, ...]:
        """Every key an answer may be stored under, companions ("__other") included."""
        return tuple(name for q in self.questions for name in q.field_names())


# --------------------------------------------------------------------------- validation


def _question_paths(definition: SurveyDefinition) -> Iterator[tuple[str, Question]]:
    for s, section in enumerate(definition.sections):
        for q, question in enumerate(section.questions):
            yield f"sections[{s}].questions[{q}]", question


def validate_definition(definition: SurveyDefinition) -> list[Issue]:
    """Every problem in ``definition``: errors (block publishing) and warnings.

    Checks: empty texts; section and question keys (shape, duplicates); each
    type's own settings (options missing or duplicated, min above max, labels…);
    unknown types; conditions (no rules, unknown or later question, operator
    or value the referenced question cannot take). Warns when some but not all
    SKM elements are present (no IKM can be computed).
    """
    issues: list[Issue] = []
    if definition.title.is_blank:
        issues.append(Issue("title", message("empty_text")))
    if definition.description is not None and definition.description.is_blank:
        issues.append(Issue("description", message("empty_text")))

    section_keys: set[str] = set()
    for s, section in enumerate(definition.sections):
        path = f"sections[{s}]"
        if not is_valid_key(section.key):
            issues.append(Issue(f"{path}.key", message("invalid_key", key=section.key)))
        elif section.key in section_keys:
            issues.append(Issue(f"{path}.key", message("duplicate_section_key", key=section.key)))
        section_keys.add(section.key)
        for name in ("title", "description"):
            value = getattr(section, name)
            if value is not None and value.is_blank:
                issues.append(Issue(f"{path}.{name}", message("empty_text")))

    if not definition.questions:
        issues.append(Issue("sections", message("no_questions")))

    seen: dict[str, str] = {}
    earlier: dict[str, Question] = {}
    for path, question in _question_paths(definition):
        if QUESTION_TYPES.get(question.type_name) is not type(question):
            issues.append(
                Issue(path, message("unknown_type", type=question.type_name), key=question.key)
            )
        issues.extend(question.issues(path))
        if question.key in seen:
            issues.append(
                Issue(
                    f"{path}.key",
                    message("duplicate_key", key=question.key, other=seen[question.key]),
                    key=question.key,
                )
            )
        else:
            seen[question.key] = path
        if question.condition is not None:
            issues.extend(_condition_issues(question, f"{path}.condition", earlier, definition))
        earlier.setdefault(question.key, question)

    present = [key for key in ELEMENT_KEYS if key in definition.skm_elements]
    if present and len(present) < len(ELEMENT_KEYS):
        missing = ", ".join(key for key in ELEMENT_KEYS if key not in definition.skm_elements)
        issues.append(
            Issue("sections", message("skm_incomplete", missing=missing), Severity.WARNING)
        )
    return issues


def _condition_issues(
    question: Question,
    path: str,
    earlier: dict[str, Question],
    definition: SurveyDefinition,
) -> Iterator[Issue]:
    condition = question.condition
    assert condition is not None
    if str(condition.mode) not in ("any", "all"):
        yield Issue(
            f"{path}.mode",
            message("condition_invalid_mode", mode=condition.mode),
            key=question.key,
        )
    if not condition.rules:
        yield Issue(f"{path}.rules", message("condition_empty"), key=question.key)
    for index, rule in enumerate(condition.rules):
        where = f"{path}.rules[{index}]"
        target = earlier.get(rule.key)
        if target is None:
            code = "condition_not_earlier" if rule.key in definition else "condition_unknown_key"
            yield Issue(f"{where}.key", message(code, key=rule.key), key=question.key)
            continue
        problem = target.rule_issue(rule)
        if problem is not None:
            yield Issue(where, problem, key=question.key)


def errors(issues: Iterable[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == Severity.ERROR]


def assert_valid(definition: SurveyDefinition) -> SurveyDefinition:
    """Return ``definition`` when it has no errors, else raise ``DefinitionError``."""
    found = errors(validate_definition(definition))
    if found:
        raise DefinitionError(found)
    return definition


def missing_translations(definition: SurveyDefinition) -> list[Issue]:
    """Warnings for every designer-written text without an English translation.

    Built-in texts (SKM option labels, respondent-data options, scale labels)
    are translated already and are not listed.
    """
    found: list[Issue] = []

    def check(path: str, text: Text | None, key: str | None = None) -> None:
        if text is not None and not text.is_blank and text.missing_translation:
            found.append(Issue(path, message("missing_translation"), Severity.WARNING, key))

    check("title", definition.title)
    check("description", definition.description)
    for s, section in enumerate(definition.sections):
        check(f"sections[{s}].title", section.title)
        check(f"sections[{s}].description", section.description)
    for path, question in _question_paths(definition):
        for relative, text in question.texts():
            check(f"{path}.{relative}", text, question.key)
    return found
