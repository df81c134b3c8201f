"""``flask migrate``: bring the schema to the newest Alembic revision."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import with_appcontext

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@click.command("migrate")
@click.argument("revision", default="head")
@with_appcontext
def migrate_command(revision: str) -> None:
    """Upgrade the database schema (default: to the newest revision)."""
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("Database schema is up to date.")
