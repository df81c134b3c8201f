"""What every export writer takes: named tables of typed columns and streamed rows.

A :class:`Table` is the same in every format: the CSV writer takes one, the
XLSX writer one sheet (or several, past Excel's row limit) per table, the SPSS
writer uses the column names, types and value labels, the JSON writer all of
it. Rows are any iterable of sequences, consumed once, in order; nothing here
holds them all in memory.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.StrEnum):
    TEXT = "text"
    INT = "int"
    #: a decimal number (IKM, NRR, percentages)
    NUMBER = "number"
    #: a naive local date and time
    DATETIME = "datetime"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    #: variable name: letters, digits and underscores (SPSS and JSON keys)
    name: str
    #: the readable header of spreadsheets and the SPSS variable label
    header: str
    kind: Kind = Kind.TEXT
    #: stored code → label, for SPSS value labels and the JSON column description
    labels: Mapping[Any, str] | None = None
    #: spreadsheet column width in characters; None: sized from the first rows
    width: float | None = None
    #: XLSX number format, e.g. "0.00"
    num_format: str | None = None

    def __post_init__(self) -> None:
        if not _NAME_RE.fullmatch(self.name):
            raise ValueError(f"column name {self.name!r} is not a plain identifier")


_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart of the first ``max_points`` rows: categories from one column, values others."""

    title: str
    category: str
    values: tuple[str, ...]
    #: "bar" (horizontal) or "column" (vertical)
    type: str = "bar"
    max_points: int = 40
    y_min: float | None = None
    y_max: float | None = None


@dataclass
class Table:
    #: sheet name (at most 31 characters in XLSX) and JSON table name
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    #: a short line above nothing but kept in JSON and the XLSX sheet's properties
    title: str | None = None
    chart: ChartSpec | None = None
    #: rows expected, when known (progress and the JSON header)
    total: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def index(self, name: str) -> int:
        for position, column in enumerate(self.columns):
            if column.name == name:
                return position
        raise KeyError(name)
