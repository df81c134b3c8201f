"""Forms for indicator definitions and their assignments."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from feedback_app.forms import REQUIRED, EnumSelectField, IdSelectField, max_length, text_field
from feedback_app.indicators.realisation import needs_question
from feedback_app.models import Comparison, IndicatorScope, IndicatorSource, Period

SCOPE_LABELS = {
    IndicatorScope.EMPLOYEE: _l("Pegawai (yang ditugaskan satu per satu atau per unit)"),
    IndicatorScope.POSITION: _l("Jabatan (semua pegawai dengan jabatan ini)"),
    IndicatorScope.UNIT: _l("Unit (termasuk sub-unitnya)"),
}
SOURCE_LABELS = {
    IndicatorSource.IKM: _l("IKM (25–100) dari respons yang dilayani"),
    IndicatorSource.ELEMENT: _l("Nilai satu unsur SKM (25–100)"),
    IndicatorSource.QUESTION_MEAN: _l("Rata-rata satu pertanyaan skala"),
    IndicatorSource.SHARE_SATISFIED: _l("Persentase puas (dua pilihan teratas, CSAT)"),
    IndicatorSource.RESPONSE_COUNT: _l("Jumlah respons"),
}
COMPARISON_LABELS = {
    Comparison.AT_LEAST: _l("Paling sedikit target (makin tinggi makin baik)"),
    Comparison.AT_MOST: _l("Paling banyak target (makin rendah makin baik)"),
}
PERIOD_LABELS = {
    Period.MONTH: _l("Bulanan"),
    Period.QUARTER: _l("Triwulanan"),
    Period.SEMESTER: _l("Semesteran"),
    Period.YEAR: _l("Tahunan"),
}
#: the largest value Numeric(10, 2) holds
MAX_NUMBER = Decimal("99999999.99")


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class NumberField(Field):
    """A decimal number typed the Indonesian way (80,5) or the English way (80.5)."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(" ", "")
        if not text:
            self.data = None
            return
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Tulis angka, misalnya 80 atau 80,5.")) from None
        if not value.is_finite() or abs(value) > MAX_NUMBER:
            self.data = None
            raise ValueError(_l("Angka terlalu besar."))
        self.data = value.quantize(Decimal("0.01"))


class Required:
    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError(REQUIRED)


class NotNegative:
    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and field.data < 0:
            raise ValidationError(_l("Tidak boleh negatif."))


class IndicatorForm(FlaskForm):
    name = text_field(_l("Nama indikator"))
    scope = EnumSelectField(_l("Berlaku untuk"), choices=_choices(SCOPE_LABELS))
    position = text_field(
        _l("Jabatan"),
        optional=True,
        description=_l("Hanya untuk indikator per jabatan; tulis persis seperti di data pegawai."),
    )
    source = EnumSelectField(_l("Sumber data"), choices=_choices(SOURCE_LABELS))
    question_key = EnumSelectField(
        _l("Unsur atau pertanyaan"),
        choices=[],
        description=_l(
            "Wajib untuk nilai unsur dan rata-rata pertanyaan; untuk persentase puas, "
            "kosongkan agar sembilan unsur dihitung bersama."
        ),
    )
    target = NumberField(
        _l("Target"),
        validators=[Required(), NotNegative()],
        description=_l(
            "IKM dan unsur: 25–100. Persentase puas: 0–100. Rata-rata: pada skala pertanyaannya."
        ),
    )
    comparison = EnumSelectField(_l("Perbandingan"), choices=_choices(COMPARISON_LABELS))
    period = EnumSelectField(_l("Periode penilaian"), choices=_choices(PERIOD_LABELS))
    above_margin = NumberField(
        _l("Margin di atas ekspektasi"),
        validators=[Required(), NotNegative()],
        default=Decimal("0"),
        description=_l(
            "Capaian yang mencapai target ditambah margin ini dinilai di atas ekspektasi "
            "(untuk 'paling banyak': target dikurangi margin). 0: tidak ada penilaian di atas "
            "ekspektasi."
        ),
    )
    below_margin = NumberField(
        _l("Toleransi di bawah target"),
        validators=[Required(), NotNegative()],
        default=Decimal("0"),
        description=_l(
            "Capaian yang kurang dari target lebih dari toleransi ini dinilai di bawah ekspektasi."
        ),
    )
    active = BooleanField(_l("Aktif"), default=True)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # after the field checks: an optional field's own validators stop at an empty value
        if self.scope.data == IndicatorScope.POSITION.value and not self.position.data:
            self.position.errors = [
                *self.position.errors,
                _l("Wajib diisi untuk indikator per jabatan."),
            ]
            valid = False
        return valid

    def validate_question_key(self, field: Any) -> None:
        source = self.source.data
        if source not in {s.value for s in IndicatorSource}:
            return
        if needs_question(IndicatorSource(source)) and not field.data:
            raise ValidationError(_l("Pilih unsur atau pertanyaan untuk sumber data ini."))
        if (
            source == IndicatorSource.ELEMENT.value
            and field.data
            and not field.data.startswith("U")
        ):
            raise ValidationError(_l("Pilih salah satu unsur U1–U9."))

    def validate_target(self, field: Any) -> None:
        value, source = field.data, self.source.data
        if value is None:
            return
        if source in (IndicatorSource.IKM.value, IndicatorSource.ELEMENT.value) and not (
            25 <= value <= 100
        ):
            raise ValidationError(_l("Untuk IKM dan unsur, target antara 25 dan 100."))
        if source == IndicatorSource.SHARE_SATISFIED.value and value > 100:
            raise ValidationError(_l("Persentase paling besar 100."))
        if source == IndicatorSource.RESPONSE_COUNT.value and value != value.to_integral_value():
            raise ValidationError(_l("Jumlah respons adalah bilangan bulat."))


class AssignmentForm(FlaskForm):
    employee_id = IdSelectField(_l("Pegawai"))
    unit_id = IdSelectField(_l("Unit"))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.employee_id.data is None and self.unit_id.data is None:
            self.employee_id.errors.append(_l("Pilih pegawai atau unit."))
            return False
        if self.employee_id.data is not None and self.unit_id.data is not None:
            self.unit_id.errors.append(_l("Pilih pegawai atau unit, tidak keduanya."))
            return False
        return True


class RemoveAssignmentForm(FlaskForm):
    remove = StringField(validators=[max_length(12)])
