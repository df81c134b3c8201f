"""Users, their roles and the part of the organisation they may see."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.db import Base
from feedback_app.models.organisation import Agency, Employee, TimestampMixin, Unit, _enum


class Role(enum.StrEnum):
    #: runs the whole installation, every agency
    ADMIN = "admin"
    #: sets up one agency's organisation and users
    AGENCY_ADMIN = "agency_admin"
    #: builds and publishes surveys
    DESIGNER = "designer"
    #: kepala instansi: sees and exports every result of the agency
    AGENCY_HEAD = "agency_head"
    #: kepala unit / atasan langsung: sees the results of a unit subtree
    UNIT_HEAD = "unit_head"
    #: petugas loket: signs in only to run the counter display of single-use codes
    OFFICER = "officer"


class NotifyMode(enum.StrEnum):
    OFF = "off"
    IMMEDIATE = "immediate"
    DAILY = "daily"


class Permission(enum.StrEnum):
    MANAGE_AGENCIES = "manage_agencies"
    MANAGE_ORGANISATION = "manage_organisation"
    VIEW_ORGANISATION = "view_organisation"
    MANAGE_USERS = "manage_users"
    DESIGN_SURVEYS = "design_surveys"
    VIEW_RESULTS = "view_results"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AGENCY_ADMIN: frozenset(
        {
            Permission.MANAGE_ORGANISATION,
            Permission.VIEW_ORGANISATION,
            Permission.MANAGE_USERS,
        }
    ),
    Role.DESIGNER: frozenset({Permission.DESIGN_SURVEYS, Permission.VIEW_ORGANISATION}),
    Role.AGENCY_HEAD: frozenset({Permission.VIEW_RESULTS, Permission.VIEW_ORGANISATION}),
    Role.UNIT_HEAD: frozenset({Permission.VIEW_RESULTS, Permission.VIEW_ORGANISATION}),
    Role.OFFICER: frozenset(),
}


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Only the installation administrator stands outside every agency.
        CheckConstraint("role = 'admin' OR agency_id IS NOT NULL", name="agency_unless_admin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name; stored lower-case
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: argon2id hash
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), nullable=False)
    #: None only for installation administrators
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: when set, the user sees only this unit and the units below it
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    #: the employee this account belongs to, if any
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    #: e-mail about new negative responses in the user's scope
    notify_negative: Mapped[NotifyMode] = mapped_column(
        _enum(NotifyMode, "notify_mode"), default=NotifyMode.OFF, nullable=False
    )

    agency: Mapped[Agency | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    employee: Mapped[Employee | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses inactive users; a deactivated agency takes its users with it."""
        return self.active and (self.agency is None or self.agency.active)

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def get_id(self) -> str:
        """What the session (and a remember-me cookie) keeps: the id and a password stamp.

        Changing the password changes the stamp, which ends every other session.
        """
        from feedback_app.accounts.passwords import password_stamp

        return f"{self.id}.{password_stamp(self.password_hash)}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
