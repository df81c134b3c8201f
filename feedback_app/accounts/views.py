"""Sign-in, sign-out and the user management pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from feedback_app.accounts.forms import ROLE_LABELS, LoginForm, UserForm
from feedback_app.accounts.passwords import hash_password, needs_rehash, verify_password
from feedback_app.crud import Column, Entity, register
from feedback_app.db import db, utcnow
from feedback_app.extensions import limiter
from feedback_app.models import Employee, Permission, Role, Unit, User
from feedback_app.organisation.choices import (
    BLANK,
    agency_choices,
    employee_choices,
    unit_choices,
)
from feedback_app.util import safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = db.scalar(select(User).where(User.email == form.email.data))
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and password_ok and user.is_active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        form.password.errors.append(_l("E-mail atau kata sandi salah."))
    status = 401 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    from flask_wtf import FlaskForm

    if FlaskForm().validate_on_submit():
        logout_user()
        flash(_l("Anda telah keluar."), "success")
    return redirect(url_for("accounts.login"))


# --- user management ----------------------------------------------------------


def _assignable_roles() -> list[Role]:
    if current_user.role == Role.ADMIN:
        return list(Role)
    return [r for r in Role if r != Role.ADMIN]


def _prepare_user(form: UserForm, obj: User | None) -> None:
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in _assignable_roles()]
    if current_user.role == Role.ADMIN:
        form.agency_id.choices = [BLANK, *agency_choices()]
        _keep_choice(form.agency_id, obj and obj.agency)
    else:
        del form.agency_id
    units = unit_choices()
    # A unit-limited manager can only hand out accounts inside their subtree.
    form.unit_id.choices = units if current_user.unit_id is not None else [BLANK, *units]
    _keep_choice(form.unit_id, obj and obj.unit)
    form.employee_id.choices = [BLANK, *employee_choices()]
    _keep_choice(form.employee_id, obj and obj.employee)


def _keep_choice(field: Any, current: Any) -> None:
    """Keep a user's deactivated agency, unit or employee selectable when editing them."""
    if current is not None and current.id not in {value for value, _label in field.choices}:
        field.choices.append((current.id, current.name))


def _load_user(form: UserForm, obj: User) -> None:
    form.process(obj=obj)
    form.role.data = obj.role.value
    form.password.data = ""


def _user_agency(form: UserForm, obj: User | None) -> int | None:
    if "agency_id" in form:
        return form.agency_id.data
    return current_user.agency_id


def _check_user(form: UserForm, obj: User | None) -> bool:
    ok = True
    role = Role(form.role.data)
    agency_id = _user_agency(form, obj)
    if obj is not None and obj.id == current_user.id and role != current_user.role:
        form.role.errors.append(_l("Anda tidak dapat mengubah peran Anda sendiri."))
        ok = False
    if role == Role.ADMIN and agency_id is not None:
        form.agency_id.errors.append(_l("Administrator sistem tidak terikat pada instansi."))
        ok = False
    if role != Role.ADMIN and agency_id is None:
        target = form.agency_id if "agency_id" in form else form.role
        target.errors.append(_l("Pilih instansi pengguna."))
        ok = False
    if form.unit_id.data is not None:
        unit = db.get(Unit, form.unit_id.data)
        if unit is None or unit.agency_id != agency_id:
            form.unit_id.errors.append(_l("Unit harus dari instansi pengguna."))
            ok = False
    elif role == Role.UNIT_HEAD:
        form.unit_id.errors.append(_l("Kepala unit harus dibatasi pada unitnya."))
        ok = False
    if role == Role.OFFICER and form.employee_id.data is None:
        form.employee_id.errors.append(_l("Akun petugas loket harus terkait dengan pegawainya."))
        ok = False
    if form.employee_id.data is not None:
        employee = db.get(Employee, form.employee_id.data)
        if employee is None or employee.agency_id != agency_id:
            form.employee_id.errors.append(_l("Pegawai harus dari instansi pengguna."))
            ok = False
        elif _taken_employee(employee.id, obj):
            form.employee_id.errors.append(_l("Pegawai ini sudah memiliki akun."))
            ok = False
    if obj is None and not form.password.data:
        form.password.errors.append(_l("Wajib diisi."))
        ok = False
    if db.scalar(
        select(User.id).where(User.email == form.email.data, User.id != (obj.id if obj else -1))
    ):
        form.email.errors.append(_l("E-mail ini sudah dipakai akun lain."))
        ok = False
    return ok


def _taken_employee(employee_id: int, obj: User | None) -> bool:
    query = select(User.id).where(User.employee_id == employee_id)
    if obj is not None:
        query = query.where(User.id != obj.id)
    return db.scalar(query) is not None


def _save_user(form: UserForm, obj: User) -> None:
    obj.email = form.email.data
    obj.name = form.name.data
    obj.role = Role(form.role.data)
    obj.agency_id = _user_agency(form, obj)
    obj.unit_id = form.unit_id.data
    obj.employee_id = form.employee_id.data
    if form.password.data:
        obj.password_hash = hash_password(form.password.data)
        if obj.id is not None and obj.id == current_user.id:
            # the new password ends every other session of this user, not this one
            login_user(obj, fresh=True)


def _scope_label(user: User) -> Any:
    if user.unit is not None:
        return user.unit.name
    if user.agency is not None:
        return _l("Seluruh %(agency)s", agency=user.agency.name)
    return _l("Seluruh sistem")


USERS = Entity(
    slug="users",
    model=User,
    form=UserForm,
    title=_l("Pengguna"),
    singular=_l("Pengguna"),
    columns=[
        Column(_l("E-mail"), lambda u: u.email),
        Column(_l("Nama"), lambda u: u.name),
        Column(_l("Peran"), lambda u: ROLE_LABELS[u.role]),
        Column(_l("Cakupan"), _scope_label),
        Column(
            _l("Masuk terakhir"),
            lambda u: (
                format_datetime(u.last_login_at, "dd MMM yyyy HH:mm") if u.last_login_at else "—"
            ),
        ),
    ],
    search=[User.email, User.name],
    order_by=[User.email],
    view_permission=Permission.MANAGE_USERS,
    edit_permission=Permission.MANAGE_USERS,
    prepare=_prepare_user,
    load=_load_user,
    check=_check_user,
    save=_save_user,
)
register(bp, USERS)
