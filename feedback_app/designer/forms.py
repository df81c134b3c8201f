"""Designer forms, and the bridge between a question form and a question type.

The question form is built per type from the type's own setting fields
(``Question.setting_fields``): what a type stores is what the designer edits.
Reading the form back gives the question plus a map from the definition's
places (``options[2].label``) to the form's rows, so every error the domain
reports about the question can be shown at the input it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from feedback_app.designer.editing import option_value_from_label
from feedback_app.forms import REQUIRED, IdSelectField, LocalDateTimeField, max_length, text_field
from surveys.conditions import Condition, Mode, Op, Rule
from surveys.errors import Issue
from surveys.i18n import Text
from surveys.questions import Option, Question
from surveys.questions.base import BASE_FIELDS, SettingField
from surveys.questions.choices import DISPLAYS


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def add_error(field: Any, message: Any) -> None:
    """Add an error to a field after validation (WTForms keeps a tuple until then)."""
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    if message not in field.errors:
        field.errors.append(message)


# --------------------------------------------------------------------------- sub-forms


class PairForm(Form):
    """A bilingual text: Indonesian (the original) and English side by side."""

    # not "id": a field's ``id`` attribute is its HTML id
    indonesian = StringField(_l("Bahasa Indonesia"), filters=[_strip])
    english = StringField(_l("English"), filters=[_strip])


class OptionRow(Form):
    value = StringField(_l("Nilai tersimpan"), filters=[_strip])
    label_id = StringField(_l("Label (Bahasa Indonesia)"), filters=[_strip])
    label_en = StringField(_l("Label (English)"), filters=[_strip])


class RuleRow(Form):
    key = SelectField(_l("Pertanyaan sebelumnya"), choices=[], validate_choice=False)
    op = SelectField(_l("Syarat"), choices=[], validate_choice=False)
    value = StringField(_l("Nilai"), filters=[_strip])


OP_LABELS = {
    Op.EQUALS: _l("sama dengan"),
    Op.AT_MOST: _l("paling tinggi (≤)"),
    Op.AT_LEAST: _l("paling rendah (≥)"),
    Op.ANY_OF: _l("salah satu dari"),
}

MODE_CHOICES = [
    SelectChoice(Mode.ANY.value, _l("salah satu aturan terpenuhi (atau)")),
    SelectChoice(Mode.ALL.value, _l("semua aturan terpenuhi (dan)")),
]

DISPLAY_LABELS = {
    "radio": _l("Tombol pilihan"),
    "select": _l("Daftar turun (untuk pilihan panjang)"),
}

#: labels of the type-specific settings, by (attribute, JSON kind without "?")
SETTING_LABELS: dict[tuple[str, str], Any] = {
    ("choices", "options"): _l("Pilihan jawaban"),
    ("allow_other", "bool"): _l("Tambahkan pilihan 'Lainnya, sebutkan' dengan isian"),
    ("display", "str"): _l("Tampilan"),
    ("min_selected", "int"): _l("Paling sedikit dipilih"),
    ("max_selected", "int"): _l("Paling banyak dipilih"),
    ("labels", "labels"): _l("Label skala 1–5 (kosongkan untuk label setuju/tidak setuju)"),
    ("max_length", "int"): _l("Panjang jawaban maksimum (karakter)"),
    ("integer", "bool"): _l("Hanya bilangan bulat"),
    ("decimal_places", "int"): _l("Angka di belakang koma"),
    ("min", "decimal"): _l("Nilai minimum"),
    ("max", "decimal"): _l("Nilai maksimum"),
    ("unit", "text"): _l("Satuan (misalnya: menit)"),
    ("min", "date"): _l("Tanggal paling awal"),
    ("max", "date"): _l("Tanggal paling akhir"),
}


def setting_label(spec: SettingField) -> Any:
    return SETTING_LABELS.get((spec.attribute, spec.kind.rstrip("?")), spec.attribute)


# --------------------------------------------------------------------------- question form


class QuestionForm(FlaskForm):
    rev = HiddenField()
    key = StringField(
        _l("Kunci"),
        filters=[_strip],
        description=_l(
            "Jawaban disimpan dengan kunci ini di semua versi. Huruf, angka dan garis bawah, "
            "diawali huruf. Unsur SKM memakai U1 sampai U9."
        ),
    )
    text = FormField(PairForm, label=_l("Teks pertanyaan"))
    help = FormField(PairForm, label=_l("Petunjuk (boleh dikosongkan)"))
    required = BooleanField(_l("Wajib dijawab"))
    cond_mode = SelectField(
        _l("Tampilkan pertanyaan ini bila"), choices=MODE_CHOICES, default=Mode.ANY.value
    )
    rules = FieldList(FormField(RuleRow))

    #: JSON member name → form attribute, and the attributes holding options (set per type)
    json_names: dict[str, str] = {}
    option_fields: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: errors about a whole list of inputs (too few options), by field name
        self.group_errors: dict[str, list[str]] = {}


def _setting_form_field(spec: SettingField) -> Any:
    base = spec.kind.rstrip("?")
    label = setting_label(spec)
    if base == "options":
        return FieldList(FormField(OptionRow), label=label)
    if base == "labels":
        return FieldList(FormField(PairForm), label=label)
    if base == "text":
        return FormField(PairForm, label=label)
    if base == "bool":
        return BooleanField(label)
    if base == "str" and spec.attribute == "display":
        return SelectField(
            label,
            choices=[SelectChoice(d, DISPLAY_LABELS.get(d, d)) for d in DISPLAYS],
            default=spec.default,
        )
    render = {"type": "date"} if base == "date" else {"inputmode": "decimal"}
    if base in ("int",):
        render = {"inputmode": "numeric"}
    return StringField(label, filters=[_strip], render_kw=render)


def question_form_class(cls: type[Question]) -> type[QuestionForm]:
    """A form class with the fields of ``cls``'s settings, after the common ones."""
    attrs: dict[str, Any] = {
        spec.attribute: _setting_form_field(spec)
        for spec in cls.setting_fields()
        if spec.attribute not in BASE_FIELDS
    }
    # the definition's paths use JSON names ("options"); the form, attribute names ("choices")
    attrs["json_names"] = {
        spec.json_name: spec.attribute
        for spec in cls.setting_fields()
        if spec.attribute not in BASE_FIELDS
    }
    attrs["option_fields"] = frozenset(
        spec.attribute for spec in cls.setting_fields() if spec.kind == "options"
    )
    return type(f"{cls.__name__}Form", (QuestionForm,), attrs)


def settings_of(cls: type[Question]) -> list[SettingField]:
    return [spec for spec in cls.setting_fields() if spec.attribute not in BASE_FIELDS]


def _pair(text: Text | None) -> dict[str, str]:
    return {"indonesian": text.id if text else "", "english": (text.en or "") if text else ""}


def _show_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def question_data(question: Question) -> dict[str, Any]:
    """The form's initial data for an existing (or freshly suggested) question."""
    condition = question.condition
    data: dict[str, Any] = {
        "key": question.key,
        "text": _pair(question.text),
        "help": _pair(question.help),
        "required": question.required,
        "cond_mode": str(condition.mode) if condition else Mode.ANY.value,
        "rules": [
            {
                "key": rule.key,
                "op": str(rule.op),
                "value": ", ".join(str(v) for v in rule.values),
            }
            for rule in (condition.rules if condition else ())
        ],
    }
    for spec in settings_of(type(question)):
        value = getattr(question, spec.attribute)
        base = spec.kind.rstrip("?")
        if base == "options":
            data[spec.attribute] = [
                {"value": str(o.value), "label_id": o.label.id, "label_en": o.label.en or ""}
                for o in value
            ]
        elif base == "labels":
            data[spec.attribute] = [_pair(t) for t in value] if value else []
        elif base == "text":
            data[spec.attribute] = _pair(value)
        elif base in ("bool", "str"):
            data[spec.attribute] = value
        else:
            data[spec.attribute] = _show_number(value)
    return data


#: blank rows offered below the filled ones, so options and rules can be added without JavaScript
BLANK_OPTION_ROWS = 3
BLANK_RULE_ROWS = 2
SCALE_LABELS = 5


def pad_rows(form: QuestionForm, cls: type[Question], *, more: bool = False) -> None:
    """Blank rows to type new options and rules into (and the five Likert labels)."""
    extra = 2 if more else 1
    for spec in settings_of(cls):
        base = spec.kind.rstrip("?")
        rows = getattr(form, spec.attribute)
        if base == "options":
            filled = sum(1 for row in rows if row.value.data or row.label_id.data)
            while len(rows) < filled + BLANK_OPTION_ROWS * extra:
                rows.append_entry()
        elif base == "labels":
            while len(rows) < SCALE_LABELS:
                rows.append_entry()
    filled = sum(1 for row in form.rules if row.key.data)
    while len(form.rules) < filled + BLANK_RULE_ROWS * extra:
        form.rules.append_entry()


def set_rule_choices(form: QuestionForm, earlier: Iterable[Question], lang: str) -> None:
    """The questions a rule may refer to: earlier ones whose type supports conditions."""
    choices = [SelectChoice("", str(_l("— tidak dipakai —")))]
    offered = set()
    for question in earlier:
        if question.condition_ops:
            text = question.text.get(lang)
            short = text if len(text) <= 60 else text[:57] + "…"
            choices.append(SelectChoice(question.key, f"{question.key}: {short}"))
            offered.add(question.key)
    ops = [SelectChoice(op.value, str(label)) for op, label in OP_LABELS.items()]
    for row in form.rules:
        # keep a rule's current key selectable even when it is no longer valid, so its error shows
        key = row.key.data
        extra = [] if not key or key in offered else [SelectChoice(key, key)]
        row.key.choices = choices + extra
        row.op.choices = ops


# --------------------------------------------------------------------------- reading it back


@dataclass
class RowMap:
    """Which form row each item of the question came from (blank rows are skipped)."""

    options: list[int] = field(default_factory=list)
    rules: list[int] = field(default_factory=list)


_INT_RE = re.compile(r"[+-]?[0-9]{1,9}")
_NOT_INT = _l("Masukkan bilangan bulat.")


def _text(pair: Any) -> Text:
    return Text(pair.indonesian.data or "", pair.english.data or None)


def _optional_text(pair: Any) -> Text | None:
    if not (pair.indonesian.data or pair.english.data):
        return None
    return _text(pair)


def _rule_value(raw: str, op: str, target: Question | None) -> Any:
    numeric = target is not None and target.scale is not None
    items = [item for item in re.split(r"[,;\s]+", raw) if item]

    def convert(item: str) -> int | str:
        if numeric:
            if not _INT_RE.fullmatch(item):
                raise ValidationError(_NOT_INT)
            return int(item)
        return item

    if op == Op.ANY_OF.value:
        return tuple(convert(item) for item in items)
    if len(items) != 1:
        raise ValidationError(_l("Isikan satu nilai saja."))
    return convert(items[0])


def build_question(
    cls: type[Question], form: QuestionForm, earlier: Iterable[Question]
) -> tuple[Question | None, RowMap]:
    """The question the form describes, or None with errors added to the fields.

    Only form-level problems are found here (a number that does not parse);
    everything about content (empty texts, too few options, min above max,
    impossible conditions) is left to the domain's validation.
    """
    rows = RowMap()
    ok = True
    kwargs: dict[str, Any] = {
        "key": form.key.data or "",
        "text": _text(form.text),
        "help": _optional_text(form.help),
        "required": bool(form.required.data),
    }
    by_key = {q.key: q for q in earlier}
    rules = []
    for index, row in enumerate(form.rules):
        if not row.key.data:
            continue
        if not row.value.data:
            add_error(row.value, REQUIRED)
            ok = False
            continue
        try:
            value = _rule_value(row.value.data, row.op.data, by_key.get(row.key.data))
        except ValidationError as error:
            add_error(row.value, str(error))
            ok = False
            continue
        rules.append(Rule(row.key.data, row.op.data, value))
        rows.rules.append(index)
    mode = form.cond_mode.data or Mode.ANY
    kwargs["condition"] = Condition(tuple(rules), mode) if rules else None

    for spec in settings_of(cls):
        base = spec.kind.rstrip("?")
        optional = spec.kind.endswith("?")
        form_field = getattr(form, spec.attribute)
        if base == "options":
            options = []
            for index, row in enumerate(form_field):
                if not (row.value.data or row.label_id.data or row.label_en.data):
                    continue
                value = row.value.data or option_value_from_label(row.label_id.data or "")
                label = Text(row.label_id.data or "", row.label_en.data or None)
                options.append(Option(value, label))
                rows.options.append(index)
            kwargs[spec.attribute] = tuple(options)
        elif base == "labels":
            labels = [_text(row) for row in form_field]
            filled = [label for label in labels if label.id or label.en]
            kwargs[spec.attribute] = tuple(labels) if filled else None
        elif base == "text":
            kwargs[spec.attribute] = _optional_text(form_field)
        elif base == "bool":
            kwargs[spec.attribute] = bool(form_field.data)
        elif base == "str":
            kwargs[spec.attribute] = form_field.data or spec.default
        else:
            raw = form_field.data or ""
            if not raw:
                if optional:
                    kwargs[spec.attribute] = None
                elif spec.required:
                    add_error(form_field, REQUIRED)
                    ok = False
                # else: left out, so the type's default applies
                continue
            try:
                kwargs[spec.attribute] = _setting_value(base, raw)
            except ValidationError as error:
                add_error(form_field, str(error))
                ok = False
    if not ok:
        return None, rows
    return cls(**kwargs), rows


def _setting_value(base: str, raw: str) -> Any:
    if base == "int":
        if not _INT_RE.fullmatch(raw):
            raise ValidationError(_NOT_INT)
        return int(raw)
    if base == "decimal":
        try:
            number = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise ValidationError(_l("Masukkan angka, misalnya 12 atau 2,5.")) from None
        if not number.is_finite():
            raise ValidationError(_l("Masukkan angka, misalnya 12 atau 2,5."))
        return number
    if base == "date":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(_l("Tanggal tidak valid (format TTTT-BB-HH).")) from None
    return raw


_INDEXED = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def place_issues(
    form: QuestionForm,
    issues: Iterable[Issue],
    *,
    prefix: str,
    key: str,
    rows: RowMap,
    lang: str,
) -> list[str]:
    """Show each issue at its input; return the ones that belong to no input of this form.

    ``prefix`` is the question's place in the definition (``sections[1].questions[3]``).
    Errors about a whole list (too few options) go to ``form.group_errors[name]``.
    """
    general: list[str] = []
    for issue in issues:
        text = issue.message.get(lang)
        relative = issue.path[len(prefix) + 1 :] if issue.path.startswith(prefix + ".") else None
        target = _field_for(form, relative, rows) if relative is not None else None
        if isinstance(target, str):
            form.group_errors.setdefault(target, []).append(text)
        elif target is None:
            where = f"{issue.key}: " if issue.key and issue.key != key else ""
            general.append(where + text)
        else:
            add_error(target, text)
    return general


def _field_for(form: QuestionForm, relative: str, rows: RowMap) -> Any:
    """The input a relative definition path points at, a list's name, or None."""
    simple = {"key": form.key, "text": form.text.indonesian, "help": form.help.indonesian}
    if relative in simple:
        return simple[relative]
    if relative.startswith("condition"):
        rest = relative[len("condition") :].lstrip(".")
        if rest == "mode":
            return form.cond_mode
        match = re.match(r"^rules\[(\d+)\](?:\.(\w+))?$", rest)
        if match and int(match.group(1)) < len(rows.rules):
            row = form.rules[rows.rules[int(match.group(1))]]
            return row.key if match.group(2) == "key" else row.value
        return "rules"
    match = _INDEXED.match(relative)
    if match:
        name = form.json_names.get(match.group(1), match.group(1))
        index, part = int(match.group(2)), match.group(3)
        container = getattr(form, name, None)
        if not isinstance(container, FieldList):
            return None
        if name in form.option_fields:
            if index >= len(rows.options):
                return name
            row = container[rows.options[index]]
            return row.value if part == "value" else row.label_id
        return container[index].indonesian if index < len(container) else name
    relative = form.json_names.get(relative, relative)
    container = getattr(form, relative, None) if relative in form.json_names.values() else None
    if isinstance(container, FieldList):
        return relative
    if isinstance(container, FormField):
        return container.indonesian
    return container


# --------------------------------------------------------------------------- survey forms


class CreateForm(FlaskForm):
    name = text_field(
        _l("Nama survei"),
        200,
        description=_l(
            "Nama untuk pengelola, misalnya: SKM Disdukcapil 2026. Warga melihat judulnya."
        ),
    )
    template = RadioField(_l("Mulai dari"), choices=[], default="")
    agency_id = IdSelectField(_l("Instansi"))


class ImportForm(FlaskForm):
    file = FileField(_l("Berkas JSON"), validators=[FileRequired(message=REQUIRED)])
    name = text_field(
        _l("Nama survei"),
        200,
        optional=True,
        description=_l("Kosongkan untuk memakai judul dari berkas."),
    )
    agency_id = IdSelectField(_l("Instansi"))


class SettingsForm(FlaskForm):
    name = text_field(_l("Nama survei"), 200)
    opens_at = LocalDateTimeField(
        _l("Dibuka mulai"),
        validators=[Optional()],
        description=_l("Waktu setempat instansi. Kosongkan bila survei langsung terbuka."),
    )
    closes_at = LocalDateTimeField(
        _l("Ditutup pada"),
        validators=[Optional()],
        description=_l("Kosongkan bila survei tidak punya batas waktu."),
    )

    def validate_closes_at(self, field: Any) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Waktu tutup harus sesudah waktu buka."))


class TextsForm(FlaskForm):
    rev = HiddenField()
    title = FormField(PairForm, label=_l("Judul survei"))
    description = FormField(PairForm, label=_l("Keterangan pembuka (boleh dikosongkan)"))


class SectionForm(FlaskForm):
    rev = HiddenField()
    key = StringField(
        _l("Kunci bagian"),
        filters=[_strip],
        description=_l("Huruf, angka dan garis bawah, diawali huruf."),
    )
    title = FormField(PairForm, label=_l("Judul bagian (boleh dikosongkan)"))
    description = FormField(PairForm, label=_l("Keterangan (boleh dikosongkan)"))


class PublishForm(FlaskForm):
    rev = HiddenField()
    note = TextAreaField(
        _l("Catatan perubahan (boleh dikosongkan)"),
        filters=[_strip],
        validators=[Optional(), max_length(500)],
        description=_l("Tampil di riwayat versi, misalnya: pertanyaan U3 diperjelas."),
    )


class ActionForm(FlaskForm):
    """A button that changes the draft: CSRF plus the revision it was made on."""

    rev = HiddenField()


def optional_text(pair: Any) -> Text | None:
    return _optional_text(pair)


def text_of(pair: Any) -> Text:
    return _text(pair)


def pair_data(text: Text | None) -> dict[str, str]:
    return _pair(text)
