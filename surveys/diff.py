"""Differences between two versions of a survey, and the version rule check.

:func:`diff_definitions` lists what changed, for the version history page.
:func:`version_violations` enforces the one rule that keeps collected answers
meaningful: a key keeps its type and scale forever. A question whose type or
scale changes must get a new key (the old answers stay under the old key).
Everything else (texts, options, order, conditions, required) may change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from surveys.definition import SurveyDefinition
from surveys.errors import Issue
from surveys.i18n import Text, message
from surveys.questions import Option, Question


class ChangeKind(enum.StrEnum):
    TITLE_CHANGED = "title_changed"
    DESCRIPTION_CHANGED = "description_changed"
    SECTION_ADDED = "section_added"
    SECTION_REMOVED = "section_removed"
    SECTION_CHANGED = "section_changed"
    QUESTION_ADDED = "question_added"
    QUESTION_REMOVED = "question_removed"
    TYPE_CHANGED = "type_changed"
    TEXT_CHANGED = "text_changed"
    HELP_CHANGED = "help_changed"
    REQUIRED_CHANGED = "required_changed"
    OPTIONS_CHANGED = "options_changed"
    SETTINGS_CHANGED = "settings_changed"
    CONDITION_CHANGED = "condition_changed"
    MOVED = "moved"


@dataclass(frozen=True)
class OptionChanges:
    """How the options of one question changed, by option value."""

    added: tuple[int | str, ...] = ()
    removed: tuple[int | str, ...] = ()
    relabelled: tuple[int | str, ...] = ()
    reordered: bool = False


@dataclass(frozen=True)
class Change:
    """One difference. ``key`` is the question key (or section key for section changes)."""

    kind: ChangeKind
    key: str | None
    summary: Text
    old: Any = None
    new: Any = None


def _options_changes(old: tuple[Option, ...], new: tuple[Option, ...]) -> OptionChanges | None:
    old_by_value = {o.value: o for o in old}
    new_by_value = {o.value: o for o in new}
    added = tuple(v for v in new_by_value if v not in old_by_value)
    removed = tuple(v for v in old_by_value if v not in new_by_value)
    relabelled = tuple(
        v
        for v in new_by_value
        if v in old_by_value and new_by_value[v].label != old_by_value[v].label
    )
    common_old = [v for v in old_by_value if v in new_by_value]
    common_new = [v for v in new_by_value if v in old_by_value]
    changes = OptionChanges(added, removed, relabelled, common_old != common_new)
    return None if changes == OptionChanges() else changes


def _lcs(a: list[str], b: list[str]) -> set[str]:
    """Members of a longest common subsequence of two orderings of the same keys."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
            )
    keep, i, j = set(), 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            keep.add(a[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return keep


_OPTION_SETTINGS = frozenset({"choices", "labels"})


def _question_changes(old: Question, new: Question) -> list[Change]:
    key = new.key
    changes: list[Change] = []
    if old.type_name != new.type_name:
        changes.append(
            Change(
                ChangeKind.TYPE_CHANGED,
                key,
                Text(
                    f"Jenis pertanyaan {key} berubah: {old.type_name} → {new.type_name}",
                    f"Question {key} changed type: {old.type_name} → {new.type_name}",
                ),
                old.type_name,
                new.type_name,
            )
        )
    if old.text != new.text:
        changes.append(
            Change(
                ChangeKind.TEXT_CHANGED,
                key,
                Text(f"Teks pertanyaan {key} diubah", f"Question {key}: text changed"),
                old.text,
                new.text,
            )
        )
    if old.help != new.help:
        changes.append(
            Change(
                ChangeKind.HELP_CHANGED,
                key,
                Text(f"Petunjuk pertanyaan {key} diubah", f"Question {key}: help text changed"),
                old.help,
                new.help,
            )
        )
    if old.required != new.required:
        state = ("wajib", "required") if new.required else ("tidak wajib", "optional")
        changes.append(
            Change(
                ChangeKind.REQUIRED_CHANGED,
                key,
                Text(f"Pertanyaan {key} kini {state[0]}", f"Question {key} is now {state[1]}"),
                old.required,
                new.required,
            )
        )
    option_changes = _options_changes(old.options(), new.options())
    if option_changes is not None:
        parts_id, parts_en = [], []
        for values, id_word, en_word in (
            (option_changes.added, "ditambah", "added"),
            (option_changes.removed, "dihapus", "removed"),
            (option_changes.relabelled, "diubah labelnya", "relabelled"),
        ):
            if values:
                joined = ", ".join(str(v) for v in values)
                parts_id.append(f"{id_word}: {joined}")
                parts_en.append(f"{en_word}: {joined}")
        if option_changes.reordered:
            parts_id.append("urutan diubah")
            parts_en.append("reordered")
        changes.append(
            Change(
                ChangeKind.OPTIONS_CHANGED,
                key,
                Text(
                    f"Pilihan jawaban {key} diubah ({'; '.join(parts_id)})",
                    f"Question {key}: options changed ({'; '.join(parts_en)})",
                ),
                old.options(),
                option_changes,
            )
        )
    # options (designed choices, Likert labels) are reported above
    old_settings = {k: v for k, v in old.settings().items() if k not in _OPTION_SETTINGS}
    new_settings = {k: v for k, v in new.settings().items() if k not in _OPTION_SETTINGS}
    if old.type_name == new.type_name and old_settings != new_settings:
        names = sorted(k for k in new_settings if old_settings.get(k) != new_settings.get(k))
        changes.append(
            Change(
                ChangeKind.SETTINGS_CHANGED,
                key,
                Text(
                    f"Pengaturan pertanyaan {key} diubah: {', '.join(names)}",
                    f"Question {key}: settings changed: {', '.join(names)}",
                ),
                old_settings,
                new_settings,
            )
        )
    if old.condition != new.condition:
        changes.append(
            Change(
                ChangeKind.CONDITION_CHANGED,
                key,
                Text(f"Kondisi tampil {key} diubah", f"Question {key}: display condition changed"),
                old.condition,
                new.condition,
            )
        )
    return changes


def diff_definitions(old: SurveyDefinition, new: SurveyDefinition) -> list[Change]:
    """What changed from ``old`` to ``new``.

    Order: survey texts, sections, removed questions (in old order), then for
    each question of ``new`` in form order either "added" or its changes.
    A question counts as moved when its section changed, or when it is not
    part of the longest run of questions whose relative order stayed the same
    (so inserting one question does not mark everything after it as moved).
    """
    changes: list[Change] = []
    if old.title != new.title:
        changes.append(
            Change(
                ChangeKind.TITLE_CHANGED,
                None,
                Text("Judul survei diubah", "Survey title changed"),
                old.title,
                new.title,
            )
        )
    if old.description != new.description:
        changes.append(
            Change(
                ChangeKind.DESCRIPTION_CHANGED,
                None,
                Text("Deskripsi survei diubah", "Survey description changed"),
                old.description,
                new.description,
            )
        )

    old_sections = {s.key: s for s in old.sections}
    new_sections = {s.key: s for s in new.sections}
    for key, section in old_sections.items():
        if key not in new_sections:
            changes.append(
                Change(
                    ChangeKind.SECTION_REMOVED,
                    key,
                    Text(f"Bagian {key} dihapus", f"Section {key} removed"),
                    section,
                    None,
                )
            )
    for key, section in new_sections.items():
        before = old_sections.get(key)
        if before is None:
            changes.append(
                Change(
                    ChangeKind.SECTION_ADDED,
                    key,
                    Text(f"Bagian {key} ditambahkan", f"Section {key} added"),
                    None,
                    section,
                )
            )
        elif (before.title, before.description) != (section.title, section.description):
            changes.append(
                Change(
                    ChangeKind.SECTION_CHANGED,
                    key,
                    Text(f"Judul/deskripsi bagian {key} diubah", f"Section {key}: texts changed"),
                    (before.title, before.description),
                    (section.title, section.description),
                )
            )

    for question in old.questions:
        if question.key not in new:
            changes.append(
                Change(
                    ChangeKind.QUESTION_REMOVED,
                    question.key,
                    Text(f"Pertanyaan {question.key} dihapus", f"Question {question.key} removed"),
                    question,
                    None,
                )
            )

    common_old = [q.key for q in old.questions if q.key in new]
    common_new = [q.key for q in new.questions if q.key in old]
    in_order = _lcs(common_old, common_new)
    for question in new.questions:
        before = old.get(question.key)
        if before is None:
            changes.append(
                Change(
                    ChangeKind.QUESTION_ADDED,
                    question.key,
                    Text(
                        f"Pertanyaan {question.key} ditambahkan", f"Question {question.key} added"
                    ),
                    None,
                    question,
                )
            )
            continue
        changes.extend(_question_changes(before, question))
        old_section = old.section_of(question.key)
        new_section = new.section_of(question.key)
        old_where = old_section.key if old_section else None
        new_where = new_section.key if new_section else None
        if old_where != new_where or question.key not in in_order:
            changes.append(
                Change(
                    ChangeKind.MOVED,
                    question.key,
                    Text(
                        f"Pertanyaan {question.key} dipindahkan", f"Question {question.key} moved"
                    ),
                    (old_where, old.keys.index(question.key)),
                    (new_where, new.keys.index(question.key)),
                )
            )
    return changes


def version_violations(
    published: SurveyDefinition | Iterable[SurveyDefinition], draft: SurveyDefinition
) -> list[Issue]:
    """Why ``draft`` may not be published after ``published`` (one or all earlier versions).

    A key that existed before must keep its question type and its scale
    (the score range of scale questions, integer-or-decimal of numbers).
    Pass every published version, not only the last, so a key dropped in one
    version cannot come back with another meaning later. Empty list: allowed.
    """
    versions = [published] if isinstance(published, SurveyDefinition) else list(published)
    found: list[Issue] = []
    reported: set[str] = set()
    paths = {
        q.key: f"sections[{s}].questions[{i}]"
        for s, section in enumerate(draft.sections)
        for i, q in enumerate(section.questions)
    }
    for version in versions:
        for question in draft.questions:
            before = version.get(question.key)
            if before is None or question.key in reported:
                continue
            path = paths.get(question.key, question.key)
            if before.type_name != question.type_name:
                msg = message(
                    "type_changed", key=question.key, old=before.type_name, new=question.type_name
                )
            elif before.scale_signature() != question.scale_signature():
                msg = message(
                    "scale_changed",
                    key=question.key,
                    old=before.scale_signature(),
                    new=question.scale_signature(),
                )
            else:
                continue
            reported.add(question.key)
            found.append(Issue(f"{path}.type", msg, key=question.key))
    return found
