"""The question base class, the type registry and the shared helpers.

A question *is* an instance of its type's class: ``LikertQuestion(key="q1",
text=Text("…", "…"))``. The class owns everything type-specific:

- validation of a raw form value into a clean stored value (:meth:`Question.clean`,
  :meth:`Question.clean_submission`) or an :class:`~surveys.errors.AnswerError`;
- scoring (:meth:`Question.score`, :meth:`Question.is_satisfied`);
- rendering hints for the form (:meth:`Question.render`);
- export formatting (:meth:`Question.format_value`, :meth:`Question.value_labels`);
- checks of its own settings (:meth:`Question.issues`) and of conditions that
  refer to it (:meth:`Question.rule_issue`).

Raw values are what an HTML form sends: a string, a list of strings (several
inputs with one name), or ``None`` when the field is absent. A non-boolean
``int`` is accepted as its decimal string, for JSON API callers. Anything else
(dicts, floats, nested lists) is refused with ``invalid_type``. A submission is
any mapping of field name to raw value; a Werkzeug ``MultiDict`` (``request.form``)
works as is, its ``getlist`` is used.

Clean values are plain JSON values (str, int, float, list of str), so they go
straight into a JSON column: scale answers are ints, choices are option value
strings, multiple choice is a list of option values in option order, dates are
ISO ``YYYY-MM-DD`` strings, numbers are int (integer questions) or float.
Text answers are stored as typed (NFC-normalised, control characters removed,
never HTML-escaped: escaping is the template's job).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

from surveys.conditions import Condition, Op, Rule
from surveys.errors import AnswerError, Issue, Severity
from surveys.i18n import Message, Text, message, text_or_none

#: a raw value as an HTML form sends it
RawValue = str | int | Sequence[str] | None
#: the suffix of the companion field that holds "Lainnya, sebutkan" text
OTHER_SUFFIX = "__other"
#: the option value of "Lainnya, sebutkan"
OTHER_VALUE = "lainnya"
OTHER_LABEL = Text("Lainnya, sebutkan", "Other, please specify")
#: the longest "Lainnya, sebutkan" text
OTHER_MAX_LENGTH = 200

_KEY_RE = re.compile(r"[A-Za-z](?:_?[A-Za-z0-9])*")
_OPTION_VALUE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
MAX_KEY_LENGTH = 64


def is_valid_key(key: object) -> bool:
    """Letters, digits and single underscores, starting with a letter, at most 64 characters.

    No double underscore, so a key never collides with a companion field
    (``<key>__other``).
    """
    return isinstance(key, str) and len(key) <= MAX_KEY_LENGTH and bool(_KEY_RE.fullmatch(key))


def is_valid_option_value(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= MAX_KEY_LENGTH
        and bool(_OPTION_VALUE_RE.fullmatch(value))
    )


class Widget(enum.StrEnum):
    RADIO = "radio"
    CHECKBOX = "checkbox"
    SELECT = "select"
    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    DATE = "date"


class Category(enum.StrEnum):
    """Groups of types, for the designer's "add question" menu."""

    SKM = "skm"
    SCALE = "scale"
    CHOICE = "choice"
    INPUT = "input"
    RESPONDENT = "respondent"


@dataclass(frozen=True)
class Option:
    """One answer option: the stored ``value`` and its bilingual ``label``.

    ``face`` is a glyph to show instead of (not in place of) the label, e.g. the
    emoji of a smiley scale; the label stays the accessible name, so screen
    readers read "Puas" rather than "slightly smiling face".
    """

    value: int | str
    label: Text
    face: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", Text.coerce(self.label))

    @property
    def form_value(self) -> str:
        """The ``value`` attribute of the HTML input."""
        return str(self.value)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label.to_json()}


def service_option(value: str | int, name: str, name_en: str | None = None) -> Option:
    """An option of the "jenis layanan" question, from a unit's service (code or id, names)."""
    return Option(str(value), Text(name, name_en))


@dataclass(frozen=True)
class FormContext:
    """What the form needs at run time that the frozen definition cannot know.

    ``services`` are the options of the "jenis layanan" question: the services
    of the unit the citizen is answering for (see :func:`service_option`).
    """

    services: tuple[Option, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", tuple(self.services))


@dataclass(frozen=True)
class OtherInput:
    """The free-text input that goes with the "Lainnya, sebutkan" option."""

    name: str
    label: Text
    max_length: int


@dataclass(frozen=True, kw_only=True)
class RenderHints:
    """Everything a template needs to draw one question, in both languages."""

    key: str
    type: str
    widget: Widget
    #: the input's ``name`` (for the companion "other" input see ``other``)
    name: str
    text: Text
    help: Text | None
    required: bool
    options: tuple[Option, ...] = ()
    multiple: bool = False
    min: int | str | None = None
    max: int | str | None = None
    step: str | None = None
    max_length: int | None = None
    #: the ``inputmode`` attribute for mobile keyboards
    input_mode: str | None = None
    other: OtherInput | None = None
    #: labels of the ends of a scale ("Sangat tidak mungkin" … "Sangat mungkin")
    low_label: Text | None = None
    high_label: Text | None = None
    #: a unit shown after a number input, e.g. "menit"
    unit: Text | None = None
    #: shown only when this holds; the template may describe it when JavaScript is off
    condition_text: Text | None = None


def setting(kind: str, default: Any = MISSING, *, json_name: str | None = None) -> Any:
    """A dataclass field that is part of the definition's JSON, with its JSON ``kind``.

    Kinds: ``str``, ``bool``, ``int``, ``int?``, ``decimal?``, ``date?``, ``text``,
    ``text?``, ``options``, ``labels?``, ``condition?`` (``?``: may be null).
    ``json_name`` is the JSON member name when it differs from the attribute's.
    """
    metadata = {"json": kind, "json_name": json_name}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class SettingField:
    """A stored field of a question type: attribute, JSON member name, JSON kind, default."""

    attribute: str
    json_name: str
    kind: str
    default: Any

    @property
    def required(self) -> bool:
        return self.default is MISSING


BASE_FIELDS = frozenset({"key", "text", "help", "required", "condition"})


# --------------------------------------------------------------------------- raw values


def raw_value(submission: Mapping[str, Any], name: str) -> RawValue:
    """The raw value of ``name`` in a submission; all values of a ``MultiDict``."""
    getlist = getattr(submission, "getlist", None)
    if callable(getlist):
        values = list(getlist(name))
        if not values:
            return None
        return values[0] if len(values) == 1 else values
    return submission.get(name)


def _check_storable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerError(message("invalid_text")) from None


def scalar(raw: RawValue) -> str | None:
    """A single stripped string from a raw value; ``None`` when empty or absent."""
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        if not raw:
            return None
        if len(raw) > 1:
            raise AnswerError(message("multiple_values"))
        raw = raw[0]
    if isinstance(raw, bool):
        raise AnswerError(message("invalid_type"))
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        raise AnswerError(message("invalid_type"))
    _check_storable(raw)
    return raw.strip() or None


def strings(raw: RawValue) -> list[str]:
    """Every non-empty stripped string of a raw value that may hold several."""
    if raw is None:
        return []
    items = list(raw) if isinstance(raw, list | tuple) else [raw]
    result = []
    for item in items:
        if isinstance(item, list | tuple):
            raise AnswerError(message("invalid_type"))
        value = scalar(item)
        if value is not None:
            result.append(value)
    return result


_CONTROL_EXCEPT_NEWLINE = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {chr(127)}


def clean_text(raw: str, *, multiline: bool) -> str:
    """Normalise typed text: NFC, ``\\n`` line ends, no control characters, trimmed.

    Single-line text has its whitespace runs collapsed to one space. Nothing is
    escaped: ``<script>`` stays the plain string ``<script>``.
    """
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch not in _CONTROL_EXCEPT_NEWLINE and not 0x80 <= ord(ch) <= 0x9F
    )
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    else:
        text = " ".join(text.split())
    return text.strip()


# --------------------------------------------------------------------------- the base class


@dataclass(frozen=True, kw_only=True)
class Question:
    """A survey question; subclasses are the question types (see :data:`QUESTION_TYPES`)."""

    #: the registry name, stored in the definition JSON as ``type``
    type_name: ClassVar[str] = ""
    #: the type's name for designers
    type_label: ClassVar[Text] = Text("")
    category: ClassVar[Category] = Category.INPUT
    widget: ClassVar[Widget] = Widget.TEXT
    #: the condition operators a rule on this question may use
    condition_ops: ClassVar[frozenset[Op]] = frozenset()
    #: False when options depend on the ``FormContext``; otherwise options and
    #: render hints are computed once per (immutable) question and reused
    context_free: ClassVar[bool] = True

    #: stable identifier: answers are stored under it, across versions
    key: str = setting("str")
    text: Text = setting("text")
    help: Text | None = setting("text?", None)
    required: bool = setting("bool", True)
    #: show the question only when this holds (rules on earlier questions)
    condition: Condition | None = setting("condition?", None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", Text.coerce(self.text))
        object.__setattr__(self, "help", text_or_none(self.help))

    def _memo(self, name: str, build: Any) -> Any:
        """``build()`` once per instance; only for results that ignore the context."""
        memo = self.__dict__.get("_memo_")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_memo_", memo)
        if name not in memo:
            memo[name] = build()
        return memo[name]

    # ----- identity and options

    @property
    def other_enabled(self) -> bool:
        """Whether the question has a "Lainnya, sebutkan" free-text companion."""
        return False

    @property
    def other_name(self) -> str:
        return self.key + OTHER_SUFFIX

    def field_names(self) -> tuple[str, ...]:
        """Form fields this question reads, which are also the answer keys it stores."""
        return (self.key, self.other_name) if self.other_enabled else (self.key,)

    def is_applicable(self, context: FormContext | None = None) -> bool:
        """False when the question cannot be asked in ``context`` (then it is hidden)."""
        return True

    def options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        """The ordered answer options (empty for free inputs)."""
        return ()

    @property
    def scale(self) -> tuple[int, int] | None:
        """(lowest, highest) score for scale questions, else ``None``."""
        return None

    # ----- validation of answers

    def parse(self, raw: RawValue, context: FormContext | None = None) -> Any:
        """The clean value of a raw value, ``None`` when empty; raises ``AnswerError``."""
        raise NotImplementedError

    def clean_submission(
        self, submission: Mapping[str, Any], context: FormContext | None = None
    ) -> dict[str, Any]:
        """The clean answer entries (answer key → value) this question takes from a submission.

        Empty when the question is optional and unanswered; raises ``AnswerError``
        when an answer is not acceptable, or missing while required.
        """
        value = self.parse(raw_value(submission, self.key), context)
        if value is None:
            if self.required:
                raise AnswerError(message("required"))
            return {}
        return {self.key: value}

    def clean(self, raw: RawValue, context: FormContext | None = None) -> Any:
        """The clean value of one raw value (``None``: optional and unanswered)."""
        return self.clean_submission({self.key: raw}, context).get(self.key)

    # ----- scoring

    def score(self, value: Any) -> int | None:
        """The numeric score of a clean value, where one is meaningful."""
        return None

    def is_satisfied(self, value: Any) -> bool | None:
        """Whether the answer counts as satisfied for CSAT (top two options); ``None``: n/a."""
        return None

    # ----- rendering and export

    def render(self, context: FormContext | None = None) -> RenderHints:
        """Rendering hints; cached when they do not depend on ``context``."""
        if self.context_free:
            return self._memo("render", lambda: self._render(None))
        return self._render(context)

    def _render(self, context: FormContext | None) -> RenderHints:
        return RenderHints(
            key=self.key,
            type=self.type_name,
            widget=self.widget,
            name=self.key,
            text=self.text,
            help=self.help,
            required=self.required,
            condition_text=self.condition.describe() if self.condition else None,
            **self._render_extra(context),
        )

    def _render_extra(self, context: FormContext | None) -> dict[str, Any]:
        return {}

    def value_labels(
        self, lang: str = "id", context: FormContext | None = None
    ) -> dict[int | str, str]:
        """Stored value → label, e.g. for SPSS value labels (empty for free inputs)."""
        return dict(self._labels(lang, context))

    def _labels(self, lang: str, context: FormContext | None) -> Mapping[int | str, str]:
        def build() -> dict[int | str, str]:
            return {option.value: option.label.get(lang) for option in self.options(context)}

        # exports format millions of values: build each language's labels once
        return self._memo(f"labels:{lang}", build) if self.context_free else build()

    def format_value(self, value: Any, lang: str = "id", context: FormContext | None = None) -> str:
        """A clean value as text for exports; unknown values are shown as they are."""
        if value is None:
            return ""
        labels = self._labels(lang, context)
        if isinstance(value, list | tuple):
            return "; ".join(labels.get(item, str(item)) for item in value)
        return labels.get(value, str(value))

    # ----- definition checks

    def issues(self, path: str) -> Iterator[Issue]:
        """Problems with the question's own settings (not its condition or key uniqueness)."""
        if not is_valid_key(self.key):
            yield self._issue(f"{path}.key", message("invalid_key", key=self.key))
        if self.text.is_blank:
            yield self._issue(f"{path}.text", message("empty_text"))
        if self.help is not None and self.help.is_blank:
            yield self._issue(f"{path}.help", message("empty_text"))

    def _issue(self, path: str, msg: Message, severity: Severity = Severity.ERROR) -> Issue:
        return Issue(path, msg, severity, self.key)

    def texts(self) -> Iterator[tuple[str, Text]]:
        """(relative path, text) of every designer-written text, for translation checks."""
        yield "text", self.text
        if self.help is not None:
            yield "help", self.help

    def condition_values(self) -> tuple[int | str, ...] | None:
        """Every value the answer can take, for checking rules; ``None``: not knowable."""
        return None

    def rule_issue(self, rule: Rule) -> Message | None:
        """Why ``rule`` can never work on this question, or ``None`` when it is fine."""
        op = rule.op
        if op not in Op._value2member_map_:
            return message("condition_invalid_op", op=op)
        if op not in self.condition_ops:
            return message("condition_unsupported", key=self.key, type=self.type_name, op=op)
        values = rule.values
        if op == Op.ANY_OF:
            if not isinstance(rule.value, tuple) or not rule.value:
                return message("condition_invalid_value", op=op, value=rule.value)
        elif isinstance(rule.value, tuple):
            return message("condition_invalid_value", op=op, value=list(rule.value))
        possible = self.condition_values()
        if possible is None:
            return None
        if op in (Op.AT_MOST, Op.AT_LEAST):
            value = rule.value
            if isinstance(value, bool) or not isinstance(value, int):
                return message("condition_invalid_value", op=op, value=value)
            if not min(possible) <= value <= max(possible):
                return message("condition_impossible_value", key=self.key, value=value)
            return None
        for value in values:
            if isinstance(value, bool) or value not in possible:
                return message("condition_impossible_value", key=self.key, value=value)
        return None

    def scale_signature(self) -> str | None:
        """What must not change under the same key between versions, besides the type."""
        return None

    # ----- (de)serialisation support

    @classmethod
    def setting_fields(cls) -> tuple[SettingField, ...]:
        """Every field stored in the definition, base fields first: what a designer can edit."""
        return tuple(
            SettingField(f.name, f.metadata["json_name"] or f.name, f.metadata["json"], f.default)
            for f in fields(cls)
            if "json" in f.metadata
        )

    def settings(self) -> dict[str, Any]:
        """The type-specific settings (everything but key, text, help, required, condition)."""
        return {
            spec.attribute: getattr(self, spec.attribute)
            for spec in self.setting_fields()
            if spec.attribute not in BASE_FIELDS
        }


QUESTION_TYPES: dict[str, type[Question]] = {}


def register(cls: type[Question]) -> type[Question]:
    """Class decorator: add a question type to :data:`QUESTION_TYPES` under its ``type_name``."""
    name = cls.type_name
    if not name:
        raise ValueError(f"{cls.__name__} has no type_name")
    if name in QUESTION_TYPES and QUESTION_TYPES[name] is not cls:
        raise ValueError(f"question type {name!r} is already registered")
    QUESTION_TYPES[name] = cls
    return cls


def question_class(type_name: str) -> type[Question]:
    """The class registered as ``type_name``; ``KeyError`` when there is none."""
    return QUESTION_TYPES[type_name]


def registered_types() -> Iterable[type[Question]]:
    return QUESTION_TYPES.values()
