"""Check and apply an organisation import: every row is checked first, then all or nothing.

The page and the CLI share this module. It takes a SQLAlchemy session, the
target agency, the units the user may touch (None for the whole agency) and
the rows as dicts keyed by column name; it never commits (the request hook or
the CLI does). Rows are matched to existing records by code or NIP, so
importing the same file twice updates instead of duplicating.

A unit outside the allowed units (or in another agency) is reported as "not
found", the same answer the pages give, so other agencies' data cannot be
probed. Within the agency, a code already used by a unit the user may not
change is refused with its own message, since it cannot be reused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from exports.sheets import FORMULA_PREFIXES
from feedback_app.forms import REQUIRED
from feedback_app.imports.kinds import KINDS, Kind
from feedback_app.imports.reader import normalise_header
from feedback_app.models import Agency, Employee, Service, ServicePoint, TimeZone, Unit, UnitKind
from feedback_app.organisation.nip import NipError, parse_nip

Progress = Callable[[int], None]

#: the value shown for a problem is cut to this many characters
_VALUE_LIMIT = 100
_CODE_LENGTH = 40


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: the column is absent from the file: leave the attribute as it is
KEEP = _Marker("KEEP")
#: the cell is wrong and a problem has been reported for it
INVALID = _Marker("INVALID")


@dataclass(frozen=True)
class Problem:
    #: the spreadsheet row (header = 1); None for a problem with the whole file
    row: int | None
    #: the column name; None when the problem is not about one column
    column: str | None
    #: the cell as read, shortened
    value: str | None
    message: Any

    def describe(self) -> str:
        """One line for the CLI."""
        parts = []
        if self.row is not None:
            parts.append(str(_l("Baris %(row)d", row=self.row)))
        if self.column:
            parts.append(str(_l("kolom %(column)s", column=self.column)))
        where = ", ".join(parts)
        value = f" [{shorten(self.value, 40)}]" if self.value else ""
        return f"{where}{value}: {self.message}" if where else f"{self.message}{value}"


@dataclass
class ImportResult:
    kind: Kind
    problems: list[Problem] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: True once the changes are in the session (not for a dry run or a bad file)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def shorten(value: Any, limit: int = _VALUE_LIMIT) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure(kind: Kind, message: Any) -> ImportResult:
    """A result for a file that could not be read at all."""
    return ImportResult(kind=kind, problems=[Problem(None, None, None, message)])


def import_rows(
    session: Session,
    kind: Kind | str,
    rows: Sequence[Mapping[str, Any]],
    *,
    agency_id: int,
    unit_ids: Collection[int] | None = None,
    columns: Iterable[str] | None = None,
    row_numbers: Sequence[int] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row; when all are good (and not ``dry_run``), create and update records."""
    plan = check_rows(
        session,
        kind,
        rows,
        agency_id=agency_id,
        unit_ids=unit_ids,
        columns=columns,
        row_numbers=row_numbers,
        progress=progress,
    )
    if not plan.ok or dry_run:
        return plan.result()
    return plan.apply(progress)


def check_rows(
    session: Session,
    kind: Kind | str,
    rows: Sequence[Mapping[str, Any]],
    *,
    agency_id: int,
    unit_ids: Collection[int] | None = None,
    columns: Iterable[str] | None = None,
    row_numbers: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Check every row against the file and the database; nothing is changed.

    ``columns`` is the file's header (default: the keys of the first row);
    ``row_numbers`` the spreadsheet row of each entry (default: 2, 3, ...).
    """
    kind = KINDS[kind] if isinstance(kind, str) else kind
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise ValueError(f"no agency {agency_id}")
    if columns is None:
        columns = rows[0].keys() if rows else []
    present = [normalise_header(c) for c in columns]
    importer = _IMPORTERS[kind.slug](session, kind, agency, unit_ids, set(present))
    plan = Plan(kind, importer)

    missing = [name for name in kind.required if name not in present]
    if missing:
        importer.problems.append(
            Problem(
                1,
                None,
                None,
                _l(
                    "Kolom wajib tidak ada: %(names)s. Baris 1 harus berisi judul kolom "
                    "seperti pada templat.",
                    names=", ".join(missing),
                ),
            )
        )
        return plan
    unknown = [name for name in present if name and name not in kind.headers]
    if unknown:
        plan.notes.append(
            _l("Kolom yang tidak dikenal diabaikan: %(names)s.", names=", ".join(unknown))
        )
    if not rows:
        importer.problems.append(Problem(None, None, None, _l("Berkas tidak berisi data.")))
        return plan

    numbers = row_numbers if row_numbers is not None else range(2, len(rows) + 2)
    importer.load()
    for number, row in zip(numbers, rows, strict=True):
        importer.check_row(number, {normalise_header(k): v for k, v in row.items()})
        if progress is not None:
            progress(1)
    importer.finish()
    return plan


class Plan:
    """The outcome of the checks; ``apply`` writes it when there is no problem."""

    def __init__(self, kind: Kind, importer: _Importer) -> None:
        self.kind = kind
        self.importer = importer
        self.notes: list[Any] = []
        self.applied = False

    @property
    def problems(self) -> list[Problem]:
        return sorted(
            self.importer.problems,
            key=lambda p: (p.row or 0, self._column_order(p.column)),
        )

    def _column_order(self, column: str | None) -> int:
        headers = self.kind.headers
        return headers.index(column) if column in headers else -1

    @property
    def ok(self) -> bool:
        return not self.importer.problems

    def __len__(self) -> int:
        return len(self.importer.pending)

    def result(self) -> ImportResult:
        result = ImportResult(kind=self.kind, problems=self.problems, notes=list(self.notes))
        if result.ok:
            pending = self.importer.pending
            result.created = sum(1 for p in pending if p.existing is None)
            result.updated = sum(1 for p in pending if p.existing is not None and p.changed)
            result.unchanged = sum(1 for p in pending if p.existing is not None and not p.changed)
        return result

    def apply(self, progress: Progress | None = None) -> ImportResult:
        if not self.ok or self.applied:
            raise RuntimeError("only a checked plan without problems is applied, once")
        result = self.result()
        self.importer.apply(progress or (lambda n: None))
        self.applied = result.applied = True
        return result


@dataclass
class _Pending:
    """A checked row waiting to be written."""

    number: int
    #: what it is matched on: a code, (unit id, code) or a NIP; None when invalid
    key: Any
    existing: Any
    #: model attributes to set (absent columns are left out)
    values: dict[str, Any]
    #: the code or NIP of the parent / supervisor as written: KEEP, INVALID, None or text
    ref: Any = KEEP
    #: the resolved parent / supervisor: KEEP, None, ("file", key) or ("db", record)
    target: Any = KEEP
    changed: bool = True


def _cell_text(value: Any) -> str:
    """A cell as trimmed text; undoes the apostrophe the exports put before = + - @."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2].startswith(FORMULA_PREFIXES):
        text = text[1:].strip()
    return text


_UNIT_KINDS: dict[str, UnitKind] = {k.value: k for k in UnitKind} | {
    "mal_pelayanan_publik": UnitKind.MPP,
    "unit_pelaksana_teknis": UnitKind.UPT,
    "rumah_sakit_umum_daerah": UnitKind.RUMAH_SAKIT,
    "rsud": UnitKind.RUMAH_SAKIT,
}

_TIMEZONES: dict[str, TimeZone] = {tz.value: tz for tz in TimeZone} | {
    tz.iana.upper(): tz for tz in TimeZone
}


class _Importer:
    """Checks and writes one kind of record. Subclasses know their columns and model."""

    def __init__(
        self,
        session: Session,
        kind: Kind,
        agency: Agency,
        unit_ids: Collection[int] | None,
        columns: set[str],
    ) -> None:
        self.session = session
        self.kind = kind
        self.agency = agency
        self.unit_ids = None if unit_ids is None else set(unit_ids)
        self.columns = columns
        self.problems: list[Problem] = []
        self.pending: list[_Pending] = []
        #: first row of each key in the file
        self.seen: dict[Any, int] = {}

    # -- loading and helpers ---------------------------------------------------

    def load(self) -> None:
        units = self.session.scalars(select(Unit).where(Unit.agency_id == self.agency.id))
        self.units_by_code: dict[str, Unit] = {u.code: u for u in units}

    def in_scope(self, unit_id: int | None) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def problem(self, row: int, column: str | None, value: Any, message: Any) -> None:
        self.problems.append(
            Problem(row, column, shorten(value) if value not in (None, "") else None, message)
        )

    def text(
        self,
        number: int,
        row: Mapping[str, Any],
        column: str,
        max_length: int,
        *,
        required: bool = True,
        single_line: bool = True,
    ) -> Any:
        """Trimmed text, None when empty, INVALID after reporting a problem."""
        text = _cell_text(row.get(column))
        if single_line:
            text = " ".join(text.split())
        if not text:
            if required:
                self.problem(number, column, None, REQUIRED)
                return INVALID
            return None
        if len(text) > max_length:
            self.problem(
                number, column, text, _l("Paling banyak %(max)d karakter.", max=max_length)
            )
            return INVALID
        return text

    def code(
        self, number: int, row: Mapping[str, Any], column: str, *, required: bool = True
    ) -> Any:
        """A code normalised as the forms do: trimmed, upper case, ``A-Z 0-9 . _ -``."""
        text = _cell_text(row.get(column)).lstrip("'").strip().upper()
        if not text:
            if required:
                self.problem(number, column, None, REQUIRED)
                return INVALID
            return None
        if not all(c.isascii() and (c.isalnum() or c in "-_.") for c in text):
            self.problem(
                number,
                column,
                text,
                _l("Kode hanya boleh berisi huruf, angka, titik, garis bawah dan tanda hubung."),
            )
            return INVALID
        if len(text) > _CODE_LENGTH:
            self.problem(
                number, column, text, _l("Paling banyak %(max)d karakter.", max=_CODE_LENGTH)
            )
            return INVALID
        return text

    def unit(self, number: int, row: Mapping[str, Any]) -> Any:
        """The unit in ``kode_unit``, if it is in the agency and the user's units."""
        code = self.code(number, row, "kode_unit")
        if code is INVALID:
            return INVALID
        unit = self.units_by_code.get(code)
        if unit is None or not self.in_scope(unit.id):
            self.problem(number, "kode_unit", code, _l("Kode unit tidak ditemukan."))
            return INVALID
        return unit

    def first_occurrence(self, number: int, column: str, key: Any, shown: str) -> bool:
        earlier = self.seen.setdefault(key, number)
        if earlier != number:
            self.problem(
                number,
                column,
                shown,
                _l("Duplikat: sudah ada di baris %(row)d berkas ini.", row=earlier),
            )
            return False
        return True

    @staticmethod
    def _differs(record: Any, values: Mapping[str, Any]) -> bool:
        return any(getattr(record, attr) != value for attr, value in values.items())

    def _write_values(self, pending: _Pending, new: Callable[[], Any]) -> Any:
        if pending.existing is None:
            record = new()
            for attr, value in pending.values.items():
                setattr(record, attr, value)
            self.session.add(record)
            return record
        for attr, value in pending.values.items():
            if getattr(pending.existing, attr) != value:
                setattr(pending.existing, attr, value)
        return pending.existing

    # -- the steps -------------------------------------------------------------

    def check_row(self, number: int, row: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Checks that need every row (references, cycles); marks what changes."""
        if not self.problems:
            for pending in self.pending:
                if pending.existing is not None:
                    pending.changed = self._differs(pending.existing, pending.values)

    def apply(self, progress: Progress) -> None:
        raise NotImplementedError


# --- trees: unit parents and supervisors ------------------------------------------------


class _TreeImporter(_Importer):
    """Units and employees: each row may point at another (parent, supervisor) by key.

    The reference may name a row earlier or later in the file or a stored
    record; loops are refused. A unit-limited user may only point inside their
    units, except that a reference already stored (e.g. their top unit's own
    parent, outside their units) may stay.
    """

    #: the column holding the reference
    ref_column: str
    #: the relationship and its foreign key on the model
    relation: str
    foreign_key: str
    #: whether "no parent" is allowed to a unit-limited user
    none_in_scope: bool
    self_message: Any
    missing_message: Any
    outside_message: Any

    by_key: dict[str, Any]
    by_id: dict[int, Any]

    def record_key(self, record: Any) -> str:
        raise NotImplementedError

    def scope_unit(self, record: Any) -> int:
        raise NotImplementedError

    def new_record(self, key: str) -> Any:
        raise NotImplementedError

    def current(self, record: Any) -> Any:
        return self.by_id.get(getattr(record, self.foreign_key))

    def finish(self) -> None:
        self.in_file = {p.key: p for p in self.pending if p.key not in (None, INVALID)}
        for pending in self.pending:
            if pending.ref is not INVALID and pending.key not in (None, INVALID):
                self._resolve(pending)
        parent_of: dict[Any, Any] = {}
        for record in self.by_key.values():
            parent = self.current(record)
            parent_of[self.record_key(record)] = None if parent is None else self.record_key(parent)
        for pending in self.in_file.values():
            target = pending.target
            if target is KEEP:
                continue
            if target is None:
                parent_of[pending.key] = None
            else:
                parent_of[pending.key] = (
                    target[1] if target[0] == "file" else self.record_key(target[1])
                )
        self._find_cycles(parent_of)
        super().finish()
        if not self.problems:
            for pending in self.pending:
                if pending.existing is not None and not pending.changed:
                    pending.changed = self._reference_changed(pending)

    def _resolve(self, pending: _Pending) -> None:
        ref, existing = pending.ref, pending.existing
        current = self.current(existing) if existing is not None else None
        if ref is KEEP:
            pending.target = None if current is None else ("db", current)
        elif ref is None:
            pending.target = None
        elif ref == pending.key:
            self.problem(pending.number, self.ref_column, ref, self.self_message)
            return
        elif ref in self.in_file:
            pending.target = ("file", ref)
            return
        elif ref in self.by_key:
            pending.target = ("db", self.by_key[ref])
        else:
            self.problem(pending.number, self.ref_column, ref, self.missing_message)
            return

        if self.unit_ids is None:
            return
        target = None if pending.target is None else pending.target[1]
        if target is None and self.none_in_scope:
            return
        if target is not None and self.in_scope(self.scope_unit(target)):
            return
        if existing is not None and target is current:
            return  # unchanged
        if existing is not None and ref is None and not self.in_scope(self.scope_unit(current)):
            # the top of the user's units keeps its parent outside them
            pending.target = ("db", current)
            return
        if target is None:
            self.problem(pending.number, self.ref_column, None, self.outside_message)
        else:
            self.problem(pending.number, self.ref_column, ref, self.missing_message)

    def _find_cycles(self, parent_of: dict[Any, Any]) -> None:
        """Report every row of the file that would end up above itself."""
        done: set[Any] = set()
        for start in self.in_file:
            path: list[Any] = []
            position: dict[Any, int] = {}
            node = start
            while node is not None and node not in done:
                if node in position:
                    loop = path[position[node] :]
                    for at, member in enumerate(loop):
                        if member in self.in_file:
                            order = [*loop[at:], *loop[:at], member]
                            self.problem(
                                self.in_file[member].number,
                                self.ref_column,
                                parent_of[member],
                                _l(
                                    "Hubungan ini membentuk lingkaran: %(path)s.",
                                    path=" → ".join(order),
                                ),
                            )
                    break
                position[node] = len(path)
                path.append(node)
                node = parent_of.get(node)
            done.update(path)

    def _reference_changed(self, pending: _Pending) -> bool:
        target = pending.target
        if target is KEEP:
            return False
        current_id = getattr(pending.existing, self.foreign_key)
        if target is None:
            return current_id is not None
        if target[0] == "file":
            other = self.in_file[target[1]].existing
            return other is None or current_id != other.id
        return current_id != target[1].id

    def apply(self, progress: Progress) -> None:
        # Insert first, then link by id: handing SQLAlchemy a self-referential
        # graph of new rows makes it sort them one by one (minutes for 20 000).
        records = {
            p.key: self._write_values(p, lambda p=p: self.new_record(p.key)) for p in self.pending
        }
        self.session.flush()
        for pending in self.pending:
            record, target = records[pending.key], pending.target
            if target is not KEEP:
                linked_id = None
                if target is not None:
                    linked = records[target[1]] if target[0] == "file" else target[1]
                    linked_id = linked.id
                if getattr(record, self.foreign_key) != linked_id:
                    setattr(record, self.foreign_key, linked_id)
                    # the relationship may hold the old object; load it again when asked
                    self.session.expire(record, [self.relation])
            progress(1)
        self.session.flush()


class _UnitImporter(_TreeImporter):
    ref_column = "kode_induk"
    relation = "parent"
    foreign_key = "parent_id"
    none_in_scope = False
    self_message = _l("Unit tidak boleh menjadi induk dirinya sendiri.")
    missing_message = _l("Kode induk tidak ditemukan.")
    outside_message = _l("Unit harus berada di bawah unit yang boleh Anda kelola; isi kode_induk.")

    def load(self) -> None:
        super().load()
        self.by_key = self.units_by_code
        self.by_id = {u.id: u for u in self.units_by_code.values()}

    def record_key(self, record: Unit) -> str:
        return record.code

    def scope_unit(self, record: Unit) -> int:
        return record.id

    def new_record(self, key: str) -> Unit:
        return Unit(agency_id=self.agency.id, code=key, active=True)

    def unit_kind(self, number: int, row: Mapping[str, Any]) -> Any:
        text = _cell_text(row.get("jenis"))
        if not text:
            self.problem(number, "jenis", None, REQUIRED)
            return INVALID
        kind = _UNIT_KINDS.get(normalise_header(text))
        if kind is None:
            self.problem(
                number,
                "jenis",
                text,
                _l(
                    "Jenis unit tidak dikenal. Pilih salah satu: %(choices)s.",
                    choices=", ".join(k.value for k in UnitKind),
                ),
            )
            return INVALID
        return kind

    def timezone(self, number: int, row: Mapping[str, Any]) -> Any:
        text = _cell_text(row.get("zona_waktu")).upper()
        if not text:
            return None
        zone = _TIMEZONES.get(text)
        if zone is None:
            self.problem(number, "zona_waktu", text, _l("Zona waktu harus WIB, WITA atau WIT."))
            return INVALID
        return zone

    def check_row(self, number: int, row: Mapping[str, Any]) -> None:
        code = self.code(number, row, "kode_unit")
        values: dict[str, Any] = {
            "name": self.text(number, row, "nama_unit", 200),
            "kind": self.unit_kind(number, row),
        }
        zone = self.timezone(number, row) if "zona_waktu" in self.columns else None
        if "alamat" in self.columns:
            values["address"] = self.text(
                number, row, "alamat", 500, required=False, single_line=False
            )
        ref = KEEP
        if "kode_induk" in self.columns:
            ref = self.code(number, row, "kode_induk", required=False)

        existing = None
        if code is not INVALID:
            if self.first_occurrence(number, "kode_unit", code, code):
                existing = self.units_by_code.get(code)
                if existing is not None and not self.in_scope(existing.id):
                    self.problem(
                        number,
                        "kode_unit",
                        code,
                        _l("Kode ini sudah dipakai unit yang tidak boleh Anda ubah."),
                    )
                    # references to it resolve to the stored unit, and are refused there
                    existing, code = None, None
            else:
                code = None  # reported; left out of the references
        if zone is not None:
            values["timezone"] = zone
        elif existing is None:
            values["timezone"] = self.agency.timezone
        self.pending.append(_Pending(number, code, existing, values, ref=ref))


# --- counters and services ----------------------------------------------------------


class _UnitOwnedImporter(_Importer):
    """Counters and services: each belongs to a unit and has a code unique in it."""

    model: type[ServicePoint] | type[Service]
    key_column: str
    #: column → (attribute, max length, required, single line)
    attributes: dict[str, tuple[str, int, bool, bool]]

    def load(self) -> None:
        super().load()
        records = self.session.scalars(
            select(self.model)
            .join(Unit, self.model.unit_id == Unit.id)
            .where(Unit.agency_id == self.agency.id)
        )
        self.existing = {(r.unit_id, r.code): r for r in records}

    def check_row(self, number: int, row: Mapping[str, Any]) -> None:
        unit = self.unit(number, row)
        code = self.code(number, row, self.key_column)
        values: dict[str, Any] = {}
        for column, (attr, length, required, single_line) in self.attributes.items():
            if required or column in self.columns:
                values[attr] = self.text(
                    number, row, column, length, required=required, single_line=single_line
                )
        key, existing = None, None
        if (
            unit is not INVALID
            and code is not INVALID
            and self.first_occurrence(number, self.key_column, (unit.id, code), code)
        ):
            key = (unit.id, code)
            existing = self.existing.get(key)
        self.pending.append(
            _Pending(
                number,
                key,
                existing,
                {"unit_id": getattr(unit, "id", None), "code": code, **values},
            )
        )

    def apply(self, progress: Progress) -> None:
        for pending in self.pending:
            self._write_values(pending, lambda: self.model(active=True))
            progress(1)
        self.session.flush()


class _CounterImporter(_UnitOwnedImporter):
    model = ServicePoint
    key_column = "kode_loket"
    attributes = {
        "nama_loket": ("name", 200, True, True),
        "lokasi": ("location", 200, False, True),
    }


class _ServiceImporter(_UnitOwnedImporter):
    model = Service
    key_column = "kode_layanan"
    attributes = {
        "nama_layanan": ("name", 200, True, True),
        "nama_layanan_en": ("name_en", 200, False, True),
        "keterangan": ("description", 2000, False, False),
    }


# --- employees ----------------------------------------------------------------------

#: how Excel writes a long number it saved as a number in a CSV: 1,98503E+17
_SCIENTIFIC = re.compile(r"\d+([.,]\d+)?[eE]\+?\d+")


class _EmployeeImporter(_TreeImporter):
    ref_column = "nip_atasan"
    relation = "supervisor"
    foreign_key = "supervisor_id"
    none_in_scope = True
    self_message = _l("Pegawai tidak boleh menjadi atasan dirinya sendiri.")
    missing_message = _l("NIP atasan tidak ditemukan.")
    outside_message = missing_message

    def load(self) -> None:
        super().load()
        employees = self.session.scalars(
            select(Employee).where(Employee.agency_id == self.agency.id)
        )
        self.by_key = {e.nip: e for e in employees}
        self.by_id = {e.id: e for e in self.by_key.values()}

    def record_key(self, record: Employee) -> str:
        return record.nip

    def scope_unit(self, record: Employee) -> int:
        return record.unit_id

    def new_record(self, key: str) -> Employee:
        return Employee(agency_id=self.agency.id, nip=key, active=True)

    def nip(self, number: int, row: Mapping[str, Any], column: str, *, required: bool) -> Any:
        raw = row.get(column)
        stored_as_number = _l(
            "NIP tersimpan sebagai angka sehingga Excel mengubah digit terakhirnya. "
            "Simpan kolom NIP sebagai Teks, lalu ketik ulang NIP-nya."
        )
        if isinstance(raw, float):
            self.problem(number, column, f"{raw:.15g}", stored_as_number)
            return INVALID
        text = _cell_text(raw).lstrip("'").strip()
        if not text:
            if required:
                self.problem(number, column, None, REQUIRED)
                return INVALID
            return None
        if _SCIENTIFIC.fullmatch(text):
            self.problem(number, column, text, stored_as_number)
            return INVALID
        try:
            return parse_nip(text).number
        except NipError as error:
            self.problem(number, column, text, error.message)
            return INVALID

    def check_row(self, number: int, row: Mapping[str, Any]) -> None:
        nip = self.nip(number, row, "nip", required=True)
        values: dict[str, Any] = {
            "name": self.text(number, row, "nama", 200),
            "position": self.text(number, row, "jabatan", 200),
        }
        unit = self.unit(number, row)
        values["unit_id"] = None if unit is INVALID else unit.id
        ref = KEEP
        if "nip_atasan" in self.columns:
            ref = self.nip(number, row, "nip_atasan", required=False)

        existing = None
        if nip is not INVALID:
            if self.first_occurrence(number, "nip", nip, nip):
                existing = self.by_key.get(nip)
                if existing is not None and not self.in_scope(existing.unit_id):
                    self.problem(
                        number,
                        "nip",
                        nip,
                        _l("NIP ini terdaftar pada unit yang tidak boleh Anda ubah."),
                    )
                    existing, nip = None, None
            else:
                nip = None
        self.pending.append(_Pending(number, nip, existing, values, ref=ref))


_IMPORTERS: dict[str, type[_Importer]] = {
    "units": _UnitImporter,
    "counters": _CounterImporter,
    "services": _ServiceImporter,
    "employees": _EmployeeImporter,
}
