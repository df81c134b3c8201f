"""Respondent groups: the IKM per gender, age range, education and occupation.

Note: these figures are computed from the **raw responses**, not from the
aggregates. ``answer_counts`` counts each question's values on its own, so it
knows how many women answered and how U3 was scored, but not how women scored
U3. Reading the slice's rows costs time in proportion to the responses in it;
this is meant for the respondent-profile page and the SKM report (one period,
one agency), never for the dashboard's hot path. The aggregate extension that
would remove the scan is described in the results notes of issue 6: a
``group_answer_counts`` table keyed by the aggregate dimensions at month grain
plus (group question type, group value, element key, score).

The respondent *profile* (how many per group value) needs no scan: it is in
``answer_counts`` and :func:`respondent_profile` reads it from there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.models import Response, SurveyVersion
from feedback_app.models.survey import definition_for
from feedback_app.results.rollups import source
from feedback_app.results.slices import Slice
from surveys.questions import (
    AGE_RANGE_OPTIONS,
    EDUCATION_OPTIONS,
    GENDER_OPTIONS,
    OCCUPATION_OPTIONS,
    Option,
)
from surveys.scoring import EXACT_WEIGHT, ElementAggregate, IkmResult, ikm_from_aggregates
from surveys.skm import ELEMENT_KEYS


@dataclass(frozen=True)
class Group:
    name: str
    #: the question type that asks it, wherever the designer put it and whatever its key
    type_name: str
    options: tuple[Option, ...]


GROUPS: dict[str, Group] = {
    group.name: group
    for group in (
        Group("gender", "gender", GENDER_OPTIONS),
        Group("age", "age_range", AGE_RANGE_OPTIONS),
        Group("education", "education", EDUCATION_OPTIONS),
        Group("occupation", "occupation", OCCUPATION_OPTIONS),
    )
}


@dataclass(frozen=True)
class GroupResult:
    #: the stored option value; None for "tidak menjawab"
    value: str | None
    option: Option | None
    respondents: int
    ikm: IkmResult


def _group_keys(session: Session, version_ids: Iterable[int], type_name: str) -> dict[int, str]:
    """The key of the question of ``type_name`` in each version that asks one."""
    ids = sorted(set(version_ids))
    keys = {}
    for version in session.scalars(select(SurveyVersion).where(SurveyVersion.id.in_(ids))):
        for question in definition_for(version).questions:
            if question.type_name == type_name:
                keys[version.id] = question.key
                break
    return keys


def ikm_by_group(
    session: Session,
    slice_: Slice,
    group: str,
    *,
    weight: Fraction = EXACT_WEIGHT,
    batch: int = 2000,
) -> list[GroupResult]:
    """The IKM of each value of ``group`` in the slice, in option order, "no answer" last.

    Reads the slice's raw responses (see the module docstring).
    """
    spec = GROUPS[group]
    versions = session.scalars(
        select(Response.survey_version_id).where(*slice_.response_filters()).distinct()
    ).all()
    keys = _group_keys(session, versions, spec.type_name)
    sums: dict[str | None, dict[str, list[int]]] = defaultdict(
        lambda: {key: [0, 0, 0] for key in ELEMENT_KEYS}
    )
    respondents: dict[str | None, int] = defaultdict(int)
    query = (
        select(Response.survey_version_id, Response.answers)
        .where(*slice_.response_filters())
        .execution_options(yield_per=batch)
    )
    for version_id, answers in session.execute(query):
        scores = [(k, answers[k]) for k in ELEMENT_KEYS if isinstance(answers.get(k), int)]
        if not scores:
            continue
        key = keys.get(version_id)
        value = answers.get(key) if key is not None else None
        value = value if isinstance(value, str) else None
        respondents[value] += 1
        entry = sums[value]
        for element, score in scores:
            entry[element][0] += 1
            entry[element][1] += score
            entry[element][2] += score * score
    options = {option.form_value: option for option in spec.options}
    order = [*options, None]
    found = sorted(sums, key=lambda v: order.index(v) if v in order else len(order))
    return [
        GroupResult(
            value,
            options.get(value) if value is not None else None,
            respondents[value],
            ikm_from_aggregates(
                {k: ElementAggregate(*e) for k, e in sums[value].items()}, weight=weight
            ),
        )
        for value in found
    ]


def respondent_profile(session: Session, slice_: Slice) -> dict[str, dict[str, int]]:
    """How many respondents gave each value of each group, from the aggregates (no scan)."""
    table = source("answers", slice_, ("survey_version",)).columns
    query = (
        select(table.survey_version_id, table.question_key, table.value, func.sum(table["count"]))
        .where(*slice_.aggregate_filters(table))
        .group_by(table.survey_version_id, table.question_key, table.value)
    )
    rows = [row for row in session.execute(query) if row[3]]
    versions = {row[0] for row in rows}
    by_version = {name: _group_keys(session, versions, g.type_name) for name, g in GROUPS.items()}
    profile: dict[str, dict[str, int]] = {name: defaultdict(int) for name in GROUPS}
    for version_id, key, value, count in rows:
        for name, keys in by_version.items():
            if keys.get(version_id) == key:
                profile[name][value] += int(count)
    return {name: dict(values) for name, values in profile.items()}
