"""Recording changes as they are flushed, and writing them when the transaction commits.

Every mapped model is audited unless it is listed in :data:`NOT_AUDITED`, so a
model added later (and every page that edits it) is covered without anyone
remembering. Citizens' submissions are not audited: their models are listed
there, and a request to a public area skips the listener before it looks at
anything.

How a change becomes an :class:`AuditEvent`:

1. ``after_flush``: the changed columns of each audited object are read from
   its attribute history (``before`` / ``after``), or all its columns for a
   creation or a deletion. The changes of one record in one transaction are
   merged, so a view that flushes twice still makes one event.
2. ``do_orm_execute``: a bulk ``update()`` / ``delete()`` of an audited model
   reads the rows it touches before (and for an update after) it runs.
3. ``before_commit``: the events are written in the same transaction as the
   change, so a refused change (rolled back) leaves none. Secrets are masked
   and long values summarised only here.

Only requests outside the public areas and command-line commands are audited;
the background worker carries out what an audited request asked for.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import click
from flask import Flask, g, has_request_context, request
from sqlalchemy import event, inspect, null, select
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction

from feedback_app.db import Base
from feedback_app.models import (
    Agency,
    AnswerCount,
    ApiToken,
    AuditAction,
    AuditEntry,
    AuditEvent,
    Employee,
    ExportJob,
    FollowUp,
    FollowUpNote,
    Indicator,
    PublicLink,
    Response,
    ResponseContact,
    ResponseCount,
    RosterEntry,
    ServicePoint,
    Survey,
    SurveyStatus,
    SurveyVersion,
    TransactionCode,
    Unit,
    User,
)

#: areas for citizens and machines: their requests are never audited (the hot path)
PUBLIC_BLUEPRINTS = frozenset({"public", "api", "read_api", "transparency"})

#: citizens' submissions and what is derived from them, single-use codes, the logs themselves
NOT_AUDITED: frozenset[type] = frozenset(
    {
        AuditEvent,
        AuditEntry,
        ResponseContact,
        TransactionCode,
        ResponseCount,
        AnswerCount,
    }
)

#: bookkeeping columns that change without anyone changing the record
ALWAYS_IGNORED = frozenset({"created_at", "updated_at"})
#: never written to the log, whatever the model: only that they changed
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "token", "secret"})
MASK = "***"
#: longer values (a survey definition) are logged as their size and a fingerprint
LONG_VALUE = 1000

PENDING = "audit_pending"


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""


@dataclass(frozen=True)
class Rule:
    """How one model is audited."""

    create: bool = True
    update: bool = True
    delete: bool = True
    #: audit only these columns (plus none of the others)
    only: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    mask: frozenset[str] = frozenset()

    def wants(self, key: str) -> bool:
        if key in ALWAYS_IGNORED or key in self.ignore:
            return False
        return self.only is None or key in self.only


RULES: dict[type, Rule] = {
    # a citizen's answers are not an administrative record; a reviewer's flag is
    Response: Rule(
        create=False,
        only=frozenset({"flagged", "flag_reason", "flag_reviewed_at", "flag_reviewed_by_id"}),
    ),
    User: Rule(ignore=frozenset({"last_login_at"})),
    ApiToken: Rule(ignore=frozenset({"last_used_at"})),
    FollowUp: Rule(ignore=frozenset({"notified_at"})),
    # staff notes on a complaint may quote the citizen's phone number
    FollowUpNote: Rule(mask=frozenset({"body"})),
    # each export is recorded explicitly (see record_export); the worker's progress is not news
    ExportJob: Rule(create=False, update=False),
}


@cache
def rule_for(cls: type) -> Rule | None:
    if cls in NOT_AUDITED or not issubclass(cls, Base):
        return None
    return RULES.get(cls, Rule())


@cache
def _columns(cls: type) -> tuple[tuple[str, ...], str | None]:
    """The column attribute keys of a model, and its single primary key's key."""
    mapper: Mapper[Any] = inspect(cls)
    keys = tuple(attr.key for attr in mapper.column_attrs)
    primary = mapper.primary_key
    pk = mapper.get_property_by_column(primary[0]).key if len(primary) == 1 else None
    return keys, pk


# --------------------------------------------------------------------------- capturing


@dataclass
class Change:
    model: type
    entity_id: int | None
    #: "create", "update" or "delete"
    kind: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    #: the record's columns as last seen, for its label and its agency and unit
    row: dict[str, Any] = field(default_factory=dict)


def audited_context() -> bool:
    """A staff request, or a command; not a citizen's request, not the background worker."""
    if has_request_context():
        return request.blueprint not in PUBLIC_BLUEPRINTS
    return click.get_current_context(silent=True) is not None


def _pending(session: Session) -> dict[tuple[Any, ...], Change]:
    return session.info.setdefault(PENDING, {})


def _merge(session: Session, change: Change) -> None:
    pending = _pending(session)
    key = (change.model, change.entity_id)
    old = pending.get(key)
    if old is None:
        pending[key] = change
        return
    if change.kind == "create":  # an id used again after a deletion in the same transaction
        pending[(*key, len(pending))] = change
    elif change.kind == "delete":
        if old.kind == "create":
            del pending[key]  # created and removed again: nothing happened
        else:
            old.kind, old.before, old.after = "delete", {**change.before, **old.before}, {}
            old.row = change.row
    else:
        for name, value in change.after.items():
            if old.kind == "update" and name not in old.after:
                old.before[name] = change.before.get(name)
            old.after[name] = value
        if old.kind == "update":
            for name in [n for n in old.after if old.after[n] == old.before.get(n)]:
                del old.after[name], old.before[name]
        old.row = change.row


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if not audited_context():
        return
    for kind, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            rule = rule_for(type(obj))
            if rule is not None and getattr(rule, kind):
                _capture(session, obj, kind, rule)


def _capture(session: Session, obj: Any, kind: str, rule: Rule) -> None:
    keys, pk = _columns(type(obj))
    state = inspect(obj)
    # state.dict: what is loaded, without loading anything in the middle of a flush
    row = {key: state.dict.get(key) for key in keys}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if kind == "create":
        after = {k: v for k, v in row.items() if rule.wants(k)}
    elif kind == "delete":
        before = {k: v for k, v in row.items() if rule.wants(k)}
    else:
        for key in keys:
            if not rule.wants(key):
                continue
            history = state.attrs[key].history
            if not history.added and not history.deleted:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                before[key], after[key] = old, new
        if not after:
            return
    _merge(session, Change(type(obj), row.get(pk) if pk else None, kind, before, after, row))


def _on_execute(state: ORMExecuteState) -> Any:
    """Bulk ``update()`` and ``delete()``: refused on the log, recorded row by row elsewhere."""
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None:
        return None
    cls = mapper.class_
    if cls is AuditEvent:
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
    if not audited_context():
        return None
    rule = rule_for(cls)
    if rule is None or not (rule.delete if state.is_delete else rule.update):
        return None
    keys, pk = _columns(cls)
    if pk is None:
        return None
    columns = [getattr(cls, key) for key in keys]
    statement: Any = state.statement
    if isinstance(state.parameters, list):  # by primary key, one parameter set per row
        ids = [p.get(pk) for p in state.parameters]
        query = select(*columns).where(getattr(cls, pk).in_(ids))
    else:
        query = select(*columns)
        if statement.whereclause is not None:
            query = query.where(statement.whereclause)
    session = state.session
    rows = {row[pk]: dict(row) for row in session.execute(query).mappings()}
    result = state.invoke_statement()
    if state.is_delete:
        for entity_id, row in rows.items():
            before = {k: v for k, v in row.items() if rule.wants(k)}
            _merge(session, Change(cls, entity_id, "delete", before, {}, row))
        return result
    if rows:
        changed = session.execute(
            select(*columns).where(getattr(cls, pk).in_(list(rows)))
        ).mappings()
        for new in changed:
            old = rows[new[pk]]
            diff = [k for k in keys if rule.wants(k) and old[k] != new[k]]
            if diff:
                _merge(
                    session,
                    Change(
                        cls,
                        new[pk],
                        "update",
                        {k: old[k] for k in diff},
                        {k: new[k] for k in diff},
                        dict(new),
                    ),
                )
    return result


# --------------------------------------------------------------------------- writing


def _before_commit(session: Session) -> None:
    if audited_context() and (session.new or session.dirty or session.deleted):
        session.flush()  # changes still in memory are part of this transaction too
    pending: dict[tuple[Any, ...], Change] | None = session.info.pop(PENDING, None)
    if not pending:
        return
    actor_id, actor_label = current_actor()
    where = request_details()
    scopes = _Scopes(session)
    for change in pending.values():
        made = _event(change, scopes)
        if made is not None:
            made.actor_user_id, made.actor_label = actor_id, actor_label
            for name, value in where.items():
                setattr(made, name, value)
            session.add(made)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        # rolled back (or committed and already written): nothing may carry over
        session.info.pop(PENDING, None)


def _event(change: Change, scopes: _Scopes) -> AuditEvent | None:
    rule = rule_for(change.model) or Rule()
    if change.kind == "update" and not change.after:
        return None
    agency_id, unit_id = scopes.of(change.model, change.row)
    return AuditEvent(
        action=_action(change),
        entity_type=change.model.__name__,
        entity_id=change.entity_id,
        entity_label=entity_label(change.model, change.row)[:300],
        agency_id=agency_id,
        unit_id=unit_id,
        before=_values(change.before, rule) if change.kind != "create" else None,
        after=_values(change.after, rule) if change.kind != "delete" else None,
    )


_SURVEY_ACTIONS = {
    SurveyStatus.PUBLISHED: AuditAction.PUBLISH,
    SurveyStatus.CLOSED: AuditAction.CLOSE,
    SurveyStatus.ARCHIVED: AuditAction.ARCHIVE,
}


def _action(change: Change) -> str:
    """The plain create / update / delete, or what an update amounts to when it says more."""
    if change.kind != "update":
        return change.kind
    after = change.after
    if "active" in after:
        return AuditAction.ACTIVATE if after["active"] else AuditAction.DEACTIVATE
    if change.model is Response and "flagged" in after:
        return AuditAction.FLAG if after["flagged"] else AuditAction.UNFLAG
    if change.model is Survey and "status" in after and after["status"] in _SURVEY_ACTIONS:
        return _SURVEY_ACTIONS[SurveyStatus(after["status"])]
    if (
        change.model is PublicLink
        and not change.before.get("retired_at")
        and after.get("retired_at")
    ):
        return AuditAction.RETIRE
    return AuditAction.UPDATE


def plain(value: Any) -> Any:
    """A value as JSON can hold it: enums by value, times in ISO 8601, decimals as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def _values(values: Mapping[str, Any], rule: Rule) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in values.items():
        if value is not None and (key in SECRET_COLUMNS or key in rule.mask):
            result[key] = MASK
            continue
        value = plain(value)
        if isinstance(value, dict | list) or (isinstance(value, str) and len(value) > LONG_VALUE):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            if len(text) > LONG_VALUE:
                digest = hashlib.sha256(text.encode()).hexdigest()[:12]
                value = f"<{len(text)} karakter, sha256 {digest}>"
        result[key] = value
    return result


# --------------------------------------------------------------------------- who, where, what


def user_label(user: User) -> str:
    return f"{user.name} <{user.email}>"


def token_label(token: ApiToken) -> str:
    return f"Token API {token.name} (#{token.id})"


def current_actor() -> tuple[int | None, str]:
    """The signed-in user, the API token, the command, or the system."""
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return current_user.id, user_label(current_user)
        token = g.get("api_token")
        if isinstance(token, ApiToken):
            return None, token_label(token)
        return None, "anonim"
    context = click.get_current_context(silent=True)
    if context is not None:
        return None, f"CLI: {context.command_path}"
    return None, "sistem"


def request_details() -> dict[str, Any]:
    if has_request_context():
        from feedback_app.public.ratelimit import client_hash

        return {
            "endpoint": (request.endpoint or "")[:100] or None,
            "path": request.path[:500],
            "client_hash": client_hash(),
        }
    context = click.get_current_context(silent=True)
    if context is not None:
        return {"endpoint": f"cli:{context.command_path}"[:100], "path": None, "client_hash": None}
    return {"endpoint": None, "path": None, "client_hash": None}


#: record labels that say more than a name would (fallback: name, label, e-mail, code)
_LABELS: dict[type, Any] = {
    User: lambda r: f"{r.get('name')} <{r.get('email')}>",
    Employee: lambda r: f"{r.get('name')} ({r.get('nip')})",
    Unit: lambda r: f"{r.get('name')} ({r.get('code')})",
    Response: lambda r: f"respons #{r.get('id')}",
    SurveyVersion: lambda r: f"versi {r.get('number')} survei #{r.get('survey_id')}",
    RosterEntry: lambda r: (
        f"pegawai #{r.get('employee_id')} di loket #{r.get('service_point_id')}, "
        f"{plain(r.get('starts_at'))}"
    ),
}
_NAME_COLUMNS = ("name", "label", "email", "code", "nip", "kind")


def entity_label(model: type, row: Mapping[str, Any]) -> str:
    special = _LABELS.get(model)
    if special is not None:
        return str(special(row))
    for key in _NAME_COLUMNS:
        value = row.get(key)
        if value:
            return str(plain(value))
    described = ", ".join(
        f"{key}={plain(row[key])}" for key in row if key.endswith("_id") and row[key] is not None
    )
    return f"#{row.get('id')}" + (f" ({described})" if described else "")


#: columns pointing at a record that knows its agency and unit, in order of preference
_PARENTS: tuple[tuple[str, type], ...] = (
    ("service_point_id", ServicePoint),
    ("employee_id", Employee),
    ("survey_id", Survey),
    ("indicator_id", Indicator),
    ("follow_up_id", FollowUp),
    ("response_id", Response),
)
_NO_UNIT = null().label("unit_id")
#: (agency id, unit id) of one record of each kind
_SCOPE_QUERIES: dict[type, Any] = {
    Unit: lambda i: select(Unit.agency_id, Unit.id).where(Unit.id == i),
    ServicePoint: lambda i: (
        select(Unit.agency_id, ServicePoint.unit_id)
        .join(Unit, Unit.id == ServicePoint.unit_id)
        .where(ServicePoint.id == i)
    ),
    Employee: lambda i: select(Employee.agency_id, Employee.unit_id).where(Employee.id == i),
    Survey: lambda i: select(Survey.agency_id, _NO_UNIT).where(Survey.id == i),
    Indicator: lambda i: select(Indicator.agency_id, _NO_UNIT).where(Indicator.id == i),
    FollowUp: lambda i: (
        select(Unit.agency_id, FollowUp.unit_id)
        .join(Unit, Unit.id == FollowUp.unit_id)
        .where(FollowUp.id == i)
    ),
    Response: lambda i: select(Response.agency_id, Response.unit_id).where(Response.id == i),
}


class _Scopes:
    """The agency and unit a record belongs to, looked up through its parents once each.

    A record's own ``agency_id`` / ``unit_id`` columns win, even when empty (a
    user of a whole agency has no unit); a parent fills in only what the record
    has no column for.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[type, int], tuple[int | None, int | None]] = {}

    def of(self, model: type, row: Mapping[str, Any]) -> tuple[int | None, int | None]:
        if model is Agency:
            return row.get("id"), None
        if model is Unit:
            return row.get("agency_id"), row.get("id")
        has_agency, has_unit = "agency_id" in row, "unit_id" in row
        agency, unit = row.get("agency_id"), row.get("unit_id")
        for column, parent in _PARENTS:
            if (has_agency or agency is not None) and (has_unit or unit is not None):
                break
            parent_id = row.get(column)
            if parent_id is None:
                continue
            parent_agency, parent_unit = self.lookup(parent, parent_id)
            if not has_agency and agency is None:
                agency = parent_agency
            if not has_unit and unit is None:
                unit = parent_unit
        if agency is None and unit is not None:
            agency = self.lookup(Unit, unit)[0]
        return agency, unit

    def lookup(self, model: type, object_id: int) -> tuple[int | None, int | None]:
        key = (model, object_id)
        if key not in self.cache:
            found = self.session.execute(_SCOPE_QUERIES[model](object_id)).first()
            self.cache[key] = (found[0], found[1]) if found else (None, None)
        return self.cache[key]


# --------------------------------------------------------------------------- explicit events


def record(
    session: Session,
    action: str,
    entity_type: str,
    *,
    entity_id: int | None = None,
    label: str = "",
    agency_id: int | None = None,
    unit_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: tuple[int | None, str] | None = None,
) -> AuditEvent:
    """Write one event that no model change carries (a download), in ``session``'s transaction."""
    actor_id, actor_label = actor or current_actor()
    made = AuditEvent(
        actor_user_id=actor_id,
        actor_label=actor_label[:300],
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_label=label[:300],
        agency_id=agency_id,
        unit_id=unit_id,
        before=_values(before, Rule()) if before else None,
        after=_values(after, Rule()) if after else None,
        **request_details(),
    )
    session.add(made)
    return made


def record_export(
    session: Session, selection: Any, via: str, details: Mapping[str, Any]
) -> AuditEvent:
    """An export of results (page, background job, command or read API) for ``selection``.

    ``via`` names the way out (``export``, ``export.download``, ``api.responses`` …).
    """
    who = selection.actor
    actor: tuple[int | None, str] | None = None
    if who.user_id is not None:
        user = session.get(User, who.user_id)
        actor = (who.user_id, user_label(user) if user else f"#{who.user_id}")
    elif who.api_token_id is not None:
        token = session.get(ApiToken, who.api_token_id)
        actor = (None, token_label(token) if token else f"Token API #{who.api_token_id}")
    job = details.get("job")
    what = ".".join(str(details[k]) for k in ("kind", "format") if details.get(k)) or via
    scope = selection.describe()
    return record(
        session,
        AuditAction.EXPORT,
        "ExportJob" if isinstance(job, int) else "Export",
        entity_id=job if isinstance(job, int) else None,
        label=f"{what} · {scope['agency']} · {scope['period']}",
        agency_id=selection.agency.id,
        unit_id=selection.root_unit.id if selection.root_unit is not None else None,
        after={"via": via, **details, "scope": scope},
        actor=actor,
    )


# --------------------------------------------------------------------------- installing


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


def install(app: Flask) -> None:
    """Listen to the sessions of ``app`` (not to every session: tests build their own)."""
    factory = app.extensions["db"].session_factory
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_transaction_end", _after_transaction_end)
