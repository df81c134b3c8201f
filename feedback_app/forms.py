"""Form building blocks with Indonesian messages (WTForms ships none for id)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

REQUIRED = _l("Wajib diisi.")


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("Paling banyak %(max)d karakter.", max=n))


def code_field(label: Any) -> StringField:
    return StringField(
        label,
        validators=[required(), max_length(40), CodeCharacters()],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        description=_l("Huruf, angka, titik, garis bawah atau tanda hubung; unik."),
    )


def text_field(label: Any, n: int = 200, *, optional: bool = False, **kw: Any) -> StringField:
    first = Optional() if optional else required()
    return StringField(label, validators=[first, max_length(n)], filters=[_strip], **kw)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CodeCharacters:
    def __call__(self, form: Any, field: Any) -> None:
        value = field.data or ""
        if not all(c.isascii() and (c.isalnum() or c in "-_.") for c in value):
            raise ValidationError(
                _l("Kode hanya boleh berisi huruf, angka, titik, garis bawah dan tanda hubung.")
            )


def choice_values(choices: Any) -> set[Any]:
    """The values of a field's choices, declared as ``SelectChoice`` or as (value, label) pairs."""
    return {SelectChoice.from_input(c).value for c in choices or ()}


class IdSelectField(SelectField):
    """A select of database ids; an id that is not offered is refused with a clear message."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", _int_or_none)
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            if choice_values(self.choices) & {"", None}:
                return
            raise ValidationError(REQUIRED)
        if self.data not in choice_values(self.choices):
            raise ValidationError(_l("Pilihan tidak valid."))


class EnumSelectField(SelectField):
    def pre_validate(self, form: Any) -> None:
        if self.data not in choice_values(self.choices):
            raise ValidationError(_l("Pilihan tidak valid."))


def _int_or_none(value: Any) -> int | None:
    if value in ("", None, "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id: pre_validate reports it


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input with an Indonesian message for a bad value.

    Browsers send ``2026-03-02T08:00`` (with seconds when they are not zero);
    where the input falls back to plain text people type ``2026-03-02 08:00``,
    as the message suggests. All of these are accepted.
    """

    FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", self.FORMATS)
        kwargs.setdefault(
            "invalid_value_message", _l("Tanggal dan jam tidak valid (format TTTT-BB-HH JJ:MM).")
        )
        if validators is None:
            # InputRequired, not DataRequired: a value that does not parse keeps its own message
            validators = [InputRequired(message=REQUIRED)]
        super().__init__(label, validators, **kwargs)
