"""Turn stored responses into export rows: one row per response, one column per question key.

No database and no Flask here: the caller passes plain records (a tuple per
response, see :data:`RECORD_FIELDS`) and the names and labels it looked up
once; :class:`ResponseRows` makes every row with precomputed lookups, so a
million responses take seconds.

Rows are made for one target format:

- ``csv``: labels or codes as text, local time as ``YYYY-MM-DD HH:MM:SS``,
  decimal comma on request, every text cell neutralised (so the CSV writer can
  write them unchecked);
- ``xlsx``: the same with real date-times and numbers;
- ``json``: plain values (no neutralisation: JSON has no formulas);
- ``sav``: numeric codes with value labels (choice options numbered 1…k in
  their order), the text answers as strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from exports.sheets import neutralise
from exports.tables import Column, Kind

#: the fields of one record, in order
RECORD_FIELDS = (
    "id",
    "submitted_at",
    "timezone",
    "unit_id",
    "service_point_id",
    "service_id",
    "employee_id",
    "survey_version_id",
    "channel",
    "language",
    "flagged",
    "answers",
)

#: Indonesia's zones have kept fixed offsets since 1964
ZONE_OFFSETS = {
    "WIB": dt.timedelta(hours=7),
    "WITA": dt.timedelta(hours=8),
    "WIT": dt.timedelta(hours=9),
}
_ZONES = {name: dt.timezone(offset, name) for name, offset in ZONE_OFFSETS.items()}

TARGETS = ("csv", "xlsx", "json", "sav")


class QuestionKind:
    SCALE = "scale"
    CHOICE = "choice"
    MULTI = "multi"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class QuestionColumn:
    """One answer key across the exported survey versions."""

    key: str
    #: readable header, e.g. "U1 Persyaratan"
    header: str
    kind: str
    #: stored value → label, in option order (choices, scales)
    labels: Mapping[Any, str] = field(default_factory=dict)


@dataclass
class Names:
    """Display names of the things a response points to, by id."""

    units: Mapping[int, str] = field(default_factory=dict)
    service_points: Mapping[int, str] = field(default_factory=dict)
    services: Mapping[int, str] = field(default_factory=dict)
    employees: Mapping[int, str] = field(default_factory=dict)
    versions: Mapping[int, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Headers:
    """The fixed columns' headers (the caller translates them)."""

    id: str = "ID respons"
    local_time: str = "Waktu (lokal)"
    timezone: str = "Zona waktu"
    unit: str = "Unit"
    service_point: str = "Loket"
    service: str = "Jenis layanan"
    employee: str = "Petugas"
    version: str = "Versi survei"
    channel: str = "Saluran"
    language: str = "Bahasa"
    flagged: str = "Ditandai"
    yes: str = "ya"
    no: str = "tidak"


def _safe(value: str, spreadsheet: bool) -> str:
    return neutralise(value) if spreadsheet else value


class ResponseRows:
    """Makes the columns and rows of the raw responses export for one target format."""

    def __init__(
        self,
        questions: Sequence[QuestionColumn],
        names: Names,
        *,
        target: str = "csv",
        labelled: bool = True,
        decimal_comma: bool = False,
        headers: Headers | None = None,
    ) -> None:
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}")
        self.questions = list(questions)
        self.names = names
        self.target = target
        self.labelled = labelled and target != "sav"
        self.decimal_comma = decimal_comma and target == "csv"
        self.headers = headers or Headers()
        self.spreadsheet = target in ("csv", "xlsx")
        self._codes: dict[str, dict[Any, int]] = {}
        self.columns = self._columns()
        self._answer_getters = [self._getter(q) for q in self.questions]
        self._fixed = self._fixed_maker()

    # ----- columns

    def _columns(self) -> list[Column]:
        h, names = self.headers, self.names
        coded = self.target == "sav"
        text_or_int = Kind.INT if coded else Kind.TEXT

        def labels(mapping: Mapping[int, str]) -> Mapping[Any, str] | None:
            return dict(mapping) if coded else None

        columns = [
            Column("id", h.id, Kind.INT, width=10),
            Column(
                "waktu_lokal",
                h.local_time,
                Kind.TEXT if self.target in ("csv", "json") else Kind.DATETIME,
                width=19,
            ),
            Column("zona_waktu", h.timezone, Kind.TEXT, width=8),
            Column("unit", h.unit, text_or_int, labels(names.units)),
            Column("loket", h.service_point, text_or_int, labels(names.service_points)),
            Column("layanan", h.service, text_or_int, labels(names.services)),
            Column("petugas", h.employee, text_or_int, labels(names.employees)),
            Column("versi_survei", h.version, text_or_int, labels(names.versions)),
            Column("saluran", h.channel, Kind.TEXT, width=10),
            Column("bahasa", h.language, Kind.TEXT, width=8),
            Column("ditandai", h.flagged, Kind.INT if coded else Kind.TEXT, width=9),
        ]
        if coded:
            columns[-1] = Column("ditandai", h.flagged, Kind.INT, {0: h.no, 1: h.yes}, width=9)
        for question in self.questions:
            columns.append(self._question_column(question))
        return columns

    def _question_column(self, q: QuestionColumn) -> Column:
        name = q.key
        if q.kind == QuestionKind.SCALE:
            if self.labelled:
                return Column(name, q.header, Kind.TEXT, dict(q.labels) or None)
            return Column(name, q.header, Kind.INT, dict(q.labels) or None)
        if q.kind == QuestionKind.CHOICE:
            if self.target == "sav":
                codes = self._codes[q.key] = {v: i for i, v in enumerate(q.labels, start=1)}
                return Column(name, q.header, Kind.INT, {codes[v]: q.labels[v] for v in codes})
            return Column(name, q.header, Kind.TEXT, dict(q.labels) or None)
        if q.kind == QuestionKind.NUMBER:
            return Column(name, q.header, Kind.NUMBER)
        if q.kind == QuestionKind.MULTI:
            return Column(name, q.header, Kind.TEXT, dict(q.labels) or None)
        return Column(name, q.header, Kind.TEXT, width=40 if q.kind == QuestionKind.TEXT else None)

    # ----- rows

    def _fixed_maker(self) -> Callable[[Sequence[Any]], list[Any]]:
        names, spreadsheet = self.names, self.spreadsheet
        offsets = ZONE_OFFSETS
        yes, no = self.headers.yes, self.headers.no
        if self.target == "sav":

            def fixed(r: Sequence[Any]) -> list[Any]:
                local = (r[1] + offsets[r[2]]).replace(tzinfo=None)
                return [
                    r[0], local, r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], int(r[10]),
                ]  # fmt: skip

            return fixed

        def clean(mapping: Mapping[int, str]) -> dict[int | None, str | None]:
            result: dict[int | None, str | None] = {
                k: _safe(v, spreadsheet) for k, v in mapping.items()
            }
            result[None] = None
            return result

        units, points = clean(names.units), clean(names.service_points)
        services, employees = clean(names.services), clean(names.employees)
        versions = clean(names.versions)
        channels = {k: _safe(v, spreadsheet) for k, v in names.channels.items()}
        flags = {True: yes, False: no}
        if self.target == "xlsx":

            def local_time(moment: dt.datetime, zone: str) -> Any:
                return (moment + offsets[zone]).replace(tzinfo=None)

        elif self.target == "json":

            def local_time(moment: dt.datetime, zone: str) -> Any:
                return moment.astimezone(_ZONES[zone]).isoformat(timespec="seconds")

        else:

            def local_time(moment: dt.datetime, zone: str) -> Any:
                return (moment + offsets[zone]).replace(tzinfo=None).isoformat(" ", "seconds")

        def fixed(r: Sequence[Any]) -> list[Any]:
            zone = r[2]
            return [
                r[0],
                local_time(r[1], zone),
                zone,
                units.get(r[3], r[3]),
                points.get(r[4], r[4]),
                services.get(r[5], r[5]),
                employees.get(r[6], r[6]),
                versions.get(r[7], r[7]),
                channels.get(r[8], r[8]),
                r[9],
                flags[bool(r[10])],
            ]

        return fixed

    def _getter(self, q: QuestionColumn) -> Callable[[Mapping[str, Any]], Any]:
        key, spreadsheet = q.key, self.spreadsheet
        if q.kind in (QuestionKind.SCALE, QuestionKind.CHOICE) and self.labelled:
            labels = {k: _safe(v, spreadsheet) for k, v in q.labels.items()}
            # an unknown stored value (an option removed later) is shown as it is
            labels_get = labels.get

            def labelled(answers: Mapping[str, Any]) -> Any:
                value = answers.get(key)
                if value is None:
                    return None
                found = labels_get(value)
                return found if found is not None else _safe(str(value), spreadsheet)

            return labelled
        if q.kind == QuestionKind.CHOICE and self.target == "sav":
            codes = self._codes[key]

            def coded(answers: Mapping[str, Any]) -> Any:
                return codes.get(answers.get(key))

            return coded
        if q.kind == QuestionKind.CHOICE and self.spreadsheet:

            def choice_code(answers: Mapping[str, Any]) -> Any:
                value = answers.get(key)
                return neutralise(value) if isinstance(value, str) else value

            return choice_code
        if q.kind == QuestionKind.MULTI:
            labels = dict(q.labels) if self.labelled else {}
            separator = "; "

            def multi(answers: Mapping[str, Any]) -> Any:
                value = answers.get(key)
                if not value:
                    return None
                if not isinstance(value, list | tuple):
                    value = [value]
                text = separator.join(str(labels.get(item, item)) for item in value)
                return _safe(text, spreadsheet)

            return multi
        if q.kind == QuestionKind.NUMBER and self.decimal_comma:

            def number(answers: Mapping[str, Any]) -> Any:
                value = answers.get(key)
                if isinstance(value, float):
                    return repr(value).replace(".", ",")
                return value

            return number
        if q.kind == QuestionKind.SCALE or q.kind == QuestionKind.NUMBER:
            return lambda answers: answers.get(key)
        if spreadsheet:

            def text(answers: Mapping[str, Any]) -> Any:
                value = answers.get(key)
                if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
                    return "'" + value
                return value

            return text
        return lambda answers: answers.get(key)

    def row(self, record: Sequence[Any]) -> list[Any]:
        answers = record[11] or {}
        row = self._fixed(record)
        row.extend([get(answers) for get in self._answer_getters])
        return row

    def rows(self, records: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
        fixed, getters = self._fixed, self._answer_getters
        for record in records:
            answers = record[11] or {}
            row = fixed(record)
            row.extend([get(answers) for get in getters])
            yield row

    def value_label_rows(self) -> Iterable[list[Any]]:
        """(column, header, code, label) for every labelled column: the "value labels" sheet."""
        for column in self.columns:
            if column.labels:
                for code, label in column.labels.items():
                    yield [
                        column.name,
                        _safe(column.header, self.spreadsheet),
                        code,
                        _safe(str(label), self.spreadsheet),
                    ]


_FORMULA_STARTS = frozenset("=+-@\t\r")
