"""Every form carries a CSRF token; a POST without a valid one changes nothing.

The pages come from the application's url_map, so a new page with a form is
checked without anyone adding it here.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
from feedback_app.models.responses import ApiToken, PublicLink
from tests.conftest import csrf_token, login
from tests.factories import Factory
from tests.test_scope import STAFF, World, build_world, id_argument, record_kind, sign_in


@pytest.fixture()
def world(factory: Factory) -> World:
    """Two agencies with one record of each kind per unit (see tests/test_scope.py)."""
    return build_world(factory)


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


def staff_urls(app: Flask, world: World, method: str) -> dict[str, str]:
    """Every staff address answering ``method``, about the signed-in user's own records."""
    adapter = app.url_map.bind("localhost")
    urls = {}
    for endpoint in STAFF:
        rule = next(app.url_map.iter_rules(endpoint))
        key, kind = id_argument(rule), record_kind(endpoint)
        if method not in rule.methods or set(rule.arguments) - set(rule.defaults or {}) - {key}:
            continue  # files such as qr.<fmt> have no forms
        if key and kind is None:
            continue  # a record only its owner sees (an export job)
        values = {key: world.objects[kind]["mine"].id} if key else {}
        urls[endpoint] = adapter.build(endpoint, values)
    return urls


def test_every_form_carries_a_csrf_token(app, client, world):
    pages = {"/login": client.get("/login")}
    sign_in(app, client, world.actors["admin"])
    for url in staff_urls(app, world, "GET").values():
        pages[url] = client.get(url)

    with_forms = set()
    for url, response in pages.items():
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for form in PostForms(response.get_data(as_text=True)).forms:
            assert form["inputs"].get("csrf_token"), (url, form["action"])
            with_forms.add(url)
    # the login page, home (sign-out button), and a list, a new and an edit page per entity
    assert len(with_forms) >= 2 + 3 * 7, sorted(with_forms)


def snapshot(session: Session) -> dict[str, object]:
    """How many records of each kind there are, and how many are in use."""
    session.expire_all()
    switchable = (Agency, Unit, ServicePoint, Service, Employee, RosterEntry, User, ApiToken)
    counts = {
        m.__name__: session.scalar(select(func.count()).select_from(m))
        for m in (*switchable, PublicLink)
    }
    in_use = {
        m.__name__: session.scalar(select(func.count()).select_from(m).where(m.active.is_(True)))
        for m in switchable
    }
    in_use["PublicLink"] = session.scalar(
        select(func.count()).select_from(PublicLink).where(PublicLink.retired_at.is_(None))
    )
    return {"counts": counts, "in use": in_use}


@pytest.mark.parametrize("token", [None, "", "bukan-token-yang-sah"])
def test_posts_without_a_valid_token_change_nothing(app, client, session, world, token):
    login(client, world.actors["admin"].email)
    before = snapshot(session)
    urls = ["/login", *staff_urls(app, world, "POST").values()]
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


def test_a_token_from_another_browser_is_refused(app, client, session, factory):
    unit = factory.unit()
    sign_in(app, client, factory.user(Role.AGENCY_ADMIN, agency=unit.agency))
    stolen = csrf_token(app.test_client(), "/login")
    response = client.post(f"/org/units/{unit.id}/deactivate", data={"csrf_token": stolen})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Unit, unit.id).active
    response = client.post("/logout", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert client.get("/org/units/").status_code == 200


def test_signing_in_without_a_token_is_a_friendly_page(client, factory):
    response = client.post("/login", data={"email": factory.user().email, "password": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Formulir kedaluwarsa" in page and "Muat ulang halaman" in page
    assert 'href="/"' in page
