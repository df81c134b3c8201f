"""Forms for the organisation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from feedback_app.forms import (
    EnumSelectField,
    IdSelectField,
    LocalDateTimeField,
    code_field,
    max_length,
    required,
    text_field,
)
from feedback_app.models import TimeZone, UnitKind

UNIT_KIND_LABELS = {
    UnitKind.DINAS: _l("Dinas"),
    UnitKind.BADAN: _l("Badan"),
    UnitKind.BIDANG: _l("Bidang"),
    UnitKind.PUSKESMAS: _l("Puskesmas"),
    UnitKind.RUMAH_SAKIT: _l("Rumah sakit"),
    UnitKind.KECAMATAN: _l("Kecamatan"),
    UnitKind.KELURAHAN: _l("Kelurahan"),
    UnitKind.UPT: _l("UPT"),
    UnitKind.MPP: _l("Mal Pelayanan Publik"),
    UnitKind.LAINNYA: _l("Lainnya"),
}

TIMEZONE_CHOICES = [
    SelectChoice(TimeZone.WIB.value, _l("WIB (Asia/Jakarta)")),
    SelectChoice(TimeZone.WITA.value, _l("WITA (Asia/Makassar)")),
    SelectChoice(TimeZone.WIT.value, _l("WIT (Asia/Jayapura)")),
]


class AgencyForm(FlaskForm):
    code = code_field(_l("Kode instansi"))
    name = text_field(_l("Nama instansi"))
    timezone = EnumSelectField(_l("Zona waktu bawaan"), choices=TIMEZONE_CHOICES)


class UnitForm(FlaskForm):
    agency_id = IdSelectField(_l("Instansi"))
    parent_id = IdSelectField(_l("Unit induk"))
    kind = EnumSelectField(
        _l("Jenis unit"),
        choices=[SelectChoice(k.value, label) for k, label in UNIT_KIND_LABELS.items()],
    )
    code = code_field(_l("Kode unit"))
    name = text_field(_l("Nama unit"))
    timezone = EnumSelectField(_l("Zona waktu"), choices=TIMEZONE_CHOICES)
    address = TextAreaField(
        _l("Alamat"), validators=[Optional(), max_length(500)], filters=[lambda v: v or None]
    )


class ServicePointForm(FlaskForm):
    unit_id = IdSelectField(_l("Unit"))
    code = code_field(_l("Kode loket"))
    name = text_field(_l("Nama loket"))
    location = text_field(
        _l("Lokasi"), optional=True, description=_l("Misalnya: Lantai 1, dekat pintu masuk.")
    )


class ServiceForm(FlaskForm):
    unit_id = IdSelectField(_l("Unit"))
    code = code_field(_l("Kode layanan"))
    name = text_field(_l("Nama layanan"))
    name_en = text_field(_l("Nama layanan (bahasa Inggris)"), optional=True)
    description = TextAreaField(
        _l("Keterangan"), validators=[Optional(), max_length(2000)], filters=[lambda v: v or None]
    )


class EmployeeForm(FlaskForm):
    unit_id = IdSelectField(_l("Unit"))
    nip = StringField(
        _l("NIP"),
        validators=[required(), max_length(40)],
        description=_l("18 digit, PNS atau PPPK; spasi boleh."),
    )
    name = text_field(_l("Nama"))
    position = text_field(_l("Jabatan"))
    supervisor_id = IdSelectField(_l("Atasan langsung"))


class RosterEntryForm(FlaskForm):
    employee_id = IdSelectField(_l("Pegawai"))
    service_point_id = IdSelectField(_l("Loket"))
    starts_at = LocalDateTimeField(_l("Mulai"), description=_l("Waktu setempat unit loket."))
    ends_at = LocalDateTimeField(_l("Selesai"), description=_l("Waktu setempat unit loket."))
