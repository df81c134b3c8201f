"""The survey designer: version logic on its own, then the pages a designer uses.

The version rules are what matters most: publishing freezes a version, editing
a published survey works on a draft of the next one, new responses use the
newest publication while earlier ones keep reading with their own wording, and
a key never changes its type or scale.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_app.designer import editing, service
from feedback_app.designer.editing import EditRefused
from feedback_app.models import (
    Channel,
    Response,
    Role,
    Survey,
    SurveyStatus,
    SurveyVersion,
    TimeZone,
)
from feedback_app.models import survey as survey_model
from feedback_app.public.links import ensure_counter_link, ensure_default_survey
from surveys import (
    Condition,
    Rule,
    SurveyFormatError,
    Text,
    build_template,
    definition_to_json,
    dumps,
)
from surveys.definition import Section, SurveyDefinition
from surveys.questions import (
    LikertQuestion,
    LongTextQuestion,
    NumberQuestion,
    SingleChoiceQuestion,
    SkmElementQuestion,
)
from surveys.skm import ELEMENT_KEYS
from tests.conftest import csrf_token
from tests.factories import Factory
from tests.test_scope import sign_in


@pytest.fixture(autouse=True)
def _fresh_definitions():
    """Published definitions are cached by version id; ids come back after a rollback."""
    survey_model._published.clear()
    yield
    survey_model._published.clear()


# --------------------------------------------------------------------------- helpers


def rows(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def survey_versions(session: Session, survey: Survey) -> list[SurveyVersion]:
    session.expire_all()
    return list(
        session.scalars(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .order_by(SurveyVersion.number)
        )
    )


def new_survey(session: Session, agency_id: int, template: str | None = "skm", name="Survei uji"):
    return service.create_survey(
        session,
        agency_id=agency_id,
        name=name,
        definition=service.starting_definition(template, name),
    )


def working(session: Session, survey: Survey) -> SurveyDefinition:
    return service.parse(service.working_version(session, survey))


def edit(session: Session, survey: Survey, change: Any) -> SurveyVersion:
    before = working(session, survey)
    return service.save_definition(session, survey, before, change(before), user_id=None)


def small_survey(title: str = "Survei kecil") -> SurveyDefinition:
    """Two translated questions and a follow-up on the first."""
    return SurveyDefinition(
        title=Text(title, "Small survey"),
        sections=(
            Section(
                key="utama",
                questions=(
                    LikertQuestion(key="puas", text=Text("Saya puas.", "I am satisfied.")),
                    LongTextQuestion(
                        key="alasan",
                        text=Text("Mengapa kurang puas?", "Why not satisfied?"),
                        required=False,
                        condition=Condition.any(Rule.at_most("puas", 2)),
                    ),
                ),
            ),
        ),
    )


def codes(refusal: pytest.ExceptionInfo) -> set[str]:
    return {issue.code for issue in refusal.value.issues}


@pytest.fixture()
def org(session: Session, factory: Factory) -> dict[str, Any]:
    agency = factory.agency(timezone=TimeZone.WIB)
    unit = factory.unit(agency, name="Dinas Kependudukan")
    point = factory.service_point(unit, name="Loket Satu")
    service_ = factory.service(unit, name="Perekaman KTP-el")
    ensure_default_survey(session, agency.id)
    link = ensure_counter_link(session, point)
    designer = factory.user(Role.DESIGNER, agency=agency, name="Perancang")
    return {
        "agency": agency,
        "unit": unit,
        "point": point,
        "service": service_,
        "link": link,
        "designer": designer,
    }


@pytest.fixture()
def designer_client(app: Flask, client, org):
    sign_in(app, client, org["designer"])
    return client


def token(client) -> str:
    return csrf_token(client, "/surveys/")


FORM_FIELDS = re.compile(r'name="(csrf_token|form_key|rev)" (?:type="hidden" )?value="([^"]+)"')


def hidden_fields(html: str) -> dict[str, str]:
    return dict(FORM_FIELDS.findall(html))


def citizen_answers(client, link_token: str, answers: dict[str, str]):
    """Open the counter link and send ``answers`` as a citizen's phone would."""
    url = f"/s/{link_token}"
    page = client.get(url).get_data(as_text=True)
    fields = {k: v for k, v in hidden_fields(page).items() if k in ("csrf_token", "form_key")}
    return client.post(url, data={**fields, **answers})


# =========================================================================== the service


def test_each_template_starts_a_draft_of_version_1(session, factory):
    agency = factory.agency()
    for name in service.template_names():
        survey = new_survey(session, agency.id, name, name=f"Dari {name}")
        [version] = survey_versions(session, survey)
        assert version.number == 1 and version.published_at is None
        assert version.definition == definition_to_json(build_template(name))
        assert survey.status == SurveyStatus.DRAFT and survey.current_version_id is None
    blank = new_survey(session, agency.id, None, name="Kosong")
    definition = working(session, blank)
    assert definition.title.id == "Kosong"
    assert [s.key for s in definition.sections] == ["bagian_1"] and not definition.questions


def test_moves_cross_sections_and_keep_follow_ups_after_what_they_ask_about(session, factory):
    survey = new_survey(session, factory.agency().id)
    edit(session, survey, lambda d: editing.move_question(d, "U2", -1))
    assert working(session, survey).keys[1:4] == ("U2", "U1", "U3")

    # the follow-up is first in "masukan": up moves it to the end of "unsur", after U9
    edit(session, survey, lambda d: editing.move_question(d, "perbaikan", -1))
    definition = working(session, survey)
    assert definition.section_of("perbaikan").key == "unsur"
    assert definition.keys.index("perbaikan") == definition.keys.index("U9") + 1

    # once more would put it before U9, which its condition asks about
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.move_question(d, "perbaikan", -1))
    assert codes(refusal) == {"condition_not_earlier"}
    assert working(session, survey).keys.index("perbaikan") > working(session, survey).keys.index(
        "U9"
    )


def test_a_question_a_condition_needs_cannot_be_deleted(session, factory):
    survey = new_survey(session, factory.agency().id)
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.remove_question(d, "U4"))
    assert codes(refusal) == {"question_in_use"}
    assert "perbaikan" in refusal.value.issues[0].message.id
    edit(session, survey, lambda d: editing.remove_question(d, "saran"))
    assert "saran" not in working(session, survey)


def test_edits_that_add_errors_are_refused_whole(session, factory):
    survey = new_survey(session, factory.agency().id, None)
    stored = survey_versions(session, survey)[0].definition
    choice = SingleChoiceQuestion(key="q1", text=Text("Pilih"), choices=())
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.add_question(d, "bagian_1", choice))
    assert codes(refusal) == {"too_few_options"}
    number = NumberQuestion(key="q1", text=Text("Berapa lama?"), min=10, max=5)
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.add_question(d, "bagian_1", number))
    assert codes(refusal) == {"min_above_max"}
    assert survey_versions(session, survey)[0].definition == stored  # nothing half-saved

    # the blank survey's own "no questions" error does not block its first question
    edit(
        session,
        survey,
        lambda d: editing.add_question(d, "bagian_1", LikertQuestion(key="q1", text=Text("A"))),
    )
    duplicate = LikertQuestion(key="q1", text=Text("B"))
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.add_question(d, "bagian_1", duplicate))
    assert codes(refusal) == {"duplicate_key"}


def test_publishing_freezes_and_editing_a_published_survey_drafts_the_next_version(
    session, factory
):
    survey = new_survey(session, factory.agency().id)
    v1 = service.publish(session, survey, user_id=None, note="Pertama")
    assert v1.published_at is not None and v1.note == "Pertama"
    assert survey.current_version_id == v1.id and survey.status == SurveyStatus.PUBLISHED
    frozen = json.dumps(v1.definition, sort_keys=True)
    assert service.draft_of(session, survey) is None

    new_text = Text("Apakah persyaratannya jelas?", "Were the requirements clear?")
    v2 = edit(
        session,
        survey,
        lambda d: editing.replace_question(d, "U1", SkmElementQuestion(key="U1", text=new_text)),
    )
    assert v2.number == 2 and v2.published_at is None
    assert survey.current_version_id == v1.id  # citizens still answer version 1
    edit(session, survey, lambda d: editing.move_question(d, "U2", -1))
    assert len(survey_versions(session, survey)) == 2  # one draft, edited in place

    service.publish(session, survey, user_id=None)
    versions = survey_versions(session, survey)
    assert [v.number for v in versions] == [1, 2]
    assert survey.current_version_id == versions[1].id
    assert json.dumps(versions[0].definition, sort_keys=True) == frozen
    assert service.parse(versions[1]).question("U1").text == new_text

    history = service.history(session, survey)
    assert [entry.version.number for entry in history] == [2, 1]
    kinds = {str(change.kind) for change in history[0].changes}
    assert {"text_changed", "moved"} <= kinds and history[1].changes is None


def test_a_key_keeps_its_type_and_scale_across_versions(session, factory):
    survey = service.create_survey(
        session,
        agency_id=factory.agency().id,
        name="Lama layanan",
        definition=SurveyDefinition.single_section(
            Text("Lama layanan", "Service time"),
            (
                NumberQuestion(key="menit", text=Text("Berapa menit?", "How many minutes?")),
                LikertQuestion(key="puas", text=Text("Saya puas.", "I am satisfied.")),
            ),
        ),
    )
    # before the first publication anything goes
    edit(
        session,
        survey,
        lambda d: editing.replace_question(
            d, "puas", editing.convert_question(d.question("puas"), "stars")
        ),
    )
    service.publish(session, survey, user_id=None)

    with pytest.raises(EditRefused) as refusal:
        edit(
            session,
            survey,
            lambda d: editing.replace_question(
                d, "puas", editing.convert_question(d.question("puas"), "smiley")
            ),
        )
    assert codes(refusal) == {"type_changed"}
    assert "kunci lain" in refusal.value.issues[0].message.id
    decimal = NumberQuestion(key="menit", text=Text("Berapa menit?"), integer=False)
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.replace_question(d, "menit", decimal))
    assert codes(refusal) == {"scale_changed"}
    assert service.draft_of(session, survey) is None  # a refused edit leaves no draft behind

    # the same question under a new key is fine; the old answers stay under the old key
    renamed = editing.convert_question(
        LikertQuestion(key="puas_wajah", text=Text("Seberapa puas?", "How satisfied?")), "smiley"
    )
    edit(session, survey, lambda d: editing.replace_question(d, "puas", renamed))
    service.publish(session, survey, user_id=None)

    # a key dropped in version 2 cannot come back with another type in version 3
    back = LikertQuestion(key="puas", text=Text("Saya puas."))
    with pytest.raises(EditRefused) as refusal:
        edit(session, survey, lambda d: editing.add_question(d, "main", back))
    assert codes(refusal) == {"type_changed"}


def test_publish_refuses_errors_and_warns_about_translations(session, factory):
    blank = new_survey(session, factory.agency().id, None)
    with pytest.raises(EditRefused) as refusal:
        service.publish(session, blank, user_id=None)
    assert codes(refusal) == {"no_questions"}
    assert blank.current_version_id is None

    edit(
        session,
        blank,
        lambda d: editing.add_question(
            d, "bagian_1", LikertQuestion(key="q1", text=Text("Pelayanan cepat."))
        ),
    )
    check = service.publish_check(session, blank)
    assert check.ok
    assert {w.path for w in check.warnings if w.code == "missing_translation"} == {
        "title",
        "sections[0].questions[0].text",
    }
    service.publish(session, blank, user_id=None)  # warnings do not block
    assert blank.status == SurveyStatus.PUBLISHED


def test_archive_keeps_answers_and_only_never_published_drafts_are_deleted(session, factory, org):
    survey = new_survey(session, org["agency"].id)
    version = service.publish(session, survey, user_id=None)
    org["unit"].survey_id = survey.id
    session.flush()
    with pytest.raises(EditRefused) as refusal:
        service.archive(session, survey)
    assert codes(refusal) == {"survey_in_use"} and "Dinas Kependudukan" in str(refusal.value)

    org["unit"].survey_id = None
    session.add(
        Response(
            agency_id=org["agency"].id,
            unit_id=org["unit"].id,
            survey_version_id=version.id,
            channel=Channel.LINK,
            timezone=TimeZone.WIB,
            language="id",
            answers={"U1": 4},
            answers_digest="0" * 64,
            idempotency_key="designer-test-1",
        )
    )
    session.flush()
    with pytest.raises(EditRefused) as refusal:
        service.delete(session, survey)
    assert codes(refusal) == {"was_published"}
    service.archive(session, survey)
    assert survey.status == SurveyStatus.ARCHIVED
    with pytest.raises(EditRefused):
        edit(session, survey, lambda d: editing.remove_question(d, "saran"))
    service.restore(session, survey)
    assert survey.status == SurveyStatus.CLOSED
    assert rows(session, Response) == 1

    # published without a single answer: still archived, never deleted
    unanswered = new_survey(session, org["agency"].id, "kiosk")
    service.publish(session, unanswered, user_id=None)
    with pytest.raises(EditRefused) as refusal:
        service.delete(session, unanswered)
    assert codes(refusal) == {"was_published"}

    draft = new_survey(session, org["agency"].id, "kiosk")
    draft_id = draft.id
    service.delete(session, draft)
    assert session.get(Survey, draft_id) is None
    assert not session.scalars(
        select(SurveyVersion).where(SurveyVersion.survey_id == draft_id)
    ).all()


def test_the_answer_window(session, factory):
    survey = new_survey(session, factory.agency().id)
    now = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    assert not service.survey_is_open(survey, now)  # a draft
    service.publish(session, survey, user_id=None)
    assert service.survey_is_open(survey, now)
    survey.opens_at = now + dt.timedelta(hours=1)
    assert not service.survey_is_open(survey, now)
    survey.opens_at, survey.closes_at = now - dt.timedelta(days=1), now
    assert not service.survey_is_open(survey, now)  # the closing time itself is closed
    assert service.survey_is_open(survey, now - dt.timedelta(seconds=1))
    service.close(session, survey)
    assert not service.survey_is_open(survey, now - dt.timedelta(seconds=1))


def test_json_round_trip_and_bad_files():
    definition = small_survey()
    assert service.read_import(dumps(definition).encode()) == definition
    assert service.read_import(b"\xef\xbb\xbf" + dumps(definition).encode()) == definition

    with pytest.raises(SurveyFormatError) as error:
        service.read_import(b"{not json")
    assert {i.code for i in error.value.issues} == {"invalid_json"}
    data = json.loads(dumps(definition))
    data["sections"][0]["questions"][0]["type"] = "slider"
    data["sections"][0]["questions"][1]["required"] = "ya"
    with pytest.raises(SurveyFormatError) as error:
        service.read_import(json.dumps(data))
    assert {(i.code, i.path) for i in error.value.issues} == {
        ("unknown_type", "sections[0].questions[0].type"),
        ("wrong_type", "sections[0].questions[1].required"),
    }
    with pytest.raises(SurveyFormatError) as error:
        service.read_import(json.dumps([1, 2]))
    assert {i.code for i in error.value.issues} == {"wrong_type"}
    with pytest.raises(SurveyFormatError) as error:
        service.read_import(b"\xff\xfe")
    assert {i.code for i in error.value.issues} == {"not_utf8"}


def test_answers_read_with_the_wording_of_their_version():
    old = small_survey()
    answers = {"puas": 2, "alasan": "Antre lama", "hapus": "x"}
    shown = service.read_answers(old, answers, "id")
    assert [(a.key, a.question.id, a.value) for a in shown] == [
        ("puas", "Saya puas.", "Tidak setuju"),
        ("alasan", "Mengapa kurang puas?", "Antre lama"),
        ("hapus", "hapus", "x"),
    ]
    assert service.read_answers(old, answers, "en")[0].value == "Disagree"


# =========================================================================== the pages


def test_designer_pages_are_scoped_and_need_the_permission(app, client, session, factory, org):
    other_agency = factory.agency()
    theirs = new_survey(session, other_agency.id, name="Survei instansi lain")
    mine = new_survey(session, org["agency"].id, name="Survei kami")

    assert client.get("/surveys/").status_code == 302  # signed out: to the login page
    sign_in(app, client, org["designer"])
    listing = client.get("/surveys/").get_data(as_text=True)
    assert "Survei kami" in listing and "Survei instansi lain" not in listing
    for url in (
        f"/surveys/{theirs.id}",
        f"/surveys/{theirs.id}/preview/form",
        f"/surveys/{theirs.id}/export.json",
        f"/surveys/{theirs.id}/versions",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/surveys/{theirs.id}/archive", data={"csrf_token": token(client)})
    assert response.status_code == 404
    assert theirs.status == SurveyStatus.DRAFT

    agency_admin = factory.user(Role.AGENCY_ADMIN, agency=org["agency"])
    sign_in(app, client, agency_admin)
    assert client.get("/surveys/").status_code == 403
    assert client.get(f"/surveys/{mine.id}").status_code == 403
    assert client.get(f"/surveys/{theirs.id}").status_code == 404  # scope first

    admin = factory.user(Role.ADMIN)
    sign_in(app, client, admin)
    listing = client.get("/surveys/").get_data(as_text=True)
    assert "Survei kami" in listing and "Survei instansi lain" in listing


def test_posts_need_a_csrf_token(designer_client, session, org):
    survey = new_survey(session, org["agency"].id)
    before = rows(session, Survey)
    for url in (
        "/surveys/new",
        f"/surveys/{survey.id}/questions/U1/move",
        f"/surveys/{survey.id}/publish",
        f"/surveys/{survey.id}/duplicate",
        "/surveys/assignments",
    ):
        response = designer_client.post(url, data={"name": "X", "direction": "up"})
        assert response.status_code == 400, url
    assert rows(session, Survey) == before
    assert service.working_version(session, survey).published_at is None
    assert working(session, survey).keys[1] == "U1"


def test_create_from_the_skm_template_and_reorder(designer_client, session, org):
    response = designer_client.post(
        "/surveys/new",
        data={
            "csrf_token": token(designer_client),
            "name": "SKM Disdukcapil 2026",
            "template": "skm",
        },
    )
    assert response.status_code == 303
    survey = session.scalars(select(Survey).where(Survey.name == "SKM Disdukcapil 2026")).one()
    assert survey.agency_id == org["agency"].id
    page = designer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bagaimana pendapat Saudara tentang kesesuaian persyaratan" in page
    assert 'id="q-U9"' in page

    fields = hidden_fields(page)
    moved = designer_client.post(
        f"/surveys/{survey.id}/questions/U3/move",
        data={"csrf_token": fields["csrf_token"], "rev": fields["rev"], "direction": "up"},
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith("#q-U3")
    assert working(session, survey).keys[1:4] == ("U1", "U3", "U2")

    # a button from the page as it was before: someone else changed the survey meanwhile
    stale = designer_client.post(
        f"/surveys/{survey.id}/questions/U1/move",
        data={"csrf_token": fields["csrf_token"], "rev": fields["rev"], "direction": "down"},
        follow_redirects=True,
    )
    assert "baru saja diubah" in stale.get_data(as_text=True)
    assert working(session, survey).keys[1:4] == ("U1", "U3", "U2")

    refused = designer_client.post(
        f"/surveys/{survey.id}/questions/U5/delete", data={"csrf_token": fields["csrf_token"]}
    )
    assert refused.status_code == 422
    assert "dipakai dalam kondisi pertanyaan perbaikan" in refused.get_data(as_text=True)
    assert "U5" in working(session, survey)


def question_form(**values: Any) -> dict[str, Any]:
    data = {"key": "", "text-indonesian": "", "text-english": "", "cond_mode": "any"}
    data.update({k.replace("__", "-"): v for k, v in values.items()})
    return data


def test_build_a_survey_with_a_follow_up_and_bad_input_in_place(designer_client, session, org):
    survey = new_survey(session, org["agency"].id, None, name="Survei baru")
    sid = survey.id
    csrf = token(designer_client)
    new_url = f"/surveys/{sid}/sections/bagian_1/questions/new"

    form_page = designer_client.get(new_url + "?type=single_choice").get_data(as_text=True)
    assert 'name="choices-0-label_id"' in form_page and 'name="text-english"' in form_page

    # empty text, one option only: refused, each message at its input, nothing stored
    page = designer_client.post(
        new_url + "?type=single_choice",
        data=question_form(csrf_token=csrf, key="cara", choices__0__label_id="Datang langsung"),
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert re.search(r'id="text-indonesian-error">Teks tidak boleh kosong', html)
    assert "Sediakan paling sedikit 2 pilihan jawaban" in html
    assert not working(session, survey).questions

    page = designer_client.post(
        new_url + "?type=single_choice",
        data=question_form(
            csrf_token=csrf,
            key="cara",
            text__indonesian="Bagaimana Anda mengurus layanan ini?",
            text__english="How did you apply?",
            required="y",
            choices__0__label_id="Datang langsung",
            choices__0__label_en="In person",
            choices__1__value="daring",
            choices__1__label_id="Daring",
            choices__1__label_en="Online",
        ),
    )
    assert page.status_code == 303, page.get_data(as_text=True)[:3000]
    question = working(session, survey).question("cara")
    assert [o.value for o in question.choices] == ["datang_langsung", "daring"]
    assert question.required

    # a duplicate key, a rule value the scale never takes, min above max
    page = designer_client.post(
        new_url + "?type=likert",
        data=question_form(
            csrf_token=csrf, key="cara", text__indonesian="Pelayanan cepat.", required="y"
        ),
    )
    assert page.status_code == 422 and "sudah dipakai" in page.get_data(as_text=True)
    page = designer_client.post(
        new_url + "?type=long_text",
        data=question_form(
            csrf_token=csrf,
            key="saran_daring",
            text__indonesian="Apa kendalanya?",
            max_length="500",
            rules__0__key="cara",
            rules__0__op="equals",
            rules__0__value="pos",
        ),
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="rules-0-value-error">Pertanyaan &#39;cara&#39; tidak pernah bernilai pos' in html
    page = designer_client.post(  # a rule on a question that does not exist (a forged form)
        new_url + "?type=long_text",
        data=question_form(
            csrf_token=csrf,
            key="saran_daring",
            text__indonesian="Apa kendalanya?",
            rules__0__key="nanti",
            rules__0__op="equals",
            rules__0__value="ya",
        ),
    )
    assert page.status_code == 422
    missing = "Kondisi merujuk ke pertanyaan &#39;nanti&#39; yang tidak ada"
    assert f'id="rules-0-key-error">{missing}' in page.get_data(as_text=True)
    page = designer_client.post(
        new_url + "?type=number",
        data=question_form(
            csrf_token=csrf, key="menit", text__indonesian="Berapa menit?", min="60", max="5"
        ),
    )
    assert page.status_code == 422
    assert re.search(
        r'id="min-error">Nilai minimum \(60\) lebih besar', page.get_data(as_text=True)
    )
    assert working(session, survey).keys == ("cara",)

    # the follow-up, shown only to those who applied online
    page = designer_client.post(
        new_url + "?type=long_text",
        data=question_form(
            csrf_token=csrf,
            key="kendala",
            text__indonesian="Apa kendala layanan daring?",
            text__english="What went wrong online?",
            max_length="500",
            rules__0__key="cara",
            rules__0__op="any_of",
            rules__0__value="daring",
        ),
    )
    assert page.status_code == 303
    follow_up = working(session, survey).question("kendala")
    assert follow_up.condition == Condition.any(Rule.any_of("cara", ["daring"]))
    assert not follow_up.required and follow_up.max_length == 500

    # editing shows what is stored; a type change under the same key is fine before publication
    edit_page = designer_client.get(f"/surveys/{sid}/questions/kendala/edit").get_data(as_text=True)
    assert (
        'value="Apa kendala layanan daring?"' in edit_page
        or "Apa kendala layanan daring?" in edit_page
    )
    assert 'name="rules-0-value" type="text" value="daring"' in edit_page


def test_preview_renders_the_draft_with_the_public_form_and_stores_nothing(
    designer_client, session, org
):
    survey = service.create_survey(
        session, agency_id=org["agency"].id, name="Pratinjau", definition=small_survey()
    )
    frame = designer_client.get(f"/surveys/{survey.id}/preview/form")
    html = frame.get_data(as_text=True)
    assert frame.status_code == 200
    assert "Saya puas." in html and "Mengapa kurang puas?" in html
    assert 'name="form_key"' in html  # the citizen's own template
    assert "Dinas Kependudukan" in html  # shown for one of the agency's units
    outer = designer_client.get(f"/surveys/{survey.id}/preview").get_data(as_text=True)
    assert f'src="/surveys/{survey.id}/preview/form' in outer and 'class="phone"' in outer

    fields = {k: v for k, v in hidden_fields(html).items() if k in ("csrf_token", "form_key")}
    missing = designer_client.post(f"/surveys/{survey.id}/preview/form", data=fields)
    assert missing.status_code == 422 and "wajib dijawab" in missing.get_data(as_text=True)
    answered = designer_client.post(
        f"/surveys/{survey.id}/preview/form",
        data={**fields, "puas": "4", "alasan": "tidak terpakai"},
    )
    result = answered.get_data(as_text=True)
    assert answered.status_code == 200 and "Setuju" in result
    assert "alasan" in result and "syarat pertanyaannya tidak terpenuhi" in result
    assert rows(session, Response) == 0


def test_publish_warns_then_edits_make_a_new_version_and_old_answers_keep_their_wording(
    app, designer_client, session, factory, org
):
    survey = service.create_survey(
        session,
        agency_id=org["agency"].id,
        name="SKM loket",
        definition=service.starting_definition("skm", "SKM loket"),
    )
    # an untranslated question: publishing warns, and still publishes
    edit(
        session,
        survey,
        lambda d: editing.replace_question(
            d, "saran", LongTextQuestion(key="saran", text=Text("Saran Anda"), required=False)
        ),
    )
    page = designer_client.get(f"/surveys/{survey.id}/publish").get_data(as_text=True)
    assert "Terjemahan bahasa Inggris belum diisi" in page
    assert "sections[2].questions[1].text" in page
    fields = hidden_fields(page)
    done = designer_client.post(
        f"/surveys/{survey.id}/publish",
        data={**fields, "note": "Versi pertama"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "Versi 1 diterbitkan" in html and "1 teks belum diterjemahkan" in html
    session.refresh(survey)
    v1 = service.current_of(session, survey)

    # the counter opens it: a citizen answers version 1
    org["unit"].survey_id = survey.id
    session.flush()
    answers = {"layanan": str(org["service"].id), **dict.fromkeys(ELEMENT_KEYS, "4")}
    assert citizen_answers(designer_client, org["link"].token, answers).status_code == 303

    # the designer rewords U1: a draft of version 2; citizens still see version 1
    edit_url = f"/surveys/{survey.id}/questions/U1/edit"
    form = designer_client.get(edit_url).get_data(as_text=True)
    assert "Warga sedang menjawab versi 1" in designer_client.get(f"/surveys/{survey.id}").get_data(
        as_text=True
    )
    saved = designer_client.post(
        edit_url,
        data=question_form(
            csrf_token=hidden_fields(form)["csrf_token"],
            rev=hidden_fields(form)["rev"],
            key="U1",
            text__indonesian="Apakah persyaratan layanan mudah dipenuhi?",
            text__english="Were the requirements easy to meet?",
            required="y",
        ),
    )
    assert saved.status_code == 303
    assert [v.number for v in survey_versions(session, survey)] == [1, 2]
    public = designer_client.get(f"/s/{org['link'].token}").get_data(as_text=True)
    assert "kesesuaian persyaratan" in public and "mudah dipenuhi" not in public

    # publish version 2: new answers use it, the first answer stays with version 1
    page = designer_client.get(f"/surveys/{survey.id}/publish").get_data(as_text=True)
    assert "Teks pertanyaan U1 diubah" in page
    designer_client.post(f"/surveys/{survey.id}/publish", data=hidden_fields(page))
    public = designer_client.get(f"/s/{org['link'].token}").get_data(as_text=True)
    assert "mudah dipenuhi" in public
    assert citizen_answers(designer_client, org["link"].token, answers).status_code == 303
    session.refresh(survey)
    first, second = session.scalars(select(Response).order_by(Response.id)).all()
    assert first.survey_version_id == v1.id and first.answers["U1"] == 4
    assert second.survey_version_id == service.current_of(session, survey).id != v1.id

    history = designer_client.get(f"/surveys/{survey.id}/versions").get_data(as_text=True)
    assert "Versi pertama" in history and "Teks pertanyaan U1 diubah" in history
    assert "mudah dipenuhi" in history  # the new wording next to the old one

    # those who read results see each answer with its own version's wording
    head = factory.user(Role.AGENCY_HEAD, agency=org["agency"])
    sign_in(app, designer_client, head)
    shown = designer_client.get(f"/surveys/{survey.id}/responses").get_data(as_text=True)
    old_part, new_part = shown.split(f'id="r{first.id}"')[1], shown.split(f'id="r{second.id}"')[1]
    assert "mudah dipenuhi" in new_part.split("</section>")[0]
    assert "kesesuaian persyaratan" in old_part.split("</section>")[0]
    assert "Sangat sesuai" in old_part.split("</section>")[0]


def test_changing_the_type_of_a_published_key_is_refused_with_a_clear_message(
    designer_client, session, org
):
    survey = new_survey(session, org["agency"].id)
    service.publish(session, survey, user_id=None)
    url = f"/surveys/{survey.id}/questions/saran/edit?type=short_text"
    form = designer_client.get(url).get_data(as_text=True)
    assert 'name="max_length"' in form
    page = designer_client.post(
        url,
        data=question_form(
            csrf_token=hidden_fields(form)["csrf_token"],
            key="saran",
            text__indonesian="Saran",
            max_length="200",
        ),
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Jenis pertanyaan &#39;saran&#39; berubah dari long_text menjadi short_text" in html
    assert "Buat pertanyaan baru dengan kunci lain" in html
    assert service.draft_of(session, survey) is None

    # with a new key it is a new question
    page = designer_client.post(
        url,
        data=question_form(
            csrf_token=hidden_fields(form)["csrf_token"],
            key="saran_singkat",
            text__indonesian="Saran",
            max_length="200",
        ),
    )
    assert page.status_code == 303
    assert working(session, survey).question("saran_singkat").type_name == "short_text"


def test_archive_and_delete_pages(designer_client, session, org):
    draft = new_survey(session, org["agency"].id, "kiosk", name="Kios lama")
    page = designer_client.get(f"/surveys/{draft.id}/delete").get_data(as_text=True)
    assert "belum pernah terbit dan belum menerima jawaban" in page
    gone = designer_client.post(f"/surveys/{draft.id}/delete", data=hidden_fields(page))
    assert gone.status_code == 303
    assert session.scalar(select(Survey.id).where(Survey.id == draft.id)) is None

    # the agency's default survey has answers: it cannot be deleted, only archived once free
    default = session.scalars(select(Survey).where(Survey.is_agency_default.is_(True))).one()
    answers = {"layanan": str(org["service"].id), **dict.fromkeys(ELEMENT_KEYS, "3")}
    assert citizen_answers(designer_client, org["link"].token, answers).status_code == 303
    page = designer_client.get(f"/surveys/{default.id}/delete").get_data(as_text=True)
    assert "sudah pernah terbit" in page
    refused = designer_client.post(f"/surveys/{default.id}/delete", data=hidden_fields(page))
    assert refused.status_code == 422
    refused = designer_client.post(f"/surveys/{default.id}/archive", data=hidden_fields(page))
    assert refused.status_code == 422
    assert "survei bawaan instansi" in refused.get_data(as_text=True)
    session.refresh(default)
    assert default.status == SurveyStatus.PUBLISHED
    assert rows(session, Response) == 1


def test_assignment_decides_what_the_counter_link_opens(designer_client, session, org):
    kiosk = new_survey(session, org["agency"].id, "kiosk", name="Kios")
    service.publish(session, kiosk, user_id=None)
    officer = new_survey(session, org["agency"].id, "berorientasi_pelayanan", name="Petugas")
    service.publish(session, officer, user_id=None)
    unused = new_survey(session, org["agency"].id, None, name="Belum terbit")
    url = f"/s/{org['link'].token}"
    assert "Sangat sesuai" in designer_client.get(url).get_data(as_text=True)  # the default SKM

    page = designer_client.get("/surveys/assignments").get_data(as_text=True)
    assert "Loket Satu" in page and "Belum terbit" not in page
    unit_field, point_field = f"unit-{org['unit'].id}", f"point-{org['point'].id}"
    csrf = hidden_fields(page)["csrf_token"]
    saved = designer_client.post(
        "/surveys/assignments",
        data={"csrf_token": csrf, unit_field: str(kiosk.id), point_field: ""},
    )
    assert saved.status_code == 303
    assert "Secara keseluruhan, seberapa puas" in designer_client.get(url).get_data(as_text=True)

    saved = designer_client.post(
        "/surveys/assignments",
        data={"csrf_token": csrf, unit_field: str(kiosk.id), point_field: str(officer.id)},
    )
    assert saved.status_code == 303
    assert "Petugas memahami dan memenuhi kebutuhan saya" in designer_client.get(url).get_data(
        as_text=True
    )
    assert ensure_counter_link(session, org["point"]).token == org["link"].token

    # an unpublished survey is refused at its row, and nothing is saved
    refused = designer_client.post(
        "/surveys/assignments",
        data={"csrf_token": csrf, unit_field: str(unused.id), point_field: ""},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="{unit_field}-error">Pilih survei yang sudah terbit' in html
    session.expire_all()
    assert (org["unit"].survey_id, org["point"].survey_id) == (kiosk.id, officer.id)


def test_export_and_import_round_trip_and_bad_files(designer_client, session, org):
    survey = service.create_survey(
        session, agency_id=org["agency"].id, name="Dibagikan", definition=small_survey()
    )
    download = designer_client.get(f"/surveys/{survey.id}/export.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.data) == json.loads(dumps(small_survey()))

    before = rows(session, Survey)
    csrf = token(designer_client)
    upload = designer_client.post(
        "/surveys/import",
        data={"csrf_token": csrf, "file": (io.BytesIO(download.data), "survei.json")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    copy = session.scalars(select(Survey).order_by(Survey.id.desc())).first()
    assert copy.name == "Survei kecil" and working(session, copy) == small_survey()

    bad = json.loads(download.data)
    bad["sections"][0]["questions"][0]["type"] = "slider"
    del bad["sections"][0]["questions"][1]["text"]
    for content, expected in [
        (
            json.dumps(bad).encode(),
            ["Jenis pertanyaan &#39;slider&#39; tidak dikenal", "Kolom &#39;text&#39; wajib ada"],
        ),
        (b"[1, 2]", ["Kolom ini harus berupa an object"]),
        (b"{", ["Berkas bukan JSON yang valid"]),
    ]:
        page = designer_client.post(
            "/surveys/import",
            data={"csrf_token": csrf, "file": (io.BytesIO(content), "salah.json")},
            content_type="multipart/form-data",
        )
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        for message in expected:
            assert message in html, (message, html[:2000])
    assert rows(session, Survey) == before + 1


def test_settings_set_the_answer_window_in_local_time(designer_client, session, org):
    survey = new_survey(session, org["agency"].id)
    page = designer_client.get(f"/surveys/{survey.id}/settings").get_data(as_text=True)
    csrf = hidden_fields(page)["csrf_token"]
    refused = designer_client.post(
        f"/surveys/{survey.id}/settings",
        data={
            "csrf_token": csrf,
            "name": "SKM",
            "opens_at": "2026-03-10T08:00",
            "closes_at": "2026-03-01T08:00",
        },
    )
    assert refused.status_code == 422
    assert "Waktu tutup harus sesudah waktu buka" in refused.get_data(as_text=True)
    saved = designer_client.post(
        f"/surveys/{survey.id}/settings",
        data={
            "csrf_token": csrf,
            "name": "SKM Triwulan I",
            "opens_at": "2026-01-01T08:00",
            "closes_at": "2026-03-31T16:00",
        },
    )
    assert saved.status_code == 303
    session.expire_all()
    stored = session.get(Survey, survey.id)
    assert stored.name == "SKM Triwulan I"
    assert stored.opens_at == dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 WIB
    assert stored.closes_at == dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)


def test_duplicate_and_sections(designer_client, session, org):
    survey = new_survey(session, org["agency"].id, "kiosk", name="Kios")
    csrf = token(designer_client)
    copied = designer_client.post(f"/surveys/{survey.id}/duplicate", data={"csrf_token": csrf})
    assert copied.status_code == 303
    copy = session.scalars(select(Survey).where(Survey.name == "Salinan Kios")).one()
    assert working(session, copy) == working(session, survey)

    page = designer_client.post(
        f"/surveys/{copy.id}/sections/new",
        data={"csrf_token": csrf, "key": "main", "title-indonesian": "Lagi"},
    )
    assert page.status_code == 422 and "sudah dipakai" in page.get_data(as_text=True)
    page = designer_client.post(
        f"/surveys/{copy.id}/sections/new",
        data={
            "csrf_token": csrf,
            "key": "akhir",
            "title-indonesian": "Penutup",
            "title-english": "Closing",
        },
    )
    assert page.status_code == 303
    assert [s.key for s in working(session, copy).sections] == ["main", "akhir"]
    moved = designer_client.post(
        f"/surveys/{copy.id}/sections/akhir/move", data={"csrf_token": csrf, "direction": "up"}
    )
    assert moved.status_code == 303
    assert [s.key for s in working(session, copy).sections] == ["akhir", "main"]
    refused = designer_client.post(
        f"/surveys/{copy.id}/sections/main/delete", data={"csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert "masih berisi pertanyaan" in refused.get_data(as_text=True)
    removed = designer_client.post(
        f"/surveys/{copy.id}/sections/akhir/delete", data={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    assert [s.key for s in working(session, copy).sections] == ["main"]

    texts = designer_client.post(
        f"/surveys/{copy.id}/texts",
        data={"csrf_token": csrf, "title-indonesian": "", "title-english": "Kiosk"},
    )
    assert texts.status_code == 422
    assert re.search(
        r'id="title-indonesian-error">Teks tidak boleh kosong', texts.get_data(as_text=True)
    )
