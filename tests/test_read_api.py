"""The read API: token scope, cursor pages, scores as in the exports, OpenAPI, Schemathesis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from feedback_app import exports_web, read_api
from feedback_app.models import AuditEntry
from feedback_app.staff.service import create_api_token
from tests.conftest import make_test_app
from tests.exports_data import World, build_world


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_test_app(
        database_url,
        tmp_path_factory,
        HUEY_IMMEDIATE=True,
        EXPORT_DIR=str(tmp_path_factory.mktemp("api-exports")),
    )
    if "exports_web" not in app.blueprints:
        exports_web.init_app(app)
    if "read_api" not in app.blueprints:
        read_api.init_app(app)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture()
def world(session, factory) -> World:
    return build_world(session, factory)


@pytest.fixture()
def tokens(session, world) -> dict[str, str]:
    _, agency = create_api_token(session, agency_id=world.agency.id, unit_id=None, name="BI")
    _, unit = create_api_token(session, agency_id=world.agency.id, unit_id=world.dinas.id, name="U")
    _, other = create_api_token(session, agency_id=world.other_agency.id, unit_id=None, name="O")
    session.flush()
    return {"agency": agency, "unit": unit, "other": other}


def get(client, url: str, token: str | None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers, query_string=params)


def test_requires_a_token(client, world):
    for url in ("/api/v1/read/responses", "/api/v1/read/scores", "/api/v1/read/organisation"):
        response = get(client, url, None)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert get(client, url, "wrong").status_code == 401


def test_responses_cursor_pages(client, session, world, tokens):
    seen = []
    url, params = "/api/v1/read/responses", {"period": "2025", "limit": 2}
    while True:
        page = get(client, url, tokens["agency"], **params).get_json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {**params, "cursor": page["next_cursor"]}
    assert seen == sorted(r.id for r in world.responses[:5])
    first = get(client, url, tokens["agency"], period="2025", limit=1).get_json()["items"][0]
    assert first["unit"] == {"id": world.dinas.id, "name": world.dinas.name}
    assert first["local_time"] == "2025-03-10T09:30:00+07:00"
    assert first["answers"]["U1"] == 3
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "api.responses" and entry.user_id is None
    assert entry.api_token_id is not None


def test_unit_token_stays_in_its_subtree(client, world, tokens):
    page = get(client, "/api/v1/read/responses", tokens["unit"], period="2025").get_json()
    assert {item["unit"]["id"] for item in page["items"]} == {world.dinas.id, world.bidang.id}
    for params in (
        {"unit": world.puskesmas.id},
        {"unit": world.other_unit.id},
        {"service_point": world.point_puskesmas.id},
    ):
        assert get(client, "/api/v1/read/responses", tokens["unit"], **params).status_code == 404
        assert get(client, "/api/v1/read/scores", tokens["unit"], **params).status_code == 404
    organisation = get(client, "/api/v1/read/organisation", tokens["unit"]).get_json()
    assert {u["id"] for u in organisation["units"]} == {world.dinas.id, world.bidang.id}
    assert (
        get(client, "/api/v1/read/scores", tokens["other"], unit=world.dinas.id).status_code == 404
    )


def test_scores_match_the_regulation_example(client, world, tokens):
    body = get(client, "/api/v1/read/scores", tokens["agency"], period="2025").get_json()
    units = {u["unit"]["id"]: u for u in body["units"]}
    dinas = units[world.dinas.id]
    assert dinas["respondents"] == 3
    assert dinas["ikm"] == 77.78 and dinas["grade"] == "B" and dinas["performance"] == "Baik"
    u2 = next(e for e in dinas["elements"] if e["key"] == "U2")
    assert u2["score"] == 58.33 and u2["grade"] == "D"
    assert dinas["population"] == 10 and dinas["minimum_sample"] == 10
    assert dinas["sample_reached"] is False
    assert units[world.puskesmas.id]["ikm"] == 100.0
    assert body["overall"]["respondents"] == 5


def test_bad_parameters_are_400(client, world, tokens):
    for params in (
        {"cursor": "!!!"},
        {"limit": 0},
        {"limit": "x"},
        {"period": "2025-13"},
        {"date_from": "2025-02-30"},
        {"unit": "abc"},
        {"nonsense": 1},
        {"include_flagged": "maybe"},
    ):
        response = get(client, "/api/v1/read/responses", tokens["agency"], **params)
        assert response.status_code == 400, params
        assert "error" in response.get_json()


def test_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/read/responses", "/api/v1/read/scores", "/api/v1/read/organisation"} <= set(
        document["paths"]
    )


def test_schemathesis_finds_no_server_error(app, client, world, tokens):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens['unit']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.path, case.query, response.text[:500])

        check()
