"""Row counts and checksums of every table, the same on SQLite and PostgreSQL.

A table's checksum is the SHA-256 of its rows in primary-key order, each row
written as canonical JSON (columns by name, timestamps in UTC, numbers without
trailing zeros). It reads the tables the database actually has (reflection,
not the models), so a backup made at another schema revision can be checked
with today's code.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, MetaData, Table, column, inspect, select
from sqlalchemy import table as table_clause
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

#: rows fetched per round trip; PostgreSQL streams them through a server-side cursor
BATCH = 5000


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


@dataclass(frozen=True)
class Difference:
    """One table whose rows differ; ``None`` where the table is missing on that side."""

    table: str
    expected: TableDigest | None
    actual: TableDigest | None


def table_digests(connection: Connection, schema: str | None = None) -> dict[str, TableDigest]:
    """Row count and checksum of every table in ``schema`` (default: the connection's)."""
    metadata = MetaData()
    digests = {}
    for name in sorted(inspect(connection).get_table_names(schema=schema)):
        table = Table(name, metadata, schema=schema, autoload_with=connection)
        digests[name] = _digest(connection, table)
    return digests


def alembic_revision(connection: Connection, schema: str | None = None) -> str | None:
    """The schema revision recorded in the database (None before the first migration)."""
    if not inspect(connection).has_table("alembic_version", schema=schema):
        return None
    version = table_clause("alembic_version", column("version_num"), schema=schema)
    return connection.execute(select(version.c.version_num)).scalar()


def differences(
    expected: dict[str, TableDigest], actual: dict[str, TableDigest]
) -> list[Difference]:
    return [
        Difference(name, expected.get(name), actual.get(name))
        for name in sorted(expected.keys() | actual.keys())
        if expected.get(name) != actual.get(name)
    ]


def _digest(connection: Connection, table: Table) -> TableDigest:
    columns = sorted(table.columns, key=lambda c: c.name)
    convert = [_converter(c.type) for c in columns]
    key = list(table.primary_key.columns)
    ordered_in_sql = bool(key) and all(isinstance(c.type, Integer) for c in key)
    query = select(*columns).execution_options(stream_results=True, yield_per=BATCH)
    if ordered_in_sql:
        # integers sort the same everywhere; text keys depend on the collation
        query = query.order_by(*key)
    encode = _ENCODER.encode
    lines: Iterable[str] = (
        encode([f(v) if f else v for f, v in zip(convert, row, strict=True)])
        for row in connection.execute(query)
    )
    if not ordered_in_sql:
        # small tables (alembic_version): sort in Python, by key when there is one
        positions = [columns.index(c) for c in key]
        lines = sorted(lines, key=lambda line: _sort_key(line, positions))
    digest = hashlib.sha256(_ENCODER.encode([c.name for c in columns]).encode())
    rows = 0
    for line in lines:
        digest.update(b"\n")
        digest.update(line.encode())
        rows += 1
    return TableDigest(rows=rows, sha256=digest.hexdigest())


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sort_key(line: str, positions: list[int]) -> str:
    if not positions:
        return line
    values = json.loads(line)
    return _ENCODER.encode([values[i] for i in positions])


def _converter(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """What turns this column's values into canonical JSON; None: they already are."""
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return _canonical
    if python_type in (int, str, bool, float, dict, list):
        return None
    return _canonical


def _canonical(value: Any) -> Any:
    """The value as JSON sees it, whichever database and driver returned it."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, dt.datetime):
        # SQLite keeps this app's timestamps as naive UTC
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    return str(value)  # UUID, interval
