"""Whatever arrives at the public POST, it gets a clear answer and stores nothing it should not."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from feedback_app.models import Response
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from feedback_app.staff.service import create_kiosk, mint_code
from tests.test_public_form import answers, form_fields, stored

MEGABYTE = 1024 * 1024
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture()
def counter(session, factory) -> dict[str, Any]:
    unit = factory.unit(name="Dinas Penanaman Modal dan PTSP")
    ensure_default_survey(session, unit.agency_id)
    point = factory.service_point(unit=unit, name="Loket Perizinan")
    other_unit = factory.unit(name="Dinas Lain")
    ensure_default_survey(session, other_unit.agency_id)
    return {
        "point": point,
        "url": f"/s/{ensure_counter_link(session, point).token}",
        "service": factory.service(unit=unit, name="Izin Usaha"),
        "second_url": f"/s/{ensure_counter_link(session, factory.service_point(unit)).token}",
        "other_service": factory.service(unit=other_unit, name="Izin Lain"),
        "other_url": f"/s/{ensure_counter_link(session, factory.service_point(other_unit)).token}",
    }


def valid(client, counter, url: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    page = client.get(url or counter["url"]).get_data(as_text=True)
    return {**form_fields(page), **answers(counter["service"].id)}


def _set(**changes: Any) -> Callable[[dict, dict], None]:
    return lambda data, counter: data.update(changes)


def _drop(*names: str) -> Callable[[dict, dict], None]:
    def change(data: dict, counter: dict) -> None:
        for name in names:
            del data[name]

    return change


def _empty(data: dict, counter: dict) -> None:
    data.clear()


def _other_units_service(data: dict, counter: dict) -> None:
    data["layanan"] = str(counter["other_service"].id)


STALE = "terlalu lama terbuka"
REQUIRED = "Pertanyaan ini wajib dijawab"
SCALE = "Pilih salah satu nilai dari 1 sampai 4"
CHANGED = "Formulir ini sudah berubah"
NOT_OFFERED = "Pilihan ini tidak tersedia"


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        # missing fields
        pytest.param(_drop("U5"), 422, REQUIRED, id="missing-element"),
        pytest.param(_drop("layanan"), 422, REQUIRED, id="missing-service"),
        pytest.param(_set(U3=""), 422, REQUIRED, id="blank-element"),
        pytest.param(_drop("form_key"), 409, STALE, id="missing-form-key"),
        pytest.param(_drop("csrf_token"), 409, STALE, id="missing-csrf"),
        pytest.param(_empty, 409, STALE, id="empty-body"),
        # out of range
        pytest.param(_set(U1="0"), 422, SCALE, id="element-0"),
        pytest.param(_set(U1="5"), 422, SCALE, id="element-5"),
        pytest.param(_set(U1="-1"), 422, SCALE, id="element-negative"),
        pytest.param(_set(U1="9" * 40), 422, SCALE, id="element-huge"),
        pytest.param(_set(layanan="999999"), 422, NOT_OFFERED, id="service-unknown"),
        pytest.param(_other_units_service, 422, NOT_OFFERED, id="service-of-another-unit"),
        # not numbers
        pytest.param(_set(U1="abc"), 422, SCALE, id="element-text"),
        pytest.param(_set(U1="3.5"), 422, SCALE, id="element-decimal"),
        pytest.param(_set(U1="4; DROP TABLE responses"), 422, SCALE, id="element-sql"),
        pytest.param(_set(U1=["4", "3"]), 422, "Pilih satu jawaban saja", id="element-twice"),
        pytest.param(_set(layanan="abc"), 422, NOT_OFFERED, id="service-text"),
        pytest.param(_set(officer="abc"), 422, "Pilih petugas dari daftar", id="officer-text"),
        # keys of no question here
        pytest.param(_set(Z9="1"), 422, CHANGED, id="unknown-key"),
        pytest.param(_set(U10="4"), 422, CHANGED, id="element-10"),
        pytest.param(_set(kepuasan="5"), 422, CHANGED, id="kiosk-survey-key"),
        pytest.param(_set(bp_ramah="4"), 422, CHANGED, id="officer-survey-key"),
        # forged or foreign signed keys
        pytest.param(_set(form_key="forged"), 409, STALE, id="forged-form-key"),
        # text that cannot or should not be kept
        pytest.param(_set(saran="x" * 60_000), 422, "Jawaban terlalu panjang", id="text-too-long"),
        pytest.param(_set(U1=SCRIPT), 422, SCALE, id="element-script"),
    ],
)
def test_bad_payload_gets_a_clear_answer_and_stores_nothing(
    client, session, counter, change, status, message
):
    data = valid(client, counter)
    change(data, counter)
    response = client.post(counter["url"], data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert SCRIPT not in page
    assert stored(session) == 0


def test_form_key_of_another_survey_is_refused(client, session, counter, factory):
    # the other agency's counter has a survey version of its own
    foreign = form_fields(client.get(counter["other_url"]).get_data(as_text=True))
    data = {**valid(client, counter), "form_key": foreign["form_key"]}
    response = client.post(counter["url"], data=data)
    assert response.status_code == 409
    assert STALE in response.get_data(as_text=True)
    assert stored(session) == 0


# --- size ----------------------------------------------------------------------------


TOO_LARGE = "Kiriman terlalu besar"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"saran": "x" * MEGABYTE}, id="one-long-answer"),
        pytest.param({f"f{i}": "x" * 100 for i in range(10_000)}, id="many-fields"),
    ],
)
def test_a_megabyte_is_refused_with_413(client, session, counter, extra):
    data = {**valid(client, counter), **extra}
    response = client.post(counter["url"], data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert TOO_LARGE in page and "64 KB" in page
    assert 'lang="id"' in page
    assert stored(session) == 0


def test_a_megabyte_upload_is_refused_with_413(client, session, counter):
    # built in memory: the test client would spool it to a file nobody reads
    boundary, body = encode_multipart(
        {**valid(client, counter), "U1": FileStorage(io.BytesIO(b"x" * MEGABYTE), "foto.jpg")}
    )
    response = client.post(
        counter["url"], data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert TOO_LARGE in page and "64 KB" in page
    assert 'lang="id"' in page
    assert stored(session) == 0


def post_chunked(client, url: str, body: str):  # type: ignore[no-untyped-def]
    """A body sent without Content-Length, as gunicorn passes a chunked request on."""
    return client.post(
        url,
        input_stream=io.BytesIO(body.encode()),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_body_without_length_is_cut_off_too(client, session, counter):
    fields = urlencode(valid(client, counter))
    # padding that a silently truncating reader would accept as a valid form
    response = post_chunked(client, counter["url"], fields + "&" * MEGABYTE)
    assert response.status_code == 413
    assert TOO_LARGE in response.get_data(as_text=True)
    assert stored(session) == 0
    assert post_chunked(client, counter["url"], fields).status_code == 303
    assert stored(session) == 1


def test_kiosk_and_code_refuse_a_megabyte_too(client, session, counter):
    kiosk = f"/k/{create_kiosk(session, counter['point'], 'Tablet').token}"
    code = f"/c/{mint_code(session, counter['point'], ttl_hours=1).code}"
    for url in (kiosk, code):
        data = {**valid(client, counter, url), "saran": "x" * MEGABYTE}
        response = client.post(url, data=data)
        assert response.status_code == 413, url
        assert TOO_LARGE in response.get_data(as_text=True)
    assert stored(session) == 0


def test_a_survey_sized_body_is_accepted(client, session, counter):
    data = {**valid(client, counter), "saran": "Antrean lama, tetapi petugas ramah. " * 50}
    assert client.post(counter["url"], data=data).status_code == 303
    assert stored(session) == 1


# --- script tags ---------------------------------------------------------------------


def test_control_characters_are_dropped_from_text(client, session, counter):
    data = {**valid(client, counter), "saran": "antre\x00an\x1b lama"}
    assert client.post(counter["url"], data=data).status_code == 303
    assert session.scalars(select(Response)).one().answers["saran"] == "antrean lama"


def test_script_in_a_comment_is_stored_as_plain_text(client, session, counter):
    data = {**valid(client, counter), "saran": SCRIPT}
    response = client.post(counter["url"], data=data)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert SCRIPT not in thanks
    assert session.scalars(select(Response)).one().answers["saran"] == SCRIPT


def test_script_is_shown_back_escaped(client, session, counter):
    data = {**valid(client, counter), "saran": SCRIPT}
    del data["U2"]
    page = client.post(counter["url"], data=data).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in page
    assert stored(session) == 0


# --- replays -------------------------------------------------------------------------


def test_replayed_form_key_is_stored_once(client, session, counter):
    data = valid(client, counter)
    first = client.post(counter["url"], data=data)
    assert first.status_code == 303
    # the same key again: the same, other answers, or at another counter
    again = [
        client.post(counter["url"], data=data),
        client.post(counter["url"], data={**data, "U1": "1", "U2": "1"}),
        client.post(counter["second_url"], data=data),
    ]
    assert [r.status_code for r in again] == [303, 303, 303]
    assert again[0].headers["Location"] == first.headers["Location"]
    row = session.scalars(select(Response)).one()
    assert row.answers["U1"] == 4 and row.service_point_id == counter["point"].id
