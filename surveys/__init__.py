"""The survey domain: question types, definitions, templates and scoring. No Flask here.

Modules (the names below are re-exported here for convenience):

- :mod:`surveys.i18n`: ``Text`` (Indonesian + optional English, falls back to
  Indonesian) and ``Message`` (a coded error in both languages).
- :mod:`surveys.questions`: the question types, a registry ``type name → class``;
  each class validates raw form values, scores, gives rendering hints and
  formats values for exports. ``FormContext`` carries run-time options (the
  unit's services).
- :mod:`surveys.conditions`: ``Rule`` / ``Condition`` for follow-up questions.
- :mod:`surveys.definition`: ``SurveyDefinition`` → ``Section`` → questions;
  ``validate_definition``, ``assert_valid``, ``missing_translations``.
- :mod:`surveys.serialization`: versioned JSON (``dumps``, ``loads``,
  ``definition_to_json``, ``definition_from_json``).
- :mod:`surveys.diff`: ``diff_definitions`` (version history) and
  ``version_violations`` (a key keeps its type and scale).
- :mod:`surveys.submission`: ``evaluate_submission``: visibility, clean
  answers, errors per key, unknown keys.
- :mod:`surveys.templates`: the SKM, kiosk and "Berorientasi pelayanan" templates.
- :mod:`surveys.scoring`: NRR, IKM (exact, legacy 0.111), grades, confidence
  interval, CSAT, NPS, Krejcie–Morgan sample size.
- :mod:`surveys.indicators`: indicator rating and the SKP predikat matrix.
- :mod:`surveys.skm`: the nine elements and their official option labels.

A minimal round trip::

    from surveys import FormContext, build_template, evaluate_submission, service_option

    survey = build_template("skm")
    context = FormContext(services=(service_option("ktp", "KTP elektronik"),))
    result = evaluate_submission(survey, request.form, context=context, ignore={"csrf_token"})
    if result.ok and not result.unknown_keys:
        store(result.answers)  # plain JSON values by answer key
"""

from surveys.conditions import Condition, Mode, Op, Rule
from surveys.definition import (
    Section,
    SurveyDefinition,
    assert_valid,
    missing_translations,
    validate_definition,
)
from surveys.diff import Change, ChangeKind, diff_definitions, version_violations
from surveys.errors import AnswerError, DefinitionError, Issue, Severity, SurveyFormatError
from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES, LocalizedText, Message, Text, message
from surveys.questions import (
    QUESTION_TYPES,
    FormContext,
    Option,
    Question,
    RenderHints,
    Widget,
    question_class,
    service_option,
)
from surveys.serialization import definition_from_json, definition_to_json, dumps, loads
from surveys.submission import SubmissionResult, evaluate_submission, visible_questions
from surveys.templates import TEMPLATES, build_template

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "QUESTION_TYPES",
    "TEMPLATES",
    "AnswerError",
    "Change",
    "ChangeKind",
    "Condition",
    "DefinitionError",
    "FormContext",
    "Issue",
    "LocalizedText",
    "Message",
    "Mode",
    "Op",
    "Option",
    "Question",
    "RenderHints",
    "Rule",
    "Section",
    "Severity",
    "SubmissionResult",
    "SurveyDefinition",
    "SurveyFormatError",
    "Text",
    "Widget",
    "assert_valid",
    "build_template",
    "definition_from_json",
    "definition_to_json",
    "diff_definitions",
    "dumps",
    "evaluate_submission",
    "loads",
    "message",
    "missing_translations",
    "question_class",
    "service_option",
    "validate_definition",
    "version_violations",
    "visible_questions",
]
