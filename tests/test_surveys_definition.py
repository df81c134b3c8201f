"""Survey definitions: validation with located errors, translations, JSON round trip."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest

from surveys import (
    DefinitionError,
    Section,
    Severity,
    SurveyDefinition,
    SurveyFormatError,
    Text,
    assert_valid,
    build_template,
    definition_from_json,
    definition_to_json,
    dumps,
    loads,
    missing_translations,
    validate_definition,
)
from surveys.conditions import Condition, Mode, Rule
from surveys.i18n import LocalizedText
from surveys.questions import (
    QUESTION_TYPES,
    DateQuestion,
    LikertQuestion,
    LongTextQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    ServiceQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
    SkmElementQuestion,
    YesNoQuestion,
)


def survey(*questions: Question, **kwargs) -> SurveyDefinition:
    return SurveyDefinition.single_section(kwargs.pop("title", Text("Survei", "Survey")), questions)


def codes(definition: SurveyDefinition) -> list[tuple[str, str]]:
    return [(issue.path, issue.code) for issue in validate_definition(definition)]


def likert(key: str, **kwargs) -> LikertQuestion:
    return LikertQuestion(key=key, text=Text(f"Pertanyaan {key}", f"Question {key}"), **kwargs)


# --------------------------------------------------------------------------- text


def test_text_falls_back_to_indonesian():
    text = Text("Halo", "Hello")
    assert text.get("id") == "Halo"
    assert text.get("en") == "Hello"
    assert text.get("en_US") == "Hello"
    assert text.get("jv") == "Halo"
    assert text.get(None) == "Halo"
    assert Text("Halo").get("en") == "Halo"
    assert Text("Halo", "  ").get("en") == "Halo"
    assert Text("Halo", "  ").missing_translation
    assert str(text) == "Halo"
    assert LocalizedText is Text
    assert Text.coerce({"id": "A", "en": "B"}) == Text("A", "B")
    assert Text.coerce("A") == Text("A")
    with pytest.raises(TypeError):
        Text.coerce(3)  # type: ignore[arg-type]


def test_missing_translations_lists_designer_texts_only():
    definition = SurveyDefinition(
        title=Text("Survei"),
        sections=(
            Section(
                key="s",
                title=Text("Bagian", "Part"),
                questions=(
                    SkmElementQuestion.for_element("U1"),
                    SingleChoiceQuestion(
                        key="warna",
                        text=Text("Warna?", "Colour?"),
                        help="Pilih satu",
                        choices=[("a", Text("Merah", "Red")), ("b", "Biru")],
                    ),
                ),
            ),
        ),
    )
    found = missing_translations(definition)
    assert [(i.path, i.key) for i in found] == [
        ("title", None),
        ("sections[0].questions[1].help", "warna"),
        ("sections[0].questions[1].options[1].label", "warna"),
    ]
    assert all(i.severity == Severity.WARNING and i.code == "missing_translation" for i in found)
    assert found[0].message.get("en") == "The English translation is missing."


# --------------------------------------------------------------------------- validation


def test_valid_definition_has_no_issues():
    definition = survey(likert("a"), likert("b", condition=Condition.any(Rule.at_least("a", 4))))
    assert validate_definition(definition) == []
    assert assert_valid(definition) is definition


def test_empty_labels():
    definition = SurveyDefinition(
        title=Text(" "),
        sections=(
            Section(
                key="s",
                title=Text(""),
                questions=(
                    LikertQuestion(key="a", text=Text("  ", "Question")),
                    SingleChoiceQuestion(
                        key="b", text="Pilih", help="", choices=[("x", ""), ("y", "Y")]
                    ),
                ),
            ),
        ),
    )
    assert codes(definition) == [
        ("title", "empty_text"),
        ("sections[0].title", "empty_text"),
        ("sections[0].questions[0].text", "empty_text"),
        ("sections[0].questions[1].help", "empty_text"),
        ("sections[0].questions[1].options[0].label", "empty_text"),
    ]


def test_duplicate_and_invalid_keys():
    definition = SurveyDefinition(
        title="Survei",
        sections=(
            Section(key="s", questions=(likert("a"), likert("b"))),
            Section(key="s", questions=(likert("a"), likert("bad key"), likert("x__other"))),
        ),
    )
    found = validate_definition(definition)
    assert [(i.path, i.code) for i in found] == [
        ("sections[1].key", "duplicate_section_key"),
        ("sections[1].questions[0].key", "duplicate_key"),
        ("sections[1].questions[1].key", "invalid_key"),
        ("sections[1].questions[2].key", "invalid_key"),
    ]
    assert found[1].message.id == "Kunci 'a' sudah dipakai di sections[0].questions[0]."
    assert found[1].key == "a"
    with pytest.raises(DefinitionError) as caught:
        assert_valid(definition)
    assert len(caught.value.issues) == 4
    assert "duplicate" in str(caught.value) or "already used" in str(caught.value)


def test_options_missing_or_duplicated():
    definition = survey(
        SingleChoiceQuestion(key="a", text="A", choices=[("x", "X")]),
        MultipleChoiceQuestion(key="b", text="B", choices=[("x", "X"), ("x", "Y"), ("", "Z")]),
        SingleChoiceQuestion(
            key="c", text="C", choices=[("lainnya", "L"), ("y", "Y")], allow_other=True
        ),
        SingleChoiceQuestion(key="d", text="D", choices=[("x y", "X"), ("z", "Z")]),
        SingleChoiceQuestion(key="e", text="E", choices=[("x", "X"), ("y", "Y")], display="list"),
    )
    assert codes(definition) == [
        ("sections[0].questions[0].options", "too_few_options"),
        ("sections[0].questions[1].options[1].value", "duplicate_option"),
        ("sections[0].questions[1].options[2].value", "invalid_option_value"),
        ("sections[0].questions[2].options[0].value", "reserved_option_value"),
        ("sections[0].questions[3].options[0].value", "invalid_option_value"),
        ("sections[0].questions[4].display", "invalid_display"),
    ]


def test_min_above_max_and_bad_limits():
    definition = survey(
        NumberQuestion(key="a", text="A", min=10, max=5),
        DateQuestion(key="b", text="B", min=dt.date(2024, 2, 1), max=dt.date(2024, 1, 1)),
        MultipleChoiceQuestion(
            key="c", text="C", choices=[("x", "X"), ("y", "Y")], min_selected=2, max_selected=1
        ),
        ShortTextQuestion(key="d", text="D", max_length=0),
        LongTextQuestion(key="e", text="E", max_length=100_000),
        NumberQuestion(key="f", text="F", integer=False, decimal_places=0),
        LikertQuestion(key="g", text="G", labels=["1", "2", "3"]),
        MultipleChoiceQuestion(key="h", text="H", choices=[("x", "X"), ("y", "Y")], max_selected=3),
    )
    assert codes(definition) == [
        ("sections[0].questions[0].min", "min_above_max"),
        ("sections[0].questions[1].min", "min_above_max"),
        ("sections[0].questions[2].min_selected", "min_above_max"),
        ("sections[0].questions[3].max_length", "invalid_max_length"),
        ("sections[0].questions[4].max_length", "invalid_max_length"),
        ("sections[0].questions[5].decimal_places", "invalid_decimal_places"),
        ("sections[0].questions[6].labels", "wrong_label_count"),
        ("sections[0].questions[7].max_selected", "invalid_value"),
    ]


def test_unknown_type_and_bad_skm_key():
    @dataclass(frozen=True, kw_only=True)
    class Unregistered(ShortTextQuestion):
        type_name = "matrix"

    definition = survey(Unregistered(key="a", text="A"), SkmElementQuestion(key="U10", text="x"))
    assert codes(definition) == [
        ("sections[0].questions[0]", "unknown_type"),
        ("sections[0].questions[1].key", "invalid_skm_element"),
    ]


def test_no_questions_and_incomplete_skm():
    assert codes(survey()) == [("sections", "no_questions")]
    partial = survey(SkmElementQuestion.for_element("U1"), SkmElementQuestion.for_element("U2"))
    (issue,) = validate_definition(partial)
    assert issue.code == "skm_incomplete" and issue.severity == Severity.WARNING
    assert "U3, U4, U5, U6, U7, U8, U9" in issue.message.id
    assert assert_valid(partial) is partial  # a warning does not block


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (Rule.at_most("zzz", 2), "condition_unknown_key"),
        (Rule.at_most("later", 2), "condition_not_earlier"),
        (Rule.at_most("self", 2), "condition_not_earlier"),
        (Rule.at_most("scale", 6), "condition_impossible_value"),
        (Rule.at_least("scale", 0), "condition_impossible_value"),
        (Rule.equals("scale", "3"), "condition_impossible_value"),
        (Rule.any_of("scale", [1, 9]), "condition_impossible_value"),
        (Rule.at_most("scale", "2"), "condition_invalid_value"),
        (Rule("scale", "any_of", 2), "condition_invalid_value"),
        (Rule("scale", "equals", (1, 2)), "condition_invalid_value"),
        (Rule("scale", "between", 2), "condition_invalid_op"),
        (Rule.equals("choice", "ungu"), "condition_impossible_value"),
        (Rule.at_most("choice", 2), "condition_unsupported"),
        (Rule.equals("yesno", "yes"), "condition_impossible_value"),
        (Rule.equals("text", "x"), "condition_unsupported"),
        (Rule.equals("service", "ktp"), "condition_unsupported"),
    ],
)
def test_impossible_conditions(rule, code):
    definition = survey(
        likert("scale"),
        SingleChoiceQuestion(key="choice", text="C", choices=[("merah", "M"), ("biru", "B")]),
        YesNoQuestion(key="yesno", text="Y"),
        ShortTextQuestion(key="text", text="T"),
        ServiceQuestion(key="service", text="S"),
        likert("self", condition=Condition.all(rule)),
        likert("later"),
    )
    found = validate_definition(definition)
    assert [(i.path, i.code) for i in found][0][1] == code
    assert found[0].path.startswith("sections[0].questions[5].condition.rules[0]")
    assert found[0].key == "self"


def test_possible_conditions_pass():
    definition = survey(
        likert("scale"),
        MultipleChoiceQuestion(
            key="multi", text="M", choices=[("a", "A"), ("b", "B")], allow_other=True
        ),
        YesNoQuestion(key="yesno", text="Y"),
        likert(
            "follow",
            condition=Condition.all(
                Rule.any_of("scale", [1, 2]),
                Rule.equals("multi", "lainnya"),
                Rule.equals("yesno", "ya"),
                Rule.at_least("scale", 1),
            ),
        ),
    )
    assert validate_definition(definition) == []


def test_empty_condition_and_bad_mode():
    definition = survey(
        likert("a"),
        likert("b", condition=Condition(())),
        likert("c", condition=Condition((Rule.equals("a", 1),), "some")),
    )
    assert codes(definition) == [
        ("sections[0].questions[1].condition.rules", "condition_empty"),
        ("sections[0].questions[2].condition.mode", "condition_invalid_mode"),
    ]


def test_definition_lookup_helpers():
    definition = build_template("skm")
    assert definition.question("U3").key == "U3"
    assert definition.get("nope") is None
    assert "U9" in definition and "U10" not in definition
    with pytest.raises(KeyError):
        definition.question("nope")
    assert definition.section_of("U1").key == "unsur"
    assert list(definition.skm_elements) == [f"U{i}" for i in range(1, 10)]
    assert definition.keys[:2] == ("layanan", "U1")


# --------------------------------------------------------------------------- JSON


def every_type_definition() -> SurveyDefinition:
    """One question of every registered type, with non-default settings."""
    questions = [
        SkmElementQuestion.for_element("U1", help=Text("Bantuan", "Help")),
        LikertQuestion(key="likert", text="L", labels=[Text(str(i), f"E{i}") for i in range(5)]),
        QUESTION_TYPES["smiley"](key="smiley", text="S", required=False),
        QUESTION_TYPES["stars"](key="stars", text="S"),
        QUESTION_TYPES["nps"](key="nps", text="N"),
        YesNoQuestion(key="yesno", text="Y"),
        SingleChoiceQuestion(
            key="single",
            text="S",
            choices=[("a", Text("A", "A")), ("b", "B")],
            display="select",
            allow_other=True,
        ),
        MultipleChoiceQuestion(
            key="multi",
            text="M",
            choices=[("a", "A"), ("b", "B"), ("c", "C")],
            min_selected=1,
            max_selected=2,
            condition=Condition.any(Rule.at_most("U1", 2), Rule.any_of("single", ["a"])),
        ),
        ShortTextQuestion(key="short", text="S", max_length=50),
        LongTextQuestion(key="long", text="L"),
        NumberQuestion(
            key="number",
            text="N",
            integer=False,
            decimal_places=2,
            min=Decimal("0.5"),
            max=Decimal("1000"),
            unit=Text("km"),
        ),
        DateQuestion(key="date", text="D", min=dt.date(2024, 1, 1)),
        QUESTION_TYPES["gender"](key="gender", text="G"),
        QUESTION_TYPES["age_range"](key="age", text="A"),
        QUESTION_TYPES["education"](key="education", text="E"),
        QUESTION_TYPES["occupation"](key="occupation", text="O"),
        ServiceQuestion(key="service", text="S"),
    ]
    assert {q.type_name for q in questions} == set(QUESTION_TYPES)
    return SurveyDefinition(
        title=Text("Semua jenis", "Every type"),
        description=Text("Deskripsi"),
        sections=(
            Section(key="one", title=Text("Satu", "One"), questions=tuple(questions[:8])),
            Section(key="two", description=Text("Dua"), questions=tuple(questions[8:])),
        ),
    )


@pytest.mark.parametrize(
    "definition", [every_type_definition(), build_template("skm"), build_template("kiosk")]
)
def test_json_round_trip(definition):
    text = dumps(definition)
    assert loads(text) == definition
    assert dumps(loads(text)) == text  # stable: byte-identical
    data = json.loads(text)
    assert data["format"] == "feedback_app.survey"
    assert data["version"] == 1
    assert definition_from_json(data) == definition


def test_json_shape_is_documented_format():
    data = definition_to_json(build_template("skm"))
    assert list(data) == ["format", "version", "title", "description", "sections"]
    u1 = data["sections"][1]["questions"][0]
    assert u1 == {
        "type": "skm_element",
        "key": "U1",
        "text": {
            "id": "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan "
            "jenis pelayanannya?",
            "en": "How well do the service requirements match the type of service, in your "
            "opinion?",
        },
        "help": None,
        "required": True,
        "condition": None,
    }
    follow_up = data["sections"][2]["questions"][0]
    assert follow_up["condition"]["mode"] == "any"
    assert follow_up["condition"]["rules"][0] == {"key": "U1", "op": "at_most", "value": 2}
    number = definition_to_json(every_type_definition())["sections"][1]["questions"][2]
    assert (number["min"], number["max"]) == (0.5, 1000)
    assert "options" in definition_to_json(every_type_definition())["sections"][0]["questions"][6]


def import_issues(data) -> list[tuple[str, str]]:
    with pytest.raises(SurveyFormatError) as caught:
        definition_from_json(data)
    return [(issue.path, issue.code) for issue in caught.value.issues]


def base_json() -> dict:
    return definition_to_json(survey(likert("a"), ShortTextQuestion(key="b", text=Text("B", "B"))))


def test_bad_json_text():
    assert import_issues("{not json") == [("", "invalid_json")]
    assert import_issues(b"[1, 2]") == [("", "wrong_type")]
    assert import_issues("null") == [("", "wrong_type")]


def test_wrong_format_or_version():
    data = base_json()
    data["format"] = "surveyjs"
    assert import_issues(data) == [("format", "wrong_format")]
    data = base_json()
    data["version"] = 2
    assert import_issues(data) == [("version", "unsupported_version")]
    data["version"] = True
    assert import_issues(data) == [("version", "unsupported_version")]
    with pytest.raises(SurveyFormatError) as caught:
        definition_from_json({**base_json(), "version": 7})
    assert caught.value.issues[0].message.en == ("Format version 7 is not supported; supported: 1.")


def test_wrong_shapes_are_located():
    data = base_json()
    question = data["sections"][0]["questions"][0]
    question["required"] = "yes"
    question["text"] = "Plain string"
    question["colour"] = "red"
    data["sections"][0]["questions"][1]["max_length"] = "200"
    del data["sections"][0]["questions"][1]["key"]
    assert import_issues(data) == [
        ("sections[0].questions[0].colour", "unknown_field"),
        ("sections[0].questions[0].text", "wrong_type"),
        ("sections[0].questions[0].required", "wrong_type"),
        ("sections[0].questions[1]", "missing_field"),
        ("sections[0].questions[1].max_length", "wrong_type"),
    ]


def test_unknown_type_on_import():
    data = base_json()
    data["sections"][0]["questions"][0]["type"] = "matrix"
    with pytest.raises(SurveyFormatError) as caught:
        definition_from_json(data)
    (issue,) = caught.value.issues
    assert (issue.path, issue.code, issue.key) == (
        "sections[0].questions[0].type",
        "unknown_type",
        "a",
    )
    assert issue.message.get("en") == "Unknown question type 'matrix'."
    data["sections"][0]["questions"][0].pop("type")
    assert import_issues(data) == [("sections[0].questions[0]", "missing_field")]


def test_bad_members_everywhere():
    data = base_json()
    data["extra"] = 1
    data["title"] = {"id": "T", "fr": "T"}
    data["sections"][0]["questions"] = "not a list"
    assert import_issues(data) == [
        ("extra", "unknown_field"),
        ("title.fr", "unknown_field"),
        ("sections[0].questions", "wrong_type"),
    ]
    data = base_json()
    data["sections"] = [{"questions": []}, 5]
    assert import_issues(data) == [
        ("sections[0]", "missing_field"),
        ("sections[1]", "wrong_type"),
    ]


def test_bad_options_and_conditions_on_import():
    data = definition_to_json(every_type_definition())
    single = data["sections"][0]["questions"][6]
    single["options"][0] = {"value": 1, "label": {"id": "A"}}
    multi = data["sections"][0]["questions"][7]
    multi["condition"]["rules"][0]["op"] = "less_than"
    data["sections"][1]["questions"][2]["min"] = "NaN"
    data["sections"][1]["questions"][3]["min"] = "2024-02-30"
    assert import_issues(data) == [
        ("sections[0].questions[6].options[0].value", "wrong_type"),
        ("sections[0].questions[7].condition.rules[0].op", "condition_invalid_op"),
        ("sections[1].questions[2].min", "wrong_type"),
        ("sections[1].questions[3].min", "invalid_value"),
    ]
    data = definition_to_json(every_type_definition())
    data["sections"][0]["questions"][7]["condition"]["mode"] = "most"
    data["sections"][0]["questions"][7]["condition"]["rules"][1]["value"] = [1.5]
    assert import_issues(data) == [
        ("sections[0].questions[7].condition.mode", "condition_invalid_mode")
    ]


def test_import_validates_content_unless_asked_not_to():
    data = base_json()
    data["sections"][0]["questions"][1]["key"] = "a"
    assert import_issues(data) == [("sections[0].questions[1].key", "duplicate_key")]
    draft = definition_from_json(data, validate=False)
    assert draft.keys == ("a", "a")


def test_json_text_with_decimals_and_unicode():
    definition = survey(
        NumberQuestion(key="n", text="Jarak ≥ 0,5 km", integer=False, min=Decimal("0.1"))
    )
    text = dumps(definition)
    assert "Jarak ≥ 0,5 km" in text  # not \u-escaped
    assert loads(text).question("n").min == Decimal("0.1")
    mutated = copy.deepcopy(json.loads(text))
    mutated["sections"][0]["questions"][0]["min"] = 0.1  # a float from another JSON parser
    assert definition_from_json(mutated).question("n").min == Decimal("0.1")


def test_condition_json_any_of_list():
    definition = survey(likert("a"), likert("b", condition=Condition.any(Rule.any_of("a", [1, 2]))))
    data = definition_to_json(definition)
    assert data["sections"][0]["questions"][1]["condition"] == {
        "mode": "any",
        "rules": [{"key": "a", "op": "any_of", "value": [1, 2]}],
    }
    restored = definition_from_json(data)
    assert restored.question("b").condition == Condition((Rule("a", "any_of", (1, 2)),), Mode.ANY)
