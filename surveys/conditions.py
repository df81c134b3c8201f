"""Conditions that show a follow-up question depending on earlier answers.

A :class:`Condition` is one or more :class:`Rule` objects combined with "any"
(at least one rule holds) or "all" (every rule holds). A rule compares the
cleaned answer of one earlier question:

``equals``    the answer is the value (for a multiple-choice answer: the value is ticked)
``at_most``   a scale answer is ≤ the value
``at_least``  a scale answer is ≥ the value
``any_of``    the answer is one of the values (multiple choice: any of them is ticked)

A rule on a question that is unanswered or hidden is false. Conditions are
evaluated on the server (:func:`surveys.submission.evaluate_submission`); which
operators a question type supports, and which values it can take, is checked
when the definition is validated.

Example, the SKM follow-up::

    Condition.any(*(Rule.at_most(key, 2) for key in ELEMENT_KEYS))
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from surveys.i18n import Text

#: what a rule compares with: one value, or several for ``any_of``
RuleValue = int | str | tuple[int | str, ...]


class Op(enum.StrEnum):
    EQUALS = "equals"
    AT_MOST = "at_most"
    AT_LEAST = "at_least"
    ANY_OF = "any_of"


class Mode(enum.StrEnum):
    ANY = "any"
    ALL = "all"


@dataclass(frozen=True)
class Rule:
    """One comparison with the answer to the question ``key``."""

    key: str
    op: Op | str
    value: RuleValue

    def __post_init__(self) -> None:
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))
        if isinstance(self.op, str) and self.op in Op._value2member_map_:
            object.__setattr__(self, "op", Op(self.op))

    @classmethod
    def equals(cls, key: str, value: int | str) -> Rule:
        return cls(key, Op.EQUALS, value)

    @classmethod
    def at_most(cls, key: str, value: int) -> Rule:
        return cls(key, Op.AT_MOST, value)

    @classmethod
    def at_least(cls, key: str, value: int) -> Rule:
        return cls(key, Op.AT_LEAST, value)

    @classmethod
    def any_of(cls, key: str, values: Iterable[int | str]) -> Rule:
        return cls(key, Op.ANY_OF, tuple(values))

    @property
    def values(self) -> tuple[int | str, ...]:
        """The value(s) the rule names, always as a tuple."""
        return self.value if isinstance(self.value, tuple) else (self.value,)

    def holds(self, answer: Any) -> bool:
        """Whether the rule holds for a cleaned ``answer`` (``None``: unanswered → False)."""
        if answer is None:
            return False
        try:
            if isinstance(answer, list | tuple):
                if self.op == Op.EQUALS:
                    return self.value in answer
                if self.op == Op.ANY_OF:
                    return any(value in answer for value in self.values)
                return False
            if self.op == Op.EQUALS:
                return answer == self.value
            if self.op == Op.ANY_OF:
                return answer in self.values
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                return False
            if self.op == Op.AT_MOST:
                return answer <= self.value
            if self.op == Op.AT_LEAST:
                return answer >= self.value
        except TypeError:
            return False
        return False

    def to_json(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"key": self.key, "op": str(self.op), "value": value}

    def describe(self, lang: str = "id") -> str:
        values = ", ".join(str(v) for v in self.values)
        words = {
            Op.EQUALS: ("=", "="),
            Op.AT_MOST: ("≤", "≤"),
            Op.AT_LEAST: ("≥", "≥"),
            Op.ANY_OF: ("salah satu dari", "one of"),
        }
        id_word, en_word = words.get(self.op, (str(self.op), str(self.op)))
        word = en_word if lang.startswith("en") else id_word
        return f"{self.key} {word} {values}"


@dataclass(frozen=True)
class Condition:
    """Rules combined with ``mode`` "any" or "all"."""

    rules: tuple[Rule, ...]
    mode: Mode | str = Mode.ALL

    def __post_init__(self) -> None:
        if not isinstance(self.rules, tuple):
            object.__setattr__(self, "rules", tuple(self.rules))
        if isinstance(self.mode, str) and self.mode in Mode._value2member_map_:
            object.__setattr__(self, "mode", Mode(self.mode))

    @classmethod
    def any(cls, *rules: Rule) -> Condition:
        """True when at least one rule holds."""
        return cls(tuple(rules), Mode.ANY)

    @classmethod
    def all(cls, *rules: Rule) -> Condition:
        """True when every rule holds."""
        return cls(tuple(rules), Mode.ALL)

    @property
    def keys(self) -> tuple[str, ...]:
        """The question keys the condition depends on, without repeats."""
        return tuple(dict.fromkeys(rule.key for rule in self.rules))

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition holds, given cleaned answers of the visible questions so far."""
        results = (rule.holds(answers.get(rule.key)) for rule in self.rules)
        if self.mode == Mode.ANY:
            return any(results)
        return bool(self.rules) and all(results)

    def to_json(self) -> dict[str, Any]:
        return {"mode": str(self.mode), "rules": [rule.to_json() for rule in self.rules]}

    def describe(self) -> Text:
        """A short human description, e.g. for the no-JavaScript form and the designer."""
        joiners = {Mode.ANY: (" atau ", " or "), Mode.ALL: (" dan ", " and ")}
        id_join, en_join = joiners.get(self.mode, (" ", " "))
        return Text(
            "Jika " + id_join.join(rule.describe("id") for rule in self.rules),
            "If " + en_join.join(rule.describe("en") for rule in self.rules),
        )
