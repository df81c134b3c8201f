"""JSON exports: one document with the tables, their columns (and value labels) and rows.

Streamed in chunks; ``<``, ``>`` and ``&`` are written as ``\\u003c`` … so a
document pasted into a web page cannot close a script tag.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from exports.tables import Table

JSON_MIMETYPE = "application/json"

_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default).translate(_ESCAPES)


def iter_json(
    tables: Iterable[Table],
    *,
    meta: Mapping[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """``{"meta": {...}, "tables": [{"name", "columns": [...], "rows": [[...], ...]}]}``."""
    parts: list[str] = ['{"meta":', _dumps(dict(meta or {})), ',"tables":[']
    size = 0
    for index, table in enumerate(tables):
        columns = [
            {
                "name": c.name,
                "header": c.header,
                "type": str(c.kind),
                **(
                    {"labels": [{"value": k, "label": v} for k, v in c.labels.items()]}
                    if c.labels
                    else {}
                ),
            }
            for c in table.columns
        ]
        head = {"name": table.name, "title": table.title, "columns": columns, **table.meta}
        parts.append(("," if index else "") + _dumps(head)[:-1] + ',"rows":[')
        first = True
        count = 0
        for row in table.rows:
            parts.append(("" if first else ",") + _dumps(list(row)))
            first = False
            count += 1
            size += 1
            if size >= 2000:
                yield "".join(parts).encode("utf-8")
                parts.clear()
                size = 0
            if progress is not None and count % 1000 == 0:
                progress(1000)
        if progress is not None and count % 1000:
            progress(count % 1000)
        parts.append("]}")
    parts.append("]}")
    yield "".join(parts).encode("utf-8")


def write_json(output: IO[bytes], tables: Iterable[Table], **kwargs: Any) -> None:
    for chunk in iter_json(tables, **kwargs):
        output.write(chunk)
