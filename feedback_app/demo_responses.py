"""A year of plausible citizen responses for the demo organisation.

Deterministic (seeded), so every ``make run`` shows the same figures; added
once per agency (responses carry a ``demo-`` idempotency key), then the
dashboard counts are rebuilt from the raw rows like ``flask rebuild-aggregates``.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from feedback_app.models import (
    Agency,
    Channel,
    Response,
    RosterEntry,
    Service,
    ServicePoint,
    Unit,
    UnitPopulation,
)
from feedback_app.models.survey import definition_for
from feedback_app.public.abuse import answers_digest
from feedback_app.public.links import current_version, ensure_default_survey
from feedback_app.results.aggregates import rebuild
from surveys.skm import ELEMENT_KEYS
from surveys.templates import SKM_COMMENT_KEY, SKM_FOLLOW_UP_KEY, SKM_SERVICE_KEY

#: how each kind of unit tends to be rated (mean score on 1–4)
UNIT_LEVEL = {"dinas": 3.05, "bidang": 3.05, "puskesmas": 3.25, "mpp": 3.45}
#: elements citizens rate lower or higher than the unit's level
ELEMENT_SHIFT = {"U3": -0.45, "U8": -0.3, "U9": -0.15, "U4": +0.4, "U7": +0.15}
COMPLAINTS = (
    "Antrean terlalu lama, mohon tambah petugas di jam sibuk.",
    "Persyaratan berubah-ubah, informasinya tidak sama antara petugas.",
    "Ruang tunggu panas dan kursi kurang.",
    "Sistem sering gangguan sehingga harus datang lagi besok.",
    "Tidak jelas ke mana menyampaikan pengaduan.",
)
PRAISE = (
    "Petugas ramah dan sabar menjelaskan, terima kasih.",
    "Cepat, tidak sampai setengah jam selesai.",
    "Pelayanan sudah jauh lebih baik dari tahun lalu.",
)


def _score(rng: random.Random, mean: float) -> int:
    return max(1, min(4, round(rng.gauss(mean, 0.6))))


def load_demo_responses(
    session: Session, agency: Agency, *, now: dt.datetime, per_day: float = 1.6
) -> int:
    """Add a year of responses to every counter of ``agency`` unless they are there."""
    already = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.agency_id == agency.id, Response.idempotency_key.like("demo-%"))
    )
    if already:
        return 0
    survey = ensure_default_survey(session, agency.id)
    version = current_version(session, survey)
    assert version is not None
    definition = definition_for(version)
    choices = {
        key: [o.value for o in definition.question(key).options()]
        for key in ("jenis_kelamin", "umur", "pendidikan", "pekerjaan")
    }
    rng = random.Random(f"demo-{agency.code}")
    rows = []
    points = session.execute(
        select(ServicePoint, Unit)
        .join(Unit, ServicePoint.unit_id == Unit.id)
        .where(Unit.agency_id == agency.id, ServicePoint.active.is_(True))
        .order_by(ServicePoint.id)
    ).all()
    for point, unit in points:
        zone = ZoneInfo(unit.timezone.iana)
        services = list(
            session.scalars(
                select(Service.id).where(Service.unit_id == unit.id).order_by(Service.id)
            )
        )
        staff = list(
            session.scalars(
                select(RosterEntry.employee_id)
                .where(RosterEntry.service_point_id == point.id)
                .distinct()
                .order_by(RosterEntry.employee_id)
            )
        )
        level = UNIT_LEVEL.get(unit.kind.value, 3.1) + rng.uniform(-0.15, 0.15)
        for days_ago in range(365, 0, -1):
            day = (now.astimezone(zone) - dt.timedelta(days=days_ago)).date()
            if day.weekday() >= 5:
                continue
            # a slow improvement over the year, as the unit works on its weak points
            trend = 0.25 * (1 - days_ago / 365)
            for _ in range(int(rng.expovariate(1 / per_day) + 0.5)):
                local = dt.datetime.combine(
                    day, dt.time(rng.randint(8, 15), rng.randint(0, 59)), tzinfo=zone
                )
                answers: dict = {
                    key: _score(rng, level + trend + ELEMENT_SHIFT.get(key, 0))
                    for key in ELEMENT_KEYS
                }
                if services:
                    answers[SKM_SERVICE_KEY] = str(rng.choice(services))
                for key, values in choices.items():
                    if rng.random() < 0.85:
                        answers[key] = rng.choice(values)
                if min(answers[k] for k in ELEMENT_KEYS) <= 2 and rng.random() < 0.5:
                    answers[SKM_FOLLOW_UP_KEY] = rng.choice(COMPLAINTS)
                elif rng.random() < 0.08:
                    answers[SKM_COMMENT_KEY] = rng.choice(PRAISE)
                rows.append(
                    {
                        "agency_id": agency.id,
                        "unit_id": unit.id,
                        "service_point_id": point.id,
                        "service_id": int(answers[SKM_SERVICE_KEY]) if services else None,
                        "employee_id": rng.choice(staff) if staff and rng.random() < 0.8 else None,
                        "survey_version_id": version.id,
                        "channel": Channel.QR if rng.random() < 0.85 else Channel.LINK,
                        "submitted_at": local.astimezone(dt.UTC),
                        "timezone": unit.timezone,
                        "language": "id" if rng.random() < 0.95 else "en",
                        "answers": answers,
                        "answers_digest": answers_digest(answers),
                        "idempotency_key": f"demo-{agency.code}-{len(rows)}",
                        "flagged": False,
                    }
                )
    for start in range(0, len(rows), 2000):
        session.execute(insert(Response), rows[start : start + 2000])
    _populations(session, agency, rows, now)
    rebuild(session)
    return len(rows)


def _populations(session: Session, agency: Agency, rows: list[dict], now: dt.datetime) -> None:
    """Service users per unit this year: about twenty times the responses."""
    year = now.year
    per_unit: dict[int, int] = {}
    for row in rows:
        if row["submitted_at"].year == year:
            per_unit[row["unit_id"]] = per_unit.get(row["unit_id"], 0) + 1
    for unit_id, n in per_unit.items():
        exists = session.scalar(
            select(UnitPopulation.id).where(
                UnitPopulation.unit_id == unit_id,
                UnitPopulation.period_start == dt.date(year, 1, 1),
                UnitPopulation.period_end == dt.date(year, 12, 31),
            )
        )
        if exists is None:
            session.add(
                UnitPopulation(
                    unit_id=unit_id,
                    period_start=dt.date(year, 1, 1),
                    period_end=dt.date(year, 12, 31),
                    population=n * 20,
                )
            )
    session.flush()
