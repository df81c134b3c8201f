"""Employee indicators: realisation from the aggregates against a hand calculation, low-n
suppression, ratings with margins, who sees whose figures, and the definition pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from feedback_app.indicators.realisation import (
    Figure,
    employee_figures,
    rate,
    thresholds,
    unit_figures,
)
from feedback_app.indicators.table import indicator_table
from feedback_app.indicators.visibility import figure_scope
from feedback_app.models import (
    Comparison,
    Indicator,
    IndicatorAssignment,
    IndicatorScope,
    IndicatorSource,
    Period,
    ResponseContact,
    Role,
)
from feedback_app.results.periods import PeriodKind, last_closed, local_today, parse_period
from feedback_app.results.slices import UnitTree
from surveys.indicators import Expectation
from surveys.templates import service_orientation_template
from tests.conftest import csrf_token
from tests.test_scope import sign_in
from tests.test_scores import NOON, WORKED, another_version, response, scores, skm_version, store

MAY = parse_period("2025-05")


@pytest.fixture()
def team(session, factory):
    """Dinas → Bidang, and a sibling Bidang; a supervisor chain kadis → kabid → staff.

    The officer served the three respondents of DESIGN.md's worked example in May 2025.
    """
    agency = factory.agency(code="kota-indikator", name="Pemerintah Kota Indikator")
    agency.min_employee_responses = 3
    dinas = factory.unit(agency, name="Dinas Kependudukan")
    bidang = factory.unit(parent=dinas, name="Bidang Pelayanan")
    sibling = factory.unit(parent=dinas, name="Bidang Akta")
    e = factory.employee
    kadis = e(dinas, name="Kadis Hutapea", position="Kepala Dinas")
    kabid = e(bidang, name="Kabid Nasution", position="Kepala Bidang", supervisor=kadis)
    officer = e(bidang, name="Rizky Siregar", supervisor=kabid)
    peer = e(bidang, name="Dewi Lubis", supervisor=kabid)
    sibling_officer = e(sibling, name="Andi Sibling")
    other_agency = factory.agency(name="Kabupaten Lain")
    outsider = e(factory.unit(other_agency), name="Orang Lain")
    version = skm_version(session, agency)
    worked = store(
        session,
        [response(version, bidang, scores(s), NOON, employee=officer) for s in WORKED]
        + [response(version, sibling, scores([4] * 9), NOON, employee=sibling_officer)]
        + [response(version, bidang, scores([1] * 9), NOON, employee=officer, flagged=True)],
    )
    u = factory.user
    return {
        "agency": agency,
        "dinas": dinas,
        "bidang": bidang,
        "sibling": sibling,
        "kadis": kadis,
        "kabid": kabid,
        "officer": officer,
        "peer": peer,
        "sibling_officer": sibling_officer,
        "outsider": outsider,
        "version": version,
        "responses": worked,
        "head": u(Role.AGENCY_HEAD, agency=agency, name="Kepala Instansi"),
        "admin": u(Role.AGENCY_ADMIN, agency=agency, name="Admin Instansi"),
        "bidang_head": u(Role.UNIT_HEAD, unit=bidang, name="Kepala Bidang Pelayanan"),
        "sibling_head": u(Role.UNIT_HEAD, unit=sibling, name="Kepala Bidang Akta"),
        # a head who is also an employee, and a supervisor whose role sees no results
        "kabid_user": u(Role.UNIT_HEAD, unit=bidang, employee_id=kabid.id, name="Akun Kabid"),
        "kadis_user": u(Role.DESIGNER, agency=agency, employee_id=kadis.id, name="Akun Kadis"),
        "officer_user": u(Role.OFFICER, agency=agency, employee_id=officer.id, name="Akun Rizky"),
        "other_head": u(Role.AGENCY_HEAD, agency=other_agency, name="Kepala Lain"),
    }


def indicator(session, team, assign=(), units=(), **kw) -> Indicator:
    kw.setdefault("name", "IKM layanan petugas")
    kw.setdefault("scope", IndicatorScope.EMPLOYEE)
    kw.setdefault("source", IndicatorSource.IKM)
    kw.setdefault("target", Decimal("76.61"))
    kw.setdefault("period", Period.MONTH)
    kw.setdefault("above_margin", Decimal("10"))
    kw.setdefault("below_margin", Decimal("0"))
    found = Indicator(agency_id=team["agency"].id, **kw)
    session.add(found)
    session.flush()
    for employee in assign:
        session.add(IndicatorAssignment(indicator_id=found.id, employee_id=employee.id))
    for unit in units:
        session.add(IndicatorAssignment(indicator_id=found.id, unit_id=unit.id))
    session.flush()
    return found


def figures_of(session, team, **kw) -> Figure:
    found = indicator(session, team, **kw)
    return employee_figures(session, found, MAY, [team["officer"].id])[team["officer"].id]


# --------------------------------------------------------------------------- realisation


def test_realisation_equals_the_hand_calculation(session, team):
    # 84 points of 27 answers × 25 = 77.78; U2 = 7/3 × 25 = 58.33 (the flagged 1s are left out)
    ikm = figures_of(session, team)
    assert (ikm.n, ikm.exact, ikm.value) == (3, Fraction(84 * 25, 27), Decimal("77.78"))
    element = figures_of(session, team, source=IndicatorSource.ELEMENT, question_key="U2")
    assert (element.n, element.value) == (3, Decimal("58.33"))
    mean = figures_of(session, team, source=IndicatorSource.QUESTION_MEAN, question_key="U7")
    assert (mean.n, mean.exact) == (3, Fraction(7, 3))
    share = figures_of(session, team, source=IndicatorSource.SHARE_SATISFIED, question_key="U2")
    assert (share.n, share.value) == (3, Decimal("33.33"))  # one of three answered 3 or 4
    every = figures_of(session, team, source=IndicatorSource.SHARE_SATISFIED)
    assert (every.n, every.exact) == (27, Fraction(21 * 100, 27))  # 21 of 27 element answers
    count = figures_of(session, team, source=IndicatorSource.RESPONSE_COUNT)
    assert (count.n, count.value) == (3, Decimal("3.00"))
    # nothing in June
    june = indicator(session, team, name="Juni")
    assert employee_figures(session, june, parse_period("2025-06"), [team["officer"].id]) == {
        team["officer"].id: Figure(0, None)
    }


def test_other_scale_questions_mean_and_share(session, team):
    version = another_version(session, team["version"], service_orientation_template())
    store(
        session,
        [
            response(version, team["bidang"], {"bp_ramah": v}, NOON, employee=team["officer"])
            for v in (5, 4, 2)
        ],
    )
    mean = figures_of(session, team, source=IndicatorSource.QUESTION_MEAN, question_key="bp_ramah")
    assert (mean.n, mean.exact, mean.value) == (3, Fraction(11, 3), Decimal("3.67"))
    share = figures_of(
        session, team, source=IndicatorSource.SHARE_SATISFIED, question_key="bp_ramah"
    )
    assert share.value == Decimal("66.67")  # 4 and 5 are the top two of five


def test_a_unit_figure_includes_its_sub_units(session, team):
    found = indicator(session, team, scope=IndicatorScope.UNIT, units=[team["dinas"]])
    tree = UnitTree.load(session, team["agency"].id)
    ids = [team["dinas"].id, team["sibling"].id]
    result = unit_figures(session, found, MAY, ids, tree)
    # dinas: the three worked answers of the bidang and the sibling's all-4 respondent
    assert result[team["dinas"].id].exact == Fraction((84 + 36) * 25, 36)
    assert result[team["sibling"].id].value == Decimal("100.00")


# --------------------------------------------------------------------------- ratings


def _rated(value: str, comparison=Comparison.AT_LEAST, above="5", below="2") -> Expectation | None:
    found = Indicator(
        target=Decimal("80"),
        comparison=comparison,
        above_margin=Decimal(above),
        below_margin=Decimal(below),
        source=IndicatorSource.IKM,
    )
    return rate(found, Figure(30, Fraction(Decimal(value))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85.00", Expectation.ABOVE),  # target + above margin reached
        ("84.99", Expectation.MEETS),
        ("80.00", Expectation.MEETS),
        ("78.00", Expectation.MEETS),  # short by exactly the margin
        ("77.99", Expectation.BELOW),
        ("77.994", Expectation.BELOW),  # rounded to 77.99 first, as shown
        ("77.995", Expectation.MEETS),  # rounds to 78.00, as shown
    ],
)
def test_rating_boundaries_higher_is_better(value, expected):
    assert _rated(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("75", Expectation.ABOVE), ("75.01", Expectation.MEETS), ("82", Expectation.MEETS),
     ("82.01", Expectation.BELOW)],
)  # fmt: skip
def test_rating_boundaries_lower_is_better(value, expected):
    assert _rated(value, Comparison.AT_MOST) == expected


def test_without_an_above_margin_nothing_is_above_expectations():
    assert _rated("100", above="0", below="0") == Expectation.MEETS
    assert _rated("79.99", above="0", below="0") == Expectation.BELOW
    assert thresholds(Indicator(target=Decimal(80), comparison=Comparison.AT_LEAST,
                                above_margin=Decimal(0), below_margin=Decimal(3))) == (
        Decimal(77), None
    )  # fmt: skip


# --------------------------------------------------------------------------- the page


def page_of(app, client, user, url="/indikator/capaian?periode=2025-05") -> str:
    sign_in(app, client, user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def row_of(html: str, name: str) -> str:
    rows = re.findall(r'<tr class="indicator-row">.*?</tr>', html, re.S)
    found = [r for r in rows if name in r]
    assert len(found) == 1, (name, len(found))
    return found[0]


def test_the_table_shows_realisation_rating_and_links(app, client, session, team):
    found = indicator(session, team, assign=[team["officer"], team["peer"]])
    row = row_of(page_of(app, client, team["head"]), "Rizky Siregar")
    assert "77,78" in row and "Sesuai ekspektasi" in row and "Mei 2025" in row
    assert (
        f"/indikator/pegawai/{team['officer'].id}/respons?periode=2025-05&amp;indikator={found.id}"
        in row
    )
    # no answers: no figure, no rating
    peer = row_of(page_of(app, client, team["head"]), "Dewi Lubis")
    assert ">0</a>" in peer and "ekspektasi" not in peer


def test_below_the_minimum_the_figure_reads_data_belum_cukup(app, client, session, team):
    team["agency"].min_employee_responses = 30
    indicator(session, team, assign=[team["officer"]])
    indicator(session, team, assign=[team["officer"]], name="Jumlah respons",
              source=IndicatorSource.RESPONSE_COUNT, target=Decimal(50))  # fmt: skip
    html = page_of(app, client, team["head"])
    row = row_of(html, "IKM layanan petugas</td>")
    assert "Data belum cukup" in row and "77,78" not in row and "ekspektasi" not in row
    assert ">3</a>" in row  # the number of responses stays visible, with its link
    # a count is the data itself: shown, and rated against its target
    count = row_of(html, "Jumlah respons")
    assert "Data belum cukup" not in count and "Di bawah ekspektasi" in count
    assert "Angka per pegawai di bawah 30 respons tidak ditampilkan" in html


def test_a_unit_head_never_sees_another_units_employees(app, client, session, team):
    indicator(session, team, units=[team["bidang"], team["sibling"]])
    html = page_of(app, client, team["sibling_head"])
    assert "Andi Sibling" in html
    for hidden in ("Rizky Siregar", "Dewi Lubis", "Kabid Nasution"):
        assert hidden not in html
    for employee in ("officer", "peer", "kabid"):
        url = f"/indikator/pegawai/{team[employee].id}/respons?periode=2025-05"
        assert client.get(url).status_code == 404
    html = page_of(app, client, team["bidang_head"])
    assert "Rizky Siregar" in html and "Kabid Nasution" in html and "Andi Sibling" not in html


def test_supervisors_see_their_staff_down_the_chain_but_not_themselves(app, client, session, team):
    indicator(session, team, units=[team["bidang"], team["sibling"], team["dinas"]])
    kadis = page_of(app, client, team["kadis_user"])  # a designer, but a supervisor
    assert all(n in kadis for n in ("Kabid Nasution", "Rizky Siregar", "Dewi Lubis"))
    assert "Andi Sibling" not in kadis and "Kadis Hutapea" not in kadis
    sibling_url = f"/indikator/pegawai/{team['sibling_officer'].id}/respons?periode=2025-05"
    assert client.get(sibling_url).status_code == 403  # in the agency, not in the chain
    kabid = page_of(app, client, team["kabid_user"])
    assert "Rizky Siregar" in kabid and "Kabid Nasution" not in kabid
    assert client.get(f"/indikator/pegawai/{team['kabid'].id}/respons").status_code == 403
    # the officer and the agency admin see no one's figures; another agency's head sees
    # their own agency's table, and nothing of this one
    officer_url = f"/indikator/pegawai/{team['officer'].id}/respons"
    for user in ("officer_user", "admin"):
        sign_in(app, client, team[user])
        assert client.get("/indikator/capaian").status_code == 403, user
        assert client.get(officer_url).status_code == 403, user
    assert "Rizky Siregar" not in page_of(app, client, team["other_head"])
    assert client.get(officer_url).status_code == 404
    scope = figure_scope(session, team["kabid_user"])
    assert scope is not None and not scope.sees(team["kabid"]) and scope.sees(team["officer"])


def test_a_loop_in_the_supervisor_data_does_not_hang(session, team):
    team["kadis"].supervisor_id = team["officer"].id
    session.flush()
    scope = figure_scope(session, team["kadis_user"])
    assert {team["kabid"].id, team["officer"].id, team["peer"].id} <= scope.staff_ids


def test_position_and_unit_indicators(app, client, session, team):
    indicator(session, team, name="Per jabatan", scope=IndicatorScope.POSITION,
              position="pengadministrasi umum ")  # fmt: skip
    indicator(session, team, name="IKM unit", scope=IndicatorScope.UNIT, units=[team["dinas"]])
    html = page_of(app, client, team["head"])
    assert "Kabid Nasution" not in html  # another position
    assert "77,78" in row_of(html, "Rizky Siregar")
    unit = row_of(html, "IKM unit")
    assert "83,33" in unit  # (84 + 36) × 25 / 36
    assert f"/indikator/unit/{team['dinas'].id}/respons" in unit
    # a unit head sees the unit rows of their own subtree only
    assert "IKM unit" not in page_of(app, client, team["bidang_head"])


def test_drill_down_lists_answers_and_times_without_personal_data(app, client, session, team):
    first = team["responses"][0]
    first.answers = {**first.answers, "jenis_kelamin": "perempuan", "saran": "Ruang tunggu panas"}
    session.add(ResponseContact(response_id=first.id, name="Wati", phone="0812 5555 6666",
                                delete_after=NOON + dt.timedelta(days=90)))  # fmt: skip
    session.flush()
    found = indicator(session, team, assign=[team["officer"]], source=IndicatorSource.ELEMENT,
                      question_key="U2")  # fmt: skip
    html = page_of(
        app, client, team["head"],
        f"/indikator/pegawai/{team['officer'].id}/respons?periode=2025-05&indikator={found.id}",
    )  # fmt: skip
    assert "3 respons" in html  # the flagged one is left out
    assert html.count("14 Mei 2025 12:00 WIB") == 3
    assert "Kurang mudah" in html and "Ruang tunggu panas" in html
    for personal in ("Wati", "0812", "Perempuan", "perempuan"):
        assert personal not in html, personal
    assert 'class="highlight">U2' in html
    # the unit's responses, for a unit indicator
    html = page_of(
        app, client, team["head"], f"/indikator/unit/{team['dinas'].id}/respons?periode=2025-05"
    )
    assert "4 respons" in html
    sign_in(app, client, team["sibling_head"])
    assert client.get(f"/indikator/unit/{team['bidang'].id}/respons").status_code == 404


def test_employee_figures_never_reach_the_public_page(app, client, session, team):
    quarter = last_closed(PeriodKind.QUARTER, local_today(team["agency"].timezone))
    inside = dt.datetime.combine(quarter.start + dt.timedelta(days=10), dt.time(3), tzinfo=dt.UTC)
    store(session, [response(team["version"], team["bidang"], scores(s), inside,
                             employee=team["officer"]) for s in WORKED])  # fmt: skip
    indicator(session, team, assign=[team["officer"]], period=Period.QUARTER)
    html = client.get(f"/hasil/{team['agency'].code}").get_data(as_text=True)
    assert "Bidang Pelayanan" in html and "77,78" in html  # the unit's figure is public
    for hidden in ("Rizky Siregar", "IKM layanan petugas", "/indikator/", "ekspektasi"):
        assert hidden not in html
    assert client.get("/indikator/capaian").status_code == 302  # to the login page


def test_the_dashboard_shows_the_table_to_the_head(app, client, session, team):
    indicator(session, team, assign=[team["officer"]])
    html = page_of(app, client, team["head"], "/dashboard/?jenis=month&tanggal=2025-05-14")
    assert 'id="h-indicators"' in html
    assert "77,78" in row_of(html, "Rizky Siregar")
    # narrowed by the dashboard's unit filter
    html = page_of(
        app, client, team["head"],
        f"/dashboard/?jenis=month&tanggal=2025-05-14&unit={team['sibling'].id}",
    )  # fmt: skip
    assert "Rizky Siregar" not in html
    table = indicator_table(team["head"], MAY, session=session)
    assert [r.name for r in table.rows] == ["Rizky Siregar"]
    assert indicator_table(team["admin"], MAY, session=session) is None


# --------------------------------------------------------------------------- definitions


def post(client, url: str, data: dict, form_url: str | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url or url), **data})


FORM = {
    "name": "Perilaku petugas",
    "scope": "employee",
    "source": "element",
    "question_key": "U7",
    "target": "80,5",
    "comparison": "at_least",
    "period": "quarter",
    "above_margin": "5",
    "below_margin": "1,5",
    "active": "y",
}


def test_an_agency_admin_defines_and_assigns_an_indicator(app, client, session, team):
    sign_in(app, client, team["admin"])
    response = post(client, "/indikator/baru", FORM)
    assert response.status_code == 302
    found = session.scalars(select(Indicator).where(Indicator.name == "Perilaku petugas")).one()
    assert (found.target, found.below_margin, found.question_key) == (
        Decimal("80.50"), Decimal("1.50"), "U7"
    )  # fmt: skip
    url = f"/indikator/{found.id}/penugasan"
    assert response.headers["Location"].endswith(url)
    assert post(client, url, {"employee_id": team["officer"].id}).status_code == 302
    assert post(client, url, {"unit_id": team["sibling"].id}).status_code == 302
    assert post(client, url, {"employee_id": team["outsider"].id}).status_code == 422
    assert post(client, url, {}).status_code == 422
    rows = session.scalars(select(IndicatorAssignment).where(
        IndicatorAssignment.indicator_id == found.id)).all()  # fmt: skip
    assert {(a.employee_id, a.unit_id) for a in rows} == {
        (team["officer"].id, None), (None, team["sibling"].id)
    }  # fmt: skip
    page = client.get(url).get_data(as_text=True)
    assert "Rizky Siregar" in page and "Bidang Akta" in page
    removed = next(a.id for a in rows if a.unit_id)
    assert post(client, url, {"remove": removed}).status_code == 302
    session.expire_all()
    assert session.get(IndicatorAssignment, removed) is None
    # edited and switched off
    edit = f"/indikator/{found.id}/ubah"
    assert 'value="80.50"' in client.get(edit).get_data(as_text=True)
    assert post(client, edit, {**FORM, "active": "", "target": "85"}).status_code == 302
    session.expire_all()
    assert not session.get(Indicator, found.id).active
    assert "Perilaku petugas" not in client.get("/indikator/").get_data(as_text=True)
    assert "Perilaku petugas" in client.get("/indikator/?inactive=1").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"question_key": ""}, "Pilih unsur atau pertanyaan"),
        ({"source": "ikm", "target": "120"}, "antara 25 dan 100"),
        ({"source": "element", "question_key": "bukan"}, "Pilihan tidak valid"),
        ({"scope": "position"}, "Wajib diisi untuk indikator per jabatan"),
        ({"target": "delapan"}, "Tulis angka"),
        ({"above_margin": "-1"}, "Tidak boleh negatif"),
        ({"source": "response_count", "target": "10,5"}, "bilangan bulat"),
    ],
)
def test_definition_mistakes_are_explained(app, client, session, team, change, message):
    sign_in(app, client, team["admin"])
    response = post(client, "/indikator/baru", {**FORM, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalars(select(Indicator)).all() == []


def test_definition_pages_scope_permission_and_csrf(app, client, session, team):
    mine = indicator(session, team)
    for user in ("bidang_head", "kadis_user", "officer_user"):
        sign_in(app, client, team[user])
        assert client.get("/indikator/").status_code == 403, user
        assert client.get("/indikator/baru").status_code == 403, user
    sign_in(app, client, team["bidang_head"])  # unit-limited: an agency-level record is beyond
    assert client.get(f"/indikator/{mine.id}/ubah").status_code == 404
    sign_in(app, client, team["other_head"])
    for path in ("ubah", "penugasan"):
        assert client.get(f"/indikator/{mine.id}/{path}").status_code == 404
    sign_in(app, client, team["head"])  # agency heads define indicators too
    assert client.get(f"/indikator/{mine.id}/ubah").status_code == 200
    response = client.post(f"/indikator/{mine.id}/ubah", data={**FORM, "name": "Tanpa token"})
    assert response.status_code == 400
    response = client.post(f"/indikator/{mine.id}/penugasan",
                           data={"employee_id": team["officer"].id})  # fmt: skip
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Indicator, mine.id).name == "IKM layanan petugas"
    assert session.scalars(select(IndicatorAssignment)).all() == []
    assert client.get("/indikator/99999999999/ubah").status_code == 404
