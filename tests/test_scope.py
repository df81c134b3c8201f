"""Who reaches which staff page: scope (404) before permission (403), for every URL.

The URLs come from the application's url_map, so a new page is checked here
without anyone remembering to add it: every page outside the public areas
needs a login, every page about one record answers 404 beyond the user's
agency or unit subtree (a role refused the whole page may get 403, the same
for every id), and no page shows records beyond it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError, Rule

from feedback_app import create_app
from feedback_app.crud import entity_for_endpoint
from feedback_app.designer import service as designer
from feedback_app.models import (
    Agency,
    Employee,
    FollowUp,
    ImprovementPlan,
    Indicator,
    IndicatorScope,
    IndicatorSource,
    Period,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    Unit,
    User,
)
from feedback_app.models.responses import ApiToken, Channel, LinkKind, PublicLink, Response
from feedback_app.models.survey import Survey
from tests.conftest import csrf_token
from tests.factories import Factory


def _url_map_app() -> Flask:
    """An app built only to read its URL rules at collection time (it never connects)."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "collection-only-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
        }
    )


#: areas for citizens and machines (their own tests cover them), and pages anyone may open
PUBLIC_BLUEPRINTS = {"public", "api", "read_api", "transparency"}
PUBLIC_ENDPOINTS = {"static", "accounts.login", "main.switch_language"}


def _is_staff(rule: Rule) -> bool:
    return (
        rule.endpoint not in PUBLIC_ENDPOINTS
        and not rule.endpoint.endswith(".static")  # stylesheets and scripts of an area
        and rule.endpoint.split(".")[0] not in PUBLIC_BLUEPRINTS
    )


def _arguments(rule: Rule) -> set[str]:
    return set(rule.arguments) - set(rule.defaults or {})


def id_argument(rule: Rule) -> str | None:
    """The part of an address that is a record id (``<int:object_id>``, ``<int:response_id>``)."""
    found = re.search(r"<int(?:\([^)]*\))?:(\w+)>", rule.rule)
    return found.group(1) if found else None


_RULES = {r.endpoint: r for r in _url_map_app().url_map.iter_rules() if _is_staff(r)}
STAFF = sorted(_RULES)
#: every list / new / edit / deactivate / activate endpoint of the shared management views
MANAGEMENT = sorted(e for e in STAFF if entity_for_endpoint(e))
WITH_OBJECT = [
    e for e in MANAGEMENT if entity_for_endpoint(e)[1] in ("edit", "deactivate", "activate")
]
#: the kind of record behind each address prefix; the shared views' lists name their own
RECORD_PREFIXES: dict[str, Any] = {
    _RULES[e].rule: entity_for_endpoint(e)[0].model for e in MANAGEMENT if e.endswith("_list")
} | {
    "/org/kiosks/": "kiosk",
    "/org/api-tokens/": ApiToken,
    "/surveys/": Survey,
    "/responses/": Response,
    "/indikator/": Indicator,
    "/indikator/pegawai/": Employee,
    "/indikator/unit/": Unit,
    "/tindak-lanjut/": FollowUp,
    "/rencana-tindak-lanjut/": ImprovementPlan,
}


#: records only the user who made them ever sees, whatever their role (tested by their area)
PRIVATE_RECORD_PREFIXES = {"/ekspor/tugas/": "export jobs: tests/test_exports.py"}


def record_kind(endpoint: str) -> Any:
    """What the record id of an endpoint points at, from its address (None if unknown)."""
    if found := entity_for_endpoint(endpoint):
        return found[0].model
    path = _RULES[endpoint].rule
    for prefix, kind in RECORD_PREFIXES.items():
        if path.startswith(prefix) and path[len(prefix) :].startswith("<int"):
            return kind
    return None


def _private(endpoint: str) -> bool:
    return _RULES[endpoint].rule.startswith(tuple(PRIVATE_RECORD_PREFIXES))


#: the other pages about one record (counter posters, nameplates, kiosks, surveys, ...)
OTHER_RECORD_PAGES = sorted(
    e for e in STAFF if id_argument(_RULES[e]) and e not in MANAGEMENT and not _private(e)
)
#: staff pages that need no record: lists, forms, menus, downloads
PAGES_WITHOUT_RECORD = sorted(
    e for e in STAFF if not _arguments(_RULES[e]) and "GET" in _RULES[e].methods
)

#: every office role; a counter officer only runs the counter display
STAFF_ROLES = frozenset(Role) - {Role.OFFICER}
ORG_MANAGERS = frozenset({Role.ADMIN, Role.AGENCY_ADMIN})
#: by endpoint prefix: (roles that may open the list, roles that may create/edit/(de)activate)
EXPECTED_ACCESS = {
    "organisation.agencies": (frozenset({Role.ADMIN}), frozenset({Role.ADMIN})),
    "organisation.units": (STAFF_ROLES, ORG_MANAGERS),
    "organisation.service-points": (STAFF_ROLES, ORG_MANAGERS),
    "organisation.services": (STAFF_ROLES, ORG_MANAGERS),
    "organisation.employees": (STAFF_ROLES, ORG_MANAGERS),
    "organisation.roster": (STAFF_ROLES, ORG_MANAGERS),
    "accounts.users": (ORG_MANAGERS, ORG_MANAGERS),
}


def test_every_management_page_has_expectations():
    prefixes = {e.rpartition("_")[0] for e in MANAGEMENT}
    assert prefixes == set(EXPECTED_ACCESS), "add the new entity to EXPECTED_ACCESS"
    assert len(MANAGEMENT) == 5 * len(EXPECTED_ACCESS)


def test_every_page_about_a_record_is_known_here():
    """A page addressed by a record id must be one these tests can build a record for."""
    unknown = [
        e for e in STAFF if id_argument(_RULES[e]) and not record_kind(e) and not _private(e)
    ]
    assert not unknown, "add the record behind these pages to RECORD_PREFIXES and the world"


# --- the world every test looks at -------------------------------------------------------


def sign_in(app: Flask, client: FlaskClient, user: User) -> None:
    """Sign ``user`` in without the deliberately slow password check (tested in test_accounts)."""
    with app.test_request_context(environ_base=client.environ_base):
        identifier = app.login_manager._session_identifier_generator()
        session_id = user.get_id()  # the id with its password stamp
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = session_id
        browser_session["_fresh"] = True
        browser_session["_id"] = identifier


@dataclass
class World:
    """Agency A (units root → mine → below, and a sibling of mine) and agency B.

    Every record's name carries where it lives: Qmine, Qbelow, Qsibling or Qother.
    """

    factory: Factory
    agency_a: Agency
    agency_b: Agency
    units: dict[str, Unit]
    #: by kind of record (a model, or "kiosk"), then by place
    objects: dict[Any, dict[str, Any]] = field(default_factory=dict)
    actors: dict[str, User] = field(default_factory=dict)
    #: values for an address's other parts (a section or question key) found in the world
    extra_values: list[Any] = field(default_factory=list)

    def add_objects(self, place: str, unit: Unit, survey_version_id: int) -> None:
        f = self.factory
        tag = f"Q{place}"
        point = f.service_point(unit, name=f"Loket {tag}")
        employee = f.employee(unit, name=f"Pegawai {tag}")
        found = {
            Unit: unit,
            ServicePoint: point,
            Service: f.service(unit, name=f"Layanan {tag}"),
            Employee: employee,
            RosterEntry: f.roster(employee, point, dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)),
            User: f.user(Role.DESIGNER, unit=unit, name=f"Pengguna {tag}"),
            "kiosk": f._add(
                PublicLink(kind=LinkKind.KIOSK, service_point=point, label=f"Kiosk {tag}")
            ),
            ApiToken: f._add(
                ApiToken(
                    agency_id=unit.agency_id,
                    unit_id=unit.id,
                    name=f"Token {tag}",
                    token_hash=secrets.token_hex(32),
                )
            ),
            # a flagged answer, waiting for an admin's review
            Response: f._add(
                Response(
                    agency_id=unit.agency_id,
                    unit_id=unit.id,
                    service_point_id=point.id,
                    survey_version_id=survey_version_id,
                    channel=Channel.QR,
                    timezone=unit.timezone,
                    language="id",
                    answers={},
                    idempotency_key=secrets.token_hex(16),
                    answers_digest=secrets.token_hex(32),
                    flagged=True,
                    flag_reason="identical_burst",
                )
            ),
        }
        found[FollowUp] = f._add(FollowUp(response_id=found[Response].id, unit_id=unit.id))
        found[ImprovementPlan] = f._add(
            ImprovementPlan(
                unit_id=unit.id,
                element_key="U1",
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2026, 3, 31),
                action=f"Rencana {tag}",
            )
        )
        for model, obj in found.items():
            self.objects.setdefault(model, {})[place] = obj


@pytest.fixture()
def world(factory: Factory) -> World:
    return build_world(factory)


def build_world(factory: Factory) -> World:
    agency_a = factory.agency(name="Instansi Qagency")
    agency_b = factory.agency(name="Instansi Qother")
    root = factory.unit(agency_a, name="Dinas Qroot")
    mine = factory.unit(parent=root, name="Bidang Qmine")
    units = {
        "mine": mine,
        "below": factory.unit(parent=mine, name="Seksi Qbelow"),
        "sibling": factory.unit(parent=root, name="Bidang Qsibling"),
        "other": factory.unit(agency_b, name="Dinas Qother"),
    }
    w = World(factory, agency_a, agency_b, units)
    definition = designer.starting_definition("skm", "Survei")
    surveys = {
        agency.id: designer.create_survey(
            factory.session, agency_id=agency.id, name=f"Survei Q{place}", definition=definition
        )
        for place, agency in (("agency", agency_a), ("other", agency_b))
    }
    for place, unit in units.items():
        version = designer.working_version(factory.session, surveys[unit.agency_id])
        w.add_objects(place, unit, version.id)
    indicators = {
        agency.id: factory._add(
            Indicator(
                agency_id=agency.id,
                name=f"Indikator Q{place}",
                scope=IndicatorScope.EMPLOYEE,
                source=IndicatorSource.IKM,
                target=80,
                period=Period.QUARTER,
            )
        )
        for place, agency in (("agency", agency_a), ("other", agency_b))
    }
    # agency-level records: a unit-limited user sees none of them
    for kind, in_a, in_b in (
        (Agency, agency_a, agency_b),
        (Survey, surveys[agency_a.id], surveys[agency_b.id]),
        (Indicator, indicators[agency_a.id], indicators[agency_b.id]),
    ):
        w.objects[kind] = {"mine": in_a, "below": in_a, "sibling": in_a, "other": in_b}
    # a section and a question of those surveys, for the designer's pages about them
    w.extra_values = [definition.sections[0].key, definition.sections[0].questions[0].key]
    w.actors = {
        "admin": factory.user(Role.ADMIN, name="Admin Sistem"),
        "agency_admin": factory.user(Role.AGENCY_ADMIN, agency=agency_a, name="Admin Instansi"),
        "unit_admin": factory.user(Role.AGENCY_ADMIN, unit=mine, name="Admin Bidang"),
        "designer": factory.user(Role.DESIGNER, agency=agency_a, name="Perancang"),
        "agency_head": factory.user(Role.AGENCY_HEAD, agency=agency_a, name="Kepala Instansi"),
        "unit_head": factory.user(Role.UNIT_HEAD, unit=mine, name="Kepala Bidang"),
        "officer": factory.user(
            Role.OFFICER,
            agency=agency_a,
            employee=factory.employee(mine, name="Petugas Loket"),
            name="Petugas Loket",
        ),
    }
    return w


#: records that belong to a whole agency: beyond a user limited to a unit subtree
AGENCY_LEVEL = (Agency, Survey, Indicator)


def visible(actor: User, model: type, place: str) -> bool:
    """The scope rule, stated independently of the code under test."""
    if actor.role == Role.ADMIN:
        return True
    if place == "other":
        return False
    if actor.unit_id is None:
        return True
    return model not in AGENCY_LEVEL and place in ("mine", "below")


def may(actor: User, endpoint: str) -> bool:
    viewers, managers = EXPECTED_ACCESS[endpoint.rpartition("_")[0]]
    action = endpoint.rpartition("_")[2]
    return actor.role in (viewers if action == "list" else managers)


def model_of(endpoint: str) -> type:
    return entity_for_endpoint(endpoint)[0].model


def request(
    app: Flask,
    client: FlaskClient,
    endpoint: str,
    obj: Any = None,
    token: str = "",
    extra: dict[str, Any] | None = None,
):
    """Open ``endpoint`` the way its page is used: GET a page, POST a button."""
    rule = _RULES[endpoint]
    key = id_argument(rule)
    values = {key: obj.id} if key and obj is not None else {}
    url = app.url_map.bind("localhost").build(endpoint, {**values, **(extra or {})})
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def active_in_db(session: Session, obj: Any) -> bool:
    session.expire_all()
    return session.get(type(obj), obj.id).active


def prepare_target(session: Session, endpoint: str, obj: Any) -> None:
    """An activate button is only offered on an inactive record."""
    if endpoint.endswith("_activate"):
        obj.active = False
        session.flush()


# --- the checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", STAFF)
def test_anonymous_visitors_are_sent_to_the_login_page(app, client, world, session, endpoint):
    rule = _RULES[endpoint]
    key = id_argument(rule)
    kind = record_kind(endpoint) if key else None
    target = world.objects[kind]["mine"] if kind else None
    extra = {name: 1 for name in _arguments(rule) if name != key or target is None}
    if target is not None:
        prepare_target(session, endpoint, target)
        before = active_in_db(session, target) if hasattr(target, "active") else None
    response = request(app, client, endpoint, target, csrf_token(client, "/login"), extra)
    # a page meant for the public belongs in PUBLIC_BLUEPRINTS or PUBLIC_ENDPOINTS
    assert response.status_code == 302, "staff pages need a signed-in user"
    assert response.headers["Location"].startswith("/login")
    if target is not None and before is not None:
        assert active_in_db(session, target) == before


@pytest.mark.parametrize("endpoint", WITH_OBJECT)
def test_records_of_another_agency_do_not_exist_for_a_user(app, client, world, session, endpoint):
    target = world.objects[model_of(endpoint)]["other"]
    prepare_target(session, endpoint, target)
    before = active_in_db(session, target)
    for name in ("agency_admin", "unit_admin", "designer", "agency_head", "unit_head", "officer"):
        sign_in(app, client, world.actors[name])
        response = request(app, client, endpoint, target, csrf_token(client, "/"))
        assert response.status_code == 404, name
        assert "Halaman tidak ditemukan" in response.get_data(as_text=True)
    assert active_in_db(session, target) == before


@pytest.mark.parametrize("endpoint", WITH_OBJECT)
def test_records_of_a_sibling_unit_do_not_exist_for_a_unit_limited_user(
    app, client, world, session, endpoint
):
    model = model_of(endpoint)
    # the "sibling" agency is the actors' own: switching it off would sign them out
    # (tested in test_accounts), so the agency pages are tried on the other agency
    target = world.objects[model]["other" if model is Agency else "sibling"]
    prepare_target(session, endpoint, target)
    before = active_in_db(session, target)
    for name in ("unit_admin", "unit_head"):
        sign_in(app, client, world.actors[name])
        response = request(app, client, endpoint, target, csrf_token(client, "/"))
        assert response.status_code == 404, name
    assert active_in_db(session, target) == before


@pytest.mark.parametrize("endpoint", MANAGEMENT)
def test_roles_without_the_permission_are_refused(app, client, world, session, endpoint):
    model = model_of(endpoint)
    refused = [a for a in world.actors.values() if not may(a, endpoint)]
    for actor in refused:
        # an object the actor can see, so the refusal is about the permission, not the scope
        place = "mine" if visible(actor, model, "mine") else None
        if place is None:
            continue
        target = world.objects[model][place]
        sign_in(app, client, actor)
        response = request(app, client, endpoint, target, csrf_token(client, "/"))
        assert response.status_code == 403, actor.role
        assert "Anda tidak memiliki akses" in response.get_data(as_text=True)
        assert active_in_db(session, target)


@pytest.mark.parametrize("endpoint", MANAGEMENT)
def test_allowed_users_reach_the_page_and_act(app, client, world, session, endpoint):
    model = model_of(endpoint)
    allowed = [a for a in world.actors.values() if may(a, endpoint)]
    assert allowed
    for actor in allowed:
        place = "below" if visible(actor, model, "below") else None
        if place is None:  # agencies for a unit-limited agency admin: nothing to act on
            continue
        target = world.objects[model][place]
        prepare_target(session, endpoint, target)
        sign_in(app, client, actor)
        response = request(app, client, endpoint, target, csrf_token(client, "/"))
        action = endpoint.rpartition("_")[2]
        if action in ("deactivate", "activate"):
            assert response.status_code == 302, actor.role
            assert active_in_db(session, target) == (action == "activate")
            target.active = True
            session.flush()
        else:
            assert response.status_code == 200, actor.role


LIST_PAGES = [e for e in MANAGEMENT if e.endswith("_list")]
FORM_PAGES = [e for e in MANAGEMENT if e.endswith(("_new", "_edit"))]
#: stands for a record that does not exist
NO_RECORD = SimpleNamespace(id=2**31 - 1)
#: values tried for an address's other parts (a file format, a size) until the page is found
EXTRA_VALUES = ["png", "svg", "pdf", "xlsx", "csv", 1]


def _never_shown(actor: User) -> list[str]:
    if actor.role == Role.ADMIN:
        return []
    return ["Qother", "Qsibling"] if actor.unit_id is not None else ["Qother"]


@pytest.mark.parametrize("endpoint", OTHER_RECORD_PAGES)
def test_other_pages_about_a_record_answer_404_beyond_the_users_scope(app, client, world, endpoint):
    rule = _RULES[endpoint]
    records = world.objects[record_kind(endpoint)]
    others = _arguments(rule) - {id_argument(rule)}
    # first find the address at which the installation admin reaches the user's own record
    sign_in(app, client, world.actors["admin"])
    for value in [*world.extra_values, *EXTRA_VALUES]:
        extra = {name: value for name in others}
        try:
            found = request(app, client, endpoint, records["mine"], csrf_token(client, "/"), extra)
        except BuildError:
            continue
        if found.status_code != 404:
            break
    assert found.status_code < 500 and found.status_code != 404, found.status_code

    for name, place in [
        ("agency_admin", "other"),
        ("designer", "other"),
        ("agency_head", "other"),
        ("unit_admin", "other"),
        ("unit_head", "other"),
        ("officer", "other"),
        ("unit_admin", "sibling"),
        ("unit_head", "sibling"),
    ]:
        sign_in(app, client, world.actors[name])
        token = csrf_token(client, "/")
        response = request(app, client, endpoint, records[place], token, extra)
        if response.status_code != 404:
            # a role refused the whole page may get 403, but then for every id alike:
            # the answer must not tell which ids exist
            nothing = request(app, client, endpoint, NO_RECORD, token, extra)
            assert response.status_code == nothing.status_code == 403, (name, place)


@pytest.mark.parametrize("endpoint", LIST_PAGES)
def test_lists_show_the_users_own_records(app, client, world, endpoint):
    for actor in world.actors.values():
        if not may(actor, endpoint) or endpoint == "organisation.agencies_list":
            continue
        sign_in(app, client, actor)
        page = client.get(
            app.url_map.bind("localhost").build(endpoint, {"inactive": "1"})
        ).get_data(as_text=True)
        assert "Qmine" in page and "Qbelow" in page, actor.role
        if actor.role == Role.ADMIN:
            assert "Qother" in page


@pytest.mark.parametrize("endpoint", PAGES_WITHOUT_RECORD)
def test_no_page_shows_records_beyond_the_users_scope(app, client, world, endpoint):
    opened = 0
    for actor in world.actors.values():
        sign_in(app, client, actor)
        url = app.url_map.bind("localhost").build(endpoint, {"inactive": "1"})
        response = client.get(url)
        assert response.status_code < 500, (actor.role, response.status_code)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        opened += 1
        page = response.get_data(as_text=True)
        for hidden in _never_shown(actor):
            assert hidden not in page, (actor.role, hidden)
    assert opened or endpoint not in LIST_PAGES


@pytest.mark.parametrize("endpoint", FORM_PAGES)
def test_select_choices_offer_only_the_users_scope(app, client, world, endpoint):
    model = model_of(endpoint)
    for actor in world.actors.values():
        if not may(actor, endpoint) or not visible(actor, model, "mine"):
            continue
        sign_in(app, client, actor)
        response = request(app, client, endpoint, world.objects[model]["mine"])
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        for hidden in _never_shown(actor):
            assert hidden not in page, (actor.role, hidden)
        if model is not Agency and endpoint.endswith("_new"):
            assert "Qmine" in page and "Qbelow" in page, actor.role


def test_a_unit_limited_manager_cannot_pick_a_sibling_unit_by_its_id(app, client, world, session):
    sign_in(app, client, world.actors["unit_admin"])
    sibling = world.units["sibling"]
    response = client.post(
        "/org/service-points/new",
        data={
            "csrf_token": csrf_token(client, "/org/service-points/new"),
            "unit_id": sibling.id,
            "code": "LOKET-X",
            "name": "Loket Selundupan",
        },
    )
    assert response.status_code == 422
    assert "Pilihan tidak valid." in response.get_data(as_text=True)
    session.expire_all()
    assert session.query(ServicePoint).filter_by(name="Loket Selundupan").count() == 0


def test_a_unit_limited_manager_cannot_move_the_top_of_their_subtree(app, client, world, session):
    """Detaching it would hide it, and all its data, from the heads of the units above."""
    mine, sibling = world.units["mine"], world.units["sibling"]
    root_id = mine.parent_id
    sign_in(app, client, world.actors["unit_admin"])
    edit = f"/org/units/{mine.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Qroot" in page and "Qsibling" not in page
    data = {"kind": "bidang", "code": mine.code, "name": "Bidang Qmine", "timezone": "WIB"}
    for parent in ("", sibling.id, world.units["below"].id):
        response = client.post(
            edit, data={**data, "parent_id": parent, "csrf_token": csrf_token(client, edit)}
        )
        assert response.status_code == 422, parent
        assert 'id="parent_id-error"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Unit, mine.id).parent_id == root_id
    # renaming it in place is fine
    response = client.post(
        edit,
        data={
            **data,
            "name": "Bidang Baru",
            "parent_id": root_id,
            "csrf_token": csrf_token(client, edit),
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Unit, mine.id).name == "Bidang Baru"


def test_a_unit_limited_manager_cannot_create_a_top_level_unit(app, client, world, session):
    sign_in(app, client, world.actors["unit_admin"])
    data = {
        "kind": "upt",
        "code": "UPT-LEPAS",
        "name": "UPT Lepas",
        "timezone": "WIB",
        "parent_id": "",
    }
    response = client.post(
        "/org/units/new", data={**data, "csrf_token": csrf_token(client, "/org/units/new")}
    )
    assert response.status_code == 422
    assert 'id="parent_id-error">Wajib diisi.' in response.get_data(as_text=True)
    data["parent_id"] = world.units["below"].id
    response = client.post(
        "/org/units/new", data={**data, "csrf_token": csrf_token(client, "/org/units/new")}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("object_id", [0, 2**31, 2**63, 10**20])
@pytest.mark.parametrize("endpoint", ["organisation.units_edit", "accounts.users_deactivate"])
def test_ids_no_record_can_have_are_not_found(app, client, world, endpoint, object_id):
    sign_in(app, client, world.actors["admin"])
    token = csrf_token(client, "/")
    url = app.url_map.bind("localhost").build(endpoint, {"object_id": object_id})
    if endpoint.endswith("_edit"):
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 404
