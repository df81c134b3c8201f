"""Scale questions: SKM element (1–4), Likert, smiley and stars (1–5), NPS (0–10).

A scale answer is stored as its int score. CSAT counts the top two options as
satisfied (SKM 3–4, five-point scales 4–5); NPS is not a CSAT scale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from surveys.conditions import Op
from surveys.errors import AnswerError, Issue
from surveys.i18n import Text, message
from surveys.questions.base import (
    Category,
    FormContext,
    Option,
    Question,
    RawValue,
    Widget,
    register,
    scalar,
    setting,
)
from surveys.skm import ELEMENTS_BY_KEY, SKM_HIGH, SKM_LOW, Element

_DIGITS = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True, kw_only=True)
class ScaleQuestion(Question):
    """A fixed numeric scale from ``low`` to ``high``, answered by picking one point."""

    low: ClassVar[int] = 1
    high: ClassVar[int] = 5
    category = Category.SCALE
    widget = Widget.RADIO
    condition_ops = frozenset(Op)
    low_label: ClassVar[Text | None] = None
    high_label: ClassVar[Text | None] = None

    @property
    def scale(self) -> tuple[int, int]:
        return (self.low, self.high)

    def option_label(self, value: int) -> Text:
        return Text(str(value))

    def option_face(self, value: int) -> str | None:
        return None

    def options(self, context: FormContext | None = None) -> tuple[Option, ...]:
        return self._memo(
            "options",
            lambda: tuple(
                Option(value, self.option_label(value), self.option_face(value))
                for value in range(self.low, self.high + 1)
            ),
        )

    def parse(self, raw: RawValue, context: FormContext | None = None) -> int | None:
        text = scalar(raw)
        if text is None:
            return None
        if not _DIGITS.fullmatch(text) or not self.low <= int(text) <= self.high:
            raise AnswerError(message("out_of_scale", low=self.low, high=self.high))
        return int(text)

    def _valid(self, value: Any) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def score(self, value: Any) -> int | None:
        return value if self._valid(value) else None

    def is_satisfied(self, value: Any) -> bool | None:
        return value >= self.high - 1 if self._valid(value) else None

    def _render_extra(self, context: FormContext | None) -> dict[str, Any]:
        return {
            "options": self.options(context),
            "min": self.low,
            "max": self.high,
            "low_label": self.low_label,
            "high_label": self.high_label,
        }

    def condition_values(self) -> tuple[int, ...]:
        return tuple(range(self.low, self.high + 1))

    def scale_signature(self) -> str:
        return f"{self.low}–{self.high}"


@register
@dataclass(frozen=True, kw_only=True)
class SkmElementQuestion(ScaleQuestion):
    """One of the nine SKM elements; the key is the element key ``U1`` … ``U9``.

    The options are the regulation's labels for that element and cannot be
    changed; the question text can be reworded.
    """

    type_name = "skm_element"
    type_label = Text("Unsur SKM (1–4)", "SKM element (1–4)")
    category = Category.SKM
    low = SKM_LOW
    high = SKM_HIGH

    @classmethod
    def for_element(cls, key: str, **overrides: Any) -> SkmElementQuestion:
        """The element ``key`` asked with the built-in question text (overridable)."""
        element = ELEMENTS_BY_KEY[key]
        return cls(**{"key": key, "text": element.question, **overrides})

    @property
    def element(self) -> Element | None:
        return ELEMENTS_BY_KEY.get(self.key)

    def option_label(self, value: int) -> Text:
        element = self.element
        return element.options[value - 1] if element else Text(str(value))

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        if self.key not in ELEMENTS_BY_KEY:
            yield self._issue(f"{path}.key", message("invalid_skm_element", key=self.key))


AGREEMENT_LABELS: tuple[Text, ...] = (
    Text("Sangat tidak setuju", "Strongly disagree"),
    Text("Tidak setuju", "Disagree"),
    Text("Netral", "Neutral"),
    Text("Setuju", "Agree"),
    Text("Sangat setuju", "Strongly agree"),
)


@register
@dataclass(frozen=True, kw_only=True)
class LikertQuestion(ScaleQuestion):
    """A five-point Likert item; by default the agreement labels, or five labels of your own."""

    type_name = "likert"
    type_label = Text("Skala Likert (1–5)", "Likert scale (1–5)")

    labels: tuple[Text, ...] | None = setting("labels?", None)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(Text.coerce(t) for t in self.labels))

    def option_label(self, value: int) -> Text:
        labels = self.labels if self.labels and len(self.labels) == 5 else AGREEMENT_LABELS
        return labels[value - 1]

    def issues(self, path: str) -> Iterator[Issue]:
        yield from super().issues(path)
        if self.labels is None:
            return
        if len(self.labels) != self.high - self.low + 1:
            yield self._issue(f"{path}.labels", message("wrong_label_count", count=5))
        for index, label in enumerate(self.labels):
            if label.is_blank:
                yield self._issue(f"{path}.labels[{index}]", message("empty_text"))

    def texts(self) -> Iterator[tuple[str, Text]]:
        yield from super().texts()
        for index, label in enumerate(self.labels or ()):
            yield f"labels[{index}]", label


SMILEY_FACES: tuple[tuple[str, Text], ...] = (
    ("😠", Text("Sangat tidak puas", "Very dissatisfied")),
    ("🙁", Text("Tidak puas", "Dissatisfied")),
    ("😐", Text("Biasa saja", "Neutral")),
    ("🙂", Text("Puas", "Satisfied")),
    ("😄", Text("Sangat puas", "Very satisfied")),
)


@register
@dataclass(frozen=True, kw_only=True)
class SmileyQuestion(ScaleQuestion):
    """Five faces, for kiosks. Each option has an emoji ``face`` and a text label for
    screen readers (use the label as the input's accessible name)."""

    type_name = "smiley"
    type_label = Text("Wajah senyum (1–5)", "Smiley faces (1–5)")

    def option_label(self, value: int) -> Text:
        return SMILEY_FACES[value - 1][1]

    def option_face(self, value: int) -> str:
        return SMILEY_FACES[value - 1][0]


@register
@dataclass(frozen=True, kw_only=True)
class StarsQuestion(ScaleQuestion):
    """One to five stars; ``face`` is the row of stars, the label reads "4 dari 5 bintang"."""

    type_name = "stars"
    type_label = Text("Bintang (1–5)", "Stars (1–5)")

    def option_label(self, value: int) -> Text:
        return Text(f"{value} dari 5 bintang", f"{value} out of 5 stars")

    def option_face(self, value: int) -> str:
        return "★" * value


#: NPS groups by score
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6


@register
@dataclass(frozen=True, kw_only=True)
class NpsQuestion(ScaleQuestion):
    """Net Promoter Score, 0–10: "how likely are you to recommend …"."""

    type_name = "nps"
    type_label = Text("Kemungkinan merekomendasikan (NPS 0–10)", "Likelihood to recommend (NPS)")
    low = 0
    high = 10
    low_label = Text("Sangat tidak mungkin", "Not at all likely")
    high_label = Text("Sangat mungkin", "Extremely likely")

    def is_satisfied(self, value: Any) -> bool | None:
        return None

    @staticmethod
    def group(value: int) -> str:
        """ "promoter" (9–10), "passive" (7–8) or "detractor" (0–6)."""
        if value >= PROMOTER_FROM:
            return "promoter"
        if value <= DETRACTOR_UP_TO:
            return "detractor"
        return "passive"
