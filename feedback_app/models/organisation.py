"""The organisation of an agency: units, counters, services, employees, rosters."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from feedback_app.db import Base, utcnow


class TimeZone(enum.StrEnum):
    """Indonesia's three time zones, stored by their legal name."""

    WIB = "WIB"
    WITA = "WITA"
    WIT = "WIT"

    @property
    def iana(self) -> str:
        return {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}[self.value]


class UnitKind(enum.StrEnum):
    DINAS = "dinas"
    BADAN = "badan"
    BIDANG = "bidang"
    PUSKESMAS = "puskesmas"
    RUMAH_SAKIT = "rumah_sakit"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    UPT = "upt"
    MPP = "mpp"
    LAINNYA = "lainnya"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as VARCHAR plus a CHECK constraint, the same on both databases,
    # so adding a member later is a plain migration instead of ALTER TYPE.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class Agency(TimestampMixin, Base):
    """An instansi: a city or regency government, a ministry office, ..."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short code used in URLs and imports, e.g. ``pemko-siantar``
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: default for new units
    timezone: Mapped[TimeZone] = mapped_column(
        _enum(TimeZone, "timezone"), default=TimeZone.WIB, nullable=False
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: reproduce old spreadsheets: IKM = Σ NRR × 0.111 instead of the exact 1/9
    legacy_ikm_weight: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: below this many responses an employee's figure reads "data belum cukup"
    min_employee_responses: Mapped[int] = mapped_column(default=30, nullable=False)
    #: the signature block of the SKM report (BAB V)
    head_name: Mapped[str | None] = mapped_column(String(200))
    head_nip: Mapped[str | None] = mapped_column(String(18))
    head_title: Mapped[str | None] = mapped_column(String(200))

    units: Mapped[list[Unit]] = relationship(back_populates="agency", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.code}>"


class Unit(TimestampMixin, Base):
    """A node of the agency's tree: dinas, bidang, puskesmas, kecamatan, UPT."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("agency_id", "code"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True, nullable=False)
    #: None for a top-level unit of the agency
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"), nullable=False)
    #: the agency's own code for the unit, unique within the agency; imports match on it
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[TimeZone] = mapped_column(_enum(TimeZone, "timezone"), nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    #: survey this unit's counters open, unless a counter names its own; None: inherit
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    agency: Mapped[Agency] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.code}>"


def subtree_ids(session: Session, root_id: int) -> list[int]:
    """Ids of a unit and all units below it (a recursive query; works on both databases)."""
    tree = select(Unit.id).where(Unit.id == root_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
    return list(session.scalars(select(tree.c.id)))


class ServicePoint(TimestampMixin, Base):
    """A loket: a counter (or desk, or room) where citizens are served."""

    __tablename__ = "service_points"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True, nullable=False)
    #: unique within the unit, e.g. ``LOKET-1``
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: where to find it, printed on posters ("Lantai 1, dekat pintu masuk")
    location: Mapped[str | None] = mapped_column(String(200))
    #: overrides the unit's survey for this counter
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<ServicePoint {self.id} {self.code}>"


class Service(TimestampMixin, Base):
    """A jenis layanan offered by a unit (KTP-el, akta kelahiran, ...)."""

    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: English name for the public form; falls back to ``name``
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.code}>"


class Employee(TimestampMixin, Base):
    """A civil servant (PNS) or contract civil servant (PPPK) identified by NIP."""

    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("agency_id", "nip"),
        CheckConstraint("supervisor_id IS NULL OR supervisor_id <> id", name="not_own_supervisor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True, nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True, nullable=False)
    #: 18 digits, checked by ``feedback_app.organisation.nip``
    nip: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: jabatan
    position: Mapped[str] = mapped_column(String(200), nullable=False)
    #: atasan langsung; supervisors see their staff's feedback figures
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    unit: Mapped[Unit] = relationship()
    supervisor: Mapped[Employee | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Employee {self.id} {self.nip}>"


class RosterEntry(TimestampMixin, Base):
    """Who staffed which counter when; attributes responses to the officer on duty."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_roster_entries_point_time", "service_point_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True, nullable=False)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), nullable=False)
    starts_at: Mapped[dt.datetime] = mapped_column(nullable=False)
    ends_at: Mapped[dt.datetime] = mapped_column(nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    employee: Mapped[Employee] = relationship()
    service_point: Mapped[ServicePoint] = relationship()

    def __repr__(self) -> str:
        return f"<RosterEntry {self.id} e{self.employee_id} sp{self.service_point_id}>"
