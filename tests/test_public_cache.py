"""The per-process cache of what a public token leads to (PUBLIC_CACHE_SECONDS).

The rest of the suite runs with the cache off (tests/conftest.py); here it is on.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, func, select, update

from feedback_app.db import utcnow
from feedback_app.models import Response, RosterEntry, Unit
from feedback_app.public import cache as public_cache
from feedback_app.public.links import (
    ensure_counter_link,
    ensure_default_survey,
    regenerate_counter_link,
)

ELEMENTS = [f"U{i}" for i in range(1, 10)]
PER_FORM = re.compile(r'name="(csrf_token|form_key)" value="[^"]+"|nonce="[^"]+"')


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 30)
    clock = Clock()
    monkeypatch.setattr(public_cache.time, "monotonic", clock)
    public_cache.clear()
    yield clock
    public_cache.clear()


@pytest.fixture()
def counter(session, factory):
    unit = factory.unit(name="Dinas Kependudukan dan Pencatatan Sipil")
    point = factory.service_point(unit=unit, name="Loket 1")
    service = factory.service(unit=unit, name="Perekaman KTP-el")
    ensure_default_survey(session, unit.agency_id)
    link = ensure_counter_link(session, point)
    session.flush()
    return {"unit": unit, "point": point, "service": service, "link": link}


def rename_unit_behind_the_orms_back(session, unit_id: int, name: str) -> None:
    """A change no ORM event sees (like one made by another worker process)."""
    session.connection().execute(update(Unit.__table__).where(Unit.id == unit_id).values(name=name))


def page_of(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return PER_FORM.sub("", page.get_data(as_text=True))


def test_the_cached_page_is_the_page(client, session, counter, clock, app, monkeypatch):
    url = f"/s/{counter['link'].token}"
    first = page_of(client, url)  # resolved and cached
    second = page_of(client, url)  # from the cache
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 0)
    uncached = page_of(client, url)
    assert first == second == uncached
    assert "Dinas Kependudukan dan Pencatatan Sipil" in first and "Perekaman KTP-el" in first


def test_entries_expire_after_the_ttl(client, session, counter, clock):
    url = f"/s/{counter['link'].token}"
    assert "Dinas Kependudukan" in page_of(client, url)
    rename_unit_behind_the_orms_back(session, counter["unit"].id, "Dinas Baru")
    clock.now += 29
    assert "Dinas Kependudukan" in page_of(client, url)  # still the cached values
    assert "Dinas Kependudukan" in client.get(url + "/terima-kasih").get_data(as_text=True)
    clock.now += 2
    assert "Dinas Baru" in page_of(client, url)
    assert "Dinas Baru" in client.get(url + "/terima-kasih").get_data(as_text=True)


def test_zero_seconds_means_no_cache(client, session, counter, clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 0)
    url = f"/s/{counter['link'].token}"
    assert "Dinas Kependudukan" in page_of(client, url)
    rename_unit_behind_the_orms_back(session, counter["unit"].id, "Dinas Baru")
    assert "Dinas Baru" in page_of(client, url)


def test_an_orm_change_clears_the_cache_at_once(client, session, counter, clock):
    url = f"/s/{counter['link'].token}"
    assert "Dinas Kependudukan" in page_of(client, url)
    counter["unit"].name = "Dinas Baru"
    session.flush()
    assert "Dinas Baru" in page_of(client, url)


def test_a_regenerated_link_is_retired_at_once(client, session, counter, clock):
    old = f"/s/{counter['link'].token}"
    page_of(client, old)
    client.get(old + "/terima-kasih")
    new = regenerate_counter_link(session, counter["point"])
    session.flush()
    assert client.get(old).status_code == 410
    assert client.get(f"/s/{new.token}").status_code == 200


def test_answers_are_stored_through_the_cache(client, session, counter, clock):
    url = f"/s/{counter['link'].token}"
    for score in ("4", "3"):  # the second round trip runs on cached values
        html = client.get(url).get_data(as_text=True)
        fields = dict(re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', html))
        data = {**fields, "layanan": str(counter["service"].id), **dict.fromkeys(ELEMENTS, score)}
        sent = client.post(url, data=data)
        assert sent.status_code == 303
        assert client.post(url, data=data).status_code == 303  # a double tap stores once
        assert "Terima kasih" in client.get(sent.headers["Location"]).get_data(as_text=True)
    rows = session.scalars(select(Response).order_by(Response.id)).all()
    assert len(rows) == 2
    for row in rows:
        assert row.unit_id == counter["unit"].id
        assert row.service_point_id == counter["point"].id
        assert row.agency_id == counter["unit"].agency_id
        assert row.service_id == counter["service"].id
    assert session.scalar(select(func.count()).select_from(Response)) == 2


def test_unknown_tokens_are_not_cached(client, session, counter, clock, app):
    assert client.get("/s/doesnotexist1").status_code == 404
    entries = app.extensions.get("public_cache", {})
    assert ("link", "doesnotexist1") not in entries


def test_the_roster_is_read_once_and_who_is_on_duty_follows_the_clock(
    app, client, session, factory, counter, clock
):
    point = counter["point"]
    now = utcnow().replace(microsecond=0)
    leaving = factory.employee(unit=counter["unit"], name="Budi Santoso")
    arriving = factory.employee(unit=counter["unit"], name="Ani Lestari")
    factory.roster(leaving, point, now - dt.timedelta(hours=8, seconds=-10))  # ends in 10 s
    factory.roster(arriving, point, now + dt.timedelta(seconds=20))
    session.flush()
    public_cache.clear()

    def names(at: dt.datetime) -> list[str]:
        with app.app_context():
            return [o.name for o in public_cache.officers_on_duty(session, point.id, at)]

    statements: list[str] = []
    engine = session.get_bind()
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert names(now) == ["Budi Santoso"]
        assert names(now + dt.timedelta(seconds=15)) == []  # between the two shifts
        assert names(now + dt.timedelta(seconds=25)) == ["Ani Lestari"]
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert len([s for s in statements if "roster_entries" in s]) == 1  # one read for all three

    # the form shows the officer on duty, and a roster change in this process is seen at once
    url = f"/s/{counter['link'].token}"
    assert "Anda dilayani oleh Budi Santoso" in client.get(url).get_data(as_text=True)
    session.delete(session.scalars(select(RosterEntry).filter_by(employee_id=leaving.id)).one())
    session.flush()
    assert "Anda dilayani oleh" not in client.get(url).get_data(as_text=True)
