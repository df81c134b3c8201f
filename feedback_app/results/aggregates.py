"""Keep ``response_counts``, ``answer_counts`` and their roll-ups in step with the responses.

Every change goes through :func:`count_responses` with a sign: +1 when a
response is stored, -1 then +1 when its flag changes (its counts move to the
other bucket). The dashboard's roll-ups (``answer_month_counts``,
``response_day_counts``, ``response_month_hours``; see
:mod:`feedback_app.results.rollups`) get their own counters from the same
calls, so they move with the daily tables. :func:`rebuild` recomputes
everything from the raw responses; the tests check that both roads give the
same tables.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, select, text
from sqlalchemy.orm import Session

from feedback_app.models import AnswerCount, Response, ResponseCount, SurveyVersion, TimeZone
from feedback_app.models.aggregates import (
    DIMENSIONS,
    ROLLUP_DIMENSIONS,
    answer_month_counts,
    response_day_counts,
    response_month_hours,
)
from feedback_app.models.survey import definition_for
from surveys.definition import SurveyDefinition
from surveys.questions import Widget

#: widgets whose answers are a small set of values worth counting
COUNTED_WIDGETS = frozenset({Widget.RADIO, Widget.CHECKBOX, Widget.SELECT})

_ZONES = {zone: ZoneInfo(zone.iana) for zone in TimeZone}

SliceKey = tuple[Any, ...]


def local_time(response: Response) -> dt.datetime:
    return response.submitted_at.astimezone(_ZONES[TimeZone(response.timezone)])


def _slice(response: Response, local: dt.datetime) -> SliceKey:
    return (
        response.agency_id,
        response.unit_id,
        response.service_point_id or 0,
        response.employee_id or 0,
        response.service_id or 0,
        response.survey_version_id,
        local.date(),
        bool(response.flagged),
    )


def counted_values(
    definition: SurveyDefinition, answers: dict[str, Any]
) -> Iterable[tuple[str, str]]:
    """(question key, value) pairs of one response's choice and scale answers."""
    for question in definition.questions:
        if question.widget not in COUNTED_WIDGETS or question.key not in answers:
            continue
        value = answers[question.key]
        for item in value if isinstance(value, list | tuple) else (value,):
            yield question.key, str(item)


class Tally:
    """Counts for many responses, collected in memory before one upsert per table."""

    def __init__(self) -> None:
        self.responses: Counter[SliceKey] = Counter()
        self.answers: Counter[SliceKey] = Counter()
        #: the roll-ups: per day, and per month (``local_date`` = first of the month)
        self.day_responses: Counter[SliceKey] = Counter()
        self.month_hours: Counter[SliceKey] = Counter()
        self.month_answers: Counter[SliceKey] = Counter()

    def add(self, response: Response, definition: SurveyDefinition, sign: int = 1) -> None:
        local = local_time(response)
        key = _slice(response, local)
        day = local.date()
        kept = (response.agency_id, response.unit_id, response.survey_version_id)
        flagged = bool(response.flagged)
        month = (*kept, day.replace(day=1), flagged)
        self.responses[(*key, local.hour)] += sign
        self.day_responses[(*kept, day, flagged)] += sign
        self.month_hours[(*month, day.weekday(), local.hour)] += sign
        for question_key, value in counted_values(definition, response.answers):
            self.answers[(*key, question_key, value[:64])] += sign
            self.month_answers[(*month, question_key, value[:64])] += sign

    def counters(self) -> list[tuple[Table, tuple[str, ...], Counter[SliceKey]]]:
        """Each table with its key columns and the counts collected for it."""
        return [
            (ResponseCount.__table__, (*DIMENSIONS, "local_hour"), self.responses),  # type: ignore[list-item]
            (AnswerCount.__table__, (*DIMENSIONS, "question_key", "value"), self.answers),  # type: ignore[list-item]
            (response_day_counts, ROLLUP_DIMENSIONS, self.day_responses),
            (response_month_hours, (*ROLLUP_DIMENSIONS, "weekday", "local_hour"), self.month_hours),
            (
                answer_month_counts,
                (*ROLLUP_DIMENSIONS, "question_key", "value"),
                self.month_answers,
            ),
        ]

    def write(self, session: Session) -> None:
        for table, columns, counts in self.counters():
            _upsert(session, table, columns, counts)


@cache
def _upsert_statement(table: Table, columns: tuple[str, ...]) -> Any:
    """INSERT … ON CONFLICT DO UPDATE count = count + excluded.count, as plain SQL.

    SQLAlchemy cannot cache the compiled form of its ``on_conflict_do_update``
    construct, so it recompiled five statements on every submission; this text,
    the same on SQLite and PostgreSQL, is compiled once.
    """
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in (*columns, "count"))
    return text(
        f"INSERT INTO {table.name} ({names}, count) VALUES ({values}) "  # noqa: S608 - fixed names
        f"ON CONFLICT ({names}) DO UPDATE SET count = {table.name}.count + excluded.count"
    )


def _upsert(
    session: Session, table: Table, columns: tuple[str, ...], counts: Counter[SliceKey]
) -> None:
    rows = [{**dict(zip(columns, key, strict=True)), "count": n} for key, n in counts.items() if n]
    if not rows:
        return
    statement = _upsert_statement(table, columns)
    for start in range(0, len(rows), 1000):
        session.execute(statement, rows[start : start + 1000])


def response_definition(session: Session, response: Response) -> SurveyDefinition:
    """The definition of the survey version a stored response answered."""
    version = session.get(SurveyVersion, response.survey_version_id)
    assert version is not None
    return definition_for(version)


def count_responses(session: Session, responses: Iterable[Response], sign: int = 1) -> None:
    """Add (or with ``sign=-1`` take away) these responses' counts."""
    tally = Tally()
    for response in responses:
        tally.add(response, response_definition(session, response), sign)
    tally.write(session)


def set_flag(session: Session, response: Response, flagged: bool, reason: str | None) -> None:
    """Flag or clear a stored response, moving its counts to the matching bucket.

    The reason stays after a flag is cleared, so admins can see what was reviewed.
    """
    if response.flagged != flagged:
        count_responses(session, [response], -1)
        response.flagged = flagged
        count_responses(session, [response], +1)
    response.flag_reason = reason


def rebuild(
    session: Session, *, batch: int = 5000, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute the daily tables and their roll-ups from the raw responses.

    Returns how many responses were counted.
    """
    session.execute(delete(ResponseCount))
    session.execute(delete(AnswerCount))
    for table in (response_day_counts, response_month_hours, answer_month_counts):
        session.execute(delete(table))
    definitions: dict[int, SurveyDefinition] = {}
    tally = Tally()
    done = 0
    query = select(Response).order_by(Response.id).execution_options(yield_per=batch)
    for response in session.scalars(query):
        definition = definitions.get(response.survey_version_id)
        if definition is None:
            version = session.get(SurveyVersion, response.survey_version_id)
            assert version is not None
            definition = definitions[version.id] = definition_for(version)
        tally.add(response, definition)
        done += 1
        if progress is not None and done % batch == 0:
            progress(batch)
    tally.write(session)
    if progress is not None and done % batch:
        progress(done % batch)
    return done
