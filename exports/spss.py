"""SPSS ``.sav`` files for researchers: variable labels and value labels (pyreadstat).

pyreadstat writes from a pandas data frame, so the rows are gathered column by
column first (numbers as float arrays, texts as Python strings): memory grows
with the table, which is why the export page sends large ones to the
background worker. Codes stay numeric with value labels; texts are written as
typed (SPSS has no formulas to neutralise).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO, Any

import pandas as pd
import pyreadstat

from exports.tables import Kind, Table

SAV_MIMETYPE = "application/x-spss-sav"


def _frame(table: Table, progress: Callable[[int], None] | None) -> pd.DataFrame:
    columns = table.columns
    data: list[list[Any]] = [[] for _ in columns]
    appenders = [values.append for values in data]
    count = 0
    for row in table.rows:
        for append, value in zip(appenders, row, strict=True):
            append(value)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(1000)
    if progress is not None and count % 1000:
        progress(count % 1000)
    frame = {}
    for column, values in zip(columns, data, strict=True):
        if column.kind in (Kind.INT, Kind.NUMBER):
            frame[column.name] = pd.array(
                [float("nan") if v is None else float(v) for v in values], dtype="float64"
            )
        elif column.kind in (Kind.DATETIME, Kind.DATE):
            frame[column.name] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            frame[column.name] = pd.Series(
                ["" if v is None else str(v) for v in values], dtype="object"
            )
        values.clear()
    return pd.DataFrame(frame)


def write_sav(
    output: IO[bytes],
    table: Table,
    *,
    file_label: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``table`` as an SPSS system file to ``output``; returns the number of rows."""
    frame = _frame(table, progress)
    value_labels = {
        c.name: {float(k): str(v) for k, v in c.labels.items()}
        for c in table.columns
        if c.labels and c.kind in (Kind.INT, Kind.NUMBER)
    }
    measures = {
        c.name: ("nominal" if c.labels else "scale")
        for c in table.columns
        if c.kind in (Kind.INT, Kind.NUMBER)
    }
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=file_label[:64],
            column_labels={c.name: c.header[:256] for c in table.columns},
            variable_value_labels=value_labels,
            variable_measure=measures,
            compress=False,
        )
        with open(path, "rb") as written:
            while chunk := written.read(1024 * 1024):
                output.write(chunk)
    finally:
        os.unlink(path)
    return len(frame)
