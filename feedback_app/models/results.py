"""What agencies do with results: populations, indicators, follow-ups, plans, exports."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.db import Base, utcnow
from feedback_app.models.organisation import TimestampMixin, _enum


class UnitPopulation(Base):
    """Service users of a unit in a period: the N of the Krejcie–Morgan sample size."""

    __tablename__ = "unit_populations"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_start", "period_end"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("population >= 0", name="population_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True, nullable=False)
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"<UnitPopulation u{self.unit_id} {self.period_start}–{self.period_end}>"


class IndicatorScope(enum.StrEnum):
    UNIT = "unit"
    EMPLOYEE = "employee"
    POSITION = "position"


class IndicatorSource(enum.StrEnum):
    IKM = "ikm"
    ELEMENT = "element"
    QUESTION_MEAN = "question_mean"
    SHARE_SATISFIED = "share_satisfied"
    RESPONSE_COUNT = "response_count"


class Comparison(enum.StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    SEMESTER = "semester"
    YEAR = "year"


class Indicator(TimestampMixin, Base):
    """A feedback-based performance indicator, evidence for the supervisor (not a verdict)."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    scope: Mapped[IndicatorScope] = mapped_column(
        _enum(IndicatorScope, "indicator_scope"), nullable=False
    )
    #: for scope "position": the jabatan it applies to
    position: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[IndicatorSource] = mapped_column(
        _enum(IndicatorSource, "indicator_source"), nullable=False
    )
    #: the element (U1–U9) or question key the source reads, when it needs one
    question_key: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False)
    comparison: Mapped[Comparison] = mapped_column(
        _enum(Comparison, "comparison"), default=Comparison.AT_LEAST, nullable=False
    )
    period: Mapped[Period] = mapped_column(_enum(Period, "period"), nullable=False)
    #: realisation beyond target + this margin is "di atas ekspektasi"
    above_margin: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=0, nullable=False)
    #: realisation short of target by more than this margin is "di bawah ekspektasi"
    below_margin: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=0, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name!r}>"


class IndicatorAssignment(Base):
    __tablename__ = "indicator_assignments"
    __table_args__ = (
        CheckConstraint("(employee_id IS NULL) <> (unit_id IS NULL)", name="one_target"),
        UniqueConstraint("indicator_id", "employee_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id"), index=True, nullable=False
    )
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    indicator: Mapped[Indicator] = relationship()

    def __repr__(self) -> str:
        return f"<IndicatorAssignment i{self.indicator_id}>"


class FollowUpStatus(enum.StrEnum):
    NEW = "baru"
    IN_PROGRESS = "diproses"
    DONE = "selesai"


class FollowUp(TimestampMixin, Base):
    """Tindak lanjut of a negative response or complaint."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id"), unique=True, nullable=False
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    status: Mapped[FollowUpStatus] = mapped_column(
        _enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.NEW, nullable=False
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when the unit head was told (immediately or in the daily digest)
    notified_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} {self.status}>"


class FollowUpNote(Base):
    __tablename__ = "follow_up_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_ups.id"), index=True, nullable=False
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"<FollowUpNote {self.id}>"


class ImprovementPlan(TimestampMixin, Base):
    """Rencana tindak lanjut for a weak element in a period, quoted by the SKM report."""

    __tablename__ = "improvement_plans"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True, nullable=False)
    #: U1–U9
    element_key: Mapped[str] = mapped_column(String(8), nullable=False)
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    #: who carries it out (a role or a name)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    def __repr__(self) -> str:
        return f"<ImprovementPlan u{self.unit_id} {self.element_key}>"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(Base):
    """A large export running in the background; its file is kept for a while."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    #: raw, summary, indicators, comments
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: csv, xlsx, pdf, sav, json
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[JobStatus] = mapped_column(
        _enum(JobStatus, "job_status"), default=JobStatus.QUEUED, nullable=False
    )
    done_rows: Mapped[int] = mapped_column(default=0, nullable=False)
    total_rows: Mapped[int | None] = mapped_column()
    #: inside the instance folder's exports directory
    file_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.kind}.{self.format} {self.status}>"


class AuditEntry(Base):
    """Who did what with results (every export), for accountability."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_agency_time", "agency_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"
