"""The bridge between the public views and the ``surveys`` domain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from feedback_app.models import Service
from surveys.definition import SurveyDefinition
from surveys.i18n import Message
from surveys.questions import FormContext, RenderHints, service_option
from surveys.questions.choices import ServiceQuestion
from surveys.submission import evaluate_submission

#: fields of the public form that are not answers
FORM_FIELDS = frozenset(
    {"csrf_token", "form_key", "officer", "website"}
    | {"contact_wanted", "contact_name", "contact_phone", "contact_email"}
)


def form_context(services: Iterable[Service]) -> FormContext:
    return FormContext(services=tuple(service_option(s.id, s.name, s.name_en) for s in services))


@dataclass(frozen=True)
class Evaluation:
    answers: dict[str, Any]
    errors: dict[str, Message]
    unknown_keys: tuple[str, ...]
    service_id: int | None


def _service_keys(definition: SurveyDefinition) -> list[str]:
    return [q.key for q in definition.questions if isinstance(q, ServiceQuestion)]


def evaluate(
    definition: SurveyDefinition,
    raw: Mapping[str, Any],
    services: Iterable[Service],
    *,
    preset_service_id: int | None = None,
) -> Evaluation:
    submission = {name: raw.getlist(name) for name in raw} if hasattr(raw, "getlist") else raw
    submission = {
        name: values[0] if isinstance(values, list) and len(values) == 1 else values
        for name, values in submission.items()
    }
    if preset_service_id is not None:
        # a transaction code already says which service was given
        for key in _service_keys(definition):
            submission[key] = str(preset_service_id)
    result = evaluate_submission(
        definition, submission, context=form_context(services), ignore=FORM_FIELDS
    )
    service_id = preset_service_id
    for key in _service_keys(definition):
        if key in result.answers:
            service_id = int(result.answers[key])
    return Evaluation(result.answers, result.errors, result.unknown_keys, service_id)


def kept_answers(raw: Mapping[str, Any]) -> dict[str, list[str]]:
    """What the citizen typed, to put back into a re-rendered form."""
    return {
        name: [v[:5000] for v in raw.getlist(name)]
        for name in raw
        if name not in FORM_FIELDS or name == "officer" or name.startswith("contact_")
    }


@dataclass(frozen=True)
class ShownQuestion:
    hints: RenderHints
    values: list[str]
    error: str | None

    def text(self, lang: str) -> str:
        return self.hints.text.get(lang)


@dataclass(frozen=True)
class ShownSection:
    title: str | None
    questions: list[ShownQuestion]


def render_questions(
    definition: SurveyDefinition,
    kept: Mapping[str, list[str]],
    errors: Mapping[str, Any],
    lang: str,
    services: Iterable[Service],
    *,
    skip_service: bool = False,
) -> list[ShownSection]:
    context = form_context(services)
    sections = []
    for section in definition.sections:
        shown = []
        for question in section.questions:
            if not question.is_applicable(context):
                continue
            if skip_service and isinstance(question, ServiceQuestion):
                continue
            error = errors.get(question.key)
            shown.append(
                ShownQuestion(
                    hints=question.render(context),
                    values=[v for name in question.field_names() for v in kept.get(name, [])],
                    error=error.get(lang) if isinstance(error, Message) else error,
                )
            )
        if shown:
            title = section.title.get(lang) if section.title else None
            sections.append(ShownSection(title, shown))
    return sections
