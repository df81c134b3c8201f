"""``flask create-admin``: the first administrator of a new installation."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from feedback_app.accounts.passwords import MIN_LENGTH, hash_password
from feedback_app.db import get_session
from feedback_app.models import Role, User


@click.command("create-admin")
@click.option("--email", prompt=True, help="Login e-mail of the administrator.")
@click.option("--name", prompt=True, help="Display name.")
@click.password_option(
    "--password", envvar="ADMIN_PASSWORD", help="Read from ADMIN_PASSWORD or prompted."
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an installation administrator (or reset the password of an existing one)."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from None
    if len(password) < MIN_LENGTH:
        raise click.BadParameter(
            f"at least {MIN_LENGTH} characters", param_hint="--password"
        )
    session = get_session()
    user = session.scalar(select(User).where(User.email == email))
    if user is not None and user.role != Role.ADMIN:
        raise click.ClickException(f"{email} already belongs to a {user.role.value} account")
    if user is None:
        user = User(email=email, name=name.strip(), role=Role.ADMIN)
        session.add(user)
        verb = "created"
    else:
        verb = "updated"
    user.password_hash = hash_password(password)
    user.active = True
    session.commit()
    click.echo(f"Administrator {email} {verb}.")
