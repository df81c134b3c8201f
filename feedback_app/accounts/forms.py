from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import Email, Optional, ValidationError

from feedback_app.accounts.passwords import password_problem
from feedback_app.forms import EnumSelectField, IdSelectField, max_length, required, text_field
from feedback_app.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator sistem"),
    Role.AGENCY_ADMIN: _l("Admin instansi"),
    Role.DESIGNER: _l("Perancang survei"),
    Role.AGENCY_HEAD: _l("Kepala instansi"),
    Role.UNIT_HEAD: _l("Kepala unit / atasan"),
    Role.OFFICER: _l("Petugas loket"),
}


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), max_length(254)], filters=[_lower])
    password = PasswordField(_l("Kata sandi"), validators=[required(), max_length(200)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))
    next = HiddenField()


class StrongPassword:
    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        problem = password_problem(field.data) if field.data else None
        if problem is not None:
            raise ValidationError(problem)


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[required(), max_length(254), Email(message=_l("Alamat e-mail tidak valid."))],
        filters=[_lower],
    )
    name = text_field(_l("Nama"))
    role = EnumSelectField(_l("Peran"))
    agency_id = IdSelectField(_l("Instansi"))
    unit_id = IdSelectField(
        _l("Dibatasi pada unit"),
        description=_l("Kosongkan agar pengguna melihat seluruh instansi."),
    )
    employee_id = IdSelectField(_l("Pegawai terkait"))
    password = PasswordField(
        _l("Kata sandi"),
        validators=[Optional(), max_length(200), StrongPassword()],
        description=_l("Minimal 10 karakter. Kosongkan saat mengubah agar tidak diganti."),
    )
