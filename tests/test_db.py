"""Connection settings and timestamps behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from feedback_app.db import UTCDateTime
from feedback_app.models import Agency, RosterEntry


def test_sqlite_connection_pragmas(app, session):
    if session.bind.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    pragma = lambda name: session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("busy_timeout") >= 1000


def test_foreign_keys_are_enforced(session):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO service_points (unit_id, code, name, active, created_at, updated_at)"
                " VALUES (999999, 'X', 'X', true, :now, :now)"
            ),
            {"now": dt.datetime(2026, 1, 1)},  # noqa: DTZ001 - raw driver value
        )


def test_timestamps_come_back_aware_and_in_utc(session, factory):
    jayapura = ZoneInfo("Asia/Jayapura")
    starts = dt.datetime(2026, 3, 2, 8, 0, tzinfo=jayapura)  # 08:00 WIT = 23:00 UTC the day before
    employee = factory.employee()
    point = factory.service_point(unit=employee.unit)
    entry = factory.roster(employee, point, starts)
    session.expunge_all()

    loaded = session.scalars(select(RosterEntry).where(RosterEntry.id == entry.id)).one()
    assert loaded.starts_at.tzinfo is not None
    assert loaded.starts_at.utcoffset() == dt.timedelta(0)
    assert loaded.starts_at == dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)
    assert loaded.starts_at.astimezone(jayapura).hour == 8

    agency = session.scalars(select(Agency).where(Agency.id == employee.agency_id)).one()
    assert agency.created_at.tzinfo is not None


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1), None)  # noqa: DTZ001
