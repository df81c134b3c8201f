"""Contact details a citizen may leave with a complaint (UU 27/2022).

Asked only when the citizen ticks "hubungi saya"; otherwise whatever was
typed is dropped. Stored apart from the ratings and deleted after the
retention period (``flask purge-contacts``, and hourly by the worker).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy.orm import Session

from feedback_app.db import get_session, utcnow
from feedback_app.models import ResponseContact
from surveys.questions.base import clean_text

FIELDS = ("contact_wanted", "contact_name", "contact_phone", "contact_email")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str | None
    email: str | None


def parse_contact(raw) -> tuple[Contact | None, dict[str, object]]:  # type: ignore[no-untyped-def]
    """The contact to store (None unless asked for) and errors by field name."""
    if raw.get("contact_wanted") != "1":
        return None, {}
    name = clean_text(raw.get("contact_name") or "", multiline=False)[:200] or None
    phone = clean_text(raw.get("contact_phone") or "", multiline=False) or None
    email = clean_text(raw.get("contact_email") or "", multiline=False) or None
    errors: dict[str, object] = {}
    if phone is not None and not _PHONE.match(phone):
        errors["contact_phone"] = _l("Nomor telepon tidak valid, contoh: 0812 3456 7890.")
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["contact_email"] = _l("Alamat e-mail tidak valid.")
    if phone is None and email is None and not errors:
        errors["contact_phone"] = _l("Isi nomor telepon atau e-mail agar kami dapat menghubungi.")
    return (None if errors else Contact(name, phone, email)), errors


def contact_row(response_id: int, contact: Contact) -> ResponseContact:
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    return ResponseContact(
        response_id=response_id,
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        delete_after=utcnow() + dt.timedelta(days=days),
    )


def purge_expired_contacts(session: Session) -> int:
    """Delete contact details whose retention period has ended; the ratings stay.

    Run by ``flask purge-contacts`` and by the worker's periodic task.
    """
    result = session.execute(
        delete(ResponseContact).where(ResponseContact.delete_after <= utcnow())
    )
    return result.rowcount


@click.command("purge-contacts")
@with_appcontext
def purge_contacts_command() -> None:
    """Delete contact details whose retention period has ended."""
    session = get_session()
    removed = purge_expired_contacts(session)
    session.commit()
    click.echo(f"{removed} contact records deleted.")
