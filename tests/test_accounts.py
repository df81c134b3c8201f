"""Signing in and out, the first administrator, the language switch and the users pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.models import Role, User
from feedback_app.util import safe_next
from tests.conftest import csrf_token, login, make_test_app, post_form
from tests.factories import PASSWORD, Factory
from tests.test_scope import sign_in

WRONG_CREDENTIALS = "E-mail atau kata sandi salah."


def stored(session: Session, email: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.email == email))


def signed_in(client: FlaskClient) -> bool:
    return client.get("/org/units/").status_code == 200


# --- signing in and out ----------------------------------------------------------------------


def test_sign_in_then_out(client, session, factory):
    user = factory.user(Role.AGENCY_ADMIN, name="Rina Admin")
    response = login(client, user.email)
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Selamat datang, Rina Admin" in home
    last = stored(session, user.email).last_login_at
    assert last is not None and last.utcoffset() == dt.timedelta(0)
    # shown on the users page on the clock of Jakarta (WIB)
    shown = last.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%H:%M")
    assert shown in client.get("/users/?q=" + user.email).get_data(as_text=True)

    response = post_form(client, "/logout", {}, form_url="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Anda telah keluar." in client.get("/login").get_data(as_text=True)
    assert not signed_in(client)


def test_sign_in_ignores_the_case_of_the_email(client, factory):
    user = factory.user(email="rina@siantar.go.id")
    response = post_form(client, "/login", {"email": " Rina@Siantar.GO.ID ", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)
    assert user.email == "rina@siantar.go.id"


def test_logout_needs_a_post_with_the_form_token(client, factory):
    login(client, factory.user().email)
    assert client.get("/logout").status_code == 405
    assert signed_in(client)
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert signed_in(client)


def test_wrong_password_and_unknown_email_look_the_same(client, factory):
    user = factory.user(email="rina@siantar.go.id")
    wrong_password = post_form(
        client, "/login", {"email": user.email, "password": "salah-sekali-1"}
    )
    unknown = post_form(client, "/login", {"email": "siapa@siantar.go.id", "password": PASSWORD})
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    # nothing in the page tells the two apart except the e-mail typed back
    assert without(wrong_password, user.email) == without(unknown, "siapa@siantar.go.id")
    assert not signed_in(client)


def without(response, email: str) -> str:
    """The page up to the form token (which differs every time), minus the typed e-mail."""
    return response.get_data(as_text=True).replace(email, "").split('name="csrf_token"')[0]


def test_a_deactivated_user_cannot_sign_in(client, factory):
    user = factory.user(active=False)
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_user_deactivated_while_signed_in_is_signed_out(client, session, factory):
    user = factory.user()
    login(client, user.email)
    assert signed_in(client)
    user.active = False
    session.flush()
    response = client.get("/org/units/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_empty_sign_in_form_says_what_is_missing(client):
    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert page.count("Wajib diisi.") >= 2


def test_passwords_are_stored_as_argon2_hashes(app, client, session, factory):
    sign_in(app, client, factory.user(Role.ADMIN))
    agency = factory.agency()
    post_form(
        client,
        "/users/new",
        {
            "email": "baru@siantar.go.id",
            "name": "Pengguna Baru",
            "role": "designer",
            "agency_id": agency.id,
            "password": "kata-sandi-baru-9",
        },
    )
    user = stored(session, "baru@siantar.go.id")
    assert user.password_hash.startswith("$argon2id$")
    assert "kata-sandi-baru-9" not in user.password_hash
    assert (
        session.scalar(select(func.count()).where(User.password_hash == "kata-sandi-baru-9")) == 0
    )


# --- where to go after signing in ---------------------------------------------------------


def test_a_visitor_returns_to_the_page_they_asked_for(client, factory):
    user = factory.user()
    response = client.get("/org/units/?q=dinas")
    assert response.status_code == 302
    login_page = response.headers["Location"]
    token = csrf_token(client, login_page)
    page = client.get(login_page).get_data(as_text=True)
    assert 'value="/org/units/?q=dinas"' in page
    response = client.post(
        login_page,
        data={
            "csrf_token": token,
            "email": user.email,
            "password": PASSWORD,
            "next": "/org/units/?q=dinas",
        },
    )
    assert response.headers["Location"] == "/org/units/?q=dinas"


UNSAFE_TARGETS = [
    "//evil.example",
    "//evil.example/org/units/",
    "///evil.example",
    "https://evil.example/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,hai",
    "org/units/",
    "evil.example",
]


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_next_off_the_site_is_dropped_from_the_login_form(client, target):
    page = client.get(f"/login?next={quote(target)}").get_data(as_text=True)
    assert '<input id="next" name="next" type="hidden" value="">' in page


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_next_off_the_site_is_never_a_redirect_target(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/org/units/", "/users/?q=budi&page=2", "/"])
def test_next_on_the_site_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_signing_in_with_a_foreign_next_lands_on_the_home_page(client, factory, target):
    user = factory.user()
    response = post_form(
        client, "/login", {"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_the_language_switch_stays_on_the_site(client, target):
    response = client.get(f"/lang/en?next={quote(target)}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_choice_is_remembered_in_a_cookie(client):
    assert 'lang="id"' in client.get("/login").get_data(as_text=True)
    response = client.get("/lang/en?next=/login")
    assert response.headers["Location"] == "/login"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert cookie.http_only and cookie.max_age >= 300 * 24 * 3600
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.get("/lang/id")
    assert 'lang="id"' in client.get("/login").get_data(as_text=True)


def test_an_unknown_language_is_not_remembered(client):
    client.get("/lang/xx")
    assert client.get_cookie("lang") is None
    assert 'lang="id"' in client.get("/login").get_data(as_text=True)


# --- rate limit ----------------------------------------------------------------------------


@pytest.fixture()
def limited_app(database_url, tmp_path_factory, session) -> Iterator[Flask]:
    """An app with the login limit on, reading the test's own transaction."""
    app = make_test_app(
        database_url, tmp_path_factory, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"
    )
    app.extensions["db"].session_factory.configure(
        bind=session.connection(), join_transaction_mode="create_savepoint"
    )
    yield app
    app.extensions["db"].engine.dispose()
    # The limiter is one object shared by every app in the process: switch it off again.
    make_test_app(database_url, tmp_path_factory).extensions["db"].engine.dispose()


def test_sign_in_attempts_are_rate_limited(limited_app, factory):
    user = factory.user()
    client = limited_app.test_client()
    token = csrf_token(client, "/login")
    attempt = {"csrf_token": token, "email": user.email, "password": "tebak-tebakan-1"}
    for _ in range(3):
        assert client.post("/login", data=attempt).status_code == 401
    response = client.post("/login", data={**attempt, "password": PASSWORD})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in page and "Tunggu sebentar" in page
    assert int(response.headers["Retry-After"]) > 0
    # the page itself still opens
    assert client.get("/login").status_code == 200


# --- the first administrator --------------------------------------------------------------


def create_admin(app: Flask, *args: str, **env: str):
    return app.test_cli_runner().invoke(args=["create-admin", *args], env=env or None)


def test_create_admin_makes_an_administrator_who_can_sign_in(app, client, session):
    result = create_admin(
        app,
        "--email",
        " Root@Siantar.go.id ",
        "--name",
        "Admin Kota",
        "--password",
        "kunci-induk-2026",
    )
    assert result.exit_code == 0, result.output
    assert "root@siantar.go.id" in result.output
    admin = stored(session, "root@siantar.go.id")
    assert (admin.role, admin.agency_id, admin.name, admin.active) == (
        Role.ADMIN,
        None,
        "Admin Kota",
        True,
    )
    assert admin.password_hash.startswith("$argon2id$")
    login(client, "root@siantar.go.id", "kunci-induk-2026")
    assert client.get("/org/agencies/").status_code == 200


def test_create_admin_reads_the_password_from_the_environment(app, session):
    result = create_admin(
        app, "--email", "root@siantar.go.id", "--name", "Admin", ADMIN_PASSWORD="dari-lingkungan-1"
    )
    assert result.exit_code == 0, result.output
    assert stored(session, "root@siantar.go.id") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "root@siantar.go.id", "--name", "A", "--password", "pendek"], "minimal 10"),
        (["--email", "root@siantar.go.id", "--name", "A", "--password", "aaaaaaaaaaaa"], "mudah"),
        (["--email", "bukan-email", "--name", "A", "--password", "kunci-induk-2026"], "e-mail"),
        (
            ["--email", "root@siantar.go.id", "--name", " ", "--password", "kunci-induk-2026"],
            "Wajib",
        ),
    ],
)
def test_create_admin_refuses_bad_input(app, session, args, message):
    before = session.scalar(select(func.count()).select_from(User))
    result = create_admin(app, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert session.scalar(select(func.count()).select_from(User)) == before


def test_create_admin_resets_an_administrators_password_only(app, client, session, factory):
    factory.user(Role.ADMIN, email="root@siantar.go.id")
    result = create_admin(
        app, "--email", "root@siantar.go.id", "--name", "Admin", "--password", "kunci-baru-2026"
    )
    assert result.exit_code == 0, result.output
    login(client, "root@siantar.go.id", "kunci-baru-2026")

    staff = factory.user(Role.DESIGNER)
    result = create_admin(
        app, "--email", staff.email, "--name", "X", "--password", "kunci-baru-2026"
    )
    assert result.exit_code != 0
    assert stored(session, staff.email).role == Role.DESIGNER


# --- the users pages -----------------------------------------------------------------------


@pytest.fixture()
def manager(app, client, factory) -> User:
    agency = factory.agency(name="Pemerintah Kota Pematangsiantar")
    user = factory.user(Role.AGENCY_ADMIN, agency=agency, name="Admin Siantar")
    sign_in(app, client, user)
    return user


def new_user(**change: object) -> dict[str, object]:
    return {
        "email": "budi@siantar.go.id",
        "name": "Budi Santoso",
        "role": "designer",
        "unit_id": "",
        "employee_id": "",
        "password": "rahasia-budi-77",
        **change,
    }


def test_an_agency_admin_manages_the_agencys_users(client, session, factory, manager):
    employee = factory.employee(factory.unit(manager.agency), name="Budi Santoso")
    form = client.get("/users/new").get_data(as_text=True)
    assert 'name="agency_id"' not in form  # always the manager's own agency
    assert 'value="admin"' not in form  # the installation role is not offered

    response = post_form(client, "/users/new", new_user(employee_id=employee.id))
    assert response.status_code == 302
    budi = stored(session, "budi@siantar.go.id")
    assert (budi.role, budi.agency_id, budi.unit_id, budi.employee_id) == (
        Role.DESIGNER,
        manager.agency_id,
        None,
        employee.id,
    )
    listing = client.get("/users/?q=budi").get_data(as_text=True)
    assert "budi@siantar.go.id" in listing and "Perancang survei" in listing
    assert "budi@siantar.go.id" not in client.get("/users/?q=rina").get_data(as_text=True)

    # editing without a password keeps the old one
    old_hash = budi.password_hash
    edit = f"/users/{budi.id}/edit"
    edited = new_user(name="Budi S.", role="agency_head", employee_id=employee.id, password="")
    assert post_form(client, edit, edited).status_code == 302
    budi = stored(session, "budi@siantar.go.id")
    assert (budi.name, budi.role, budi.password_hash) == ("Budi S.", Role.AGENCY_HEAD, old_hash)
    assert post_form(client, edit, {**edited, "password": "rahasia-baru-88"}).status_code == 302
    assert stored(session, "budi@siantar.go.id").password_hash != old_hash

    post_form(client, f"/users/{budi.id}/deactivate", {}, form_url="/users/")
    assert not stored(session, "budi@siantar.go.id").active
    assert "budi@siantar.go.id" not in client.get("/users/").get_data(as_text=True)
    post_form(client, f"/users/{budi.id}/activate", {}, form_url="/users/")
    assert stored(session, "budi@siantar.go.id").active


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": ""}, "email", "Wajib diisi."),
        ({"email": "budi-at-siantar"}, "email", "Alamat e-mail tidak valid."),
        ({"email": "LAMA@siantar.go.id"}, "email", "E-mail ini sudah dipakai akun lain."),
        ({"name": "n" * 201}, "name", "Paling banyak 200 karakter."),
        ({"password": ""}, "password", "Wajib diisi."),
        ({"password": "pendek-1"}, "password", "Kata sandi minimal 10 karakter."),
        ({"password": "ababababab"}, "password", "Kata sandi terlalu mudah ditebak."),
        ({"role": "admin"}, "role", "Pilihan tidak valid."),
        ({"role": "superuser"}, "role", "Pilihan tidak valid."),
        ({"role": "unit_head"}, "unit_id", "Kepala unit harus dibatasi pada unitnya."),
        ({"unit_id": "foreign"}, "unit_id", "Pilihan tidak valid."),
        ({"employee_id": "foreign"}, "employee_id", "Pilihan tidak valid."),
        ({"employee_id": "taken"}, "employee_id", "Pegawai ini sudah memiliki akun."),
    ],
)
def test_bad_user_input_is_refused_at_the_field(
    client, session, factory, manager, change, field, message
):
    factory.user(email="lama@siantar.go.id", agency=manager.agency)
    taken = factory.employee(factory.unit(manager.agency))
    factory.user(agency=manager.agency, employee=taken)
    foreign = {"unit_id": factory.unit(factory.agency()).id}
    foreign["employee_id"] = factory.employee(factory.unit(factory.agency())).id
    data = new_user(**change)
    for key in ("unit_id", "employee_id"):
        if data[key] == "foreign":
            data[key] = foreign[key]
        elif data[key] == "taken":
            data[key] = taken.id
    before = session.scalar(select(func.count()).select_from(User))
    response = post_form(client, "/users/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}' in page
    if field != "name":
        assert 'value="Budi Santoso"' in page
    assert "rahasia-budi-77" not in page  # a typed password is never sent back
    assert session.scalar(select(func.count()).select_from(User)) == before


def test_the_installation_admin_places_users_in_agencies(app, client, session, factory):
    sign_in(app, client, factory.user(Role.ADMIN))
    agency = factory.agency()
    response = post_form(client, "/users/new", new_user(role="admin", agency_id=agency.id))
    assert (
        'id="agency_id-error">Administrator sistem tidak terikat pada instansi.'
        in response.get_data(as_text=True)
    )
    response = post_form(client, "/users/new", new_user(role="designer", agency_id=""))
    assert 'id="agency_id-error">Pilih instansi pengguna.' in response.get_data(as_text=True)
    other_unit = factory.unit(factory.agency())
    response = post_form(client, "/users/new", new_user(agency_id=agency.id, unit_id=other_unit.id))
    assert 'id="unit_id-error">Unit harus dari instansi pengguna.' in response.get_data(
        as_text=True
    )
    assert stored(session, "budi@siantar.go.id") is None

    assert post_form(client, "/users/new", new_user(role="admin", agency_id="")).status_code == 302
    assert stored(session, "budi@siantar.go.id").role == Role.ADMIN


def test_nobody_deactivates_themselves_or_changes_their_own_role(client, session, manager):
    response = post_form(client, f"/users/{manager.id}/deactivate", {}, form_url="/users/")
    assert response.status_code == 302
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in client.get("/users/").get_data(
        as_text=True
    )
    assert stored(session, manager.email).active

    edit = f"/users/{manager.id}/edit"
    data = new_user(email=manager.email, name=manager.name, role="designer", password="")
    response = post_form(client, edit, data)
    assert response.status_code == 422
    assert 'id="role-error">Anda tidak dapat mengubah peran Anda sendiri.' in response.get_data(
        as_text=True
    )
    assert stored(session, manager.email).role == Role.AGENCY_ADMIN
    # the rest of one's own account can still be edited
    data["role"] = "agency_admin"
    assert post_form(client, edit, {**data, "name": "Admin Kota"}).status_code == 302
    assert stored(session, manager.email).name == "Admin Kota"


def test_a_unit_limited_manager_hands_out_accounts_inside_their_subtree_only(
    app, client, session, factory: Factory
):
    agency = factory.agency()
    root = factory.unit(agency, name="Dinas Induk")
    mine = factory.unit(parent=root, name="Bidang Sendiri")
    below = factory.unit(parent=mine, name="Seksi Bawahan")
    sibling = factory.unit(parent=root, name="Bidang Tetangga")
    sign_in(app, client, factory.user(Role.AGENCY_ADMIN, unit=mine))

    form = client.get("/users/new").get_data(as_text=True)
    assert "Bidang Sendiri" in form and "Seksi Bawahan" in form
    assert "Bidang Tetangga" not in form and "Dinas Induk" not in form
    for unit_id, message in (
        ("", "Wajib diisi."),
        (sibling.id, "Pilihan tidak valid."),
        (root.id, "Pilihan"),
    ):
        response = post_form(client, "/users/new", new_user(unit_id=unit_id))
        assert response.status_code == 422
        assert f'id="unit_id-error">{message}' in response.get_data(as_text=True)
    assert stored(session, "budi@siantar.go.id") is None

    assert post_form(client, "/users/new", new_user(unit_id=below.id)).status_code == 302
    assert stored(session, "budi@siantar.go.id").unit_id == below.id


def test_a_deactivated_agency_signs_its_users_out(app, client, session, factory):
    from tests.conftest import login

    user = factory.user()
    login(client, user.email)
    assert client.get("/org/units/").status_code == 200
    user.agency.active = False
    session.flush()
    page = client.get("/org/units/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    refused = client.post("/login", data={"email": user.email, "password": "x"})
    assert refused.status_code in (400, 401)


def test_a_new_password_ends_the_users_other_sessions(app, client, session, factory):
    """A phone left signed in, or a stolen cookie, stops working when the password changes."""
    user = factory.user(Role.AGENCY_ADMIN)
    other_browser = app.test_client()
    login(other_browser, user.email)
    remembered = app.test_client()
    post_form(remembered, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    login(client, user.email)
    assert other_browser.get("/users/").status_code == 200

    edit = f"/users/{user.id}/edit"
    changed = post_form(
        client,
        edit,
        {
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "agency_id": user.agency_id,
            "password": "kata-sandi-baru-9",
        },
    )
    assert changed.status_code in (302, 303)
    assert client.get("/users/").status_code == 200  # the browser that changed it stays in
    with remembered.session_transaction() as cookies:
        cookies.clear()  # the browser was closed: only the remember-me cookie is left
    for browser in (other_browser, remembered):
        gone = browser.get("/users/")
        assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert login(other_browser, user.email, "kata-sandi-baru-9").status_code in (302, 303)
