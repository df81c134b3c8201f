"""A small organisation with responses for the export tests (two agencies, a unit tree)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from feedback_app.models import (
    Agency,
    Channel,
    Employee,
    ImprovementPlan,
    Response,
    Role,
    Service,
    ServicePoint,
    Survey,
    SurveyVersion,
    Unit,
    UnitKind,
    UnitPopulation,
    User,
)
from feedback_app.public.links import ensure_default_survey
from feedback_app.results.aggregates import count_responses
from tests.factories import Factory

ELEMENTS = [f"U{i}" for i in range(1, 10)]
#: the DESIGN.md check: 84 of 27 answers → 77.78, B; U2, U3, U7 score 58.33 (D)
CHECK_ANSWERS = [
    [3, 2, 2, 4, 4, 3, 2, 3, 4],
    [4, 3, 3, 4, 4, 4, 3, 4, 4],
    [3, 2, 2, 3, 3, 3, 2, 3, 3],
]
FORMULA = '=HYPERLINK("http://evil.example","klik")'
SCRIPT = "<script>alert('x')</script>"

_keys = itertools.count(1)


def add_response(
    session: Session,
    unit: Unit,
    version: SurveyVersion,
    scores: list[int],
    *,
    point: ServicePoint | None = None,
    service: Service | None = None,
    employee: Employee | None = None,
    when: dt.datetime | None = None,
    flagged: bool = False,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Store a response the way the public form does (aggregates in the same transaction)."""
    answers: dict[str, Any] = dict(zip(ELEMENTS, scores, strict=True))
    if service is not None:
        answers["layanan"] = str(service.id)
    answers.update(extra or {})
    response = Response(
        agency_id=unit.agency_id,
        unit_id=unit.id,
        service_point_id=point.id if point else None,
        service_id=service.id if service else None,
        employee_id=employee.id if employee else None,
        survey_version_id=version.id,
        channel=Channel.QR,
        submitted_at=when or dt.datetime(2025, 3, 10, 2, 30, tzinfo=dt.UTC),
        timezone=unit.timezone,
        language="id",
        answers=answers,
        answers_digest=f"{next(_keys):064d}",
        idempotency_key=f"k{next(_keys)}",
        flagged=flagged,
        flag_reason="uji" if flagged else None,
    )
    session.add(response)
    session.flush()
    count_responses(session, [response])
    return response


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    dinas: Unit
    bidang: Unit
    puskesmas: Unit
    other_unit: Unit
    point: ServicePoint
    point_bidang: ServicePoint
    point_puskesmas: ServicePoint
    service: Service
    officer: Employee
    version: SurveyVersion
    head: User
    unit_head: User
    puskesmas_head: User
    other_head: User
    designer: User
    responses: list[Response]


def build_world(session: Session, factory: Factory) -> World:
    agency = factory.agency(
        name="Pemerintah Kota Uji Ekspor",
        head_name="Ir. Budi Santoso, M.Si.",
        head_nip="197001011995031001",
        head_title="Wali Kota Uji Ekspor",
    )
    other = factory.agency(name="Pemerintah Kota Lain")
    dinas = factory.unit(
        agency=agency, name="Dinas Kependudukan dan Pencatatan Sipil", code="DUKCAPIL"
    )
    bidang = factory.unit(
        parent=dinas, name="Bidang Pelayanan Pendaftaran Penduduk", kind=UnitKind.BIDANG, code="PDP"
    )
    puskesmas = factory.unit(
        agency=agency, name="Puskesmas <b>Kartini</b>", kind=UnitKind.PUSKESMAS, code="PKM"
    )
    other_unit = factory.unit(agency=other, name="Dinas Lain", code="LAIN")
    point = factory.service_point(unit=dinas, name="Loket 1 KTP-el")
    point_bidang = factory.service_point(unit=bidang, name="Loket 2 Akta")
    point_puskesmas = factory.service_point(unit=puskesmas, name="Loket Pendaftaran")
    service = factory.service(unit=dinas, name="Perekaman KTP-el")
    officer = factory.employee(unit=dinas, name="Rizky Siregar")
    survey = ensure_default_survey(session, agency.id)
    version = session.get(SurveyVersion, survey.current_version_id)
    assert version is not None
    ensure_default_survey(session, other.id)

    responses = []
    for i, scores in enumerate(CHECK_ANSWERS):
        extra: dict[str, Any] = {
            "jenis_kelamin": "laki_laki" if i != 1 else "perempuan",
            "pendidikan": "sma",
        }
        if i == 0:
            extra["saran"] = FORMULA
        if i == 1:
            extra["saran"] = SCRIPT
        if i == 2:
            extra["perbaikan"] = "Antrean terlalu panjang, tambah loket."
        responses.append(
            add_response(
                session,
                dinas,
                version,
                scores,
                point=point,
                service=service,
                employee=officer,
                extra=extra,
                when=dt.datetime(2025, 3, 10 + i, 2, 30, tzinfo=dt.UTC),
            )  # fmt: skip
        )
    # one in the bidang (a child of the dinas), one at the puskesmas
    responses.append(add_response(session, bidang, version, [4, 4, 3, 4, 4, 4, 4, 3, 3],
                                  point=point_bidang,
                                  when=dt.datetime(2025, 5, 1, 1, 0, tzinfo=dt.UTC)))  # fmt: skip
    end_of_june = dt.datetime(2025, 6, 30, 16, 59, tzinfo=dt.UTC)  # 23:59 WIB
    responses.append(add_response(session, puskesmas, version, [4] * 9, point=point_puskesmas,
                                  when=end_of_june))  # fmt: skip
    # flagged: left out unless asked for
    responses.append(add_response(session, dinas, version, [1] * 9, point=point, flagged=True,
                                  when=dt.datetime(2025, 3, 12, 3, 0, tzinfo=dt.UTC)))  # fmt: skip
    # last year: the trend
    responses.append(add_response(session, dinas, version, [3] * 9, point=point,
                                  when=dt.datetime(2024, 8, 1, 3, 0, tzinfo=dt.UTC)))  # fmt: skip
    session.add(ImprovementPlan(
        unit_id=dinas.id, element_key="U3", period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31), action="Menambah dua petugas perekaman pada jam sibuk",
        owner="Kepala Bidang PDP", due_date=dt.date(2025, 9, 30),
    ))  # fmt: skip
    session.add(UnitPopulation(unit_id=dinas.id, period_start=dt.date(2025, 1, 1),
                               period_end=dt.date(2025, 12, 31), population=10))  # fmt: skip
    session.flush()

    def user(role: Role, agency_: Agency, unit: Unit | None = None) -> User:
        return factory.user(role=role, agency=agency_, unit=unit)

    return World(
        agency=agency,
        other_agency=other,
        dinas=dinas,
        bidang=bidang,
        puskesmas=puskesmas,
        other_unit=other_unit,
        point=point,
        point_bidang=point_bidang,
        point_puskesmas=point_puskesmas,
        service=service,
        officer=officer,
        version=version,
        head=user(Role.AGENCY_HEAD, agency),
        unit_head=user(Role.UNIT_HEAD, agency, dinas),
        puskesmas_head=user(Role.UNIT_HEAD, agency, puskesmas),
        other_head=user(Role.AGENCY_HEAD, other),
        designer=user(Role.DESIGNER, agency),
        responses=responses,
    )


__all__ = ["Survey", "build_world", "add_response", "World"]
