"""The upload form of the import page."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from feedback_app.forms import REQUIRED
from feedback_app.imports.kinds import KINDS


def _id_or_none(value: Any) -> int | None:
    if value in ("", None, "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never offered: refused by pre_validate


class ChoiceField(SelectField):
    """A select that refuses a value it did not offer, in Indonesian; empty means not chosen."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            raise ValidationError(REQUIRED)
        offered = {SelectChoice.from_input(c).value for c in self.choices or ()}
        if self.data not in offered:
            raise ValidationError(_l("Pilihan tidak valid."))


def agency_select_choices(agencies: list[Any]) -> list[SelectChoice]:
    """``(id, name)`` pairs (or choices) behind a blank first option."""
    return [
        SelectChoice("", _l("— pilih instansi —")),
        *(SelectChoice.from_input(a) for a in agencies),
    ]


class ImportForm(FlaskForm):
    #: only for an installation administrator, who belongs to no agency
    agency_id = ChoiceField(_l("Instansi tujuan"), coerce=_id_or_none, choices=[])
    kind = ChoiceField(
        _l("Jenis data"),
        choices=[SelectChoice(kind.slug, kind.title) for kind in KINDS.values()],
    )
    file = FileField(
        _l("Berkas CSV atau XLSX"),
        validators=[FileRequired(message=_l("Pilih berkas yang akan diimpor."))],
        description=_l("Baris 1 berisi judul kolom seperti pada templat."),
    )
    dry_run = BooleanField(_l("Periksa saja, jangan simpan"))
