"""Build organisation records for tests with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from feedback_app.accounts.passwords import hash_password
from feedback_app.models import (
    Agency,
    Employee,
    Role,
    RosterEntry,
    Service,
    ServicePoint,
    TimeZone,
    Unit,
    UnitKind,
    User,
)

PASSWORD = "rahasia-uji-123"


@cache
def _password_hash() -> str:
    # argon2 is deliberately slow; hash the shared test password once.
    return hash_password(PASSWORD)


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.seq = itertools.count(1)

    def _add(self, obj: Any) -> Any:
        self.session.add(obj)
        self.session.flush()
        return obj

    def agency(self, **kw: Any) -> Agency:
        n = next(self.seq)
        kw.setdefault("code", f"AG{n}")
        kw.setdefault("name", f"Pemerintah Kota Uji {n}")
        kw.setdefault("timezone", TimeZone.WIB)
        return self._add(Agency(**kw))

    def unit(self, agency: Agency | None = None, parent: Unit | None = None, **kw: Any) -> Unit:
        n = next(self.seq)
        if agency is None:
            agency = parent.agency if parent is not None else self.agency()
        kw.setdefault("code", f"U{n}")
        kw.setdefault("name", f"Dinas Uji {n}")
        kw.setdefault("kind", UnitKind.DINAS)
        kw.setdefault("timezone", agency.timezone)
        return self._add(Unit(agency=agency, parent=parent, **kw))

    def service_point(self, unit: Unit | None = None, **kw: Any) -> ServicePoint:
        n = next(self.seq)
        kw.setdefault("code", f"LOKET-{n}")
        kw.setdefault("name", f"Loket {n}")
        return self._add(ServicePoint(unit=unit or self.unit(), **kw))

    def service(self, unit: Unit | None = None, **kw: Any) -> Service:
        n = next(self.seq)
        kw.setdefault("code", f"LAY-{n}")
        kw.setdefault("name", f"Layanan {n}")
        return self._add(Service(unit=unit or self.unit(), **kw))

    def employee(self, unit: Unit | None = None, **kw: Any) -> Employee:
        n = next(self.seq)
        unit = unit or self.unit()
        # a valid PNS NIP: born 1985-03-12, CPNS 2010-01, male, serial n
        kw.setdefault("nip", f"198503122010011{n % 1000 or 1:03d}")
        kw.setdefault("name", f"Pegawai {n}")
        kw.setdefault("position", "Pengadministrasi Umum")
        return self._add(Employee(unit=unit, agency_id=unit.agency_id, **kw))

    def roster(
        self, employee: Employee, service_point: ServicePoint, starts: dt.datetime, hours: int = 8
    ) -> RosterEntry:
        return self._add(
            RosterEntry(
                employee=employee,
                service_point=service_point,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=hours),
            )
        )

    def user(
        self,
        role: Role = Role.AGENCY_ADMIN,
        agency: Agency | None = None,
        unit: Unit | None = None,
        **kw: Any,
    ) -> User:
        n = next(self.seq)
        if role != Role.ADMIN and agency is None:
            agency = unit.agency if unit is not None else self.agency()
        kw.setdefault("email", f"user{n}@uji.go.id")
        kw.setdefault("name", f"Pengguna {n}")
        return self._add(
            User(role=role, agency=agency, unit=unit, password_hash=_password_hash(), **kw)
        )
