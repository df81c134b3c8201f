"""The agency-head dashboard through the real app: figures, scope, filters, populations."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from fractions import Fraction

import pytest
from flask import Flask
from sqlalchemy import select

from feedback_app.demo import load_demo
from feedback_app.models import Agency, Response, Role, TimeZone, Unit, UnitPopulation, User
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.results.periods import Period, PeriodKind, local_today
from surveys.scoring import round_half_up
from surveys.skm import ELEMENT_KEYS
from tests.conftest import csrf_token
from tests.test_scope import sign_in
from tests.test_scores import WORKED, another_version, response, scores, skm_version, store


def submit(app: Flask, token: str, data: dict) -> None:
    """Answer the public form as a citizen does, on their own phone: GET it, POST the answers."""
    client = app.test_client()
    page = client.get(f"/s/{token}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page))
    assert client.post(f"/s/{token}", data={**fields, **data}).status_code == 303


def unit_row(page: str, name: str) -> tuple[str, str]:
    """(n, IKM) as the unit table shows them for the unit ``name``."""
    match = re.search(
        re.escape(name)
        + r'</a></th>\s*<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>',
        page,
    )
    assert match, f"no row for {name}"
    return match.group(1), match.group(2)


def hand_score(answer_sets: list[dict]) -> str:
    """Sum of all element scores / (n × 9) × 25, rounded half up, in Indonesian notation."""
    total = sum(a[k] for a in answer_sets for k in ELEMENT_KEYS)
    value = round_half_up(Fraction(total * 25, len(answer_sets) * 9))
    return f"{value:.2f}".replace(".", ",")


@pytest.fixture()
def counter(session, factory):
    agency = factory.agency(name="Pemerintah Kota Uji Dasbor")
    unit = factory.unit(agency, name="Dinas Kependudukan Qmine")
    point = factory.service_point(unit, name="Loket 1")
    service = factory.service(unit, name="Perekaman KTP-el")
    ensure_default_survey(session, agency.id)
    return {
        "agency": agency,
        "unit": unit,
        "point": point,
        "service": service,
        "token": ensure_counter_link(session, point).token,
        "head": factory.user(Role.AGENCY_HEAD, agency=agency),
    }


# --------------------------------------------------------------------------- figures


def test_worked_example_through_the_public_form(app, client, session, counter):
    for values in WORKED:
        answers = {k: str(v) for k, v in scores(values).items()}
        submit(app, counter["token"], {**answers, "layanan": str(counter["service"].id)})
    stored = session.scalars(select(Response.answers)).all()
    assert hand_score(stored) == "77,78"

    sign_in(app, client, counter["head"])
    page = client.get("/dashboard/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<dd class="big">77,78</dd>' in html
    assert 'grade-B">B</span> Baik' in html
    assert unit_row(html, "Dinas Kependudukan Qmine") == ("3", "77,78")
    # U2, U3 and U7 score 58.33 (D) and are the three weakest
    weakest = re.search(r"Tiga unsur terlemah:(.*?)</p>", html, re.S).group(1)
    assert re.findall(r"U\d", weakest) == ["U2", "U3", "U7"]
    assert html.count("<td>58,33</td><td>D</td><td>ya</td>") == 3  # the table alternative
    assert html.count("58,33 (D)  terlemah</text>") == 3  # the highlighted bars
    assert "<svg" in html and 'aria-hidden="true"' in html
    # every chart has a table for screen readers
    assert html.count('<table class="visually-hidden">') == 4

    english = client.get("/dashboard/", headers={"Accept-Language": "en"})
    assert '<dd class="big">77.78</dd>' in english.get_data(as_text=True)


def test_filters_period_counter_service_version_and_flagged(app, client, session, factory, counter):
    agency, unit = counter["agency"], counter["unit"]
    version = skm_version(session, agency)
    second = another_version(session, version)
    other_point = factory.service_point(unit, name="Loket 2")
    today = local_today(agency.timezone)
    now = dt.datetime.now(dt.UTC)
    last_month = Period.containing(PeriodKind.MONTH, today).previous()
    before = dt.datetime.combine(last_month.start, dt.time(3), tzinfo=dt.UTC)
    store(
        session,
        [
            response(version, unit, scores([4] * 9), now, point=counter["point"]),
            response(
                second, unit, scores([2] * 9), now, point=other_point, service=counter["service"]
            ),
            response(version, unit, scores([1] * 9), now, point=other_point, flagged=True),
            response(version, unit, scores([3] * 9), before, point=counter["point"]),
        ],
    )
    sign_in(app, client, counter["head"])

    def shown(**args) -> tuple[str, str]:
        page = client.get("/dashboard/", query_string=args)
        assert page.status_code == 200, args
        return unit_row(page.get_data(as_text=True), unit.name)

    assert shown() == ("2", "75,00")
    assert shown(unit="²", loket="-1", jenis="abad", urut="x") == ("2", "75,00")  # ignored
    assert shown(loket=counter["point"].id) == ("1", "100,00")
    assert shown(layanan=counter["service"].id) == ("1", "50,00")
    assert shown(layanan=0) == ("1", "100,00")
    assert shown(versi=second.id) == ("1", "50,00")
    assert shown(ditandai="1") == ("3", "58,33")
    assert shown(jenis="month", tanggal=last_month.start.isoformat()) == ("1", "75,00")
    assert shown(jenis="year", tanggal=today.isoformat())[0] in ("3", "2")
    start = (today - dt.timedelta(days=3)).isoformat()
    assert shown(jenis="custom", dari=start, sampai=today.isoformat()) == ("2", "75,00")
    # the trend arrow compares with the previous month (75,00 → 75,00: unchanged)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "±0,00" in html


def test_unit_table_rolls_up_sub_units_and_sorts_on_the_server(app, client, session, factory):
    agency = factory.agency()
    version = skm_version(session, agency)
    parent = factory.unit(agency, name="Dinas Kesehatan")
    good = factory.unit(parent=parent, name="Puskesmas Baik")
    weak = factory.unit(parent=parent, name="Puskesmas Lemah")
    empty = factory.unit(agency, name="Badan Kosong")
    now = dt.datetime.now(dt.UTC)
    store(
        session,
        [
            response(version, good, scores([4] * 9), now),
            response(version, weak, scores([2] * 9), now),
            response(version, weak, scores([2] * 9), now),
        ],
    )
    sign_in(app, client, factory.user(Role.AGENCY_HEAD, agency=agency))
    html = client.get("/dashboard/").get_data(as_text=True)
    assert unit_row(html, "Dinas Kesehatan") == ("3", "66,67")
    assert unit_row(html, "Puskesmas Baik") == ("1", "100,00")
    assert unit_row(html, "Badan Kosong") == ("0", "—")
    assert "belum ada data" in html

    def order(**args) -> list[str]:
        page = client.get("/dashboard/", query_string=args).get_data(as_text=True)
        names = re.findall(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', page)
        return [n for n in names if n in {u.name for u in (parent, good, weak, empty)}]

    assert order() == ["Badan Kosong", "Dinas Kesehatan", "Puskesmas Baik", "Puskesmas Lemah"]
    assert order(urut="ikm") == [
        "Puskesmas Lemah",
        "Dinas Kesehatan",
        "Puskesmas Baik",
        "Badan Kosong",
    ]
    assert order(urut="ikm", arah="turun") == [
        "Puskesmas Baik",
        "Dinas Kesehatan",
        "Puskesmas Lemah",
        "Badan Kosong",
    ]
    assert order(urut="n", arah="turun")[0] == "Dinas Kesehatan"
    # the active column says so, for screen readers too
    assert 'aria-sort="descending"' in client.get("/dashboard/?urut=ikm&arah=turun").get_data(
        as_text=True
    )


def test_comments_feed_negative_first_with_a_filter(app, client, session, counter):
    version = skm_version(session, counter["agency"])
    now = dt.datetime.now(dt.UTC)
    unit = counter["unit"]
    store(
        session,
        [
            response(version, unit, {**scores([4] * 9), "saran": "Terima kasih, cepat"}, now),
            response(version, unit, {**scores([1] * 9), "perbaikan": "Antrean <b>lama</b>"}, now),
        ],
    )
    sign_in(app, client, counter["head"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert html.index("Antrean &lt;b&gt;lama&lt;/b&gt;") < html.index("Terima kasih, cepat")
    negative = client.get("/dashboard/?nada=negative").get_data(as_text=True)
    assert "Antrean" in negative and "Terima kasih, cepat" not in negative


# --------------------------------------------------------------------------- scope


@pytest.fixture()
def two_units(session, factory):
    agency = factory.agency()
    version = skm_version(session, agency)
    root = factory.unit(agency, name="Dinas Qroot")
    mine = factory.unit(parent=root, name="Bidang Qmine")
    sibling = factory.unit(parent=root, name="Bidang Qsibling")
    other_agency = factory.agency()
    other = factory.unit(other_agency, name="Dinas Qother")
    now = dt.datetime.now(dt.UTC)
    store(
        session,
        [
            response(version, mine, scores([4, 4, 4, 4, 4, 4, 4, 4, 3]), now),
            response(version, sibling, scores([1, 1, 1, 1, 1, 1, 1, 1, 2]), now),
            response(skm_version(session, other_agency), other, scores([2] * 9), now),
        ],
    )
    return {
        "agency": agency,
        "mine": mine,
        "sibling": sibling,
        "other": other,
        "sibling_point": factory.service_point(sibling, name="Loket Qsibling"),
        "sibling_service": factory.service(sibling, name="Layanan Qsibling"),
        "other_version": skm_version(session, other_agency),
        "unit_head": factory.user(Role.UNIT_HEAD, unit=mine),
        "agency_head": factory.user(Role.AGENCY_HEAD, agency=agency),
        "designer": factory.user(Role.DESIGNER, agency=agency),
    }


def test_a_unit_head_sees_only_their_subtree(app, client, two_units):
    sign_in(app, client, two_units["unit_head"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert unit_row(html, "Bidang Qmine") == ("1", "97,22")
    assert '<dd class="big">97,22</dd>' in html  # the summary is the subtree's, not the agency's
    for hidden in ("Qsibling", "Qroot", "Qother", "27,78", "50,00"):
        assert hidden not in html, hidden
    for page in ("/dashboard/populasi", "/dashboard/kelompok"):
        text = client.get(page).get_data(as_text=True)
        assert "Qsibling" not in text and "Qother" not in text, page


@pytest.mark.parametrize(
    "args",
    [
        lambda w: {"unit": w["sibling"].id},
        lambda w: {"unit": w["other"].id},
        lambda w: {"loket": w["sibling_point"].id},
        lambda w: {"layanan": w["sibling_service"].id},
        lambda w: {"versi": w["other_version"].id},
    ],
)
def test_records_beyond_the_scope_do_not_exist(app, client, two_units, args):
    sign_in(app, client, two_units["unit_head"])
    for path in ("/dashboard/", "/dashboard/kelompok", "/dashboard/populasi"):
        assert client.get(path, query_string=args(two_units)).status_code == 404, path


def test_agency_head_sees_every_unit_and_others_need_the_permission(app, client, two_units):
    sign_in(app, client, two_units["agency_head"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert unit_row(html, "Bidang Qsibling") == ("1", "27,78")
    assert unit_row(html, "Dinas Qroot") == ("2", "62,50")
    assert "Qother" not in html
    sign_in(app, client, two_units["designer"])
    for path in ("/dashboard/", "/dashboard/kelompok", "/dashboard/populasi"):
        assert client.get(path).status_code == 403, path
    # scope first: a record beyond the designer's agency is a 404, not a 403
    assert (
        client.get("/dashboard/", query_string={"unit": two_units["other"].id}).status_code == 404
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ("/dashboard/", "/dashboard/kelompok", "/dashboard/populasi"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_installation_admin_picks_the_agency(app, client, factory, two_units):
    sign_in(app, client, factory.user(Role.ADMIN))
    html = client.get("/dashboard/", query_string={"instansi": two_units["agency"].id}).get_data(
        as_text=True
    )
    assert unit_row(html, "Bidang Qsibling") == ("1", "27,78")
    assert client.get("/dashboard/", query_string={"instansi": 999999}).status_code == 404


# --------------------------------------------------------------------------- populations


def test_populations_entered_per_unit_and_period_give_the_sample_status(
    app, client, session, two_units
):
    sign_in(app, client, two_units["agency_head"])
    mine, sibling = two_units["mine"], two_units["sibling"]
    url = "/dashboard/populasi"
    token = csrf_token(client, url)
    saved = client.post(
        url, data={"csrf_token": token, f"pop-{mine.id}": "1", f"pop-{sibling.id}": "1.000"}
    )
    assert saved.status_code == 303
    month = Period.containing(PeriodKind.MONTH, local_today(TimeZone.WIB))
    rows = session.execute(
        select(UnitPopulation.unit_id, UnitPopulation.population, UnitPopulation.period_start)
    ).all()
    assert sorted(rows) == sorted([(mine.id, 1, month.start), (sibling.id, 1000, month.start)])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "✓ tercapai" in html  # 1 respondent of a population of 1
    assert "kurang 277" in html  # 1 of the 278 that 1 000 users need
    for wrong in ("banyak", "²", "-5", "999999999999"):
        bad = client.post(url, data={"csrf_token": token, f"pop-{mine.id}": wrong})
        assert bad.status_code == 422 and "Isi bilangan bulat" in bad.get_data(as_text=True)
    cleared = client.post(url, data={"csrf_token": token, f"pop-{mine.id}": ""})
    assert cleared.status_code == 303
    assert session.scalar(select(UnitPopulation).where(UnitPopulation.unit_id == mine.id)) is None


def test_a_unit_head_cannot_enter_a_population_beyond_the_subtree(app, client, session, two_units):
    sign_in(app, client, two_units["unit_head"])
    token = csrf_token(client, "/dashboard/populasi")
    data = {"csrf_token": token, f"pop-{two_units['sibling'].id}": "50"}
    assert client.post("/dashboard/populasi", data=data).status_code == 404
    assert session.scalar(select(UnitPopulation)) is None


def test_populations_import_and_template(app, client, session, two_units):
    mine = two_units["mine"]
    sign_in(app, client, two_units["agency_head"])
    template = client.get("/dashboard/populasi/templat.csv?jenis=quarter&tanggal=2025-02-01")
    assert template.status_code == 200
    assert f"{mine.code};Bidang Qmine;2025-Q1;" in template.get_data(as_text=True)
    token = csrf_token(client, "/dashboard/populasi")
    upload = f"kode_unit;periode;populasi\n{mine.code};2025-Q1;500\n".encode()
    done = client.post(
        "/dashboard/populasi/impor",
        data={"csrf_token": token, "file": (io.BytesIO(upload), "populasi.csv")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    assert session.scalar(select(UnitPopulation.population)) == 500
    broken = f"kode_unit;periode;populasi\n{mine.code};2025-Q1;500\nXX;2025-Q1;1\n".encode()
    refused = client.post(
        "/dashboard/populasi/impor",
        data={"csrf_token": token, "file": (io.BytesIO(broken), "populasi.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Baris 3" in refused.get_data(as_text=True)


# --------------------------------------------------------------------------- groups and demo


def test_respondent_group_page(app, client, session, counter):
    version = skm_version(session, counter["agency"])
    now = dt.datetime.now(dt.UTC)
    unit = counter["unit"]
    store(
        session,
        [
            response(version, unit, {**scores([4] * 9), "pendidikan": "s2"}, now),
            response(version, unit, {**scores([2] * 9), "pendidikan": "sma"}, now),
        ],
    )
    sign_in(app, client, counter["head"])
    html = client.get("/dashboard/kelompok?kelompok=education").get_data(as_text=True)
    assert "SMA/SLTA" in html and "100,00" in html and "50,00" in html
    assert client.get("/dashboard/kelompok?kelompok=agama").status_code == 404


def test_dashboard_renders_with_the_demo_data(app, client, session):
    load_demo(session)
    agency = session.scalar(select(Agency).where(Agency.code == "pemko-siantar"))
    version = skm_version(session, agency)
    units = session.scalars(select(Unit).where(Unit.agency_id == agency.id)).all()
    rng = random.Random(14)
    now = dt.datetime.now(dt.UTC)
    made: dict[int, list[dict]] = {}
    rows = []
    for i in range(120):
        unit = units[i % len(units)]
        answers = {key: rng.randint(1, 4) for key in ELEMENT_KEYS}
        if i % 5 == 0:
            answers["saran"] = f"Komentar nomor {i}"
        made.setdefault(unit.id, []).append(answers)
        rows.append(response(version, unit, answers, now - dt.timedelta(hours=i % 30)))
    store(session, rows)
    head = session.scalar(
        select(User).where(User.agency_id == agency.id, User.role == Role.AGENCY_HEAD)
    )
    sign_in(app, client, head)
    page = client.get("/dashboard/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    tree = {u.id: u for u in units}
    children: dict[int | None, list[int]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u.id)

    def subtree(unit_id: int) -> list[int]:
        return [unit_id, *(i for c in children.get(unit_id, []) for i in subtree(c))]

    for unit in units:
        answers = [a for i in subtree(unit.id) for a in made.get(i, [])]
        n, score = unit_row(html, tree[unit.id].name)
        assert n == str(len(answers))
        assert score == (hand_score(answers) if answers else "—")
    assert "Komentar nomor" in html
    for path in ("/dashboard/kelompok", "/dashboard/populasi"):
        assert client.get(path).status_code == 200
