"""The citizen's path through the real app: open the counter link, answer, thanks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from feedback_app.db import utcnow
from feedback_app.models import Channel, Response
from feedback_app.public.links import (
    ensure_counter_link,
    ensure_default_survey,
    regenerate_counter_link,
)

ELEMENTS = [f"U{i}" for i in range(1, 10)]


@pytest.fixture()
def counter(session, factory):
    unit = factory.unit(name="Dinas Kependudukan dan Pencatatan Sipil")
    point = factory.service_point(unit=unit, name="Loket 1")
    service = factory.service(unit=unit, name="Perekaman KTP-el")
    ensure_default_survey(session, unit.agency_id)
    link = ensure_counter_link(session, point)
    return {"unit": unit, "point": point, "service": service, "link": link}


def form_fields(page: str) -> dict[str, str]:
    return {
        name: value
        for name, value in re.findall(r'name="(csrf_token|form_key)" value="([^"]+)"', page)
    }


def answers(service_id: int, score: str = "4") -> dict[str, str]:
    return {"layanan": str(service_id), **dict.fromkeys(ELEMENTS, score)}


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(Response))


def test_answer_and_thank_you(client, session, counter):
    url = f"/s/{counter['link'].token}"
    page = client.get(url + "?c=qr")  # as encoded in the poster's QR code
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Loket 1" in html and "Perekaman KTP-el" in html
    assert "Tidak sesuai" in html and "Sangat sesuai" in html
    assert stored(session) == 0  # a GET never stores

    response = client.post(url, data={**form_fields(html), **answers(counter["service"].id)})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "Terima kasih" in thanks.get_data(as_text=True)

    row = session.scalars(select(Response)).one()
    assert row.service_point_id == counter["point"].id
    assert row.unit_id == counter["unit"].id
    assert row.service_id == counter["service"].id
    assert row.channel == Channel.QR
    assert row.answers["U1"] == 4 and set(ELEMENTS) <= set(row.answers)
    assert row.submitted_at.tzinfo is not None


def test_double_submit_stores_once(client, session, counter):
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {**fields, **answers(counter["service"].id)}
    assert client.post(url, data=data).status_code == 303
    assert client.post(url, data=data).status_code == 303  # a double tap or refresh
    assert stored(session) == 1
    # typed from the poster rather than scanned
    assert session.scalars(select(Response)).one().channel == Channel.LINK


def test_missing_answer_keeps_the_others(client, session, counter):
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {**fields, **answers(counter["service"].id, "3")}
    del data["U5"]
    page = client.post(url, data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'href="#q-U5"' in html  # the summary links to the question
    assert html.count('value="3" checked') == 8  # the other answers are kept
    assert stored(session) == 0


def test_expired_csrf_rerenders_with_answers(client, session, counter):
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {**fields, **answers(counter["service"].id, "2"), "csrf_token": "expired"}
    page = client.post(url, data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "terlalu lama terbuka" in html
    assert html.count('value="2" checked') == 9
    assert stored(session) == 0
    # sending the re-rendered form again works
    again = client.post(url, data={**form_fields(html), **answers(counter["service"].id, "2")})
    assert again.status_code == 303
    assert stored(session) == 1


def test_officer_on_duty_is_credited(client, session, factory, counter):
    officer = factory.employee(unit=counter["unit"], name="Rizky Siregar")
    factory.roster(officer, counter["point"], utcnow() - dt.timedelta(hours=1), hours=4)
    url = f"/s/{counter['link'].token}"
    html = client.get(url).get_data(as_text=True)
    assert "Rizky Siregar" in html
    client.post(url, data={**form_fields(html), **answers(counter["service"].id)})
    assert session.scalars(select(Response)).one().employee_id == officer.id


def test_forged_officer_is_refused(client, session, factory, counter):
    first = factory.employee(unit=counter["unit"])
    second = factory.employee(unit=counter["unit"])
    outsider = factory.employee(unit=counter["unit"])
    start = utcnow() - dt.timedelta(hours=1)
    factory.roster(first, counter["point"], start)
    factory.roster(second, counter["point"], start)
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {**fields, **answers(counter["service"].id), "officer": str(outsider.id)}
    assert client.post(url, data=data).status_code == 422
    assert stored(session) == 0
    data["officer"] = str(second.id)
    assert client.post(url, data=data).status_code == 303
    assert session.scalars(select(Response)).one().employee_id == second.id


@pytest.mark.parametrize(
    "change",
    [
        {"U1": "5"},
        {"U1": "abc"},
        {"U1": "<script>alert(1)</script>"},
        {"layanan": "999999"},
        {"form_key": "forged"},
    ],
)
def test_bad_values_store_nothing(client, session, counter, change):
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    page = client.post(url, data={**fields, **answers(counter["service"].id), **change})
    assert 400 <= page.status_code < 500
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
    assert stored(session) == 0


def test_honeypot_stores_nothing(client, session, counter):
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {**fields, **answers(counter["service"].id), "website": "http://spam.example"}
    assert client.post(url, data=data).status_code == 303
    assert stored(session) == 0


def test_unknown_and_retired_links(client, session, counter):
    assert client.get("/s/doesnotexist").status_code == 404
    old = counter["link"].token
    new = regenerate_counter_link(session, counter["point"])
    retired = client.get(f"/s/{old}")
    assert retired.status_code == 410
    assert "sudah diganti" in retired.get_data(as_text=True)
    assert client.get(f"/s/{new.token}").status_code == 200


def test_contact_is_kept_apart_only_when_asked(client, session, counter):
    from feedback_app.models import ResponseContact

    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    typed = {"contact_name": "Budi", "contact_phone": "0812 3456 7890"}
    # typed but not ticked: nothing about the person is stored
    client.post(url, data={**fields, **answers(counter["service"].id), **typed})
    assert session.scalar(select(func.count()).select_from(ResponseContact)) == 0

    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {**fields, **answers(counter["service"].id, "1"), **typed, "contact_wanted": "1"}
    assert client.post(url, data=data).status_code == 303
    contact = session.scalars(select(ResponseContact)).one()
    assert contact.phone == "0812 3456 7890"
    assert contact.delete_after > utcnow() + dt.timedelta(days=80)
    rated = session.get(Response, contact.response_id)
    assert "Budi" not in str(rated.answers)


def test_contact_needs_a_way_to_reach(client, session, counter):
    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {
        **fields,
        **answers(counter["service"].id),
        "contact_wanted": "1",
        "contact_phone": "abc",
    }
    page = client.post(url, data=data)
    assert page.status_code == 422
    assert "Nomor telepon tidak valid" in page.get_data(as_text=True)
    assert stored(session) == 0


def test_purge_removes_expired_contacts(app, client, session, counter):
    from feedback_app.models import ResponseContact

    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    data = {
        **fields,
        **answers(counter["service"].id),
        "contact_wanted": "1",
        "contact_email": "warga@contoh.co.id",
    }
    client.post(url, data=data)
    contact = session.scalars(select(ResponseContact)).one()
    contact.delete_after = utcnow() - dt.timedelta(minutes=1)
    session.flush()
    result = app.test_cli_runner().invoke(args=["purge-contacts"])
    assert "1 contact records deleted" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ResponseContact)) == 0
    assert stored(session) == 1  # the ratings stay


def test_form_page_is_light_and_self_contained(client, counter):
    import gzip

    html = client.get(f"/s/{counter['link'].token}").get_data()
    assert len(gzip.compress(html)) <= 30 * 1024
    # no stylesheet, script, image or font from any other host
    assert not re.search(rb'(src|href)="(https?:)?//', html)


def test_closed_or_out_of_window_survey_takes_no_answers(client, session, counter):
    from feedback_app.models import Survey, SurveyStatus

    url = f"/s/{counter['link'].token}"
    fields = form_fields(client.get(url).get_data(as_text=True))
    survey = session.scalars(select(Survey)).one()
    survey.closes_at = utcnow() - dt.timedelta(minutes=1)
    session.flush()
    page = client.post(url, data={**fields, **answers(counter["service"].id)})
    assert page.status_code == 404
    assert "Survei belum tersedia" in page.get_data(as_text=True)
    survey.closes_at = None
    survey.status = SurveyStatus.CLOSED
    session.flush()
    assert client.get(url).status_code == 404
    assert stored(session) == 0


def test_back_and_send_the_same_answers_again_stores_once(client, session, counter):
    url = f"/s/{counter['link'].token}"
    data = answers(counter["service"].id, "3")
    first = client.post(url, data={**form_fields(client.get(url).get_data(as_text=True)), **data})
    assert first.status_code == 303
    # back: the page is fetched again (a new form key), the browser restores the answers
    again = client.post(url, data={**form_fields(client.get(url).get_data(as_text=True)), **data})
    assert again.status_code == 303
    assert stored(session) == 1
    # other answers from the same phone are a new response
    other = {**data, "U1": "1"}
    client.post(url, data={**form_fields(client.get(url).get_data(as_text=True)), **other})
    assert stored(session) == 2


def test_pages_after_the_first_leave_the_citizens_cookies_alone(client, session, counter):
    """Only what changes the session writes it: no cookie churn on every public page."""
    url = f"/s/{counter['link'].token}"
    first = client.get(url)
    assert "session=" in " ".join(first.headers.getlist("Set-Cookie"))  # the form's CSRF token
    again = client.get(url)
    sent = client.post(
        url, data={**form_fields(again.get_data(as_text=True)), **answers(counter["service"].id)}
    )
    assert sent.status_code == 303  # the POST remembers what was sent (a resend is not stored)
    thanks = client.get(sent.headers["Location"])
    assert thanks.status_code == 200
    for page in (again, thanks):
        assert page.headers.getlist("Set-Cookie") == []


def test_after_a_server_error_sending_again_stores_the_answers(
    app, client, session, counter, monkeypatch
):
    """A failed submission leaves the browser's session as it was: the retry is not a resend."""
    from feedback_app.public import views

    url = f"/s/{counter['link'].token}"
    fields = {
        **form_fields(client.get(url).get_data(as_text=True)),
        **answers(counter["service"].id),
    }

    remember = views._remember_sent

    def noted_then_broken(*args, **kwargs):  # the note is written, then the commit fails
        remember(*args, **kwargs)
        raise RuntimeError("the commit failed")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    with monkeypatch.context() as patch:
        patch.setattr(views, "_remember_sent", noted_then_broken)
        assert client.post(url, data=fields).status_code == 500
    assert stored(session) == 0
    assert client.post(url, data=fields).status_code == 303
    assert stored(session) == 1
