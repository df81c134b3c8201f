"""Rencana tindak lanjut: per weak element, per period, per unit; read by the public page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from feedback_app.models import ImprovementPlan, Role
from feedback_app.results.periods import PeriodKind, last_closed, local_today
from tests.conftest import csrf_token
from tests.test_scope import sign_in
from tests.test_scores import WORKED, response, scores, skm_version, store


@pytest.fixture()
def office(session, factory):
    agency = factory.agency(code="kota-rencana", name="Pemerintah Kota Rencana")
    dinas = factory.unit(agency, name="Dinas Kependudukan")
    bidang = factory.unit(parent=dinas, name="Bidang Pelayanan")
    sibling = factory.unit(parent=dinas, name="Bidang Akta Qsibling")
    other = factory.unit(factory.agency(), name="Dinas Qother")
    quarter = last_closed(PeriodKind.QUARTER, local_today(agency.timezone))
    inside = dt.datetime.combine(quarter.start + dt.timedelta(days=5), dt.time(3), tzinfo=dt.UTC)
    store(
        session, [response(skm_version(session, agency), bidang, scores(s), inside) for s in WORKED]
    )
    return {
        "agency": agency,
        "dinas": dinas,
        "bidang": bidang,
        "sibling": sibling,
        "other": other,
        "quarter": quarter,
        "head": factory.user(Role.UNIT_HEAD, unit=bidang, name="Kepala Bidang"),
        "agency_head": factory.user(Role.AGENCY_HEAD, agency=agency),
        "designer": factory.user(Role.DESIGNER, agency=agency),
        "other_head": factory.user(Role.AGENCY_HEAD, agency=other.agency),
    }


def post(client, url: str, data: dict, form_url: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url or url), **data})


def test_the_page_marks_the_weakest_elements_of_the_unit(app, client, office):
    sign_in(app, client, office["head"])
    quarter = office["quarter"]
    page = client.get(f"/rencana-tindak-lanjut/?unit={office['bidang'].id}&periode={quarter.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "IKM 77,78 (n = 3)" in html
    # U2, U3 and U7 score 58,33: the three weakest, each with a link to plan for it
    assert html.count('<tr class="weak">') == 3
    for key in ("U2", "U3", "U7"):
        assert f"unsur={key}" in html
    assert "Qsibling" not in html  # not in the unit choices of a unit head


def test_create_edit_and_mark_done(app, client, session, office):
    sign_in(app, client, office["head"])
    quarter = office["quarter"]
    new = f"/rencana-tindak-lanjut/baru?unit={office['bidang'].id}&periode={quarter.code}&unsur=U3"
    form = client.get(new).get_data(as_text=True)
    assert f'value="{quarter.code}"' in form and '<option selected value="U3">' in form
    data = {
        "unit_id": office["bidang"].id,
        "period": quarter.code.lower(),
        "element_key": "U3",
        "action": "Menambah petugas perekaman pada jam sibuk",
        "owner": "Kepala Seksi Pelayanan",
        "due_date": (quarter.end + dt.timedelta(days=60)).isoformat(),
    }
    response = post(client, "/rencana-tindak-lanjut/baru", data, new)
    assert response.status_code == 302
    plan = session.scalars(select(ImprovementPlan)).one()
    assert (plan.unit_id, plan.element_key, plan.done) == (office["bidang"].id, "U3", False)
    assert (plan.period_start, plan.period_end) == (quarter.start, quarter.end)

    edit = f"/rencana-tindak-lanjut/{plan.id}/ubah"
    assert "Menambah petugas" in client.get(edit).get_data(as_text=True)
    assert post(client, edit, {**data, "action": "Membuka loket tambahan"}).status_code == 302
    done = f"/rencana-tindak-lanjut/{plan.id}/selesai"
    assert post(client, done, {}, form_url="/rencana-tindak-lanjut/").status_code == 302
    session.expire_all()
    plan = session.get(ImprovementPlan, plan.id)
    assert plan.action == "Membuka loket tambahan" and plan.done
    listing = client.get(f"/rencana-tindak-lanjut/?periode={quarter.code}").get_data(as_text=True)
    assert "Membuka loket tambahan" in listing and "Sudah dilaksanakan" in listing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"period": "2025-W03"}, "Pilih bulan, triwulan, semester atau tahun"),
        ({"period": "kemarin"}, "Tulis periode seperti"),
        ({"element_key": "U10"}, "Pilihan tidak valid"),
        ({"action": ""}, "Wajib diisi"),
        ({"due_date": "31-12-2025"}, "Tanggal tidak valid"),
        ({"unit_id": "SIBLING"}, "Pilihan tidak valid"),  # a unit beyond the head's subtree
    ],
)
def test_plan_mistakes_are_refused(app, client, session, office, change, message):
    sign_in(app, client, office["head"])
    if change.get("unit_id") == "SIBLING":
        change = {"unit_id": office["sibling"].id}
    data = {"unit_id": office["bidang"].id, "period": "2025-Q1", "element_key": "U3",
            "action": "Sesuatu", **change}  # fmt: skip
    response = post(client, "/rencana-tindak-lanjut/baru", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalars(select(ImprovementPlan)).all() == []


def test_scope_permission_and_csrf(app, client, session, office):
    quarter = office["quarter"]
    plan = ImprovementPlan(unit_id=office["sibling"].id, element_key="U9", action="Kursi baru",
                           period_start=quarter.start, period_end=quarter.end)  # fmt: skip
    session.add(plan)
    session.flush()
    for user in ("head", "other_head"):
        sign_in(app, client, office[user])
        assert client.get(f"/rencana-tindak-lanjut/{plan.id}/ubah").status_code == 404, user
        token = csrf_token(client, "/")
        assert client.post(f"/rencana-tindak-lanjut/{plan.id}/selesai",
                           data={"csrf_token": token}).status_code == 404  # fmt: skip
        listing = client.get(f"/rencana-tindak-lanjut/?periode={quarter.code}")
        assert "Kursi baru" not in listing.get_data(as_text=True)
    assert client.get(f"/rencana-tindak-lanjut/?unit={office['bidang'].id}").status_code == 404
    sign_in(app, client, office["designer"])
    assert client.get(f"/rencana-tindak-lanjut/{plan.id}/ubah").status_code == 403
    assert client.get("/rencana-tindak-lanjut/").status_code == 403
    sign_in(app, client, office["agency_head"])
    assert client.post(f"/rencana-tindak-lanjut/{plan.id}/selesai").status_code == 400
    session.expire_all()
    assert not session.get(ImprovementPlan, plan.id).done
    assert client.get(f"/rencana-tindak-lanjut/{plan.id}/ubah").status_code == 200


def test_the_public_page_and_the_report_read_the_plan(app, client, session, office):
    sign_in(app, client, office["agency_head"])
    quarter = office["quarter"]
    data = {
        "unit_id": office["bidang"].id,
        "period": quarter.code,
        "element_key": "U7",
        "action": "Pelatihan pelayanan prima untuk petugas loket",
    }
    assert post(client, "/rencana-tindak-lanjut/baru", data).status_code == 302
    with client.session_transaction() as browser_session:
        browser_session.clear()
    html = client.get(f"/hasil/{office['agency'].code}").get_data(as_text=True)
    assert "Pelatihan pelayanan prima untuk petugas loket" in html

    from feedback_app.exports_web import figures

    class Selection:  # what figures.improvement_plans reads of an export selection
        period = quarter
        unit_ids = [office["bidang"].id]
        agency = office["agency"]

    found = figures.improvement_plans(session, Selection(), ["U7"])  # type: ignore[arg-type]
    assert [p.action for p in found["U7"]] == [data["action"]]
