"""Question types: validation of raw form values, scoring, rendering hints, export formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from surveys.errors import AnswerError
from surveys.i18n import Text
from surveys.questions import (
    QUESTION_TYPES,
    AgeRangeQuestion,
    DateQuestion,
    EducationQuestion,
    FormContext,
    GenderQuestion,
    LikertQuestion,
    LongTextQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    NumberQuestion,
    OccupationQuestion,
    Option,
    ServiceQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
    SkmElementQuestion,
    SmileyQuestion,
    StarsQuestion,
    Widget,
    YesNoQuestion,
    question_class,
    service_option,
)

SCRIPT = '<script>alert("x")</script>'


def error_code(question, raw, context=None) -> str:
    with pytest.raises(AnswerError) as caught:
        question.clean(raw, context)
    return caught.value.code


class FakeMultiDict(dict):
    """The part of Werkzeug's MultiDict the package relies on (getlist)."""

    def getlist(self, name):
        value = self.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


def test_registry_maps_every_type_name_to_its_class():
    assert set(QUESTION_TYPES) == {
        "skm_element",
        "likert",
        "smiley",
        "stars",
        "nps",
        "yes_no",
        "single_choice",
        "multiple_choice",
        "short_text",
        "long_text",
        "number",
        "date",
        "gender",
        "age_range",
        "education",
        "occupation",
        "service",
    }
    for name, cls in QUESTION_TYPES.items():
        assert cls.type_name == name
        assert question_class(name) is cls
        assert not cls.type_label.is_blank and not cls.type_label.missing_translation
    with pytest.raises(KeyError):
        question_class("matrix")


# --------------------------------------------------------------------------- scales


@pytest.mark.parametrize(
    ("question", "low", "high"),
    [
        (SkmElementQuestion.for_element("U1"), 1, 4),
        (LikertQuestion(key="q", text="Setuju?"), 1, 5),
        (SmileyQuestion(key="q", text="Puas?"), 1, 5),
        (StarsQuestion(key="q", text="Bintang?"), 1, 5),
        (NpsQuestion(key="q", text="Rekomendasi?"), 0, 10),
    ],
)
def test_scale_accepts_every_point_and_refuses_everything_else(question, low, high):
    for value in range(low, high + 1):
        assert question.clean(str(value)) == value
        assert question.clean([str(value)]) == value  # MultiDict-style list of one
        assert question.clean(f"  {value} ") == value
        assert question.clean(value) == value  # JSON API callers
        assert question.score(value) == value
    assert question.scale == (low, high)
    for bad in (str(low - 1), str(high + 1), "abc", "2.5", "-1", "1e1", "٣", "0x3", "3 4"):
        assert error_code(question, bad) == "out_of_scale", bad
    assert error_code(question, ["2", "3"]) == "multiple_values"
    assert error_code(question, {"value": "3"}) == "invalid_type"
    assert error_code(question, 2.0) == "invalid_type"
    assert error_code(question, True) == "invalid_type"
    assert error_code(question, None) == "required"
    assert error_code(question, "   ") == "required"
    assert error_code(question, []) == "required"
    assert error_code(question, SCRIPT) == "out_of_scale"


def test_optional_scale_unanswered_is_none():
    question = LikertQuestion(key="q", text="Setuju?", required=False)
    assert question.clean(None) is None
    assert question.clean("") is None
    assert question.clean_submission({}) == {}


def test_error_messages_are_bilingual():
    question = SkmElementQuestion.for_element("U3")
    with pytest.raises(AnswerError) as caught:
        question.clean("9")
    msg = caught.value.message
    assert msg.code == "out_of_scale"
    assert msg.get("id") == "Pilih salah satu nilai dari 1 sampai 4."
    assert msg.get("en") == "Choose one value from 1 to 4."
    assert msg.get("en-GB") == msg.en
    assert str(msg) == msg.id


def test_csat_counts_the_top_two_options():
    skm = SkmElementQuestion.for_element("U1")
    assert [skm.is_satisfied(v) for v in (1, 2, 3, 4)] == [False, False, True, True]
    likert = LikertQuestion(key="q", text="x")
    assert [likert.is_satisfied(v) for v in range(1, 6)] == [False, False, False, True, True]
    nps = NpsQuestion(key="q", text="x")
    assert nps.is_satisfied(10) is None
    assert skm.is_satisfied(None) is None
    assert skm.score(7) is None and skm.score("3") is None


def test_nps_groups():
    assert [NpsQuestion.group(v) for v in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]


def test_skm_element_options_are_official_and_fixed():
    question = SkmElementQuestion.for_element("U4")
    options = question.options()
    assert [o.value for o in options] == [1, 2, 3, 4]
    assert [o.form_value for o in options] == ["1", "2", "3", "4"]
    assert [o.label.id for o in options] == ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]
    hints = question.render()
    assert hints.widget == Widget.RADIO
    assert hints.name == "U4" and hints.required
    assert hints.options == options
    assert question.format_value(4) == "Gratis"
    assert question.format_value(1, "en") == "Very expensive"
    assert question.value_labels("id") == {
        1: "Sangat mahal",
        2: "Cukup mahal",
        3: "Murah",
        4: "Gratis",
    }


def test_smiley_has_faces_and_screen_reader_labels():
    options = SmileyQuestion(key="k", text="Puas?").render().options
    assert [o.value for o in options] == [1, 2, 3, 4, 5]
    assert all(o.face for o in options)
    assert len({o.face for o in options}) == 5
    assert [o.label.id for o in options] == [
        "Sangat tidak puas",
        "Tidak puas",
        "Biasa saja",
        "Puas",
        "Sangat puas",
    ]
    assert options[4].label.get("en") == "Very satisfied"


def test_stars_and_nps_rendering():
    stars = StarsQuestion(key="s", text="x").render()
    assert stars.options[2].face == "★★★"
    assert stars.options[2].label.get("en") == "3 out of 5 stars"
    nps = NpsQuestion(key="n", text="x").render()
    assert [o.value for o in nps.options] == list(range(11))
    assert (nps.min, nps.max) == (0, 10)
    assert nps.low_label.id == "Sangat tidak mungkin"
    assert nps.high_label.get("en") == "Extremely likely"


def test_likert_custom_labels():
    labels = [Text(str(i), f"L{i}") for i in range(1, 6)]
    question = LikertQuestion(key="q", text="x", labels=labels)
    assert question.labels == tuple(labels)
    assert question.format_value(5, "en") == "L5"
    default = LikertQuestion(key="q", text="x")
    assert default.format_value(1) == "Sangat tidak setuju"
    assert default.format_value(5, "en") == "Strongly agree"


# --------------------------------------------------------------------------- choices


def colour_question(**kwargs) -> SingleChoiceQuestion:
    return SingleChoiceQuestion(
        key="warna",
        text="Warna?",
        choices=[("merah", Text("Merah", "Red")), ("biru", Text("Biru", "Blue"))],
        **kwargs,
    )


def test_single_choice():
    question = colour_question()
    assert question.clean("biru") == "biru"
    assert question.clean(["merah"]) == "merah"
    assert error_code(question, "hijau") == "invalid_choice"
    assert error_code(question, "Merah") == "invalid_choice"  # labels are not values
    assert error_code(question, ["merah", "biru"]) == "multiple_values"
    assert error_code(question, SCRIPT) == "invalid_choice"
    assert error_code(question, None) == "required"
    assert question.format_value("biru", "en") == "Blue"
    assert question.format_value("hilang") == "hilang"  # e.g. an option since removed
    assert question.render().widget == Widget.RADIO
    assert colour_question(display="select").render().widget == Widget.SELECT


def test_single_choice_with_other():
    question = colour_question(allow_other=True)
    assert [o.value for o in question.options()] == ["merah", "biru", "lainnya"]
    assert question.field_names() == ("warna", "warna__other")
    assert question.clean_submission({"warna": "lainnya", "warna__other": " ungu "}) == {
        "warna": "lainnya",
        "warna__other": "ungu",
    }
    # text typed without ticking "Lainnya" ticks it
    assert question.clean_submission({"warna__other": "ungu"}) == {
        "warna": "lainnya",
        "warna__other": "ungu",
    }
    # text with another option picked is ignored
    assert question.clean_submission({"warna": "biru", "warna__other": "ungu"}) == {"warna": "biru"}
    with pytest.raises(AnswerError) as caught:
        question.clean_submission({"warna": "lainnya", "warna__other": "  "})
    assert caught.value.code == "other_required"
    with pytest.raises(AnswerError) as caught:
        question.clean_submission({"warna": "lainnya", "warna__other": "x" * 201})
    assert caught.value.code == "too_long"
    hints = question.render()
    assert hints.other.name == "warna__other"
    assert hints.other.max_length == 200


def test_multiple_choice():
    question = MultipleChoiceQuestion(
        key="kanal",
        text="Dari mana Saudara tahu layanan ini?",
        choices=[("teman", "Teman"), ("web", "Situs web"), ("medsos", "Media sosial")],
    )
    assert question.clean(["medsos", "teman"]) == ["teman", "medsos"]  # option order
    assert question.clean(["web", "web"]) == ["web"]
    assert question.clean("web") == ["web"]
    assert question.clean(["", "web"]) == ["web"]
    assert error_code(question, ["web", "tv"]) == "invalid_choice"
    assert error_code(question, []) == "required"
    assert error_code(question, [["web"]]) == "invalid_type"
    assert error_code(question, [SCRIPT]) == "invalid_choice"
    assert question.format_value(["teman", "medsos"]) == "Teman; Media sosial"
    hints = question.render()
    assert hints.widget == Widget.CHECKBOX and hints.multiple
    with_multidict = question.clean_submission(FakeMultiDict(kanal=["web", "teman"]))
    assert with_multidict == {"kanal": ["teman", "web"]}


def test_multiple_choice_limits_and_other():
    question = MultipleChoiceQuestion(
        key="kanal",
        text="x",
        choices=[("a", "A"), ("b", "B"), ("c", "C")],
        min_selected=2,
        max_selected=2,
        allow_other=True,
        required=False,
    )
    assert question.clean_submission({}) == {}
    assert error_code(question, ["a"]) == "too_few_choices"
    assert error_code(question, ["a", "b", "c"]) == "too_many_choices"
    assert question.clean_submission({"kanal": ["a"], "kanal__other": "radio"}) == {
        "kanal": ["a", "lainnya"],
        "kanal__other": "radio",
    }
    with pytest.raises(AnswerError) as caught:
        question.clean_submission({"kanal": ["a", "lainnya"]})
    assert caught.value.code == "other_required"


def test_yes_no():
    question = YesNoQuestion(key="antre", text="Apakah Saudara mengantre?")
    assert question.clean("ya") == "ya"
    assert question.clean("tidak") == "tidak"
    assert error_code(question, "yes") == "invalid_choice"
    assert error_code(question, "1") == "invalid_choice"
    assert question.format_value("ya", "en") == "Yes"
    assert question.value_labels() == {"ya": "Ya", "tidak": "Tidak"}


def test_respondent_blocks_have_fixed_options():
    gender = GenderQuestion(key="g", text="Jenis kelamin")
    assert [o.label.id for o in gender.options()] == ["Laki-laki", "Perempuan"]
    assert gender.clean("perempuan") == "perempuan"
    education = EducationQuestion(key="e", text="Pendidikan")
    assert [o.label.id for o in education.options()] == [
        "SD ke bawah",
        "SMP/SLTP",
        "SMA/SLTA",
        "D1–D3",
        "D4/S1",
        "S2",
        "S3",
    ]
    occupation = OccupationQuestion(key="o", text="Pekerjaan")
    assert [o.value for o in occupation.options()] == [
        "pns",
        "tni",
        "polri",
        "swasta",
        "wirausaha",
        "pelajar_mahasiswa",
        "lainnya",
    ]
    assert occupation.field_names() == ("o",)  # no free text for "lainnya" here
    age = AgeRangeQuestion(key="a", text="Umur")
    assert [o.value for o in age.options()] == ["lt20", "20_29", "30_39", "40_49", "50_59", "ge60"]
    assert age.format_value("ge60") == "60 tahun ke atas"
    assert error_code(age, "45") == "invalid_choice"


def test_service_question_takes_its_options_from_the_context():
    question = ServiceQuestion(key="layanan", text="Jenis layanan")
    context = FormContext(
        services=[
            service_option("ktp", "KTP elektronik", "Electronic ID card"),
            service_option(7, "KK"),
        ]
    )
    assert question.is_applicable(context)
    assert not question.is_applicable(None)
    assert not question.is_applicable(FormContext())
    assert question.clean("ktp", context) == "ktp"
    assert question.clean("7", context) == "7"
    assert error_code(question, "akta", context) == "invalid_choice"
    assert error_code(question, "ktp") == "not_offered"
    assert question.format_value("ktp", "en", context) == "Electronic ID card"
    assert question.format_value("7", "en", context) == "KK"  # no English: Indonesian
    assert question.format_value("ktp") == "ktp"  # no context: the stored code
    hints = question.render(context)
    assert hints.widget == Widget.SELECT
    assert [o.value for o in hints.options] == ["ktp", "7"]


# --------------------------------------------------------------------------- inputs


def test_short_text():
    question = ShortTextQuestion(key="nama_loket", text="Loket")
    assert question.clean("  Loket   2\n\tutara ") == "Loket 2 utara"
    assert question.clean(SCRIPT) == SCRIPT  # stored verbatim, escaped only when shown
    assert question.clean("x" * 200) == "x" * 200
    assert error_code(question, "x" * 201) == "too_long"
    assert error_code(question, ["a", "b"]) == "multiple_values"
    assert error_code(question, "\ud800") == "invalid_text"
    assert question.clean("a\x00b\x1bc") == "abc"
    assert question.clean("cafe\u0301") == "caf\u00e9"  # NFC
    assert error_code(question, "") == "required"
    assert ShortTextQuestion(key="k", text="x", max_length=5).render().max_length == 5
    with pytest.raises(AnswerError) as caught:
        question.clean("x" * 201)
    assert (
        caught.value.message.get("en")
        == "The answer is too long: at most 200 characters (now 201)."
    )


def test_long_text_keeps_lines():
    question = LongTextQuestion(key="saran", text="Saran", required=False)
    assert question.max_length == 2000
    assert question.clean("baris 1  \r\nbaris 2\r\n\r\n") == "baris 1\nbaris 2"
    assert question.clean("x" * 2000) == "x" * 2000
    assert error_code(question, "x" * 2001) == "too_long"
    assert question.clean(f"<b>{SCRIPT}</b>") == f"<b>{SCRIPT}</b>"
    assert question.render().widget == Widget.TEXTAREA
    assert question.clean(None) is None


def test_number_integer():
    question = NumberQuestion(key="menit", text="Berapa menit?", min=0, max=600, unit="menit")
    assert question.clean("15") == 15
    assert question.clean("+15") == 15
    assert question.clean("15,0") == 15
    assert question.clean(15) == 15
    assert isinstance(question.clean("0"), int)
    assert error_code(question, "2,5") == "not_an_integer"
    assert error_code(question, "-1") == "below_min"
    assert error_code(question, "601") == "above_max"
    for bad in ("abc", "1.000.000", "1e3", "NaN", "inf", "1 000", "١٢", SCRIPT, "--1", "0x10"):
        assert error_code(question, bad) == "not_a_number", bad
    assert error_code(question, ["1", "2"]) == "multiple_values"
    hints = question.render()
    assert (hints.min, hints.max, hints.step, hints.input_mode) == ("0", "600", "1", "numeric")
    assert hints.unit == Text("menit")
    with pytest.raises(AnswerError) as caught:
        question.clean("601")
    assert caught.value.message.id == "Nilai paling besar adalah 600."


def test_number_decimal():
    question = NumberQuestion(
        key="jarak", text="Jarak (km)", integer=False, decimal_places=1, min=Decimal("0.5")
    )
    assert question.clean("2,5") == 2.5
    assert question.clean("2.5") == 2.5
    assert question.clean("3") == 3.0
    assert question.clean("2.50") == 2.5  # trailing zeros are not extra precision
    assert error_code(question, "2.55") == "too_many_decimals"
    assert error_code(question, "0.4") == "below_min"
    assert question.render().step == "0.1"
    assert question.render().input_mode == "decimal"


def test_date():
    question = DateQuestion(
        key="tanggal", text="Tanggal kunjungan", min=dt.date(2024, 1, 1), max="2024-12-31"
    )
    assert question.max == dt.date(2024, 12, 31)
    assert question.clean("2024-02-29") == "2024-02-29"
    assert error_code(question, "2023-02-29") == "invalid_date"
    assert error_code(question, "2024-13-01") == "invalid_date"
    assert error_code(question, "29/02/2024") == "invalid_date"
    assert error_code(question, "20240229") == "invalid_date"
    assert error_code(question, "2023-12-31") == "date_too_early"
    assert error_code(question, "2025-01-01") == "date_too_late"
    assert error_code(question, ["2024-01-01", "2024-01-02"]) == "multiple_values"
    hints = question.render()
    assert (hints.widget, hints.min, hints.max) == (Widget.DATE, "2024-01-01", "2024-12-31")
    open_ended = DateQuestion(key="d", text="x", required=False)
    assert open_ended.clean("1999-12-31") == "1999-12-31"
    assert open_ended.clean("") is None


def test_render_hints_carry_text_help_and_condition():
    from surveys.conditions import Condition, Rule

    question = LongTextQuestion(
        key="perbaikan",
        text=Text("Apa yang perlu kami perbaiki?", "What should we improve?"),
        help="Opsional",
        required=False,
        condition=Condition.any(Rule.at_most("U1", 2), Rule.at_most("U2", 2)),
    )
    hints = question.render()
    assert hints.text.get("en") == "What should we improve?"
    assert hints.help.get("en") == "Opsional"  # falls back to Indonesian
    assert hints.required is False
    assert hints.condition_text.id == "Jika U1 ≤ 2 atau U2 ≤ 2"
    assert hints.condition_text.en == "If U1 ≤ 2 or U2 ≤ 2"


def test_option_coercion_and_json():
    option = Option("a", "A")
    assert option.label == Text("A")
    assert option.to_json() == {"value": "a", "label": {"id": "A", "en": None}}


def test_questions_are_immutable_and_hashable():
    question = colour_question()
    with pytest.raises(AttributeError):
        question.key = "other"  # type: ignore[misc]
    assert hash(question) == hash(colour_question())
    assert question == colour_question()


def test_cached_hints_never_mix_run_time_options():
    question = ServiceQuestion(key="layanan", text="Jenis layanan")
    first = FormContext(services=[service_option("ktp", "KTP")])
    second = FormContext(services=[service_option("kk", "KK"), service_option("akta", "Akta")])
    assert [o.value for o in question.render(first).options] == ["ktp"]
    assert [o.value for o in question.render(second).options] == ["kk", "akta"]
    assert question.clean("kk", second) == "kk"
    assert error_code(question, "kk", first) == "invalid_choice"
    # cached labels are not shared with callers
    skm = SkmElementQuestion.for_element("U9")
    skm.value_labels()[1] = "changed"
    assert skm.format_value(1) == "Buruk"
    assert skm.render() is skm.render()
