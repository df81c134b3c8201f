"""The comments feed: citizens' own words, the most negative first.

Text answers are not counted in the aggregates, so the feed reads raw
responses, but a bounded number of them: the latest ``window`` responses of
the slice that carry any text (and match the tone filter), found newest first
through the (agency, time) index. Within that window the responses with the
lowest element scores come first. The cost therefore does not grow with the
number of responses kept, and the page says when older comments were left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from feedback_app.models import Response, Survey, SurveyVersion, TimeZone
from feedback_app.models.survey import definition_for
from feedback_app.results.slices import Slice
from surveys.questions import Widget
from surveys.skm import ELEMENT_KEYS
from surveys.templates import SKM_FOLLOW_UP_AT_MOST

TEXT_WIDGETS = frozenset({Widget.TEXT, Widget.TEXTAREA})
TONES = ("all", "negative", "positive")
DEFAULT_WINDOW = 500


@dataclass(frozen=True)
class Comment:
    response_id: int
    unit_id: int
    service_point_id: int | None
    service_id: int | None
    #: on the unit's own clock
    submitted_at: dt.datetime
    zone: TimeZone
    #: (question key, question text, answer) of every text answer
    texts: tuple[tuple[str, Any, str], ...]
    #: the mean of the element scores given (1–4), None without any
    element_mean: Fraction | None
    #: elements answered 1 or 2
    low_elements: tuple[str, ...]

    @property
    def negative(self) -> bool:
        return bool(self.low_elements)


@dataclass(frozen=True)
class CommentFeed:
    comments: list[Comment]
    #: responses with text looked at (at most the window)
    scanned: int
    window: int

    @property
    def truncated(self) -> bool:
        """Older comments exist beyond the window."""
        return self.scanned >= self.window


def text_questions(session: Session, agency_id: int) -> dict[str, Any]:
    """Text questions of every survey version of the agency, by key (newest wording)."""
    versions = session.scalars(
        select(SurveyVersion)
        .join(Survey, SurveyVersion.survey_id == Survey.id)
        .where(Survey.agency_id == agency_id)
        .order_by(SurveyVersion.id.desc())
    )
    found: dict[str, Any] = {}
    for version in versions:
        for question in definition_for(version).questions:
            if question.widget in TEXT_WIDGETS:
                found.setdefault(question.key, question)
    return found


def _tone_filter(tone: str) -> Any:
    scores = [Response.answers[key].as_integer() for key in ELEMENT_KEYS]
    if tone == "negative":
        return or_(*(score <= SKM_FOLLOW_UP_AT_MOST for score in scores))
    if tone == "positive":
        return and_(*(func.coalesce(score, 4) > SKM_FOLLOW_UP_AT_MOST for score in scores))
    return None


def _comment(response: Any, questions: dict[str, Any]) -> Comment:
    answers = response.answers
    texts = tuple(
        (key, question.text, answers[key])
        for key, question in questions.items()
        if isinstance(answers.get(key), str) and answers[key].strip()
    )
    scores = [answers[k] for k in ELEMENT_KEYS if isinstance(answers.get(k), int)]
    zone = TimeZone(response.timezone)
    return Comment(
        response_id=response.id,
        unit_id=response.unit_id,
        service_point_id=response.service_point_id,
        service_id=response.service_id,
        submitted_at=response.submitted_at.astimezone(ZoneInfo(zone.iana)),
        zone=zone,
        texts=texts,
        element_mean=Fraction(sum(scores), len(scores)) if scores else None,
        low_elements=tuple(
            k
            for k in ELEMENT_KEYS
            if isinstance(answers.get(k), int) and answers[k] <= SKM_FOLLOW_UP_AT_MOST
        ),
    )


def comment_feed(
    session: Session,
    slice_: Slice,
    *,
    tone: str = "all",
    limit: int = 30,
    window: int = DEFAULT_WINDOW,
) -> CommentFeed:
    """Up to ``limit`` comments of the slice, lowest element scores first, then newest."""
    if tone not in TONES:
        raise ValueError(f"tone is one of {TONES}")
    questions = text_questions(session, slice_.agency_id)
    if not questions:
        return CommentFeed([], 0, window)
    has_text = or_(
        *(
            func.length(func.coalesce(Response.answers[key].as_string(), "")) > 0
            for key in questions
        )
    )
    query = select(
        Response.id,
        Response.unit_id,
        Response.service_point_id,
        Response.service_id,
        Response.submitted_at,
        Response.timezone,
        Response.answers,
    ).where(*slice_.response_filters(), has_text)
    tone_filter = _tone_filter(tone)
    if tone_filter is not None:
        query = query.where(tone_filter)
    query = query.order_by(Response.submitted_at.desc(), Response.id.desc()).limit(window)
    found = [_comment(row, questions) for row in session.execute(query)]
    ranked = sorted(
        found,
        key=lambda c: (
            c.element_mean if c.element_mean is not None else Fraction(5),
            -c.submitted_at.timestamp(),
            -c.response_id,
        ),
    )
    return CommentFeed(ranked[:limit], len(found), window)
