"""Free inputs: short and long text, number, date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from surveys.errors import AnswerError, Issue
from surveys.i18n import Text, message, text_or_none
from surveys.questions.base import (
    FormContext,
    Question,
    RawValue,
    Widget,
    clean_text,
    register,
    scalar,
    setting,
)

#: the longest text any question may accept
TEXT_LENGTH_LIMIT = 10_000


@dataclass(frozen=True, kw_only=True)
class _TextQuestion(Question):
    multiline: ClassVar[bool] = False
    max_length: int = setting("int", 200)

    def parse(self, raw: RawValue, context: FormContext | None = None) -> str | None:
        text = scalar(raw)
        if text is None:
            return None
        text = clean_text(text, multiline=self.multiline)
        if len(text) > self.max_length:
            raise AnswerError(message("too_long", max=self.max_length, length=len(text)))
        return text or None

    def _render_extra(self, context: FormContext | None) -> dict[str, Any]:
        return {"max_length": self.max_length}

    def format_value(self, value: Any, lang: str = "id", context: FormContext | None = None) -> str:
        return "" if value is None else str(value)

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        if (
            isinstance(self.max_length, bool)
            or not isinstance(self.max_length, int)
            or not 1 <= self.max_length <= TEXT_LENGTH_LIMIT
        ):
            yield self._issue(
                f"{path}.max_length", message("invalid_max_length", limit=TEXT_LENGTH_LIMIT)
            )


@register
@dataclass(frozen=True, kw_only=True)
class ShortTextQuestion(_TextQuestion):
    """One line of text (line breaks become spaces), 200 characters by default."""

    type_name = "short_text"
    type_label = Text("Isian singkat", "Short text")
    widget = Widget.TEXT

    max_length: int = setting("int", 200)


@register
@dataclass(frozen=True, kw_only=True)
class LongTextQuestion(_TextQuestion):
    """Several lines of text, 2000 characters by default."""

    type_name = "long_text"
    type_label = Text("Isian panjang", "Long text")
    widget = Widget.TEXTAREA
    multiline = True

    max_length: int = setting("int", 2000)


_NUMBER_RE = re.compile(r"([+-]?)([0-9]{1,15})(?:[.,]([0-9]{1,15}))?")
#: the most decimal places a number question may allow
DECIMAL_PLACES_LIMIT = 6


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@register
@dataclass(frozen=True, kw_only=True)
class NumberQuestion(Question):
    """A number, whole (``integer``) or with up to ``decimal_places`` decimals,
    within ``min`` … ``max`` (inclusive, both optional).

    Accepted input: digits with an optional sign and one decimal separator, "."
    or "," (Indonesian writes 2,5); no thousands separators, no exponents. Stored
    as int for integer questions, else float.
    """

    type_name = "number"
    type_label = Text("Angka", "Number")
    widget = Widget.NUMBER

    integer: bool = setting("bool", True)
    decimal_places: int = setting("int", 2)
    min: Decimal | None = setting("decimal?", None)
    max: Decimal | None = setting("decimal?", None)
    unit: Text | None = setting("text?", None)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "min", _as_decimal(self.min))
        object.__setattr__(self, "max", _as_decimal(self.max))
        object.__setattr__(self, "unit", text_or_none(self.unit))

    def parse(self, raw: RawValue, context: FormContext | None = None) -> int | float | None:
        text = scalar(raw)
        if text is None:
            return None
        match = _NUMBER_RE.fullmatch(text)
        if match is None:
            raise AnswerError(message("not_a_number"))
        sign, whole, fraction = match.groups()
        fraction = fraction or ""
        if self.integer and fraction.strip("0"):
            raise AnswerError(message("not_an_integer"))
        if not self.integer and len(fraction.rstrip("0")) > self.decimal_places:
            raise AnswerError(message("too_many_decimals", places=self.decimal_places))
        value = Decimal(f"{sign}{whole}.{fraction or '0'}")
        if self.min is not None and value < self.min:
            raise AnswerError(message("below_min", min=self._show(self.min)))
        if self.max is not None and value > self.max:
            raise AnswerError(message("above_max", max=self._show(self.max)))
        return int(value) if self.integer else float(value)

    @staticmethod
    def _show(value: Decimal) -> str:
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)

    def score(self, value: Any) -> int | float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value

    def format_value(self, value: Any, lang: str = "id", context: FormContext | None = None) -> str:
        return "" if value is None else str(value)

    def _render_extra(self, context: FormContext | None) -> dict[str, Any]:
        step = "1" if self.integer else str(Decimal(1).scaleb(-self.decimal_places))
        return {
            "min": None if self.min is None else self._show(self.min),
            "max": None if self.max is None else self._show(self.max),
            "step": step,
            "input_mode": "numeric" if self.integer else "decimal",
            "unit": self.unit,
        }

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        if self.min is not None and self.max is not None and self.min > self.max:
            yield self._issue(f"{path}.min", message("min_above_max", min=self.min, max=self.max))
        if not self.integer and not 1 <= self.decimal_places <= DECIMAL_PLACES_LIMIT:
            yield self._issue(
                f"{path}.decimal_places",
                message("invalid_decimal_places", limit=DECIMAL_PLACES_LIMIT),
            )
        if self.unit is not None and self.unit.is_blank:
            yield self._issue(f"{path}.unit", message("empty_text"))

    def texts(self) -> Iterator[tuple[str, Text]]:
        yield from super().texts()
        if self.unit is not None:
            yield "unit", self.unit

    def scale_signature(self) -> str:
        return "integer" if self.integer else "decimal"


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@register
@dataclass(frozen=True, kw_only=True)
class DateQuestion(Question):
    """A calendar date as the HTML date input sends it (``YYYY-MM-DD``), optionally
    within ``min`` … ``max``. Stored as the ISO string."""

    type_name = "date"
    type_label = Text("Tanggal", "Date")
    widget = Widget.DATE

    min: dt.date | None = setting("date?", None)
    max: dt.date | None = setting("date?", None)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "min", _as_date(self.min))
        object.__setattr__(self, "max", _as_date(self.max))

    def parse(self, raw: RawValue, context: FormContext | None = None) -> str | None:
        text = scalar(raw)
        if text is None:
            return None
        if not _DATE_RE.fullmatch(text):
            raise AnswerError(message("invalid_date"))
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise AnswerError(message("invalid_date")) from None
        if self.min is not None and value < self.min:
            raise AnswerError(message("date_too_early", min=self.min.isoformat()))
        if self.max is not None and value > self.max:
            raise AnswerError(message("date_too_late", max=self.max.isoformat()))
        return value.isoformat()

    def format_value(self, value: Any, lang: str = "id", context: FormContext | None = None) -> str:
        return "" if value is None else str(value)

    def _render_extra(self, context: FormContext | None) -> dict[str, Any]:
        return {
            "min": None if self.min is None else self.min.isoformat(),
            "max": None if self.max is None else self.max.isoformat(),
        }

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        if self.min is not None and self.max is not None and self.min > self.max:
            yield self._issue(
                f"{path}.min",
                message("min_above_max", min=self.min.isoformat(), max=self.max.isoformat()),
            )
