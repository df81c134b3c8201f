"""A database of its own for tests whose worker runs outside the test's transaction.

The worker (a ``huey_consumer`` process, or Huey's consumer in threads) sees
only committed data, so these tests cannot use the rolled-back ``session``
fixture: they migrate a SQLite file (or, on PostgreSQL, a schema of their own)
and commit into it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from feedback_app.db import make_engine

PG_SCHEMA = "exports_worker"


def own_database(tmp_path: Path, schema: str = PG_SCHEMA) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}options=-csearch_path%3D{schema}"
    return f"sqlite:///{tmp_path / 'worker.db'}"


def drop_database(url: str, schema: str = PG_SCHEMA) -> None:
    if url.startswith("postgresql"):
        engine = make_engine(os.environ["TEST_DATABASE_URL"])
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
