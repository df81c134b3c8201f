"""Incremental counts that dashboards read instead of rescanning responses.

Updated in the same transaction as each response (and when a flag changes);
``flask rebuild-aggregates`` recomputes them from the raw responses. Dimension
columns use 0 for "none" (not NULL) so that one unique key can be upserted on
both databases; the responses table keeps the real foreign keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)
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


# --------------------------------------------------------------------------- roll-ups
#
# Coarser copies of the two tables above for the dashboard (see
# ``feedback_app.results.rollups``): only unit and survey version are kept, and
# ``local_date`` is the first day of the month for the month-grain ones. ``Tally``
# keeps them in step with the daily tables; ``rebuild`` refills them.

#: the slice a roll-up count belongs to, in this order
ROLLUP_DIMENSIONS = ("agency_id", "unit_id", "survey_version_id", "local_date", "flagged")


def _rollup_table(name: str, *extra: Column, key: tuple[str, ...]) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("agency_id", Integer, nullable=False),
        Column("unit_id", Integer, nullable=False),
        Column("survey_version_id", Integer, nullable=False),
        Column("local_date", Date, nullable=False),
        Column("flagged", Boolean, nullable=False),
        *extra,
        Column("count", Integer, nullable=False),
        UniqueConstraint(*ROLLUP_DIMENSIONS, *key, name=f"uq_{name}_slice"),
        # what the dashboard reads, in the order it filters, with the count (covering)
        Index(
            f"ix_{name}_read",
            "agency_id",
            "local_date",
            "flagged",
            *key,
            "unit_id",
            "survey_version_id",
            "count",
        ),  # fmt: skip
    )


#: value counts per unit, survey version and month
answer_month_counts = _rollup_table(
    "answer_month_counts",
    Column("question_key", String(64), nullable=False),
    Column("value", String(64), nullable=False),
    key=("question_key", "value"),
)
#: responses per unit, survey version and local day
response_day_counts = _rollup_table("response_day_counts", key=())
#: responses per unit, survey version, month, weekday (0 = Monday) and local hour
response_month_hours = _rollup_table(
    "response_month_hours",
    Column("weekday", SmallInteger, nullable=False),
    Column("local_hour", SmallInteger, nullable=False),
    key=("weekday", "local_hour"),
)
