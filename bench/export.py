"""Benchmark: exporting 1 000 000 responses, against a plain ``csv`` dump of the same rows.

    .venv/bin/python bench/export.py --responses 1000000

Builds a SQLite database (migrated, 1 agency, 20 units, 1 000 000 responses
with their aggregate counts) in a temporary folder, then runs each step in a
fresh process so each peak RSS is its own:

- ``baseline``: the same SELECT (same columns, same engine, streamed with
  ``yield_per``) written with ``csv.writer``: the fixed columns as stored and
  one column per question key, raw values, no names, no labels;
- ``csv``: the real export (``flask export`` code path), raw responses, names,
  value labels, local time, semicolon and decimal comma, formulas neutralised;
- ``xlsx``: the same rows as an XLSX workbook (constant-memory mode);
- ``pdf``: the "Laporan Hasil SKM" of the whole agency for the year (from the
  aggregate tables).

Target (DESIGN.md §6): csv ≤ 1.5 × baseline, peak RSS < 300 MB.
``--database URL`` reuses an existing database (e.g. PostgreSQL) instead.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-0123456789abcdefghijkl"  # noqa: S105 - a throwaway database
YEAR = 2025


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM); unlike ru_maxrss it is not inherited
    from the parent across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app(url: str, folder: Path):  # type: ignore[no-untyped-def]
    from feedback_app import create_app, exports_web

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": False,
            "EXPORT_DIR": str(folder),
            "HUEY_IMMEDIATE": True,
        }
    )
    if "exports_web" not in app.blueprints:
        exports_web.init_app(app)
    return app


def build(url: str, count: int, folder: Path) -> None:
    """Migrate and fill the database: organisation, responses, aggregate counts."""
    from sqlalchemy import insert

    from feedback_app.db import get_session
    from feedback_app.migrate import upgrade
    from feedback_app.models import (
        Agency,
        Employee,
        Response,
        Role,
        Service,
        ServicePoint,
        SurveyVersion,
        TimeZone,
        Unit,
        UnitKind,
        User,
    )
    from feedback_app.models.survey import definition_for
    from feedback_app.public.links import ensure_default_survey
    from feedback_app.results.aggregates import Tally

    upgrade(url)
    app = _app(url, folder)
    with app.app_context():
        session = get_session()
        agency = Agency(code="bench", name="Pemerintah Kota Bench", timezone=TimeZone.WIB,
                        head_name="Kepala Bench", head_nip="197001011995031001")  # fmt: skip
        session.add(agency)
        session.flush()
        survey = ensure_default_survey(session, agency.id)
        version = session.get(SurveyVersion, survey.current_version_id)
        definition = definition_for(version)
        units, points, services, employees = [], [], [], []
        for u in range(20):
            unit = Unit(agency_id=agency.id, code=f"U{u}", name=f"Unit Layanan {u}",
                        kind=UnitKind.DINAS, timezone=TimeZone.WIB)  # fmt: skip
            session.add(unit)
            session.flush()
            units.append(unit)
            for c in range(2):
                point = ServicePoint(unit_id=unit.id, code=f"L{c}", name=f"Loket {c + 1}")
                service = Service(unit_id=unit.id, code=f"S{c}", name=f"Layanan {u}-{c}")
                employee = Employee(agency_id=agency.id, unit_id=unit.id, name=f"Petugas {u}-{c}",
                                    nip=f"1985031220100110{u:02d}"[:15] + f"{u * 2 + c + 1:03d}",
                                    position="Pelaksana")  # fmt: skip
                session.add_all([point, service, employee])
                session.flush()
                points.append(point)
                services.append(service)
                employees.append(employee)
        session.add(User(email="head@bench.go.id", name="Kepala", password_hash="x",  # noqa: S106
                         role=Role.AGENCY_HEAD, agency_id=agency.id))  # fmt: skip
        session.commit()

        rng = random.Random(1)
        genders = ["laki_laki", "perempuan"]
        education = ["sd", "smp", "sma", "d1_d3", "d4_s1", "s2"]
        pool = []
        for i in range(997):
            answers = {f"U{k}": rng.choice((2, 3, 3, 3, 4, 4)) for k in range(1, 10)}
            answers["jenis_kelamin"] = rng.choice(genders)
            answers["pendidikan"] = rng.choice(education)
            if i % 3 == 0:
                answers["saran"] = rng.choice(
                    [
                        "Pelayanan cepat, terima kasih.",
                        "=SUM(A1:A9)",
                        "Antrean panjang; tambah loket",
                        "Petugas ramah\ndan sopan",
                    ]  # fmt: skip
                )
            pool.append(answers)
        start = dt.datetime(YEAR, 1, 2, 1, 0, tzinfo=dt.UTC)
        spread = 360 * 24 * 3600 / count
        tally = Tally()
        table = Response.__table__
        batch = []
        for i in range(count):
            slot = i % 40
            unit = units[slot // 2]
            answers = dict(pool[i % len(pool)])
            answers["layanan"] = str(services[slot].id)
            row = {
                "agency_id": agency.id,
                "unit_id": unit.id,
                "service_point_id": points[slot].id,
                "service_id": services[slot].id,
                "employee_id": employees[slot].id,
                "survey_version_id": version.id,
                "channel": "qr",
                "submitted_at": start + dt.timedelta(seconds=int(i * spread)),
                "timezone": "WIB",
                "language": "id",
                "answers": answers,
                "idempotency_key": f"bench-{i}",
                "flagged": False,
                "answers_digest": f"{i:064d}",
            }
            batch.append(row)
            tally.add(SimpleNamespace(**row), definition)
            if len(batch) == 20000:
                session.execute(insert(table), batch)
                batch.clear()
        if batch:
            session.execute(insert(table), batch)
        # the tables are empty: plain inserts of the final counts (the upsert is for live traffic)
        for table_, columns, counts in tally.counters():
            rows = [
                {**dict(zip(columns, key, strict=True)), "count": n} for key, n in counts.items()
            ]
            for start_row in range(0, len(rows), 20000):
                session.execute(insert(table_), rows[start_row : start_row + 20000])
        session.commit()
    app.extensions["db"].engine.dispose()


def _selection(session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from feedback_app.exports_web import service
    from feedback_app.exports_web.selection import Filters, resolve
    from feedback_app.models import User

    user = session.scalar(select(User).where(User.email == "head@bench.go.id"))
    return resolve(session, service.actor_for(user), Filters(period=str(YEAR)))


def phase(name: str, url: str, folder: Path) -> dict:
    from feedback_app.db import get_session
    from feedback_app.exports_web import service

    app = _app(url, folder)
    out = folder / f"{name}.out"
    with app.app_context():
        session = get_session()
        selection = _selection(session)
        floor = peak_rss_mb()
        started = time.perf_counter()
        rows = 0
        if name == "baseline":
            from feedback_app.exports_web import figures
            from feedback_app.models.survey import definition_for

            keys = []
            for version in figures.versions_in(session, selection):
                for question in definition_for(version).questions:
                    for key in question.field_names():
                        if key not in keys:
                            keys.append(key)
            query = service.record_query(selection)
            with open(out, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["id", "submitted_at", "timezone", "unit_id", "service_point_id",
                                 "service_id", "employee_id", "survey_version_id", "channel",
                                 "language", "flagged", *keys])  # fmt: skip
                for record in session.execute(query.execution_options(yield_per=2000)):
                    answers = record[11]
                    writer.writerow([*record[:11], *[answers.get(k) for k in keys]])
                    rows += 1
        else:
            fmt = {"csv": "csv", "xlsx": "xlsx", "pdf": "pdf"}[name]
            kind = "summary" if fmt == "pdf" else "raw"
            options = service.Options(delimiter=";", decimal_comma=True)
            counter = [0]

            def progress(n: int) -> None:
                counter[0] += n

            with open(out, "wb") as handle:
                service.write_export(session, selection, kind, fmt, options, handle, progress)
            rows = counter[0]
        seconds = time.perf_counter() - started
    app.extensions["db"].engine.dispose()
    peak = peak_rss_mb()
    result = {"phase": name, "seconds": round(seconds, 2), "rows": rows,
              "peak_rss_mb": round(peak, 1), "rss_before_mb": round(floor, 1),
              "bytes": out.stat().st_size}  # fmt: skip
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--database", help="use this database as it is (already filled)")
    parser.add_argument("--phases", default="baseline,csv,baseline,csv,xlsx,pdf")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        print(json.dumps(phase(args.phase, args.database, Path(args.folder))))
        return

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        url = args.database or f"sqlite:///{folder / 'bench.db'}"
        if not args.database:
            started = time.perf_counter()
            build(url, args.responses, folder)
            print(f"built {args.responses:,} responses in {time.perf_counter() - started:.1f} s",
                  flush=True)  # fmt: skip
        results: dict[str, list[dict]] = {}
        for name in args.phases.split(","):
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            output = subprocess.run(
                [sys.executable, __file__, "--phase", name, "--database", url, "--folder", tmp],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            results.setdefault(name, []).append(result)
            print(json.dumps(result), flush=True)
        best = {name: min(runs, key=lambda r: r["seconds"]) for name, runs in results.items()}
        if "baseline" in best and "csv" in best:
            ratio = best["csv"]["seconds"] / best["baseline"]["seconds"]
            print(f"csv / baseline = {ratio:.2f} (target ≤ 1.5)")
        for name, result in best.items():
            print(
                f"{name:9} {result['seconds']:8.2f} s  {result['rows']:>9,} rows  "
                f"peak RSS {result['peak_rss_mb']:6.1f} MB  {result['bytes']:>12,} bytes"
            )


if __name__ == "__main__":
    main()
