"""The schema comes only from migrations: they run from empty, back and forth, on
both databases, and match the models exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from feedback_app.db import Base, make_engine
from feedback_app.migrate import alembic_config, upgrade

SCRATCH_SCHEMA = "migration_check"


@pytest.fixture()
def scratch_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the suite's, apart from the shared one."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options=-csearch_path%3D{SCRATCH_SCHEMA}"
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_from_empty(scratch_url: str) -> None:
    from alembic import command

    assert _tables(scratch_url) == set()
    upgrade(scratch_url)
    expected = set(Base.metadata.tables) | {"alembic_version"}
    assert _tables(scratch_url) == expected

    command.downgrade(alembic_config(scratch_url), "base")
    assert _tables(scratch_url) <= {"alembic_version"}

    upgrade(scratch_url)
    assert _tables(scratch_url) == expected


def test_models_match_migrated_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations disagree; write a migration"


def test_migrations_have_single_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
