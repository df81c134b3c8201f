"""Dashboard counts kept in the submission's transaction equal a rebuild from raw rows."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, select

from feedback_app.models import AnswerCount, Response, ResponseCount, TimeZone
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.results import rollups
from feedback_app.results.aggregates import rebuild, set_flag

ELEMENTS = [f"U{i}" for i in range(1, 10)]


def _snapshot(session) -> tuple[dict, dict]:
    responses = {
        (
            r.unit_id,
            r.service_point_id,
            r.employee_id,
            r.local_date,
            r.local_hour,
            r.flagged,
        ): r.count
        for r in session.scalars(select(ResponseCount))
        if r.count
    }
    answers = {
        (a.unit_id, a.service_point_id, a.local_date, a.flagged, a.question_key, a.value): a.count
        for a in session.scalars(select(AnswerCount))
        if a.count
    }
    return responses, answers


def _rollups(session) -> dict[str, dict]:
    """The roll-ups' non-zero counts, by table and key (without the id)."""
    snapshot = {}
    for kind, rollup in rollups.ROLLUPS.items():
        columns = [c for c in rollup.table.c if c.name not in ("id", "count")]
        rows = session.execute(select(*columns, rollup.table.c["count"])).all()
        snapshot[kind] = {tuple(row[:-1]): row[-1] for row in rows if row[-1]}
    return snapshot


def _submit(client, token: str, data: dict) -> None:
    client.delete_cookie("session", domain="localhost")  # another citizen's phone
    page = client.get(f"/s/{token}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page))
    assert client.post(f"/s/{token}", data={**fields, **data}).status_code == 303


def test_incremental_counts_equal_a_rebuild(app, client, session, factory, monkeypatch):
    monkeypatch.setitem(app.config, "ABUSE_BURST_SIZE", 3)
    unit = factory.unit(timezone=TimeZone.WIT)
    other = factory.unit(agency=unit.agency, parent=unit)
    points = [factory.service_point(unit=unit), factory.service_point(unit=other)]
    service = factory.service(unit=unit)
    ensure_default_survey(session, unit.agency_id)
    tokens = [ensure_counter_link(session, p).token for p in points]

    for i in range(7):
        scores = {key: str(1 + (i + n) % 4) for n, key in enumerate(ELEMENTS)}
        extra = {"layanan": str(service.id)} if i % 2 == 0 else {}
        _submit(client, tokens[i % 2], {**scores, **extra, "jenis_kelamin": "laki_laki"})
    # three identical answers in a row at one counter: a flagged burst
    for _ in range(3):
        _submit(client, tokens[0], {**dict.fromkeys(ELEMENTS, "4"), "layanan": str(service.id)})

    flagged = session.scalars(select(Response).where(Response.flagged.is_(True))).all()
    assert len(flagged) == 3
    # an admin clears one flag: its counts move back to the unflagged bucket
    set_flag(session, flagged[0], False, None)
    session.flush()

    incremental = _snapshot(session)
    assert sum(incremental[0].values()) == 10
    assert sum(n for k, n in incremental[1].items() if k[4] == "U1") == 10
    # the dashboard's roll-ups move with the daily tables, flag changes included
    rolled = _rollups(session)
    assert sum(rolled["volume"].values()) == sum(rolled["hours"].values()) == 10
    assert {k[4] for k in rolled["volume"]} == {False, True}
    # … and equal what ``fill`` (the migration's data step) makes of the daily tables
    for rollup in rollups.ROLLUPS.values():
        session.execute(delete(rollup.table))
    rollups.fill(session)
    assert _rollups(session) == rolled
    rollups.fill(session)  # tables with rows are left alone
    assert _rollups(session) == rolled
    rebuild(session)
    session.expire_all()
    assert _snapshot(session) == incremental
    assert _rollups(session) == rolled


def test_local_day_and_hour_follow_the_unit_time_zone(client, session, factory):
    unit = factory.unit(timezone=TimeZone.WITA)
    point = factory.service_point(unit=unit)
    ensure_default_survey(session, unit.agency_id)
    token = ensure_counter_link(session, point).token
    _submit(client, token, dict.fromkeys(ELEMENTS, "3"))
    row = session.scalars(select(ResponseCount)).one()
    response = session.scalars(select(Response)).one()
    local = response.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (row.local_date, row.local_hour) == (local.date(), local.hour)
