"""Which responses need a follow-up, and the follow-up records themselves. No views here.

A response needs a tindak lanjut when it is negative or a complaint:

- any SKM element (U1 … U9) answered 1 or 2,
- any other scale answer in the bottom two points of its scale (1–2 of a
  five-point scale, 0–1 of an NPS scale),
- the SKM follow-up question ("Apa yang perlu kami perbaiki?") filled in, or
- the citizen ticked "hubungi saya" (a complaint they want an answer to).

:func:`on_response` runs inside the transaction that stores the response, so
a response and its follow-up are stored together or not at all. The public
form calls it right after inserting the response (see the hook in
``feedback_app.public.views``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from feedback_app.db import utcnow
from feedback_app.models import (
    FollowUp,
    FollowUpNote,
    FollowUpStatus,
    Response,
    Role,
    TimeZone,
    Unit,
    User,
)
from feedback_app.results.aggregates import response_definition as definition_of
from surveys.definition import SurveyDefinition
from surveys.i18n import Text
from surveys.questions import Category
from surveys.skm import ELEMENT_KEYS
from surveys.templates import SKM_FOLLOW_UP_KEY

#: ``session.info`` key: follow-ups created in this transaction, to notify once it is committed
PENDING = "follow_ups_to_notify"

#: the status changes offered (reopening a closed one is allowed: the citizen called back)
TRANSITIONS: dict[FollowUpStatus, tuple[FollowUpStatus, ...]] = {
    FollowUpStatus.NEW: (FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE),
    FollowUpStatus.IN_PROGRESS: (FollowUpStatus.DONE,),
    FollowUpStatus.DONE: (FollowUpStatus.IN_PROGRESS,),
}

#: roles that handle follow-ups (and may be told about them by e-mail)
HANDLER_ROLES = (Role.AGENCY_HEAD, Role.UNIT_HEAD)


@dataclass(frozen=True)
class LowAnswer:
    key: str
    #: the question as worded in the version answered
    question: Text
    score: int
    #: the option's label ("Tidak cepat")
    label: Text
    is_element: bool


@dataclass(frozen=True)
class Reasons:
    """Why a response needs a follow-up (empty: it does not)."""

    low: tuple[LowAnswer, ...] = ()
    #: the SKM follow-up question was answered
    comment: bool = False
    #: the citizen asked to be contacted
    complaint: bool = False

    def __bool__(self) -> bool:
        return bool(self.low or self.comment or self.complaint)


def negative_reasons(
    definition: SurveyDefinition, answers: Mapping[str, Any], *, complaint: bool = False
) -> Reasons:
    low = []
    for question in definition.questions:
        if question.scale is None:
            continue
        score = question.score(answers.get(question.key))
        if score is None or score > question.scale[0] + 1:
            continue
        option = next((o for o in question.options() if o.value == score), None)
        low.append(
            LowAnswer(
                question.key,
                question.text,
                score,
                option.label if option is not None else Text(str(score)),
                question.key in ELEMENT_KEYS,
            )
        )
    comment = answers.get(SKM_FOLLOW_UP_KEY)
    return Reasons(tuple(low), isinstance(comment, str) and bool(comment.strip()), complaint)


def on_response(
    session: Session,
    response_id: int,
    row: Mapping[str, Any],
    definition: SurveyDefinition,
    *,
    complaint: bool = False,
) -> int | None:
    """Open a follow-up for a response just inserted, when it needs one; returns its id.

    The public form's hook: ``row`` holds the stored columns (``unit_id``,
    ``answers``, ``flagged``), ``complaint`` whether the citizen asked to be
    contacted. One INSERT, in the caller's transaction. Flagged responses get a
    follow-up too (nothing is lost if the flag is cleared), but nobody is
    e-mailed about them.
    """
    if not negative_reasons(definition, row["answers"], complaint=complaint):
        return None
    follow_up_id = session.execute(
        insert(FollowUp)
        .values(response_id=response_id, unit_id=row["unit_id"])
        .returning(FollowUp.id)
    ).scalar_one()
    if not row["flagged"]:
        session.info.setdefault(PENDING, []).append(follow_up_id)
    return follow_up_id


def follow_up_response(
    session: Session,
    response: Response,
    definition: SurveyDefinition | None = None,
    *,
    complaint: bool = False,
) -> FollowUp | None:
    """:func:`on_response` for a stored ``Response`` object (imports, tests)."""
    row = {"unit_id": response.unit_id, "answers": response.answers, "flagged": response.flagged}
    found = on_response(
        session,
        response.id,
        row,
        definition or definition_of(session, response),
        complaint=complaint,
    )
    return None if found is None else session.get(FollowUp, found)


def change_status(
    session: Session, follow_up: FollowUp, status: FollowUpStatus, author: User, note: str = ""
) -> FollowUpNote:
    """Move a follow-up on (``ValueError`` for a change not offered) and note who did it."""
    if status not in TRANSITIONS[follow_up.status]:
        raise ValueError(f"{follow_up.status} cannot become {status}")
    before = follow_up.status
    follow_up.status = status
    follow_up.closed_at = utcnow() if status == FollowUpStatus.DONE else None
    body = f"[{before.value} → {status.value}]"
    if note.strip():
        body += " " + note.strip()
    return add_note(session, follow_up, author, body)


def add_note(session: Session, follow_up: FollowUp, author: User, body: str) -> FollowUpNote:
    note = FollowUpNote(follow_up_id=follow_up.id, author_id=author.id, body=body)
    session.add(note)
    follow_up.updated_at = utcnow()
    session.flush()
    return note


def handlers_query(agency_id: int, unit_ids_above: list[int]) -> Select:
    """Active heads of the agency who see a unit (``unit_ids_above``: it and its parents)."""
    return (
        select(User)
        .where(
            User.agency_id == agency_id,
            User.active.is_(True),
            User.role.in_(HANDLER_ROLES),
            (User.unit_id.is_(None)) | User.unit_id.in_(unit_ids_above),
        )
        .order_by(User.name, User.id)
    )


def units_above(session: Session, unit_id: int) -> list[int]:
    """The unit and every unit above it (its heads see it)."""
    found: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in found:
        found.append(current)
        current = session.scalar(select(Unit.parent_id).where(Unit.id == current))
    return found


def local_time(moment: dt.datetime, zone: TimeZone | str) -> dt.datetime:
    """A moment on a unit's own clock."""
    return moment.astimezone(ZoneInfo(TimeZone(zone).iana))


def shown_answers(
    definition: SurveyDefinition, answers: Mapping[str, Any], lang: str
) -> list[tuple[str, str, str, bool]]:
    """(key, question, answer, low) of every answer a handler may read.

    Respondent-profile questions (gender, age, education, occupation, the
    service) are left out: they are not needed to follow up and, next to a time
    and a counter, could point to a person.
    """
    rows = []
    for question in definition.questions:
        if question.category == Category.RESPONDENT or question.key not in answers:
            continue
        value = answers[question.key]
        if value in (None, "", []):
            continue
        score = question.score(value) if question.scale is not None else None
        low = score is not None and question.scale is not None and score <= question.scale[0] + 1
        text = question.format_value(value, lang)
        if score is not None and question.scale is not None:
            text = f"{score} — {text}" if text != str(score) else text
        rows.append((question.key, question.text.get(lang), text, low))
    return rows
