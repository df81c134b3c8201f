"""Public links, citizens' responses and the contact details kept apart from them."""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.db import Base, utcnow
from feedback_app.models.organisation import (
    Employee,
    ServicePoint,
    TimeZone,
    _enum,
)

#: no 0/o, 1/l/i: a token printed under the QR code must survive being typed
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # noqa: S105 - not a secret
#: 31^10 ≈ 8·10^14 tokens: unguessable behind a rate limit, short enough to type
TOKEN_LENGTH = 10


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class LinkKind(enum.StrEnum):
    #: the QR code on a counter's poster
    COUNTER = "counter"
    #: an officer's nameplate: attributes the response to them directly
    NAMEPLATE = "nameplate"
    #: a tablet at the exit; the token is the device's secret, never printed
    KIOSK = "kiosk"


class PublicLink(Base):
    """A public ``/s/<token>`` address; regenerating retires the old token."""

    __tablename__ = "public_links"
    __table_args__ = (
        CheckConstraint(
            "(kind IN ('counter', 'kiosk') AND service_point_id IS NOT NULL"
            " AND employee_id IS NULL)"
            " OR (kind = 'nameplate' AND employee_id IS NOT NULL)",
            name="target_matches_kind",
        ),
        # one live token per counter and per nameplate; retired ones stay for history
        Index(
            "uq_public_links_live_counter",
            "service_point_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL AND kind = 'counter'"),
            postgresql_where=text("retired_at IS NULL AND kind = 'counter'"),
        ),
        Index(
            "uq_public_links_live_nameplate",
            "employee_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL AND kind = 'nameplate'"),
            postgresql_where=text("retired_at IS NULL AND kind = 'nameplate'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token, nullable=False)
    kind: Mapped[LinkKind] = mapped_column(_enum(LinkKind, "link_kind"), nullable=False)
    service_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_points.id"), index=True
    )
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    #: set when a new token replaced this one; the old address then says so
    retired_at: Mapped[dt.datetime | None] = mapped_column()
    #: what the admin calls a kiosk device ("Tablet pintu keluar")
    label: Mapped[str | None] = mapped_column(String(100))

    service_point: Mapped[ServicePoint | None] = relationship()
    employee: Mapped[Employee | None] = relationship()

    def __repr__(self) -> str:
        return f"<PublicLink {self.kind} {self.token}>"


class Channel(enum.StrEnum):
    QR = "qr"
    KIOSK = "kiosk"
    LINK = "link"
    CODE = "code"


class Response(Base):
    """One citizen's answers, attributed to where and by whom they were served."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_unit_time", "unit_id", "submitted_at"),
        Index("ix_responses_agency_time", "agency_id", "submitted_at"),
        Index("ix_responses_point_digest", "service_point_id", "answers_digest", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    #: None when an officer's nameplate was scanned away from any rostered counter
    service_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_points.id"), index=True
    )
    #: the jenis layanan the citizen said they received
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)
    #: the officer who served, from the roster, the citizen's pick or a nameplate
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id"), index=True, nullable=False
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"), nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    #: the unit's zone at submission, so local time stays derivable if the unit moves zone
    timezone: Mapped[TimeZone] = mapped_column(_enum(TimeZone, "timezone"), nullable=False)
    #: language the form was answered in
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    #: answers by question key (never by position), as cleaned by the question types
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    #: one per rendered form: a double tap, back or refresh cannot store twice
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: kept, shown to admins, excluded from scores unless asked for
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: why it was flagged (staff_network, identical_burst); kept after a flag is cleared
    flag_reason: Mapped[str | None] = mapped_column(String(200))
    #: the last admin review of the flag (cleared, or set again)
    flag_reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    flag_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: sha256 of the canonical answers, to spot bursts of identical submissions
    answers_digest: Mapped[str] = mapped_column(String(64), nullable=False)

    def __repr__(self) -> str:
        return f"<Response {self.id} unit {self.unit_id}>"


class ResponseContact(Base):
    """Contact details a citizen chose to leave with a complaint (UU 27/2022).

    Kept apart from the ratings and deleted after the retention period.
    """

    __tablename__ = "response_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id"), unique=True, nullable=False
    )
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    delete_after: Mapped[dt.datetime] = mapped_column(index=True, nullable=False)

    def __repr__(self) -> str:
        return f"<ResponseContact for {self.response_id}>"


class TransactionCode(Base):
    """A single-use code minted for one finished service (queue ticket or counter display).

    It opens the form with counter, officer and service already set, works
    once, and expires.
    """

    __tablename__ = "transaction_codes"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short enough to print on a queue ticket and type on a phone
    code: Mapped[str] = mapped_column(String(16), unique=True, default=new_token, nullable=False)
    service_point_id: Mapped[int] = mapped_column(
        ForeignKey("service_points.id"), index=True, nullable=False
    )
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    #: who minted it: a signed-in officer, or a queue machine's API token
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column()
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), unique=True)

    service_point: Mapped[ServicePoint] = relationship()
    employee: Mapped[Employee | None] = relationship()

    def __repr__(self) -> str:
        return f"<TransactionCode {self.code}>"


class ApiToken(Base):
    """A machine's credential (queue machine, reporting system); only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True, nullable=False)
    #: limits the token to one unit subtree, like a user's scope
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: sha256 of the secret; the secret itself is shown once at creation
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"
