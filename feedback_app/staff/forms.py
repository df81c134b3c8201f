"""Forms for kiosk devices, API tokens and the counter display."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from feedback_app.forms import IdSelectField, text_field


class KioskForm(FlaskForm):
    label = text_field(
        _l("Nama perangkat"),
        100,
        description=_l("Misalnya: Tablet pintu keluar lantai 1."),
    )
    service_point_id = IdSelectField(_l("Loket"))


class ApiTokenForm(FlaskForm):
    name = text_field(
        _l("Nama token"),
        100,
        description=_l("Misalnya: Mesin antrean MPP lantai 1."),
    )
    agency_id = IdSelectField(_l("Instansi"))
    unit_id = IdSelectField(
        _l("Batasi pada unit"),
        description=_l(
            "Token hanya dapat membuat kode untuk loket di unit ini dan unit di bawahnya."
        ),
    )


class MintForm(FlaskForm):
    """One click on the counter display: a code for the chosen service (or none)."""

    service_id = IdSelectField(_l("Jenis layanan"))
