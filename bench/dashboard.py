"""The agency dashboard against a naive scan of the raw responses, at two sizes.

For each size (default 1,000,000 then 100,000 responses) a SQLite file gets the
real schema (Alembic), one agency with 200 units in a two-level tree across
the three time zones (2 counters, 3 services and 4 officers per unit, two
survey versions), and the responses of 12 months (2025) with realistic
weekday/hour patterns, optional respondent data and some comments; 1 % are
flagged. Responses are bulk-inserted and their aggregates written with the
application's own ``Tally`` (the code the public form runs per submission),
one day at a time.

Then, in the same run and on the same warm connection:

- ``dashboard``: ``build_dashboard`` for the agency head, period 2025-Q4, i.e.
  every figure the page shows (unit table with previous quarter, populations
  and sample status, 12-month trend, elements, daily/monthly volume, weekday ×
  hour heatmap, other scale questions, the comments feed);
- ``unit x month``: the IKM of every unit in every month of 2025;
- ``naive scan``: every raw response of the agency read and its answers JSON
  parsed, computing the same per-unit IKM for the quarter and the previous
  quarter and the 12-month trend (what the dashboard's aggregate queries give).

Each is run once to warm up, then ``--repeat`` times; the median is reported.
Targets (DESIGN.md §6): at 1,000,000 the dashboard ≥ 10× faster than the
naive scan, and at most 1.5× its own time at 100,000.

Usage (from the repository root)::

    .venv/bin/python bench/dashboard.py                      # both sizes, ~15 minutes
    .venv/bin/python bench/dashboard.py --sizes 100000 --repeat 3
    .venv/bin/python bench/dashboard.py --dir /tmp/bench --reuse   # keep/reuse the files
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event, exists, func, insert, select, text  # noqa: E402
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from feedback_app.dashboard.data import DashboardQuery, build_dashboard  # noqa: E402
from feedback_app.db import make_engine  # noqa: E402
from feedback_app.migrate import upgrade  # noqa: E402
from feedback_app.models import (  # noqa: E402
    Agency,
    AnswerCount,
    Employee,
    Response,
    ResponseCount,
    Service,
    ServicePoint,
    SurveyVersion,
    TimeZone,
    Unit,
    UnitKind,
    UnitPopulation,
)
from feedback_app.models.survey import definition_for  # noqa: E402
from feedback_app.public.links import ensure_default_survey  # noqa: E402
from feedback_app.results.aggregates import Tally  # noqa: E402
from feedback_app.results.periods import months_back, parse_period  # noqa: E402
from feedback_app.results.rollups import ROLLUPS, Rollup, fill, registered  # noqa: E402
from feedback_app.results.scores import ikm_by  # noqa: E402
from feedback_app.results.slices import Slice  # noqa: E402
from surveys.scoring import ElementAggregate, ikm_from_aggregates  # noqa: E402
from surveys.skm import ELEMENT_KEYS  # noqa: E402

YEAR = 2025
ROOTS = 20
CHILDREN = 9  # 20 roots + 180 children = 200 units
PERIOD = parse_period(f"{YEAR}-Q4")
ZONES = [TimeZone.WIB, TimeZone.WITA, TimeZone.WIT]
GENDERS = ["laki_laki", "perempuan"]
AGES = ["lt20", "20_29", "30_39", "40_49", "50_59", "ge60"]
EDUCATION = ["sd", "smp", "sma", "d1_d3", "d4_s1", "s2", "s3"]
OCCUPATIONS = ["pns", "tni", "polri", "swasta", "wirausaha", "pelajar_mahasiswa", "lainnya"]
COMMENTS = [
    "Antrean terlalu lama, mohon ditambah petugas.",
    "Pelayanan cepat dan ramah, terima kasih.",
    "Ruang tunggu panas, kipas angin rusak.",
    "Persyaratan tidak dijelaskan dengan jelas di papan informasi.",
    "Petugas sangat membantu.",
]


# --------------------------------------------------------------------------- data


def _organisation(session: Session, rng: random.Random) -> dict[str, Any]:
    agency = Agency(code="bench", name="Pemerintah Kota Tolok Ukur", timezone=TimeZone.WIB)
    session.add(agency)
    session.flush()
    survey = ensure_default_survey(session, agency.id)
    first = session.get(SurveyVersion, survey.current_version_id)
    second = SurveyVersion(
        survey_id=survey.id,
        number=2,
        definition=first.definition,
        published_at=dt.datetime(YEAR, 7, 1, tzinfo=dt.UTC),
        note="bench",
    )
    session.add(second)
    session.flush()
    units = []
    for r in range(ROOTS):
        zone = ZONES[r % 3]
        root = Unit(
            agency_id=agency.id, code=f"D{r:02d}", name=f"Dinas {r:02d}",
            kind=UnitKind.DINAS, timezone=zone,
        )  # fmt: skip
        session.add(root)
        session.flush()
        units.append(root)
        for c in range(CHILDREN):
            child = Unit(
                agency_id=agency.id, parent_id=root.id, code=f"D{r:02d}-{c}",
                name=f"UPT {r:02d}.{c}", kind=UnitKind.UPT, timezone=zone,
            )  # fmt: skip
            session.add(child)
            units.append(child)
    session.flush()
    plan = []
    nip = 0
    for unit in units:
        points = [ServicePoint(unit_id=unit.id, code=f"L{i}", name=f"Loket {i}") for i in (1, 2)]
        services = [Service(unit_id=unit.id, code=f"S{i}", name=f"Layanan {i}") for i in (1, 2, 3)]
        session.add_all(points + services)
        session.flush()
        officers = {}
        for point in points:
            staff = []
            for _ in range(2):
                nip += 1
                employee = Employee(
                    agency_id=agency.id, unit_id=unit.id, nip=f"19850312201001{nip:04d}",
                    name=f"Pegawai {nip}", position="Pengadministrasi",
                )  # fmt: skip
                session.add(employee)
                staff.append(employee)
            session.flush()
            officers[point.id] = [e.id for e in staff]
        plan.append(
            SimpleNamespace(
                unit=unit,
                points=[p.id for p in points],
                services=[s.id for s in services],
                officers=officers,
                quality=rng.uniform(2.3, 3.7),
            )
        )
    session.add_all(
        UnitPopulation(
            unit_id=u.id, period_start=PERIOD.start, period_end=PERIOD.end, population=2000
        )
        for u in units
    )
    session.flush()
    return {"agency": agency, "versions": [first, second], "plan": plan}


_HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 0, 2, 6, 9, 9, 8, 5, 6, 6, 4, 2, 1, 0, 0, 0, 0, 0, 0]
_DAY_WEIGHTS = [1.0, 1.0, 1.0, 1.0, 0.8, 0.3, 0.05]
_ELEMENT_OFFSETS = [0.1, -0.3, -0.4, 0.5, 0.1, 0.2, -0.2, -0.1, 0.0]


def _answers(rng: random.Random, quality: float, services: list[int]) -> tuple[dict, int | None]:
    answers: dict[str, Any] = {}
    service = rng.choice(services) if rng.random() < 0.85 else None
    if service is not None:
        answers["layanan"] = str(service)
    low = False
    for key, offset in zip(ELEMENT_KEYS, _ELEMENT_OFFSETS, strict=True):
        score = min(4, max(1, round(rng.gauss(quality + offset, 0.7))))
        answers[key] = score
        low = low or score <= 2
    if low and rng.random() < 0.4:
        answers["perbaikan"] = rng.choice(COMMENTS)
    if rng.random() < 0.08:
        answers["saran"] = rng.choice(COMMENTS)
    for key, values, share in (
        ("jenis_kelamin", GENDERS, 0.8),
        ("umur", AGES, 0.75),
        ("pendidikan", EDUCATION, 0.7),
        ("pekerjaan", OCCUPATIONS, 0.7),
    ):
        if rng.random() < share:
            answers[key] = rng.choice(values)
    return answers, service


def _bulk_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-2000000")
    cursor.close()


def _write(session: Session, tally: Tally) -> None:
    """Write a Tally's counters like ``Tally.write``, as one compiled executemany per table.

    ``Tally.write`` builds a multi-row VALUES statement per 500 rows, and compiling
    those dominates a bulk load of millions of rows; the upsert itself is the same.
    """
    for table, columns, counts in tally.counters():
        rows = [
            dict(zip(columns, key, strict=True)) | {"count": n} for key, n in counts.items() if n
        ]
        if not rows:
            continue
        statement = sqlite_insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=list(columns), set_={"count": table.c.count + statement.excluded.count}
        )
        session.execute(statement, rows)


def generate(url: str, total: int, seed: int = 6) -> float:
    """Create the schema, the organisation and ``total`` responses; returns seconds taken."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    # a bulk load of a throw-away file: a large page cache, no fsync
    event.listen(engine, "connect", _bulk_pragmas)
    rng = random.Random(seed)
    with Session(engine) as session:
        org = _organisation(session, rng)
        session.commit()
        agency = org["agency"]
        versions = org["versions"]
        definitions = {v.id: definition_for(v) for v in versions}
        plan = org["plan"]
        days = [dt.date(YEAR, 1, 1) + dt.timedelta(days=i) for i in range(365)]
        day_weights = [_DAY_WEIGHTS[d.weekday()] for d in days]
        per_day = defaultdict(int)
        for day in rng.choices(days, weights=day_weights, k=total):
            per_day[day] += 1
        table = Response.__table__
        done = 0
        for day in days:
            rows, tally = [], Tally()
            version = versions[0] if day.month < 7 else versions[1]
            definition = definitions[version.id]
            for _ in range(per_day[day]):
                unit = rng.choice(plan)
                zone = ZoneInfo(unit.unit.timezone.iana)
                hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
                local = dt.datetime.combine(
                    day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=zone
                )
                point = rng.choice(unit.points)
                officer = rng.choice(unit.officers[point]) if rng.random() < 0.9 else None
                answers, service = _answers(rng, unit.quality, unit.services)
                flagged = rng.random() < 0.01
                row = {
                    "agency_id": agency.id,
                    "unit_id": unit.unit.id,
                    "service_point_id": point,
                    "service_id": service,
                    "employee_id": officer,
                    "survey_version_id": version.id,
                    "channel": "qr",
                    "submitted_at": local.astimezone(dt.UTC),
                    "timezone": unit.unit.timezone,
                    "language": "id",
                    "answers": answers,
                    "idempotency_key": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "flagged": flagged,
                    "flag_reason": "identical_burst" if flagged else None,
                    "answers_digest": "0" * 64,
                }
                rows.append(row)
                tally.add(SimpleNamespace(**row), definition)
            if rows:
                session.execute(insert(table), rows)
                _write(session, tally)
                session.commit()
            done += len(rows)
            if day.day == 1:
                print(f"  {day:%Y-%m}: {done:,} responses", file=sys.stderr, flush=True)
        session.execute(text("ANALYZE"))
        session.commit()
    engine.dispose()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the measured work


def dashboard(session: Session, agency: Agency) -> Any:
    return build_dashboard(session, DashboardQuery(agency_id=agency.id, period=PERIOD))


def unit_by_month(session: Session, agency: Agency) -> Any:
    year = Slice(agency.id, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    return ikm_by(session, year, ("unit", "month"))


def naive_scan(session: Session, agency: Agency) -> Any:
    """Read every raw response, parse its answers and compute the dashboard's IKM figures."""
    previous = PERIOD.previous()
    months = months_back(PERIOD.end, 12)
    zones = {zone.value: ZoneInfo(zone.iana) for zone in TimeZone}
    sums: dict[Any, dict[str, list[int]]] = defaultdict(
        lambda: {key: [0, 0, 0] for key in ELEMENT_KEYS}
    )
    connection = session.connection()
    result = connection.exec_driver_sql(
        "SELECT unit_id, submitted_at, timezone, answers FROM responses"
        " WHERE agency_id = ? AND flagged = 0",
        (agency.id,),
    )
    for unit_id, submitted, zone, raw in result:
        moment = dt.datetime.fromisoformat(submitted).replace(tzinfo=dt.UTC)
        day = moment.astimezone(zones[zone]).date()
        answers = json.loads(raw)
        buckets = [("month", day.year, day.month)]
        if day in PERIOD:
            buckets.append(("now", unit_id))
        elif day in previous:
            buckets.append(("before", unit_id))
        for bucket in buckets:
            entry = sums[bucket]
            for key in ELEMENT_KEYS:
                score = answers.get(key)
                if isinstance(score, int):
                    e = entry[key]
                    e[0] += 1
                    e[1] += score
                    e[2] += score * score
    results = {
        bucket: ikm_from_aggregates({k: ElementAggregate(*v) for k, v in entry.items()})
        for bucket, entry in sums.items()
    }
    assert all(("month", m.start.year, m.start.month) in results for m in months)
    return results


def measure(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def check_same_figures(session: Session, agency: Agency) -> None:
    """The dashboard's per-unit figures equal the naive scan's (own units, no roll-up)."""
    naive = naive_scan(session, agency)
    board = dashboard(session, agency)
    leaves = {row.node.id: row for row in board.rows if not board.tree.children.get(row.node.id)}
    for unit_id, row in leaves.items():
        expected = naive.get(("now", unit_id))
        assert expected is not None and row.result.score == expected.score, unit_id
    for month, result in board.trend:
        expected = naive[("month", month.start.year, month.start.month)]
        assert result is not None and result.score == expected.score, month


def prepare_rollups(engine: Any, rebuild: bool = False) -> dict[str, Rollup]:
    """The roll-up tables (in the schema, written by the generator's Tally), refilled
    from the daily tables when asked or when a file from before them has none."""
    rollups = ROLLUPS
    with Session(engine) as session:
        if rebuild:
            for rollup in rollups.values():
                session.execute(delete(rollup.table))
            session.commit()
        if not session.scalar(select(exists().select_from(rollups["answers"].table))):
            started = time.perf_counter()
            fill(session, rollups)
            session.execute(text("ANALYZE"))
            session.commit()
            print(f"  roll-ups filled in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return rollups


def run(
    size: int, folder: Path, repeat: int, reuse: bool, rebuild_rollups: bool = False
) -> dict[str, Any]:
    path = folder / f"dashboard-{size}.db"
    url = f"sqlite:///{path}"
    generated = None
    if not (reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"generating {size:,} responses in {path} …", file=sys.stderr)
        generated = generate(url, size)
    else:
        upgrade(url)  # a reused file follows the newest migrations
    engine = make_engine(url)
    rollups = prepare_rollups(engine, rebuild_rollups)
    few = max(1, repeat // 2)
    with Session(engine) as session:
        agency = session.scalar(select(Agency).where(Agency.code == "bench"))

        def rows(table: Any) -> int:
            return session.scalar(select(func.count()).select_from(table))

        counts = {
            "responses": rows(Response),
            "response_counts rows": rows(ResponseCount),
            "answer_counts rows": rows(AnswerCount),
            **{f"{r.table.name} rows": rows(r.table) for r in rollups.values()},
        }
        print("  checking figures against the naive scan …", file=sys.stderr)
        with registered(()):
            check_same_figures(session, agency)
        print("  timing …", file=sys.stderr)
        with registered(()):
            timings = {
                "naive scan": measure(lambda: naive_scan(session, agency), few),
                "dashboard, daily tables": measure(lambda: dashboard(session, agency), few),
                "unit x month, daily tables": measure(lambda: unit_by_month(session, agency), few),
            }
        with registered(rollups.values()):
            check_same_figures(session, agency)
            timings["dashboard, roll-ups"] = measure(lambda: dashboard(session, agency), repeat)
            timings["unit x month, roll-ups"] = measure(
                lambda: unit_by_month(session, agency), repeat
            )
    engine.dispose()
    return {
        "size": size,
        "generated_seconds": generated,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        **counts,
        "timings": timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    parser.add_argument("--reuse", action="store_true", help="reuse files from an earlier run")
    parser.add_argument(
        "--rebuild-rollups",
        action="store_true",
        help="empty the roll-ups of a reused file and refill them from the daily tables",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--json-file", type=Path, help="also write the results there as JSON")
    args = parser.parse_args()

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = [
        run(size, folder, args.repeat, args.reuse, args.rebuild_rollups) for size in args.sizes
    ]
    by_size = {r["size"]: r for r in results}
    summary: dict[str, Any] = {
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, SQLite",
        "results": results,
    }
    if 1_000_000 in by_size:
        big = by_size[1_000_000]["timings"]
        for variant in ("daily tables", "roll-ups"):
            summary[f"naive / dashboard at 1M, {variant}"] = (
                big["naive scan"]["median"] / big[f"dashboard, {variant}"]["median"]
            )
            if 100_000 in by_size:
                small = by_size[100_000]["timings"]
                summary[f"dashboard 1M / 100k, {variant}"] = (
                    big[f"dashboard, {variant}"]["median"]
                    / small[f"dashboard, {variant}"]["median"]
                )
    if args.json_file:
        args.json_file.write_text(json.dumps(summary, indent=2, default=str))
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return
    for result in results:
        print(f"\n{result['size']:,} responses, {result['file_mb']} MB")
        for name, value in result.items():
            if name.endswith(" rows"):
                print(f"  {name:<28} {value:>12,}")
        for name, timing in result["timings"].items():
            print(
                f"  {name:<28} median {timing['median'] * 1000:10.1f} ms"
                f"   (min {timing['min'] * 1000:.1f}, max {timing['max'] * 1000:.1f})"
            )
    print()
    for name, value in summary.items():
        if isinstance(value, float):
            print(f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
