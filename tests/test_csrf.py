"""Every form carries a CSRF token; a POST without a valid one changes nothing.

The pages come from the application's url_map, so a new page with a form is
checked without anyone adding it here.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.crud import entity_for_endpoint
from feedback_app.main import NAVIGATION
from feedback_app.models import (
    Agency,
    Employee,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    Unit,
    User,
)
from tests.conftest import csrf_token, login
from tests.factories import Factory

#: blueprints whose pages are for signed-in staff: those of the main menu
STAFF_BLUEPRINTS = {endpoint.split(".")[0] for endpoint, _label, _p in NAVIGATION}


class PostForms(HTMLParser):
    """Each <form method="post"> of a page, with the names of its inputs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._open: dict[str, object] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._open = {"action": a.get("action") or "", "inputs": {}}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and a.get("name"):
            self._open["inputs"][a["name"]] = a.get("value") or ""  # type: ignore[index]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


@pytest.fixture()
def records(factory: Factory) -> dict[type, object]:
    """One record of each kind, so every edit page has something to show."""
    unit = factory.unit()
    point = factory.service_point(unit)
    employee = factory.employee(unit)
    return {
        Agency: unit.agency,
        Unit: unit,
        ServicePoint: point,
        Service: factory.service(unit),
        Employee: employee,
        RosterEntry: factory.roster(employee, point, dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)),
        User: factory.user(Role.DESIGNER, agency=unit.agency),
    }


def staff_urls(app: Flask, records: dict[type, object], method: str) -> dict[str, str]:
    """URL of every ``method`` route of the staff areas, with a record for those that need one."""
    adapter = app.url_map.bind("localhost")
    urls = {}
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint.split(".")[0] not in STAFF_BLUEPRINTS:
            continue
        values = {}
        if rule.arguments - set(rule.defaults or {}):
            found = entity_for_endpoint(rule.endpoint)
            if rule.arguments - set(rule.defaults or {}) != {"object_id"} or found is None:
                continue
            values["object_id"] = records[found[0].model].id
        urls[rule.endpoint] = adapter.build(rule.endpoint, values)
    return urls


def test_every_form_carries_a_csrf_token(app, client, factory, records):
    admin = factory.user(Role.ADMIN, name="Admin Sistem")
    token_pages = {"/login": client.get("/login")}
    login(client, admin.email)
    for url in staff_urls(app, records, "GET").values():
        token_pages[url] = client.get(url)
    token_pages["/"] = client.get("/")

    with_forms = []
    for url, response in token_pages.items():
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for form in PostForms(response.get_data(as_text=True)).forms:
            assert form["inputs"].get("csrf_token"), (url, form["action"])
            with_forms.append(url)
    # the login page, home (sign-out button), and a list, a new and an edit page per entity
    assert len(set(with_forms)) >= 2 + 3 * 7, sorted(set(with_forms))


def snapshot(session: Session) -> dict[str, object]:
    session.expire_all()
    counts = {
        m.__name__: session.scalar(select(func.count()).select_from(m))
        for m in (Agency, Unit, ServicePoint, Service, Employee, RosterEntry, User)
    }
    actives = {
        m.__name__: session.scalar(select(func.count()).select_from(m).where(m.active.is_(True)))
        for m in (Agency, Unit, ServicePoint, Service, Employee, RosterEntry, User)
    }
    return {"counts": counts, "active": actives}


@pytest.mark.parametrize("token", [None, "", "bukan-token-yang-sah"])
def test_posts_without_a_valid_token_change_nothing(app, client, session, factory, records, token):
    admin = factory.user(Role.ADMIN)
    login(client, admin.email)
    before = snapshot(session)
    urls = list(staff_urls(app, records, "POST").values())
    assert len(urls) >= 4 * 7 + 2  # new, edit, deactivate, activate per entity; login, logout
    for url in urls:
        data = {"code": "BARU", "name": "Baru", "timezone": "WIB", "kind": "dinas"}
        if token is not None:
            data["csrf_token"] = token
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        page = response.get_data(as_text=True)
        assert "text/html" in response.content_type
        assert "Formulir kedaluwarsa" in page and "Muat ulang halaman" in page, url
    assert snapshot(session) == before
    assert client.get("/org/units/").status_code == 200  # still signed in


def test_a_token_from_another_browser_is_refused(app, client, session, records):
    unit = records[Unit]
    other_browser = app.test_client()
    stolen = csrf_token(other_browser, "/login")
    login(client, records[User].email)
    response = client.post("/logout", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert client.get("/org/units/").status_code == 200
    assert unit.active


def test_signing_in_without_a_token_is_a_friendly_page(client, records):
    response = client.post("/login", data={"email": records[User].email, "password": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Formulir kedaluwarsa" in page and "Muat ulang halaman" in page
    assert 'href="/"' in page
