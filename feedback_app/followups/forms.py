"""Forms of the follow-up inbox, the notification choice and the improvement plans."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from feedback_app.forms import EnumSelectField, IdSelectField, max_length, required, text_field
from feedback_app.models import FollowUpStatus, NotifyMode
from feedback_app.results.periods import PeriodError, PeriodKind, parse_period
from surveys.skm import ELEMENTS

STATUS_LABELS = {
    FollowUpStatus.NEW: _l("Baru"),
    FollowUpStatus.IN_PROGRESS: _l("Diproses"),
    FollowUpStatus.DONE: _l("Selesai"),
}

NOTIFY_LABELS = {
    NotifyMode.OFF: _l("Tidak usah"),
    NotifyMode.IMMEDIATE: _l("Segera, satu e-mail setiap ada respons negatif baru"),
    NotifyMode.DAILY: _l("Ringkasan harian, setiap pagi untuk hari sebelumnya"),
}

#: periods an improvement plan may cover (the SKM is run per quarter, semester or year)
PLAN_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.SEMESTER, PeriodKind.YEAR)


def _note_field(label: Any, *, optional: bool) -> TextAreaField:
    first = Optional() if optional else required()
    return TextAreaField(
        label,
        validators=[first, max_length(2000)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class StatusForm(FlaskForm):
    status = EnumSelectField(_l("Status baru"), choices=[])
    note = _note_field(_l("Catatan (boleh dikosongkan)"), optional=True)


class AssignForm(FlaskForm):
    assignee_id = IdSelectField(_l("Petugas yang menindaklanjuti"))


class NoteForm(FlaskForm):
    body = _note_field(_l("Catatan"), optional=False)


class NotificationForm(FlaskForm):
    notify_negative = RadioField(
        _l("E-mail tentang respons negatif baru di unit Anda"),
        choices=[SelectChoice(mode.value, label) for mode, label in NOTIFY_LABELS.items()],
        validators=[required()],
    )


class PeriodCode:
    """A period code of the kinds a plan covers: 2025-Q1, 2025-S2, 2025 or 2025-03."""

    def __call__(self, form: Any, field: Any) -> None:
        try:
            period = parse_period(field.data or "")
        except PeriodError:
            raise ValidationError(
                _l("Tulis periode seperti 2025-Q1 (triwulan), 2025-S1 (semester) atau 2025.")
            ) from None
        if period.kind not in PLAN_KINDS:
            raise ValidationError(_l("Pilih bulan, triwulan, semester atau tahun."))


class PlanForm(FlaskForm):
    unit_id = IdSelectField(_l("Unit"))
    period = StringField(
        _l("Periode"),
        validators=[required(), max_length(30), PeriodCode()],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        description=_l("Contoh: 2025-Q1 (triwulan), 2025-S1 (semester), 2025 (tahun)."),
    )
    #: choices in the interface language, set by the view
    element_key = EnumSelectField(
        _l("Unsur"), choices=[SelectChoice(e.key, e.key) for e in ELEMENTS]
    )
    action = _note_field(_l("Rencana tindak lanjut"), optional=False)
    owner = text_field(_l("Penanggung jawab"), optional=True)
    due_date = DateField(
        _l("Target selesai"),
        validators=[Optional()],
        format="%Y-%m-%d",
        invalid_value_message=_l("Tanggal tidak valid (format TTTT-BB-HH)."),
        render_kw={"type": "date"},
    )
    done = BooleanField(_l("Sudah dilaksanakan"))
