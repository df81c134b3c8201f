"""Exceptions and located problems shared by the survey modules."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from surveys.i18n import Message


class Severity(enum.StrEnum):
    #: blocks publishing (or importing)
    ERROR = "error"
    #: shown to the designer, does not block
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """A problem at a place in a survey definition (or in its JSON).

    ``path`` points at the place, e.g. ``sections[1].questions[2].options[0].label``;
    ``key`` is the question key when the problem belongs to a question, so the
    designer page can highlight it.
    """

    path: str
    message: Message
    severity: Severity = Severity.ERROR
    key: str | None = None

    @property
    def code(self) -> str:
        return self.message.code

    def describe(self, lang: str = "id") -> str:
        return f"{self.path}: {self.message.get(lang)}" if self.path else self.message.get(lang)


class AnswerError(ValueError):
    """A submitted answer is not acceptable; ``message`` says why, in both languages."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.en)
        self.message = message

    @property
    def code(self) -> str:
        return self.message.code


class _IssuesError(ValueError):
    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(issue.describe("en") for issue in self.issues))

    def describe(self, lang: str = "id") -> list[str]:
        return [issue.describe(lang) for issue in self.issues]


class DefinitionError(_IssuesError):
    """A survey definition has errors (see ``issues``)."""


class SurveyFormatError(_IssuesError):
    """Imported survey JSON has the wrong shape or content (see ``issues``)."""
