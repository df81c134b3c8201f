"""Incremental counts that dashboards read instead of rescanning responses.

Updated in the same transaction as each response (and when a flag changes);
``flask rebuild-aggregates`` recomputes them from the raw responses. Dimension
columns use 0 for "none" (not NULL) so that one unique key can be upserted on
both databases; the responses table keeps the real foreign keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.db import Base

#: the slice every count belongs to, in this order
DIMENSIONS = (
    "agency_id",
    "unit_id",
    "service_point_id",
    "employee_id",
    "service_id",
    "survey_version_id",
    "local_date",
    "flagged",
)


class _Dimensions:
    agency_id: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: 0 when the response has no counter (a nameplate away from the roster)
    service_point_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: 0 when nobody was credited
    employee_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: 0 when the citizen did not say
    service_id: Mapped[int] = mapped_column(Integer, nullable=False)
    survey_version_id: Mapped[int] = mapped_column(Integer, nullable=False)
    #: the day in the unit's own time zone
    local_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    flagged: Mapped[bool] = mapped_column(Boolean, nullable=False)


class ResponseCount(_Dimensions, Base):
    """Responses per slice and local hour (volume, heatmap, sample size)."""

    __tablename__ = "response_counts"
    __table_args__ = (
        UniqueConstraint(*DIMENSIONS, "local_hour", name="uq_response_counts_slice"),
        Index("ix_response_counts_agency_date", "agency_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 0–23 in the unit's time zone
    local_hour: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"<ResponseCount u{self.unit_id} {self.local_date} h{self.local_hour}: {self.count}>"


class AnswerCount(_Dimensions, Base):
    """How often each value of each choice or scale question was given, per slice.

    From these counts come n, Σx and Σx² per element (IKM and its interval),
    CSAT, NPS and every distribution.
    """

    __tablename__ = "answer_counts"
    __table_args__ = (
        UniqueConstraint(*DIMENSIONS, "question_key", "value", name="uq_answer_counts_slice"),
        Index("ix_answer_counts_agency_date", "agency_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), nullable=False)
    #: the stored answer value as text ("4", "L", "pns")
    value: Mapped[str] = mapped_column(String(64), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"<AnswerCount u{self.unit_id} {self.question_key}={self.value}: {self.count}>"
