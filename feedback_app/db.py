"""Database engine, session and the declarative base.

One session per application context; the request hook in ``create_app``
commits it once at the end of a successful request, so views never commit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

# One naming convention for the whole schema: Alembic can then name (and on
# SQLite, recreate) every constraint the same way on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is
    stored as naive UTC and marked UTC again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC values")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


BUSY_TIMEOUT_MS = 20_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # first, so that even the journal-mode switch waits for a busy database: SQLite's
    # lock is not fair, under a burst a writer may wait a while for its turn, and a
    # citizen waiting a few seconds is better than a lost answer
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


#: set on a connection while its transaction has only read (see _sqlite_become_writer)
_READ_ONLY = "sqlite_read_only"
_READ_STATEMENT = re.compile(r"\s*(SELECT|PRAGMA|EXPLAIN|BEGIN|COMMIT|ROLLBACK|RELEASE)\b", re.I)
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def _reads_only(statement: str) -> bool:
    if _READ_STATEMENT.match(statement):
        return True
    # a common table expression feeding a SELECT (the unit tree) reads too
    return statement.lstrip()[:4].upper() == "WITH" and not _WRITE_WORD.search(statement)


def _sqlite_begin(connection: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; begin explicitly instead.
    connection.info[_READ_ONLY] = True
    connection.exec_driver_sql("BEGIN")


def _sqlite_become_writer(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """Before a transaction's first write (or savepoint), restart it as SQLite's writer.

    A transaction that began deferred and has read cannot become the writer once
    another connection has committed: WAL answers SQLITE_BUSY at once, whatever
    the busy timeout. So the transaction, which has only read, is ended, and the
    writes begin IMMEDIATE: they queue for the one write lock and hold it only
    from the first write to the commit. A request's reads and writes then see
    the database as PostgreSQL's READ COMMITTED (production's isolation) does.
    """
    if not connection.info.get(_READ_ONLY) or _reads_only(statement):
        return
    raw = connection.connection.dbapi_connection
    try:
        if raw.in_transaction:
            raw.execute("COMMIT")  # it only read
        raw.execute("BEGIN IMMEDIATE")
    except raw.OperationalError as error:  # the busy timeout ran out: the write's own error
        raise OperationalError(statement, None, error) from error
    connection.info[_READ_ONLY] = False


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the connection settings this app relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_become_writer)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """Binds an engine and a session factory to a Flask app."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["db"] = self
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"].session_factory()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


#: The request's session. Views add and flush; only the request hook commits.
db: Session = LocalProxy(get_session)  # type: ignore[assignment]
