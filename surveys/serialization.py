"""JSON export and import of survey definitions.

The format is stable and versioned::

    {
      "format": "feedback_app.survey",
      "version": 1,
      "title": {"id": "…", "en": "…" | null},
      "description": {"id": …, "en": …} | null,
      "sections": [
        {"key": "unsur", "title": {…} | null, "description": {…} | null,
         "questions": [
           {"type": "skm_element", "key": "U1", "text": {…}, "help": null,
            "required": true, "condition": null},
           {"type": "long_text", "key": "perbaikan", …, "max_length": 2000,
            "condition": {"mode": "any",
                          "rules": [{"key": "U1", "op": "at_most", "value": 2}, …]}}
         ]}
      ]
    }

Every question carries ``type`` and ``key`` first, then the stored fields of its
type in a fixed order (see ``Question.setting_fields``), all of them, so two
exports of one definition are byte-identical. Decimals are written as JSON
numbers, dates as ``YYYY-MM-DD``.

Import checks the shape (objects, member names, types), refuses unknown
question types and unknown members with located, bilingual errors
(:class:`~surveys.errors.SurveyFormatError`), then validates the content like
the designer does (:func:`~surveys.definition.validate_definition`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from surveys.conditions import Condition, Mode, Op, Rule
from surveys.definition import Section, SurveyDefinition, errors, validate_definition
from surveys.errors import Issue, SurveyFormatError
from surveys.i18n import Text, message
from surveys.questions import QUESTION_TYPES, Option, Question

FORMAT = "feedback_app.survey"
VERSION = 1
SUPPORTED_VERSIONS = (1,)


# --------------------------------------------------------------------------- export


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _field_to_json(kind: str, value: Any) -> Any:
    if value is None:
        return None
    base = kind.rstrip("?")
    if base == "text":
        return value.to_json()
    if base == "labels":
        return [text.to_json() for text in value]
    if base == "options":
        return [option.to_json() for option in value]
    if base == "condition":
        return value.to_json()
    if base == "decimal":
        return _number(value)
    if base == "date":
        return value.isoformat()
    return value


def question_to_json(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"type": question.type_name, "key": question.key}
    for spec in question.setting_fields():
        if spec.attribute == "key":
            continue
        data[spec.json_name] = _field_to_json(spec.kind, getattr(question, spec.attribute))
    return data


def definition_to_json(definition: SurveyDefinition) -> dict[str, Any]:
    """The definition as a JSON-ready dict in the versioned format."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": definition.title.to_json(),
        "description": _field_to_json("text?", definition.description),
        "sections": [
            {
                "key": section.key,
                "title": _field_to_json("text?", section.title),
                "description": _field_to_json("text?", section.description),
                "questions": [question_to_json(q) for q in section.questions],
            }
            for section in definition.sections
        ],
    }


def dumps(definition: SurveyDefinition, *, indent: int | None = 2) -> str:
    """The definition as JSON text (UTF-8 friendly: Indonesian stays readable)."""
    return json.dumps(definition_to_json(definition), ensure_ascii=False, indent=indent)


# --------------------------------------------------------------------------- import

_TYPE_NAMES = {
    dict: ("objek", "an object"),
    list: ("daftar", "a list"),
    str: ("teks", "a string"),
    bool: ("true/false", "true/false"),
    int: ("bilangan bulat", "an integer"),
    float: ("angka", "a number"),
    type(None): ("null", "null"),
}


class _Shape(Exception):
    """Raised inside the reader to abandon one object after recording its issue."""


class _Reader:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def fail(self, path: str, code: str, *, key: str | None = None, **params: Any) -> _Shape:
        self.issues.append(Issue(path, message(code, **params), key=key))
        return _Shape()

    def wrong_type(self, path: str, expected: str, value: Any, key: str | None = None) -> _Shape:
        actual = _TYPE_NAMES.get(type(value), (type(value).__name__,) * 2)[1]
        return self.fail(path, "wrong_type", expected=expected, actual=actual, key=key)

    def obj(self, value: Any, path: str, key: str | None = None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.wrong_type(path, "an object", value, key)
        return value

    def members(
        self,
        data: Mapping[str, Any],
        path: str,
        required: set[str],
        allowed: set[str],
        key: str | None = None,
    ) -> None:
        for name in data:
            if name not in allowed:
                self.fail(f"{path}.{name}" if path else name, "unknown_field", field=name, key=key)
        for name in sorted(required - set(data)):
            self.fail(path, "missing_field", field=name, key=key)

    def string(self, value: Any, path: str, key: str | None = None) -> str:
        if not isinstance(value, str):
            raise self.wrong_type(path, "a string", value, key)
        return value

    def boolean(self, value: Any, path: str, key: str | None = None) -> bool:
        if not isinstance(value, bool):
            raise self.wrong_type(path, "true/false", value, key)
        return value

    def integer(self, value: Any, path: str, key: str | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong_type(path, "an integer", value, key)
        return value

    def text(self, value: Any, path: str, key: str | None = None) -> Text:
        data = self.obj(value, path, key)
        self.members(data, path, {"id"}, {"id", "en"}, key)
        id_ = self.string(data.get("id", ""), f"{path}.id", key)
        en = data.get("en")
        if en is not None:
            en = self.string(en, f"{path}.en", key)
        return Text(id_, en)

    def optional(self, reader: Any, value: Any, path: str, key: str | None = None) -> Any:
        return None if value is None else reader(value, path, key)

    def decimal(self, value: Any, path: str, key: str | None = None) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self.wrong_type(path, "a number", value, key)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(path, "invalid_value", value=value, key=key) from None
        if not number.is_finite():
            raise self.fail(path, "invalid_value", value=value, key=key)
        return number

    def date(self, value: Any, path: str, key: str | None = None) -> dt.date:
        text = self.string(value, path, key)
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise self.fail(path, "invalid_value", value=text, key=key) from None

    def listing(self, value: Any, path: str, key: str | None = None) -> list[Any]:
        if not isinstance(value, list):
            raise self.wrong_type(path, "a list", value, key)
        return value

    def options(self, value: Any, path: str, key: str | None = None) -> tuple[Option, ...]:
        result = []
        for index, item in enumerate(self.listing(value, path, key)):
            where = f"{path}[{index}]"
            try:
                data = self.obj(item, where, key)
                self.members(data, where, {"value", "label"}, {"value", "label"}, key)
                option_value = self.string(data.get("value"), f"{where}.value", key)
                label = self.text(data.get("label"), f"{where}.label", key)
            except _Shape:
                continue
            result.append(Option(option_value, label))
        return tuple(result)

    def labels(self, value: Any, path: str, key: str | None = None) -> tuple[Text, ...]:
        return tuple(
            self.text(item, f"{path}[{index}]", key)
            for index, item in enumerate(self.listing(value, path, key))
        )

    def rule_value(self, value: Any, path: str, key: str | None) -> Any:
        if isinstance(value, list):
            return tuple(self.rule_value(item, f"{path}[{i}]", key) for i, item in enumerate(value))
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.wrong_type(path, "an integer, a string or a list of them", value, key)
        return value

    def condition(self, value: Any, path: str, key: str | None = None) -> Condition:
        data = self.obj(value, path, key)
        self.members(data, path, {"mode", "rules"}, {"mode", "rules"}, key)
        mode = self.string(data.get("mode", ""), f"{path}.mode", key)
        if mode not in Mode._value2member_map_:
            raise self.fail(f"{path}.mode", "condition_invalid_mode", mode=mode, key=key)
        rules = []
        for index, item in enumerate(self.listing(data.get("rules", []), f"{path}.rules", key)):
            where = f"{path}.rules[{index}]"
            rule = self.obj(item, where, key)
            self.members(rule, where, {"key", "op", "value"}, {"key", "op", "value"}, key)
            op = self.string(rule.get("op", ""), f"{where}.op", key)
            if op not in Op._value2member_map_:
                raise self.fail(f"{where}.op", "condition_invalid_op", op=op, key=key)
            rules.append(
                Rule(
                    self.string(rule.get("key", ""), f"{where}.key", key),
                    Op(op),
                    self.rule_value(rule.get("value"), f"{where}.value", key),
                )
            )
        return Condition(tuple(rules), Mode(mode))

    def field(self, kind: str, value: Any, path: str, key: str | None) -> Any:
        optional = kind.endswith("?")
        if value is None and optional:
            return None
        readers = {
            "str": self.string,
            "bool": self.boolean,
            "int": self.integer,
            "decimal": self.decimal,
            "date": self.date,
            "text": self.text,
            "options": self.options,
            "labels": self.labels,
            "condition": self.condition,
        }
        return readers[kind.rstrip("?")](value, path, key)

    def question(self, value: Any, path: str) -> Question | None:
        try:
            data = self.obj(value, path)
            type_name = data.get("type")
            key = data.get("key") if isinstance(data.get("key"), str) else None
            if "type" not in data:
                raise self.fail(path, "missing_field", field="type", key=key)
            type_name = self.string(type_name, f"{path}.type", key)
            cls = QUESTION_TYPES.get(type_name)
            if cls is None:
                raise self.fail(f"{path}.type", "unknown_type", type=type_name, key=key)
            specs = cls.setting_fields()
            allowed = {"type"} | {spec.json_name for spec in specs}
            required = {spec.json_name for spec in specs if spec.required}
            before = len(self.issues)
            self.members(data, path, required, allowed, key)
            kwargs: dict[str, Any] = {}
            for spec in specs:
                if spec.json_name not in data:
                    continue
                try:
                    kwargs[spec.attribute] = self.field(
                        spec.kind, data[spec.json_name], f"{path}.{spec.json_name}", key
                    )
                except _Shape:
                    continue
            if len(self.issues) > before:
                return None
            return cls(**kwargs)
        except _Shape:
            return None

    def section(self, value: Any, path: str) -> Section | None:
        try:
            data = self.obj(value, path)
            allowed = {"key", "title", "description", "questions"}
            self.members(data, path, {"key", "questions"}, allowed)
            key = self.string(data.get("key", ""), f"{path}.key")
            title = self.optional(self.text, data.get("title"), f"{path}.title")
            description = self.optional(self.text, data.get("description"), f"{path}.description")
            items = self.listing(data.get("questions", []), f"{path}.questions")
        except _Shape:
            return None
        questions = [self.question(item, f"{path}.questions[{i}]") for i, item in enumerate(items)]
        return Section(
            key=key,
            title=title,
            description=description,
            questions=tuple(q for q in questions if q is not None),
        )

    def definition(self, value: Any) -> SurveyDefinition | None:
        try:
            data = self.obj(value, "")
            if data.get("format") != FORMAT:
                raise self.fail("format", "wrong_format", format=data.get("format"))
            version = data.get("version")
            if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
                supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
                raise self.fail(
                    "version", "unsupported_version", version=version, supported=supported
                )
            allowed = {"format", "version", "title", "description", "sections"}
            self.members(data, "", {"title", "sections"}, allowed)
            title = self.text(data.get("title", {"id": ""}), "title")
            description = self.optional(self.text, data.get("description"), "description")
            items = self.listing(data.get("sections", []), "sections")
        except _Shape:
            return None
        sections = [self.section(item, f"sections[{i}]") for i, item in enumerate(items)]
        return SurveyDefinition(
            title=title,
            description=description,
            sections=tuple(s for s in sections if s is not None),
        )


def definition_from_json(data: Any, *, validate: bool = True) -> SurveyDefinition:
    """A definition from the JSON format (a parsed dict, or JSON text / bytes).

    Raises :class:`SurveyFormatError` listing every problem found, each with its
    place. With ``validate`` (the default) the content is also validated and
    errors (not warnings) are refused; pass ``validate=False`` to load a draft.
    """
    reader = _Reader()
    if isinstance(data, str | bytes | bytearray):
        try:
            data = json.loads(data, parse_float=Decimal)
        except (ValueError, RecursionError) as error:
            raise SurveyFormatError(
                [Issue("", message("invalid_json", error=str(error)))]
            ) from None
    definition = reader.definition(data)
    if reader.issues or definition is None:
        raise SurveyFormatError(reader.issues)
    if validate:
        found = errors(validate_definition(definition))
        if found:
            raise SurveyFormatError(found)
    return definition


def loads(text: str | bytes, *, validate: bool = True) -> SurveyDefinition:
    """Same as :func:`definition_from_json` for JSON text."""
    return definition_from_json(text, validate=validate)
