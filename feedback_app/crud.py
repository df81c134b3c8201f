"""List, search, create, edit and deactivate pages, shared by every admin area.

Each entity describes its model, form and columns; the views here do the
rest the same way everywhere: load (scoped, else 404) → check permission →
act. Nothing is hard-deleted: responses may point at any of these records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, or_, select

from feedback_app.accounts.access import get_or_404, scoped
from feedback_app.db import db
from feedback_app.models import Permission, User
from feedback_app.pagination import current_page


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any]


@dataclass
class Entity:
    """What the shared views need to know about one kind of record."""

    slug: str
    model: type
    form: type[FlaskForm]
    title: Any
    singular: Any
    columns: list[Column]
    #: columns matched by the search box
    search: list[Any]
    order_by: list[Any]
    view_permission: Permission = Permission.VIEW_ORGANISATION
    edit_permission: Permission = Permission.MANAGE_ORGANISATION
    #: fill select choices, drop fields the user may not set
    prepare: Callable[[FlaskForm, Any], None] = lambda form, obj: None
    #: copy an object into the form for editing
    load: Callable[[FlaskForm, Any], None] = lambda form, obj: form.process(obj=obj)
    #: cross-field and uniqueness checks; add errors to fields and return False to refuse
    check: Callable[[FlaskForm, Any], bool] = lambda form, obj: True
    #: copy the form into a (possibly new) object
    save: Callable[[FlaskForm, Any], Any] = lambda form, obj: form.populate_obj(obj)
    #: why an inactive record may not be switched back on now (a message), or None
    check_activation: Callable[[Any], Any | None] = lambda obj: None
    #: extra filters for the list page, from request args
    filters: Callable[[Any], Iterable[ColumnElement[bool]]] = lambda args: ()
    #: extra links on each row: (label, endpoint) taking ``object_id``
    row_links: list[tuple[Any, str]] = field(default_factory=list)


#: every registered entity by its endpoint prefix ("organisation.units"), for menus and tests
REGISTRY: dict[str, Entity] = {}

ACTIONS = ("list", "new", "edit", "deactivate", "activate")


def entity_for_endpoint(endpoint: str) -> tuple[Entity, str] | None:
    """The entity and action ("list", "edit", ...) behind an endpoint of these shared views."""
    prefix, _, action = endpoint.rpartition("_")
    entity = REGISTRY.get(prefix)
    return (entity, action) if entity is not None and action in ACTIONS else None


def _can(permission: Permission) -> bool:
    return current_user.can(permission)


def register(bp: Blueprint, entity: Entity) -> None:
    slug = entity.slug
    REGISTRY[f"{bp.name}.{slug}"] = entity

    @login_required
    def list_view():  # type: ignore[no-untyped-def]
        if not _can(entity.view_permission):
            abort(403)
        q = (request.args.get("q") or "").strip()[:100]
        show_inactive = request.args.get("inactive") == "1"
        query = scoped(select(entity.model), entity.model)
        if q and entity.search:
            # "%" and "_" typed in the box are searched for, not wildcards
            query = query.where(or_(*(col.icontains(q, autoescape=True) for col in entity.search)))
        if not show_inactive:
            query = query.where(entity.model.active.is_(True))
        for condition in entity.filters(request.args):
            query = query.where(condition)
        pager = current_page(query)
        rows = db.scalars(query.order_by(*entity.order_by).limit(pager.size).offset(pager.offset))
        return render_template(
            "crud/list.html",
            entity=entity,
            rows=list(rows),
            q=q,
            show_inactive=show_inactive,
            page=pager.page,
            pages=pager.pages,
            total=pager.total,
            can_edit=_can(entity.edit_permission),
        )

    @login_required
    def edit_view(object_id: int | None = None):  # type: ignore[no-untyped-def]
        obj = get_or_404(entity.model, object_id) if object_id is not None else None
        if not _can(entity.edit_permission):
            abort(403)
        form = entity.form()
        entity.prepare(form, obj)
        if obj is not None and request.method == "GET":
            entity.load(form, obj)
        if form.validate_on_submit() and entity.check(form, obj):
            target = obj if obj is not None else entity.model()
            entity.save(form, target)
            if obj is None:
                db.add(target)
            db.flush()
            flash(_l("%(what)s tersimpan.", what=entity.singular), "success")
            return redirect(url_for(f".{slug}_list"))
        status = 422 if request.method == "POST" else 200
        return render_template("crud/form.html", entity=entity, form=form, obj=obj), status

    @login_required
    def set_active_view(object_id: int, active: bool):  # type: ignore[no-untyped-def]
        obj = get_or_404(entity.model, object_id)
        if not _can(entity.edit_permission):
            abort(403)
        form = FlaskForm()
        if not form.validate_on_submit():
            abort(400)
        if isinstance(obj, User) and obj.id == current_user.id:
            flash(_l("Anda tidak dapat menonaktifkan akun Anda sendiri."), "error")
            return redirect(url_for(f".{slug}_list"))
        problem = entity.check_activation(obj) if active and not obj.active else None
        if problem is not None:
            flash(problem, "error")
            return redirect(url_for(f".{slug}_list", inactive="1"))
        obj.active = active
        flash(
            _l("%(what)s diaktifkan.", what=entity.singular)
            if active
            else _l("%(what)s dinonaktifkan.", what=entity.singular),
            "success",
        )
        return redirect(url_for(f".{slug}_list"))

    bp.add_url_rule(f"/{slug}/", f"{slug}_list", list_view)
    bp.add_url_rule(f"/{slug}/new", f"{slug}_new", edit_view, methods=["GET", "POST"])
    bp.add_url_rule(
        f"/{slug}/<int:object_id>/edit", f"{slug}_edit", edit_view, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        f"/{slug}/<int:object_id>/deactivate",
        f"{slug}_deactivate",
        set_active_view,
        methods=["POST"],
        defaults={"active": False},
    )
    bp.add_url_rule(
        f"/{slug}/<int:object_id>/activate",
        f"{slug}_activate",
        set_active_view,
        methods=["POST"],
        defaults={"active": True},
    )
