"""The public results page /hasil/<agency code>: official figures, nothing personal, cacheable."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from feedback_app.demo import load_demo
from feedback_app.models import Agency, Employee, ImprovementPlan, TimeZone, Unit
from feedback_app.results.periods import PeriodKind, last_closed, local_today
from surveys.skm import ELEMENT_KEYS
from tests.test_scores import WORKED, response, scores, skm_version, store


@pytest.fixture()
def published(session, factory):
    agency = factory.agency(code="kota-uji", name="Pemerintah Kota Uji", timezone=TimeZone.WITA)
    unit = factory.unit(agency, name="Dinas Kependudukan dan Pencatatan Sipil")
    officer = factory.employee(unit, name="Rizky Siregar", nip="198503122010011042")
    version = skm_version(session, agency)
    quarter = last_closed(PeriodKind.QUARTER, local_today(agency.timezone))
    inside = dt.datetime.combine(quarter.start + dt.timedelta(days=20), dt.time(2), tzinfo=dt.UTC)
    store(
        session,
        [
            *(response(version, unit, scores(s), inside, employee=officer) for s in WORKED),
            # flagged, and after the period: neither counts
            response(version, unit, scores([1] * 9), inside, flagged=True),
            response(version, unit, scores([1] * 9), dt.datetime.now(dt.UTC)),
        ],
    )
    plan = ImprovementPlan(
        unit_id=unit.id,
        element_key="U3",
        period_start=quarter.start,
        period_end=quarter.end,
        action="Menambah petugas perekaman pada jam sibuk",
        owner="Rizky Siregar",
        due_date=quarter.end + dt.timedelta(days=60),
    )
    session.add(plan)
    session.flush()
    return {"agency": agency, "unit": unit, "officer": officer, "quarter": quarter}


def test_latest_closed_quarter_with_ikm_grade_n_and_plan(client, published):
    page = client.get("/hasil/kota-uji")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    quarter = published["quarter"]
    roman = ["I", "II", "III", "IV"][(quarter.start.month - 1) // 3]
    assert f"Triwulan {roman} {quarter.start.year}" in html
    assert quarter.start.isoformat() in html and quarter.end.isoformat() in html
    assert "Dinas Kependudukan dan Pencatatan Sipil" in html
    assert '<td class="num">3</td>\n          <td class="num">77,78</td>' in html
    assert 'grade-B">B</span> Baik' in html
    assert "Menambah petugas perekaman pada jam sibuk" in html
    assert "U3 Waktu penyelesaian" in html


def test_no_employee_data_on_the_public_page(client, published):
    html = client.get("/hasil/kota-uji").get_data(as_text=True)
    officer = published["officer"]
    assert officer.name not in html  # neither as credited officer nor as the plan's owner
    assert officer.nip not in html
    assert "Pegawai" not in html and "NIP" not in html


def test_public_page_is_cacheable(client, published):
    page = client.get("/hasil/kota-uji")
    assert page.headers["Cache-Control"] == "public, max-age=3600"
    assert "Accept-Language" in page.headers["Vary"]
    assert "Set-Cookie" not in page.headers
    etag = page.headers["ETag"]
    again = client.get("/hasil/kota-uji", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    english = client.get("/hasil/kota-uji", headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != etag  # another language is another representation


def test_other_closed_periods_only(client, published):
    quarter = published["quarter"]
    assert client.get(f"/hasil/KOTA-UJI?periode={quarter.code}").status_code == 200
    year = quarter.start.year - 1
    older = client.get(f"/hasil/kota-uji?periode={year}")
    assert older.status_code == 200 and "Belum ada hasil" in older.get_data(as_text=True)
    current = quarter.next()
    for code in (current.code, "2025-03", "2025-03-01", "bukan-periode", "2099-S1"):
        assert client.get(f"/hasil/kota-uji?periode={code}").status_code == 404, code
    assert client.get("/hasil/tidak-ada").status_code == 404


def test_an_inactive_agency_publishes_nothing(client, session, published):
    published["agency"].active = False
    session.flush()
    assert client.get("/hasil/kota-uji").status_code == 404


def test_public_page_renders_with_the_demo_data(client, session):
    load_demo(session)
    agency = session.scalar(select(Agency).where(Agency.code == "pemko-siantar"))
    version = skm_version(session, agency)
    units = session.scalars(select(Unit).where(Unit.agency_id == agency.id)).all()
    quarter = last_closed(PeriodKind.QUARTER, local_today(agency.timezone))
    rng = random.Random(6)
    rows = []
    for i in range(60):
        at = dt.datetime.combine(
            quarter.start + dt.timedelta(days=i % 80), dt.time(3), tzinfo=dt.UTC
        )
        answers = {key: rng.randint(2, 4) for key in ELEMENT_KEYS}
        answers["saran"] = "Komentar warga yang tidak boleh tampil"
        rows.append(response(version, units[i % len(units)], answers, at))
    store(session, rows)
    html = client.get("/hasil/pemko-siantar").get_data(as_text=True)
    assert "Pemerintah Kota Pematangsiantar" in html
    for unit in units:
        assert unit.name in html
    assert "Komentar warga" not in html  # comments are not published
    for name in session.scalars(select(Employee.name).where(Employee.agency_id == agency.id)):
        assert name not in html
