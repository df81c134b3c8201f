"""``flask create-admin``: the first administrator of a new installation."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from feedback_app.accounts.passwords import hash_password, password_problem
from feedback_app.db import get_session
from feedback_app.models import Role, User


@click.command("create-admin")
@click.option("--email", prompt="E-mail", help="Login e-mail of the administrator.")
@click.option("--name", prompt="Nama", help="Display name.")
@click.password_option(
    "--password",
    prompt="Kata sandi",
    confirmation_prompt="Ulangi kata sandi",
    envvar="ADMIN_PASSWORD",
    help="Read from ADMIN_PASSWORD or prompted.",
)
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an installation administrator (or reset the password of an existing one)."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise click.BadParameter(_("Alamat e-mail tidak valid."), param_hint="--email") from None
    name = name.strip()
    if not name:
        raise click.BadParameter(_("Wajib diisi."), param_hint="--name")
    problem = password_problem(password)
    if problem is not None:
        raise click.BadParameter(str(problem), param_hint="--password")
    session = get_session()
    user = session.scalar(select(User).where(User.email == email))
    if user is not None and user.role != Role.ADMIN:
        raise click.ClickException(
            _("%(email)s sudah dipakai akun lain yang bukan administrator sistem.", email=email)
        )
    if user is None:
        user = User(email=email, name=name, role=Role.ADMIN)
        session.add(user)
        message = _("Administrator %(email)s dibuat.", email=email)
    else:
        message = _("Kata sandi administrator %(email)s diganti.", email=email)
    user.password_hash = hash_password(password)
    user.active = True
    # A command has no request whose end would commit: this is its one transaction.
    session.commit()
    click.echo(message)
