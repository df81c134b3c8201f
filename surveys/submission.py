"""Server-side evaluation of a citizen's submission against a definition.

:func:`evaluate_submission` walks the questions in form order. A question is
visible when it is applicable (the "jenis layanan" question needs services) and
its condition holds on the clean answers of the visible questions before it.
Visible questions are validated (required only when visible); answers to hidden
questions are dropped. Form fields that belong to no question are reported in
``unknown_keys`` so the caller can refuse the submission (a tampered or stale
form); they are never stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from surveys.definition import SurveyDefinition
from surveys.errors import AnswerError
from surveys.i18n import Message
from surveys.questions import FormContext, Question, raw_value


@dataclass(frozen=True)
class SubmissionResult:
    #: keys of the visible questions, in form order
    visible: tuple[str, ...]
    #: clean answers to store (answer key → value), visible and answered only
    answers: dict[str, Any]
    #: question key → why its answer was refused
    errors: dict[str, Message]
    #: submitted field names that belong to no question
    unknown_keys: tuple[str, ...]
    #: keys of hidden questions that were nevertheless answered (dropped)
    dropped: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No errors (unknown keys are the caller's call)."""
        return not self.errors

    def error_texts(self, lang: str = "id") -> dict[str, str]:
        return {key: msg.get(lang) for key, msg in self.errors.items()}


def _has_value(raw: Any) -> bool:
    if raw is None:
        return False
    if isinstance(raw, str):
        return bool(raw.strip())
    if isinstance(raw, list | tuple):
        return any(_has_value(item) for item in raw)
    return True


def _is_visible(
    question: Question, answers: Mapping[str, Any], context: FormContext | None
) -> bool:
    if not question.is_applicable(context):
        return False
    return question.condition is None or question.condition.evaluate(answers)


def evaluate_submission(
    definition: SurveyDefinition,
    submission: Mapping[str, Any],
    *,
    context: FormContext | None = None,
    ignore: Collection[str] = (),
) -> SubmissionResult:
    """Validate a raw submission (e.g. ``request.form``) against ``definition``.

    ``ignore`` names fields that are not answers but expected (``csrf_token``);
    they are not reported as unknown.
    """
    visible: list[str] = []
    answers: dict[str, Any] = {}
    errors: dict[str, Message] = {}
    dropped: list[str] = []
    for question in definition.questions:
        if not _is_visible(question, answers, context):
            if any(_has_value(raw_value(submission, name)) for name in question.field_names()):
                dropped.append(question.key)
            continue
        visible.append(question.key)
        try:
            answers.update(question.clean_submission(submission, context))
        except AnswerError as error:
            errors[question.key] = error.message
    known = set(definition.answer_keys()) | set(ignore)
    unknown = tuple(name for name in submission if name not in known)
    return SubmissionResult(tuple(visible), answers, errors, unknown, tuple(dropped))


def visible_questions(
    definition: SurveyDefinition,
    answers: Mapping[str, Any],
    *,
    context: FormContext | None = None,
) -> tuple[Question, ...]:
    """The questions visible given clean ``answers`` (e.g. to re-render a form with errors)."""
    shown: list[Question] = []
    known: dict[str, Any] = {}
    for question in definition.questions:
        if _is_visible(question, known, context):
            shown.append(question)
            for name in question.field_names():
                if name in answers:
                    known[name] = answers[name]
    return tuple(shown)
