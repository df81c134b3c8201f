"""Differences between versions and the rule that a key keeps its type and scale."""

from __future__ import annotations

from dataclasses import replace

from surveys import (
    ChangeKind,
    Section,
    SurveyDefinition,
    Text,
    build_template,
    diff_definitions,
    version_violations,
)
from surveys.conditions import Condition, Rule
from surveys.diff import OptionChanges
from surveys.questions import (
    LikertQuestion,
    MultipleChoiceQuestion,
    NpsQuestion,
    NumberQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
    SmileyQuestion,
)


def likert(key: str, text: str | None = None, **kwargs) -> LikertQuestion:
    return LikertQuestion(key=key, text=Text(text or f"Pertanyaan {key}"), **kwargs)


def one_section(*questions, key="main") -> SurveyDefinition:
    return SurveyDefinition(title=Text("Survei"), sections=(Section(key=key, questions=questions),))


def kinds(changes) -> list[tuple[ChangeKind, str | None]]:
    return [(change.kind, change.key) for change in changes]


def test_identical_definitions_have_no_diff():
    assert diff_definitions(build_template("skm"), build_template("skm")) == []


def test_added_removed_and_text_changes():
    old = one_section(likert("a"), likert("b"), likert("c"))
    new = one_section(likert("a", "Baru"), likert("c"), likert("d"))
    changes = diff_definitions(old, new)
    assert kinds(changes) == [
        (ChangeKind.QUESTION_REMOVED, "b"),
        (ChangeKind.TEXT_CHANGED, "a"),
        (ChangeKind.QUESTION_ADDED, "d"),
    ]
    text_change = changes[1]
    assert text_change.old == Text("Pertanyaan a") and text_change.new == Text("Baru")
    assert text_change.summary.get("en") == "Question a: text changed"
    assert text_change.summary.get("id") == "Teks pertanyaan a diubah"


def test_insertion_does_not_mark_everything_as_moved():
    old = one_section(likert("a"), likert("b"), likert("c"), likert("d"))
    inserted = one_section(likert("x"), likert("a"), likert("b"), likert("c"), likert("d"))
    assert kinds(diff_definitions(old, inserted)) == [(ChangeKind.QUESTION_ADDED, "x")]
    moved = one_section(likert("a"), likert("c"), likert("d"), likert("b"))
    changes = diff_definitions(old, moved)
    assert kinds(changes) == [(ChangeKind.MOVED, "b")]
    assert changes[0].old == ("main", 1) and changes[0].new == ("main", 3)


def test_move_between_sections():
    old = SurveyDefinition(
        title="S",
        sections=(
            Section(key="satu", questions=(likert("a"), likert("b"))),
            Section(key="dua", questions=(likert("c"),)),
        ),
    )
    new = SurveyDefinition(
        title="S",
        sections=(
            Section(key="satu", questions=(likert("a"),)),
            Section(key="dua", title=Text("Dua", "Two"), questions=(likert("b"), likert("c"))),
        ),
    )
    assert kinds(diff_definitions(old, new)) == [
        (ChangeKind.SECTION_CHANGED, "dua"),
        (ChangeKind.MOVED, "b"),
    ]


def test_option_changes():
    old = one_section(
        SingleChoiceQuestion(key="s", text="S", choices=[("a", "A"), ("b", "B"), ("c", "C")])
    )
    new = one_section(
        SingleChoiceQuestion(
            key="s", text="S", choices=[("b", "Bee"), ("a", "A"), ("d", "D")], display="select"
        )
    )
    changes = diff_definitions(old, new)
    assert kinds(changes) == [
        (ChangeKind.OPTIONS_CHANGED, "s"),
        (ChangeKind.SETTINGS_CHANGED, "s"),
    ]
    assert changes[0].new == OptionChanges(
        added=("d",), removed=("c",), relabelled=("b",), reordered=True
    )
    assert changes[0].summary.en == (
        "Question s: options changed (added: d; removed: c; relabelled: b; reordered)"
    )
    assert changes[1].summary.en == "Question s: settings changed: display"


def test_required_help_condition_and_type_changes():
    old = one_section(likert("a"), likert("b"), ShortTextQuestion(key="c", text="C"))
    new = one_section(
        likert("a", required=False, help="Bantuan"),
        likert("b", condition=Condition.any(Rule.at_most("a", 2))),
        LikertQuestion(key="c", text="C"),
    )
    changes = diff_definitions(old, new)
    assert kinds(changes) == [
        (ChangeKind.HELP_CHANGED, "a"),
        (ChangeKind.REQUIRED_CHANGED, "a"),
        (ChangeKind.CONDITION_CHANGED, "b"),
        (ChangeKind.TYPE_CHANGED, "c"),
        (ChangeKind.OPTIONS_CHANGED, "c"),
    ]
    assert changes[1].summary.en == "Question a is now optional"


def test_survey_and_section_texts():
    old = build_template("skm")
    new = replace(
        old,
        title=Text("SKM 2025", "SKM 2025"),
        description=None,
        sections=old.sections[:-1] + (Section(key="profil", questions=old.sections[-1].questions),),
    )
    assert kinds(diff_definitions(old, new)) == [
        (ChangeKind.TITLE_CHANGED, None),
        (ChangeKind.DESCRIPTION_CHANGED, None),
        (ChangeKind.SECTION_REMOVED, "responden"),
        (ChangeKind.SECTION_ADDED, "profil"),
        (ChangeKind.MOVED, "jenis_kelamin"),
        (ChangeKind.MOVED, "umur"),
        (ChangeKind.MOVED, "pendidikan"),
        (ChangeKind.MOVED, "pekerjaan"),
    ]


# --------------------------------------------------------------------------- version rule


def test_allowed_changes_pass_the_version_rule():
    published = build_template("skm")
    draft = replace(published, title=Text("SKM 2025"))
    assert version_violations(published, draft) == []
    reworded = one_section(likert("a", "Baru", required=False), likert("b"))
    assert version_violations(one_section(likert("a")), reworded) == []


def test_type_change_under_the_same_key_is_refused():
    published = one_section(likert("kepuasan"), ShortTextQuestion(key="nama", text="N"))
    draft = one_section(SmileyQuestion(key="kepuasan", text="Puas?"), likert("baru"))
    (issue,) = version_violations(published, draft)
    assert issue.code == "type_changed"
    assert issue.key == "kepuasan"
    assert issue.path == "sections[0].questions[0].type"
    assert "likert" in issue.message.en and "smiley" in issue.message.en
    assert "kunci lain" in issue.message.id
    # with a new key it is fine
    renamed = one_section(SmileyQuestion(key="kepuasan_wajah", text="Puas?"))
    assert version_violations(published, renamed) == []


def test_scale_change_under_the_same_key_is_refused():
    published = one_section(NumberQuestion(key="menit", text="Menit"))
    draft = one_section(NumberQuestion(key="menit", text="Menit", integer=False))
    (issue,) = version_violations(published, draft)
    assert issue.code == "scale_changed"
    assert "integer" in issue.message.en and "decimal" in issue.message.en


def test_single_to_multiple_choice_is_a_type_change():
    choices = [("a", "A"), ("b", "B")]
    published = one_section(SingleChoiceQuestion(key="k", text="K", choices=choices))
    draft = one_section(MultipleChoiceQuestion(key="k", text="K", choices=choices))
    assert [i.code for i in version_violations(published, draft)] == ["type_changed"]
    # options may change: answers point at the version they answered
    more = one_section(SingleChoiceQuestion(key="k", text="K", choices=[*choices, ("c", "C")]))
    assert version_violations(published, more) == []


def test_all_earlier_versions_are_checked():
    v1 = one_section(NpsQuestion(key="rekomendasi", text="R"))
    v2 = one_section(likert("lain"))  # dropped "rekomendasi"
    v3 = one_section(likert("lain"), likert("rekomendasi"))  # brings it back as Likert
    assert version_violations(v2, v3) == []
    (issue,) = version_violations([v1, v2], v3)
    assert (issue.code, issue.key) == ("type_changed", "rekomendasi")
