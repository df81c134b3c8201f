"""The audit log: who changed which administrative record when, and how.

Rows are written by :mod:`feedback_app.audit` and never changed or removed
afterwards: the ORM refuses it, and so does a trigger in the database.

The ids here are plain integers, not foreign keys: an entry must outlive the
user, agency or record it names (a foreign key would block deleting the
record, or ask the database to rewrite the entry), so the labels are copied in.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.db import Base, utcnow


class AuditAction(enum.StrEnum):
    """What happened. Stored as plain text: a new kind of action must never make a write fail."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    #: a response set aside (again) by a reviewer, or its flag cleared
    FLAG = "flag"
    UNFLAG = "unflag"
    #: a survey's status changed
    PUBLISH = "publish"
    CLOSE = "close"
    ARCHIVE = "archive"
    #: a public link replaced by a new one
    RETIRE = "retire"
    #: results left the system: a download, a background export, an API read
    EXPORT = "export"


class AuditEvent(Base):
    """One administrative change (or export), with the changed fields before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_agency_time", "agency_id", "occurred_at"),
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when the change was committed (UTC)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True, nullable=False)
    #: the signed-in user; None for a command line or system change, or an API token
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    #: who it was, as it read then ("Nama <e-mail>", "Token API …", "CLI: flask import")
    actor_label: Mapped[str] = mapped_column(String(300), nullable=False)
    #: the agency the record belongs to; None for installation-wide records (administrators)
    agency_id: Mapped[int | None] = mapped_column()
    #: the unit the record belongs to; None for records of a whole agency
    unit_id: Mapped[int | None] = mapped_column()
    #: an :class:`AuditAction` value
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    #: the model's class name: ``Unit``, ``ServicePoint``, ``User`` …; ``Export`` for exports
    entity_type: Mapped[str] = mapped_column(String(60), nullable=False)
    entity_id: Mapped[int | None] = mapped_column()
    #: the record's name as it read then
    entity_label: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    #: the changed fields' old values (all fields for a deletion); secrets masked
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the changed fields' new values (all fields for a creation); secrets masked
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the Flask endpoint and path of the request, or the command
    endpoint: Mapped[str | None] = mapped_column(String(100))
    path: Mapped[str | None] = mapped_column(String(500))
    #: a keyed hash of the client's address that rotates daily (never the address itself)
    client_hash: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type}#{self.entity_id}>"
