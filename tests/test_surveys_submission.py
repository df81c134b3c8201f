"""Conditions and the server-side evaluation of a submission."""

from __future__ import annotations

import pytest

from surveys import (
    FormContext,
    SurveyDefinition,
    Text,
    build_template,
    evaluate_submission,
    service_option,
    visible_questions,
)
from surveys.conditions import Condition, Mode, Op, Rule
from surveys.questions import (
    LikertQuestion,
    LongTextQuestion,
    MultipleChoiceQuestion,
    ServiceQuestion,
    ShortTextQuestion,
    YesNoQuestion,
)
from surveys.skm import ELEMENT_KEYS

CONTEXT = FormContext(services=(service_option("ktp", "KTP elektronik"),))


class FakeMultiDict(dict):
    def getlist(self, name):
        value = self.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def __getitem__(self, name):
        value = super().__getitem__(name)
        return value[0] if isinstance(value, list) else value


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("rule", "answer", "expected"),
    [
        (Rule.equals("q", 2), 2, True),
        (Rule.equals("q", 2), 3, False),
        (Rule.at_most("q", 2), 1, True),
        (Rule.at_most("q", 2), 2, True),
        (Rule.at_most("q", 2), 3, False),
        (Rule.at_least("q", 4), 4, True),
        (Rule.at_least("q", 4), 3, False),
        (Rule.any_of("q", [1, 2]), 2, True),
        (Rule.any_of("q", [1, 2]), 4, False),
        (Rule.equals("q", "ya"), "ya", True),
        (Rule.equals("q", "ya"), "tidak", False),
        (Rule.any_of("q", ["a", "b"]), "b", True),
        (Rule.equals("q", "a"), ["a", "c"], True),  # multiple choice: ticked
        (Rule.equals("q", "b"), ["a", "c"], False),
        (Rule.any_of("q", ["b", "c"]), ["a", "c"], True),
        (Rule.any_of("q", ["b", "d"]), ["a", "c"], False),
        (Rule.at_most("q", 2), ["a"], False),
        (Rule.at_most("q", 2), None, False),  # unanswered
        (Rule.equals("q", 2), None, False),
        (Rule.at_most("q", 2), "1", False),  # a string is not a score
        (Rule.at_least("q", 1), True, False),
    ],
)
def test_rule_holds(rule, answer, expected):
    assert rule.holds(answer) is expected


def test_rule_normalises_op_and_list_values():
    rule = Rule("q", "any_of", [1, 2])
    assert rule.op is Op.ANY_OF
    assert rule.value == (1, 2)
    assert rule.values == (1, 2)
    assert Rule.equals("q", 1).values == (1,)
    assert hash(rule) == hash(Rule.any_of("q", (1, 2)))


def test_condition_any_and_all():
    any_low = Condition.any(*(Rule.at_most(k, 2) for k in ("U1", "U2", "U3")))
    assert any_low.mode == Mode.ANY
    assert any_low.keys == ("U1", "U2", "U3")
    assert any_low.evaluate({"U1": 3, "U2": 2, "U3": 4})
    assert not any_low.evaluate({"U1": 3, "U2": 3, "U3": 4})
    assert not any_low.evaluate({})
    both = Condition.all(Rule.at_least("U1", 3), Rule.equals("antre", "ya"))
    assert both.evaluate({"U1": 4, "antre": "ya"})
    assert not both.evaluate({"U1": 4, "antre": "tidak"})
    assert not both.evaluate({"U1": 4})
    assert not Condition(()).evaluate({"x": 1})
    assert not Condition((), Mode.ANY).evaluate({"x": 1})


def test_condition_description():
    condition = Condition.all(Rule.any_of("a", [1, 2]), Rule.at_least("b", 4))
    assert condition.describe().id == "Jika a salah satu dari 1, 2 dan b ≥ 4"
    assert condition.describe().en == "If a one of 1, 2 and b ≥ 4"


# --------------------------------------------------------------------------- evaluation


def skm_answers(scores, **extra):
    answers = {"layanan": "ktp"}
    answers.update({key: str(score) for key, score in zip(ELEMENT_KEYS, scores, strict=True)})
    answers.update(extra)
    return answers


def test_complete_skm_submission():
    survey = build_template("skm")
    raw = skm_answers(
        [3, 2, 2, 4, 4, 3, 2, 3, 4],
        perbaikan="Antrean terlalu lama.",
        saran="",
        jenis_kelamin="perempuan",
        umur="30_39",
    )
    result = evaluate_submission(survey, raw, context=CONTEXT)
    assert result.ok
    assert result.errors == {}
    assert result.unknown_keys == ()
    assert result.answers == {
        "layanan": "ktp",
        "U1": 3,
        "U2": 2,
        "U3": 2,
        "U4": 4,
        "U5": 4,
        "U6": 3,
        "U7": 2,
        "U8": 3,
        "U9": 4,
        "perbaikan": "Antrean terlalu lama.",
        "jenis_kelamin": "perempuan",
        "umur": "30_39",
    }
    assert "saran" in result.visible and "saran" not in result.answers


def test_errors_per_key_in_both_languages():
    survey = build_template("skm")
    raw = skm_answers([3, 3, 3, 3, 3, 3, 3, 3, 3], U4="5", umur="17")
    del raw["U9"]
    result = evaluate_submission(survey, raw, context=CONTEXT)
    assert not result.ok
    assert set(result.errors) == {"U4", "U9", "umur"}
    assert result.errors["U9"].code == "required"
    assert result.errors["U4"].code == "out_of_scale"
    assert result.error_texts("en")["U9"] == "This question is required."
    assert result.error_texts("id")["U9"] == "Pertanyaan ini wajib dijawab."
    assert "U4" not in result.answers and result.answers["U1"] == 3


def test_follow_up_required_only_when_visible():
    follow_up = LongTextQuestion(
        key="kenapa",
        text="Kenapa?",
        required=True,
        condition=Condition.any(Rule.at_most("puas", 2)),
    )
    survey = SurveyDefinition.single_section(
        "S", [LikertQuestion(key="puas", text="Puas?"), follow_up]
    )
    happy = evaluate_submission(survey, {"puas": "5"})
    assert happy.ok and happy.visible == ("puas",)
    unhappy = evaluate_submission(survey, {"puas": "1"})
    assert unhappy.visible == ("puas", "kenapa")
    assert unhappy.errors["kenapa"].code == "required"
    # a hidden question's answer is dropped, never stored
    sneaky = evaluate_submission(survey, {"puas": "5", "kenapa": "<script>x</script>"})
    assert sneaky.ok
    assert sneaky.answers == {"puas": 5}
    assert sneaky.dropped == ("kenapa",)


def test_follow_up_hidden_when_referenced_answer_is_invalid():
    survey = SurveyDefinition.single_section(
        "S",
        [
            LikertQuestion(key="puas", text="Puas?"),
            ShortTextQuestion(
                key="kenapa", text="Kenapa?", condition=Condition.any(Rule.at_most("puas", 2))
            ),
        ],
    )
    result = evaluate_submission(survey, {"puas": "0"})
    assert set(result.errors) == {"puas"}
    assert result.visible == ("puas",)


def test_chained_conditions_across_types():
    survey = SurveyDefinition.single_section(
        "S",
        [
            YesNoQuestion(key="antre", text="Mengantre?"),
            MultipleChoiceQuestion(
                key="masalah",
                text="Masalah?",
                choices=[("lama", "Lama"), ("panas", "Panas")],
                allow_other=True,
                condition=Condition.all(Rule.equals("antre", "ya")),
            ),
            ShortTextQuestion(
                key="detail",
                text="Detail?",
                condition=Condition.any(Rule.any_of("masalah", ["lama", "lainnya"])),
            ),
        ],
    )
    no_queue = evaluate_submission(survey, {"antre": "tidak"})
    assert no_queue.visible == ("antre",) and no_queue.ok
    queue = evaluate_submission(
        survey, FakeMultiDict(antre="ya", masalah=["panas"], masalah__other="Bising", detail="x")
    )
    assert queue.visible == ("antre", "masalah", "detail")
    assert queue.answers == {
        "antre": "ya",
        "masalah": ["panas", "lainnya"],
        "masalah__other": "Bising",
        "detail": "x",
    }
    assert queue.unknown_keys == ()
    assert visible_questions(survey, queue.answers) == survey.questions
    assert [q.key for q in visible_questions(survey, {"antre": "tidak"})] == ["antre"]


def test_unknown_keys_are_reported_not_stored():
    survey = build_template("kiosk")
    raw = {"kepuasan": "5", "kecepatan": "4", "keramahan": "5", "csrf_token": "t", "nik": "3201"}
    result = evaluate_submission(survey, raw, ignore={"csrf_token"})
    assert result.ok
    assert result.unknown_keys == ("nik",)
    assert "nik" not in result.answers
    assert evaluate_submission(survey, raw).unknown_keys == ("csrf_token", "nik")


def test_service_question_hidden_without_services():
    survey = SurveyDefinition.single_section(
        "S", [ServiceQuestion(key="layanan", text="Layanan"), LikertQuestion(key="q", text="Q")]
    )
    without = evaluate_submission(survey, {"q": "4"})
    assert without.ok and without.visible == ("q",)
    with_services = evaluate_submission(survey, {"q": "4"}, context=CONTEXT)
    assert with_services.errors["layanan"].code == "required"
    chosen = evaluate_submission(survey, {"q": "4", "layanan": "ktp"}, context=CONTEXT)
    assert chosen.ok and chosen.answers == {"layanan": "ktp", "q": 4}


def test_skm_follow_up_for_each_low_element():
    survey = build_template("skm")
    for key in ELEMENT_KEYS:
        for score, shown in ((1, True), (2, True), (3, False), (4, False)):
            scores = [4] * 9
            scores[ELEMENT_KEYS.index(key)] = score
            result = evaluate_submission(survey, skm_answers(scores), context=CONTEXT)
            assert ("perbaikan" in result.visible) is shown, (key, score)


def test_multidict_values_for_a_scalar_question_are_an_error():
    survey = build_template("kiosk")
    result = evaluate_submission(
        survey, FakeMultiDict(kepuasan=["5", "1"], kecepatan="4", keramahan="5")
    )
    assert result.errors["kepuasan"].code == "multiple_values"


def test_text_answers_in_english_pick_english_messages():
    survey = SurveyDefinition.single_section(
        Text("S", "S"), [ShortTextQuestion(key="t", text="T", max_length=3)]
    )
    result = evaluate_submission(survey, {"t": "abcd"})
    assert result.error_texts("en") == {
        "t": "The answer is too long: at most 3 characters (now 4)."
    }
