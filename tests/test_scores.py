"""The results query layer: figures read from the aggregate tables, checked against raw rows.

Responses are written the way the public form writes them (a ``Response`` row
plus ``count_responses`` in the same transaction), then every figure comes
from ``answer_counts`` / ``response_counts`` and is compared with a
recomputation from the raw answers.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from feedback_app.db import utcnow
from feedback_app.models import (
    Channel,
    Response,
    Survey,
    SurveyStatus,
    SurveyVersion,
    TimeZone,
    Unit,
    UnitPopulation,
)
from feedback_app.public.links import ensure_default_survey
from feedback_app.results import rollups
from feedback_app.results.aggregates import count_responses, set_flag
from feedback_app.results.comments import comment_feed
from feedback_app.results.groups import ikm_by_group, respondent_profile
from feedback_app.results.periods import (
    Period,
    PeriodError,
    last_closed,
    months_back,
    parse_period,
)
from feedback_app.results.populations import (
    check_import,
    population_for,
    populations_for,
    save_population,
)
from feedback_app.results.scores import (
    element_aggregates,
    ikm,
    ikm_by,
    ikm_score,
    response_total,
    scale_summaries,
    unit_results,
    volume_by,
    weekday_hour_counts,
    weight_for,
)
from feedback_app.results.slices import Slice, UnitTree
from surveys.scoring import (
    LEGACY_WEIGHT,
    Grade,
    grade_for,
    ikm_from_aggregates,
    ikm_from_responses,
    sample_status,
)
from surveys.serialization import definition_to_json
from surveys.skm import ELEMENT_KEYS
from surveys.templates import kiosk_smiley_template

UTC = dt.UTC

# --------------------------------------------------------------------------- helpers


def skm_version(session, agency) -> SurveyVersion:
    survey = ensure_default_survey(session, agency.id)
    return session.get(SurveyVersion, survey.current_version_id)


def another_version(session, version: SurveyVersion, definition=None) -> SurveyVersion:
    """A second published version of the same survey (or of a new one with ``definition``)."""
    survey_id = version.survey_id
    number = 2
    if definition is not None:
        survey = Survey(
            agency_id=session.get(Survey, survey_id).agency_id,
            name="Kios",
            status=SurveyStatus.PUBLISHED,
        )
        session.add(survey)
        session.flush()
        survey_id, number = survey.id, 1
    new = SurveyVersion(
        survey_id=survey_id,
        number=number,
        definition=definition_to_json(definition) if definition else version.definition,
        published_at=utcnow(),
    )
    session.add(new)
    session.flush()
    return new


def response(
    version: SurveyVersion,
    unit: Unit,
    answers: dict[str, Any],
    at: dt.datetime,
    *,
    point=None,
    service=None,
    employee=None,
    flagged: bool = False,
) -> Response:
    return Response(
        agency_id=unit.agency_id,
        unit_id=unit.id,
        service_point_id=point.id if point is not None else None,
        service_id=service.id if service is not None else None,
        employee_id=employee.id if employee is not None else None,
        survey_version_id=version.id,
        channel=Channel.QR,
        submitted_at=at,
        timezone=unit.timezone,
        language="id",
        answers=answers,
        idempotency_key=uuid.uuid4().hex,
        answers_digest="0" * 64,
        flagged=flagged,
        flag_reason="uji" if flagged else None,
    )


def store(session, responses: list[Response]) -> list[Response]:
    """Store responses and their counts, as the submission transaction does."""
    session.add_all(responses)
    session.flush()
    count_responses(session, responses)
    session.flush()
    return responses


def scores(values: list[int]) -> dict[str, int]:
    return dict(zip(ELEMENT_KEYS, values, strict=True))


NOON = dt.datetime(2025, 5, 14, 5, 0, tzinfo=UTC)  # 12.00 WIB on a Wednesday
WORKED = [
    [3, 2, 2, 4, 4, 3, 2, 3, 4],
    [4, 3, 3, 4, 4, 4, 3, 4, 4],
    [3, 2, 2, 3, 3, 3, 2, 3, 3],
]


@pytest.fixture()
def org(session, factory):
    agency = factory.agency()
    unit = factory.unit(agency, name="Dinas Kependudukan")
    return {
        "agency": agency,
        "unit": unit,
        "point": factory.service_point(unit),
        "service": factory.service(unit),
        "version": skm_version(session, agency),
    }


# --------------------------------------------------------------------------- periods


def test_periods_cover_the_calendar():
    day = dt.date(2025, 8, 20)
    assert Period.containing("day", day).code == "2025-08-20"
    week = Period.containing("week", day)
    assert (week.start, week.end, week.code) == (
        dt.date(2025, 8, 18),
        dt.date(2025, 8, 24),
        "2025-W34",
    )
    assert Period.containing("month", day).code == "2025-08"
    quarter = Period.containing("quarter", day)
    assert (quarter.start, quarter.end, quarter.code) == (
        dt.date(2025, 7, 1),
        dt.date(2025, 9, 30),
        "2025-Q3",
    )
    semester = Period.containing("semester", day)
    assert (semester.start, semester.end) == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert Period.containing("year", day).code == "2025"
    assert quarter.previous().code == "2025-Q2" and quarter.next().code == "2025-Q4"
    assert Period.containing("semester", day).next().code == "2026-S1"
    assert Period.containing("month", dt.date(2025, 1, 9)).previous().code == "2024-12"
    # ISO weeks cross years
    assert parse_period("2025-W01").start == dt.date(2024, 12, 30)
    custom = Period.custom(dt.date(2025, 3, 10), dt.date(2025, 3, 16))
    assert custom.previous() == Period.custom(dt.date(2025, 3, 3), dt.date(2025, 3, 9))
    assert custom.code == "2025-03-10..2025-03-16"
    for code in ("2025-03-10", "2025-W11", "2025-03", "2025-Q1", "2025-S1", "2025", custom.code):
        assert parse_period(code).code == code
    for bad in ("2025-Q5", "2025-13", "x", "2025-02-30", "2025-03-10..2025-03-01"):
        with pytest.raises(PeriodError):
            parse_period(bad)
    assert last_closed("quarter", dt.date(2025, 4, 1)).code == "2025-Q1"
    assert last_closed("semester", dt.date(2025, 6, 30)).code == "2024-S2"
    assert [m.code for m in months_back(dt.date(2025, 2, 3), 3)] == [
        "2024-12",
        "2025-01",
        "2025-02",
    ]


# --------------------------------------------------------------------------- DESIGN.md examples


def test_worked_example_from_the_aggregates(session, org):
    store(session, [response(org["version"], org["unit"], scores(s), NOON) for s in WORKED])
    result = ikm(session, Slice(org["agency"].id))
    assert result.score == Decimal("77.78")
    assert result.score_exact == Fraction(84 * 25, 27)
    assert result.grade is Grade.B and result.grade.label.get("id") == "Baik"
    assert result.respondents == 3
    for key in ("U2", "U3", "U7"):
        element = result.element(key)
        assert (element.score, element.grade) == (Decimal("58.33"), Grade.D)
    assert [e.key for e in result.weakest(3)] == ["U2", "U3", "U7"]
    assert result.interval is not None and result.interval.low < result.score < result.interval.high


@pytest.mark.parametrize(
    ("answers", "score", "grade"),
    [
        ([[4, 4, 3, 4, 4, 4, 4, 3, 3]], "91.67", Grade.A),
        ([[4] * 9, [4] * 9], "100.00", Grade.A),
        ([[1] * 9], "25.00", Grade.D),
    ],
)
def test_design_examples(session, org, answers, score, grade):
    store(session, [response(org["version"], org["unit"], scores(a), NOON) for a in answers])
    result = ikm(session, Slice(org["agency"].id))
    assert (result.score, result.grade) == (Decimal(score), grade)


def _find_data(low: Fraction, high: Fraction) -> tuple[int, int]:
    """The fewest respondents (and their total score) whose exact IKM lies in [low, high)."""
    for n in range(1, 2000):
        total = math.ceil(low * 9 * n / 25)
        if 9 * n <= total <= 36 * n and Fraction(total * 25, 9 * n) < high:
            return n, total
    raise AssertionError("no data for this range")


def _spread(n: int, total: int) -> list[dict[str, int]]:
    """``n`` complete answers whose scores add up to ``total``."""
    rows = [[1] * 9 for _ in range(n)]
    left = total - 9 * n
    for row in rows:
        for i in range(9):
            step = min(3, left)
            row[i] += step
            left -= step
    assert left == 0
    return [scores(r) for r in rows]


@pytest.mark.parametrize(
    ("low", "high", "grade", "shown"),
    [
        ("88.305", "88.31", Grade.A, "88.31"),  # rounds up onto the A boundary
        ("88.295", "88.305", Grade.B, "88.30"),
        ("76.605", "76.61", Grade.B, "76.61"),  # 76.605 rounds to 76.61 → B
        ("76.595", "76.605", Grade.C, "76.60"),
        ("64.985", "64.995", Grade.D, "64.99"),
        ("64.995", "65.005", Grade.C, "65.00"),
    ],
)
def test_grade_boundaries_through_the_aggregates(session, org, low, high, grade, shown):
    n, total = _find_data(Fraction(low), Fraction(high))
    answers = _spread(n, total)
    store(session, [response(org["version"], org["unit"], a, NOON) for a in answers])
    result = ikm(session, Slice(org["agency"].id))
    assert result.score == Decimal(shown)
    assert result.grade is grade
    assert grade_for(Decimal(shown)) is grade


def test_legacy_weight_reproduces_old_spreadsheets(session, org):
    store(session, [response(org["version"], org["unit"], scores(s), NOON) for s in WORKED])
    agency = org["agency"]
    assert weight_for(agency) == Fraction(1, 9)
    agency.legacy_ikm_weight = True
    result = ikm(session, Slice(agency.id), weight=weight_for(agency))
    nrr_sum = sum(Fraction(sum(col), 3) for col in zip(*WORKED, strict=True))
    assert result.score_exact == nrr_sum * LEGACY_WEIGHT * 25
    assert result.score == Decimal("77.70")  # 28/9·0.111·25 … not 77.78


# --------------------------------------------------------------------------- slices


def test_slices_by_unit_subtree_counter_service_employee_version_and_flag(session, factory, org):
    agency, unit, version = org["agency"], org["unit"], org["version"]
    child = factory.unit(parent=unit, timezone=TimeZone.WITA)
    sibling = factory.unit(agency)
    child_point = factory.service_point(child)
    officer = factory.employee(unit)
    v2 = another_version(session, version)
    store(
        session,
        [
            response(version, unit, scores([4] * 9), NOON, point=org["point"], employee=officer),
            response(version, child, scores([3] * 9), NOON, point=child_point, service=None),
            response(v2, sibling, scores([2] * 9), NOON),
            response(version, unit, scores([1] * 9), NOON, service=org["service"], flagged=True),
        ],
    )
    base = Slice(agency.id)
    tree = UnitTree.load(session, agency.id)
    assert tree.subtree(unit.id) == {unit.id, child.id}

    def score(**kw: Any) -> Decimal | None:
        return ikm(session, base.replace(**kw)).score

    assert score() == Decimal("75.00")  # (4 + 3 + 2) / 3 × 25, flagged left out
    assert score(include_flagged=True) == Decimal("62.50")
    assert score(unit_ids=tree.subtree(unit.id)) == Decimal("87.50")
    assert score(unit_ids=frozenset({unit.id})) == Decimal("100.00")
    assert score(unit_ids=frozenset()) is None
    assert score(service_point_id=child_point.id) == Decimal("75.00")
    assert score(employee_id=officer.id) == Decimal("100.00")
    assert score(employee_id=0) == Decimal("62.50")  # credited to nobody: child and sibling
    assert score(service_id=0) == Decimal("75.00")
    assert score(service_id=org["service"].id) is None
    assert score(service_id=org["service"].id, include_flagged=True) == Decimal("25.00")
    assert score(survey_version_id=v2.id) == Decimal("50.00")
    by_unit = unit_results(session, base, tree, [unit.id, child.id, sibling.id])
    assert {u: r.score for u, r in by_unit.items()} == {
        unit.id: Decimal("87.50"),
        child.id: Decimal("75.00"),
        sibling.id: Decimal("50.00"),
    }
    assert response_total(session, base) == 3
    assert response_total(session, base.replace(include_flagged=True)) == 4


def test_flag_moves_take_a_response_out_and_back(session, org):
    stored = store(
        session,
        [response(org["version"], org["unit"], scores(s), NOON) for s in ([4] * 9, [2] * 9)],
    )
    base = Slice(org["agency"].id)
    assert ikm(session, base).score == Decimal("75.00")
    set_flag(session, stored[1], True, "uji")
    session.flush()
    assert ikm(session, base).score == Decimal("100.00")
    set_flag(session, stored[1], False, None)
    session.flush()
    assert ikm(session, base).score == Decimal("75.00")


def test_periods_follow_each_units_local_day(session, factory, org):
    agency, version = org["agency"], org["version"]
    west = factory.unit(agency, timezone=TimeZone.WIB)
    east = factory.unit(agency, timezone=TimeZone.WIT)
    # 31 March 16:30 UTC: 23.30 WIB still in March (Q1), 01.30 WIT already 1 April (Q2)
    moment = dt.datetime(2025, 3, 31, 16, 30, tzinfo=UTC)
    store(
        session,
        [
            response(version, west, scores([4] * 9), moment),
            response(version, east, scores([2] * 9), moment),
        ],
    )
    base = Slice(agency.id)
    assert ikm(session, base.within(parse_period("2025-Q1"))).score == Decimal("100.00")
    assert ikm(session, base.within(parse_period("2025-Q2"))).score == Decimal("50.00")
    monthly = ikm_by(session, base, ("unit", "month"))
    assert set(monthly) == {(west.id, (2025, 3)), (east.id, (2025, 4))}
    assert volume_by(session, base, ("date",)) == {
        (dt.date(2025, 3, 31),): 1,
        (dt.date(2025, 4, 1),): 1,
    }
    # Monday 31 March 23h WIB, Tuesday 1 April 01h WIT
    assert weekday_hour_counts(session, base) == {(0, 23): 1, (1, 1): 1}


def test_other_scale_questions_csat_nps_and_distribution(session, org):
    kiosk = another_version(session, org["version"], kiosk_smiley_template())
    answers = [
        {"kepuasan": 5, "kecepatan": 4, "keramahan": 5},
        {"kepuasan": 4, "kecepatan": 2, "keramahan": 5},
        {"kepuasan": 1, "kecepatan": 3},
        {"kepuasan": 5, "kecepatan": 5, "keramahan": 3},
    ]
    store(session, [response(kiosk, org["unit"], a, NOON) for a in answers])
    found = {item.key: item.summary for item in scale_summaries(session, Slice(org["agency"].id))}
    assert set(found) == {"kepuasan", "kecepatan", "keramahan"}
    assert found["kepuasan"].distribution == {1: 1, 2: 0, 3: 0, 4: 1, 5: 2}
    assert found["kepuasan"].csat == Decimal("75.00")
    assert found["kepuasan"].mean == Decimal("3.75")
    assert found["keramahan"].n == 3
    # no element answers: no IKM, and it says which elements are missing
    result = ikm(session, Slice(org["agency"].id))
    assert result.score is None and result.missing == ELEMENT_KEYS


def test_populations_tile_periods_and_give_the_minimum_sample(session, factory, org):
    unit = org["unit"]
    other = factory.unit(org["agency"])
    quarter = parse_period("2025-Q1")
    for month, population in (("2025-01", 300), ("2025-02", 400), ("2025-03", 300)):
        save_population(session, unit.id, parse_period(month), population)
    save_population(session, other.id, parse_period("2025-01"), 50)
    assert population_for(session, unit.id, quarter) == 1000
    assert population_for(session, other.id, quarter) is None  # February and March missing
    save_population(session, other.id, quarter, 100)
    assert populations_for(session, [unit.id, other.id], quarter) == {unit.id: 1000, other.id: 100}
    save_population(session, other.id, quarter, 500)  # a correction, not a second row
    figures = session.execute(
        select(UnitPopulation.period_end, UnitPopulation.population)
        .where(UnitPopulation.unit_id == other.id)
        .order_by(UnitPopulation.period_end)
    ).all()
    assert figures == [(dt.date(2025, 1, 31), 50), (quarter.end, 500)]
    status = sample_status(1000, 250)
    assert (status.minimum, status.reached, status.shortfall) == (278, False, 28)


def test_population_import_checks_every_row_first(session, factory, org):
    unit = org["unit"]
    unit.code = "DUKCAPIL"
    hidden = factory.unit(org["agency"], code="RAHASIA")
    session.flush()
    rows = [
        {"kode_unit": "dukcapil", "periode": "2025-Q1", "populasi": "1.000"},
        {"kode_unit": "DUKCAPIL", "mulai": "2025-04-01", "selesai": "2025-04-30", "populasi": 7},
        {"kode_unit": "TIDAKADA", "periode": "2025-Q1", "populasi": "5"},
        {"kode_unit": "DUKCAPIL", "periode": "2025-Q9", "populasi": "5"},
        {"kode_unit": "DUKCAPIL", "periode": "2025-Q1", "populasi": "-3"},
        {"kode_unit": "RAHASIA", "periode": "2025-Q1", "populasi": "5"},
    ]
    checked = check_import(
        session, rows, [2, 3, 4, 5, 6, 7], agency_id=org["agency"].id, unit_ids=[unit.id]
    )
    assert [n for n, _ in checked.problems] == [4, 5, 6, 7]  # RAHASIA is beyond the scope
    assert not checked.ok
    assert checked.rows[0] == (unit.id, parse_period("2025-Q1"), 1000)
    assert checked.rows[1][2] == 7
    assert hidden.id not in {r[0] for r in checked.rows}


def test_comments_negative_first_within_a_bounded_window(session, org):
    version, unit = org["version"], org["unit"]
    rows = [
        response(version, unit, {**scores([4] * 9), "saran": "Bagus sekali"}, NOON),
        response(version, unit, {**scores([1] * 9), "perbaikan": "Antre lama"}, NOON),
        response(version, unit, scores([1] * 9), NOON),  # no text: not a comment
        response(
            version,
            unit,
            {**scores([3, 3, 3, 3, 3, 3, 2, 3, 3]), "saran": "Petugas kurang ramah"},
            NOON + dt.timedelta(hours=1),
        ),
        response(version, unit, {**scores([1] * 9), "saran": "Spam"}, NOON, flagged=True),
    ]
    store(session, rows)
    feed = comment_feed(session, Slice(org["agency"].id))
    texts = [c.texts[0][2] for c in feed.comments]
    assert texts == ["Antre lama", "Petugas kurang ramah", "Bagus sekali"]
    assert feed.comments[1].low_elements == ("U7",)
    assert not feed.truncated
    negative = comment_feed(session, Slice(org["agency"].id), tone="negative")
    assert [c.texts[0][2] for c in negative.comments] == ["Antre lama", "Petugas kurang ramah"]
    positive = comment_feed(session, Slice(org["agency"].id), tone="positive")
    assert [c.texts[0][2] for c in positive.comments] == ["Bagus sekali"]
    window = comment_feed(session, Slice(org["agency"].id), window=1)
    assert [c.texts[0][2] for c in window.comments] == ["Petugas kurang ramah"]  # the newest
    assert window.truncated


def test_respondent_groups_from_raw_rows_and_profile_from_counts(session, org):
    version, unit = org["version"], org["unit"]
    store(
        session,
        [
            response(version, unit, {**scores([4] * 9), "jenis_kelamin": "perempuan"}, NOON),
            response(version, unit, {**scores([2] * 9), "jenis_kelamin": "laki_laki"}, NOON),
            response(version, unit, {**scores([3] * 9), "jenis_kelamin": "perempuan"}, NOON),
            response(version, unit, scores([1] * 9), NOON),
        ],
    )
    base = Slice(org["agency"].id)
    groups = ikm_by_group(session, base, "gender")
    assert [(g.value, g.respondents, g.ikm.score) for g in groups] == [
        ("laki_laki", 1, Decimal("50.00")),
        ("perempuan", 2, Decimal("87.50")),
        (None, 1, Decimal("25.00")),
    ]
    assert respondent_profile(session, base)["gender"] == {"perempuan": 2, "laki_laki": 1}


# --------------------------------------------------------------------------- property test

ZONES = [TimeZone.WIB, TimeZone.WITA, TimeZone.WIT]
#: 29 March 12:00 UTC + up to four days: the end of a month and of a quarter in every zone
START = dt.datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
MINUTES = 4 * 24 * 60

answer_values = st.lists(st.one_of(st.integers(1, 4), st.none()), min_size=9, max_size=9).filter(
    lambda v: any(x is not None for x in v)
)
raw_response = st.fixed_dictionaries(
    {
        "unit": st.integers(0, 3),
        "point": st.booleans(),
        "service": st.booleans(),
        "employee": st.sampled_from([None, 0, 1]),
        "version": st.integers(0, 1),
        "flagged": st.booleans(),
        "minute": st.integers(0, MINUTES),
        "scores": st.one_of(st.lists(st.integers(1, 4), min_size=9, max_size=9), answer_values),
    }
)
PERIOD_KINDS = ["day", "week", "month", "quarter", "semester", "custom"]


@st.composite
def slices(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(PERIOD_KINDS))
    anchor = dt.date(2025, 3, 28) + dt.timedelta(days=draw(st.integers(0, 5)))
    if kind == "custom":
        period = Period.custom(anchor, anchor + dt.timedelta(days=draw(st.integers(0, 3))))
    else:
        period = Period.containing(kind, anchor)
    return {
        "period": period,
        "unit": draw(st.sampled_from([None, 0, 1, 2, 3])),
        "point": draw(st.sampled_from([None, 0, 1, 2, 3])),
        "service": draw(st.sampled_from([None, "none", 0, 1])),
        "employee": draw(st.sampled_from([None, "none", 0, 1])),
        "version": draw(st.sampled_from([None, 0, 1])),
        "include_flagged": draw(st.booleans()),
    }


@pytest.fixture()
def world(session, factory):
    """Units in all three zones: root (WIB) → a (WITA), root → b (WIT), and c (WIT) on its own."""
    agency = factory.agency()
    root = factory.unit(agency, timezone=TimeZone.WIB)
    units = [
        root,
        factory.unit(parent=root, timezone=TimeZone.WITA),
        factory.unit(parent=root, timezone=TimeZone.WIT),
        factory.unit(agency, timezone=TimeZone.WIT),
    ]
    first = skm_version(session, agency)
    return {
        "agency": agency,
        "units": units,
        "points": [factory.service_point(u) for u in units],
        "services": [factory.service(u) for u in units[:2]],
        "employees": [factory.employee(units[0]), factory.employee(units[1])],
        "versions": [first, another_version(session, first)],
        "tree": UnitTree.load(session, agency.id),
        "rollups": rollups.ROLLUPS,
    }


def _expected(world: dict, rows: list[dict], chosen: dict) -> list[dict]:
    """The raw answers of the slice, filtered in plain Python."""
    units, period = world["units"], chosen["period"]
    subtree = None
    if chosen["unit"] is not None:
        subtree = world["tree"].subtree(units[chosen["unit"]].id)
    picked = []
    for row in rows:
        unit = units[row["unit"]]
        local = (START + dt.timedelta(minutes=row["minute"])).astimezone(
            ZoneInfo(unit.timezone.iana)
        )
        if local.date() not in period:
            continue
        if subtree is not None and unit.id not in subtree:
            continue
        if chosen["point"] is not None and not (row["point"] and row["unit"] == chosen["point"]):
            continue
        service = row["service"] and row["unit"] < 2
        if chosen["service"] == "none" and service:
            continue
        if chosen["service"] not in (None, "none") and not (
            service and row["unit"] == chosen["service"]
        ):
            continue
        if chosen["employee"] == "none" and row["employee"] is not None:
            continue
        if chosen["employee"] not in (None, "none") and row["employee"] != chosen["employee"]:
            continue
        if chosen["version"] is not None and row["version"] != chosen["version"]:
            continue
        if row["flagged"] and not chosen["include_flagged"]:
            continue
        picked.append(row)
    return picked


def _slice(world: dict, chosen: dict) -> Slice:
    def pick(name: str, objects: list) -> int | None:
        value = chosen[name]
        if value is None:
            return None
        return 0 if value == "none" else objects[value].id

    return Slice(
        world["agency"].id,
        unit_ids=None
        if chosen["unit"] is None
        else world["tree"].subtree(world["units"][chosen["unit"]].id),
        service_point_id=pick("point", world["points"]),
        service_id=pick("service", world["services"]),
        employee_id=pick("employee", world["employees"]),
        survey_version_id=pick("version", world["versions"]),
        include_flagged=chosen["include_flagged"],
    ).within(chosen["period"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(raw_response, min_size=0, max_size=14),
    chosen=st.lists(slices(), min_size=1, max_size=3),
)
def test_ikm_from_aggregates_equals_ikm_from_raw_answers(session, world, rows, chosen):
    savepoint = session.begin_nested()
    try:
        stored = []
        for row in rows:
            unit = world["units"][row["unit"]]
            answers = {k: v for k, v in zip(ELEMENT_KEYS, row["scores"], strict=True) if v}
            stored.append(
                response(
                    world["versions"][row["version"]],
                    unit,
                    answers,
                    START + dt.timedelta(minutes=row["minute"]),
                    point=world["points"][row["unit"]] if row["point"] else None,
                    service=world["services"][row["unit"]]
                    if row["service"] and row["unit"] < 2
                    else None,
                    employee=world["employees"][row["employee"]]
                    if row["employee"] is not None
                    else None,
                    flagged=row["flagged"],
                )
            )
        store(session, stored)
        for choice in chosen:
            slice_ = _slice(world, choice)
            expected_rows = _expected(world, rows, choice)
            raw = ikm_from_responses(
                [dict(zip(ELEMENT_KEYS, r["scores"], strict=True)) for r in expected_rows]
            )
            from_counts = ikm(session, slice_)
            assert from_counts.score == raw.score
            aggregates = element_aggregates(session, slice_).get((), {})
            assert ikm_score(aggregates) == raw.score
            assert ikm_score(aggregates, weight=LEGACY_WEIGHT) == (
                ikm_from_aggregates(aggregates, weight=LEGACY_WEIGHT).score
            )
            assert from_counts.grade == raw.grade
            assert from_counts.interval == raw.interval
            assert [(e.n, e.total) for e in from_counts.elements] == [
                (e.n, e.total) for e in raw.elements
            ]
            # the raw-row filter (comments, groups) selects the same responses
            found = session.scalars(select(Response.id).where(*slice_.response_filters())).all()
            assert len(found) == len(expected_rows)
            assert response_total(session, slice_) == len(expected_rows)
        # the roll-ups, kept in step by the same writes, give the same figures wherever
        # they apply
        for choice in chosen:
            slice_ = _slice(world, choice)
            with rollups.registered(()):
                daily = (ikm(session, slice_), element_aggregates(session, slice_, ("unit",)))
            with rollups.registered(world["rollups"].values()):
                rolled = (ikm(session, slice_), element_aggregates(session, slice_, ("unit",)))
                total = response_total(session, slice_)
            assert rolled[0] == daily[0]
            assert rolled[1] == daily[1]
            assert total == len(_expected(world, rows, choice))
    finally:
        savepoint.rollback()


def test_a_month_rollup_is_used_only_where_it_answers_exactly(world):
    tables = world["rollups"]
    month = Slice(world["agency"].id).within(parse_period("2025-Q1"))
    with rollups.registered(tables.values()):
        assert rollups.source("answers", month) is tables["answers"]
        assert rollups.source("answers", month, ("unit", "month")) is tables["answers"]
        assert rollups.source("answers", month, ("date",)) is rollups.BASE["answers"]
        partial = month.replace(end=dt.date(2025, 3, 30))
        assert rollups.source("answers", partial) is rollups.BASE["answers"]
        counter = month.replace(service_point_id=world["points"][0].id)
        assert rollups.source("answers", counter) is rollups.BASE["answers"]
        assert rollups.source("volume", partial, ("date",)) is tables["volume"]
    with rollups.registered(()):
        assert rollups.source("answers", month) is rollups.BASE["answers"]
