"""Built-in templates: the SKM elements exactly as PermenPANRB 14/2017 (DESIGN.md §2)."""

from __future__ import annotations

import pytest

from surveys import (
    FormContext,
    build_template,
    evaluate_submission,
    missing_translations,
    service_option,
    validate_definition,
)
from surveys.conditions import Mode, Op
from surveys.questions import (
    LikertQuestion,
    LongTextQuestion,
    ServiceQuestion,
    SkmElementQuestion,
    SmileyQuestion,
)
from surveys.skm import ELEMENT_KEYS, ELEMENTS
from surveys.templates import TEMPLATES, skm_template

# The table of DESIGN.md section 2, verbatim.
DESIGN_TABLE = {
    "U1": (
        "Persyaratan",
        ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    ),
    "U2": (
        "Sistem, mekanisme, dan prosedur",
        ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
    ),
    "U3": (
        "Waktu penyelesaian",
        ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
    ),
    "U4": ("Biaya/tarif", ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]),
    "U5": (
        "Produk spesifikasi jenis pelayanan",
        ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    ),
    "U6": (
        "Kompetensi pelaksana",
        ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
    ),
    "U7": (
        "Perilaku pelaksana (kesopanan dan keramahan)",
        [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
    ),
    "U8": (
        "Penanganan pengaduan, saran dan masukan",
        [
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ],
    ),
    "U9": ("Sarana dan prasarana", ["Buruk", "Cukup", "Baik", "Sangat baik"]),
}

CONTEXT = FormContext(services=(service_option("ktp", "KTP elektronik"),))


def test_element_table_matches_design():
    assert tuple(f"U{i}" for i in range(1, 10)) == ELEMENT_KEYS
    assert [e.slug for e in ELEMENTS] == [
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "produk",
        "kompetensi",
        "perilaku",
        "pengaduan",
        "sarana",
    ]
    for element in ELEMENTS:
        name, labels = DESIGN_TABLE[element.key]
        assert element.name.id == name
        assert [label.id for label in element.options] == labels
        assert all(label.en for label in element.options)
        assert element.question.id.startswith("Bagaimana pendapat Saudara tentang ")
        assert element.question.id.endswith("?") and element.question.en.endswith("?")


def test_skm_template_asks_the_nine_elements_by_key_with_official_options():
    survey = build_template("skm")
    assert survey.is_skm
    elements = [q for q in survey.questions if isinstance(q, SkmElementQuestion)]
    assert [q.key for q in elements] == list(ELEMENT_KEYS)
    for question in elements:
        _, labels = DESIGN_TABLE[question.key]
        options = question.render().options
        assert [o.value for o in options] == [1, 2, 3, 4]
        assert [o.label.id for o in options] == labels
        assert question.required
    assert survey.question("U1").text.id == (
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?"
    )


def test_skm_template_has_service_follow_up_comment_and_profile():
    survey = build_template("skm")
    assert isinstance(survey.question("layanan"), ServiceQuestion)
    follow_up = survey.question("perbaikan")
    assert isinstance(follow_up, LongTextQuestion)
    assert follow_up.text.id == "Apa yang perlu kami perbaiki?"
    assert not follow_up.required
    assert follow_up.condition.mode == Mode.ANY
    assert {(r.key, r.op, r.value) for r in follow_up.condition.rules} == {
        (key, Op.AT_MOST, 2) for key in ELEMENT_KEYS
    }
    comment = survey.question("saran")
    assert comment.text.id == "Saran dan masukan" and not comment.required
    assert comment.condition is None
    profile = {q.key: q.type_name for q in survey.sections[-1].questions}
    assert profile == {
        "jenis_kelamin": "gender",
        "umur": "age_range",
        "pendidikan": "education",
        "pekerjaan": "occupation",
    }
    without_profile = skm_template(respondent_data=False)
    assert "jenis_kelamin" not in without_profile


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_are_valid_and_fully_translated(name):
    survey = build_template(name)
    assert validate_definition(survey) == []
    assert missing_translations(survey) == []
    assert build_template(name) == survey  # deterministic
    assert not TEMPLATES[name].title.missing_translation


def test_skm_follow_up_is_asked_only_after_a_low_element():
    survey = build_template("skm")
    good = {"layanan": "ktp", **{key: "3" for key in ELEMENT_KEYS}, "perbaikan": "ignored"}
    result = evaluate_submission(survey, good, context=CONTEXT)
    assert result.ok
    assert "perbaikan" not in result.visible
    assert "perbaikan" not in result.answers
    assert result.dropped == ("perbaikan",)

    low = {**good, "U7": "2", "perbaikan": "Petugas kurang ramah."}
    result = evaluate_submission(survey, low, context=CONTEXT)
    assert result.ok
    assert "perbaikan" in result.visible
    assert result.answers["perbaikan"] == "Petugas kurang ramah."
    assert result.answers["U7"] == 2


def test_kiosk_template():
    survey = build_template("kiosk")
    assert len(survey.questions) == 3
    assert all(isinstance(q, SmileyQuestion) and q.required for q in survey.questions)
    assert survey.keys == ("kepuasan", "kecepatan", "keramahan")


def test_service_orientation_template():
    survey = build_template("berorientasi_pelayanan")
    statements = [q for q in survey.questions if isinstance(q, LikertQuestion)]
    assert len(statements) == 5
    assert all(q.key.startswith("bp_") for q in survey.questions)
    assert not survey.question("bp_saran").required


def test_unknown_template():
    with pytest.raises(KeyError):
        build_template("skm2004")
