"""The citizen's submission round trip: the full app against a bare Flask app.

One round trip is what a phone does: GET the counter's form, POST the answers
(with the form's ``csrf_token`` and ``form_key`` and valid answers, chosen at
random from the options on the page), follow the 303 to the thank-you page.

Both apps run under the same gunicorn settings, one after the other, in the
same run, driven by the same load generator (Python threads, ``http.client``
with keep-alive, a fresh cookie jar per citizen):

1. closed loop: ``--concurrency`` citizens back to back for ``--duration``
   seconds: round trips per second, and the ratio full/bare (target ≥ 1/3);
2. open loop: round trips started at a fixed ``--rate`` per second for
   ``--open-duration`` seconds, whatever the server does: latency p50/p99
   of each request and of the whole round trip (from its scheduled start, so
   queueing counts), and errors (target: p99 < 50 ms, no errors);
3. the form page's size, raw and gzip (HTML + CSS).

Afterwards the stored rows are counted: every accepted POST must be one row.

The full app gets a migrated SQLite database with the demo organisation in a
temporary folder; submissions are spread over the demo's counters. The
public form's rate limits stay on but are raised so that one load generator
on 127.0.0.1 is not throttled (their cost is still paid).

Usage (from the repository root)::

    .venv/bin/python bench/submit.py                  # defaults below, ~2 minutes
    .venv/bin/python bench/submit.py --rounds 2 --json

Timings depend on the machine and its neighbours: compare the two apps of
one run, not numbers across runs.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import itertools
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bare_app import SCHEMA

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789abcdef"  # noqa: S105 - a throwaway key
#: the public form's limits, raised so one load generator on one address is not throttled
GENEROUS_LIMIT = "100000000 per minute"
#: how long gunicorn may take to answer its first request (a busy machine imports slowly)
START_SECONDS = 120
#: where production keeps the rate-limit counters (the app refuses memory:// there)
REDIS_LIMITS = "redis://127.0.0.1:6379/0"

# --- HTTP with keep-alive and a cookie jar per citizen -----------------------------------

_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'(\w[\w-]*)(?:="([^"]*)")?')
_SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S)
_OPTION = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"')
_STYLESHEET = re.compile(r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"')


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive connection; reconnects once when the server closed an idle one."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, response.msg, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # a kept-alive connection the server had closed: nothing was processed
                self.close()
                if attempt:
                    raise
                self.reconnects += 1
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _cookies(jar: dict[str, str], headers: http.client.HTTPMessage) -> None:
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


def answers_for(html: str, rng: random.Random) -> dict[str, str]:
    """Valid answers to the form on ``html``: its hidden fields, one option per radio
    group, a non-empty choice in every select; text fields left empty."""
    hidden: dict[str, str] = {}
    radios: dict[str, list[str]] = {}
    for tag in _INPUT.findall(html):
        attrs = {k: v or "" for k, v in _ATTR.findall(tag[6:])}
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if not name:
            continue
        if kind == "hidden":
            hidden[name] = attrs.get("value", "")
        elif kind == "radio":
            radios.setdefault(name, []).append(attrs.get("value", ""))
    if "csrf_token" not in hidden or "form_key" not in hidden:
        raise HttpError("the form has no csrf_token or form_key")
    data = dict(hidden)
    for name, values in radios.items():
        data[name] = rng.choice(values)
    for name, body in _SELECT.findall(html):
        values = [v for v in _OPTION.findall(body) if v]
        if values:
            data[name] = rng.choice(values)
    return data


STEPS = ("get_form", "post", "get_thanks")


@dataclass
class Trip:
    ok: bool
    #: the POST was accepted (303): one row should have been stored
    posted: bool = False
    #: seconds per step, and "round_trip" (from the scheduled start in the open loop)
    times: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def round_trip(conn: Connection, form_path: str, rng: random.Random, started: float) -> Trip:
    jar: dict[str, str] = {}
    times: dict[str, float] = {}
    posted = False
    base = {"Accept-Language": "id-ID,id;q=0.9", "User-Agent": "bench/submit.py"}
    try:
        t = time.perf_counter()
        status, headers, body = conn.request("GET", form_path, headers=base)
        times["get_form"] = time.perf_counter() - t
        if status != 200:
            raise HttpError(f"GET form: {status}")
        _cookies(jar, headers)
        data = urlencode(answers_for(body.decode(), rng)).encode()

        t = time.perf_counter()
        status, headers, _ = conn.request(
            "POST",
            form_path,
            body=data,
            headers={
                **base,
                **_cookie_header(jar),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        times["post"] = time.perf_counter() - t
        if status != 303:
            raise HttpError(f"POST: {status}")
        posted = True
        _cookies(jar, headers)
        location = urlsplit(headers["Location"])
        thanks = location.path + (f"?{location.query}" if location.query else "")

        t = time.perf_counter()
        status, _, body = conn.request("GET", thanks, headers={**base, **_cookie_header(jar)})
        times["get_thanks"] = time.perf_counter() - t
        if status != 200 or b"Terima kasih" not in body:
            raise HttpError(f"GET thanks: {status}")
        times["round_trip"] = time.perf_counter() - started
        return Trip(True, posted, times)
    except (OSError, http.client.HTTPException, HttpError, KeyError) as error:
        conn.close()
        return Trip(False, posted, times, f"{type(error).__name__}: {error}")


# --- load: closed and open loop ----------------------------------------------------------


@dataclass
class ClosedResult:
    concurrency: int
    seconds: float
    round_trips: int
    errors: int
    rate: float
    reconnects: int
    #: POSTs accepted, warm-up included: the rows that should have been stored
    posts_accepted: int
    #: CPU the load generator itself used, in cores (1.0 = one core busy)
    client_cores: float
    first_errors: list[str]


def closed_loop(
    port: int, paths: list[str], concurrency: int, duration: float, warmup: float
) -> ClosedResult:
    stop_warmup = time.perf_counter() + warmup
    stop = stop_warmup + duration
    counts = [0] * concurrency
    errors: list[list[str]] = [[] for _ in range(concurrency)]
    conns = [Connection(port) for _ in range(concurrency)]
    posted = [0] * concurrency

    def citizen(n: int) -> None:
        rng = random.Random(n)
        conn = conns[n]
        while (now := time.perf_counter()) < stop:
            trip = round_trip(conn, rng.choice(paths), rng, now)
            posted[n] += trip.posted
            if time.perf_counter() <= stop_warmup or time.perf_counter() > stop:
                continue
            if trip.ok:
                counts[n] += 1
            else:
                errors[n].append(trip.error or "?")

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(concurrency)]
    cpu, wall = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client_cores = (time.process_time() - cpu) / (time.perf_counter() - wall)
    for conn in conns:
        conn.close()
    done = sum(counts)
    failed = [e for per in errors for e in per]
    return ClosedResult(
        concurrency=concurrency,
        seconds=duration,
        round_trips=done,
        errors=len(failed),
        rate=done / duration,
        reconnects=sum(c.reconnects for c in conns),
        posts_accepted=sum(posted),
        client_cores=client_cores,
        first_errors=failed[:5],
    )


@dataclass
class OpenResult:
    offered_rate: float
    seconds: float
    scheduled: int
    completed: int
    errors: int
    achieved_rate: float
    #: the latest a round trip started after its scheduled time (the load generator's lag)
    max_start_lag_ms: float
    #: round trips never started: the server was so far behind that the run was cut off
    dropped: int
    latency_ms: dict[str, dict[str, float]]
    posts_accepted: int
    first_errors: list[str]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def open_loop(
    port: int, paths: list[str], rate: float, duration: float, threads: int, grace: float = 10
) -> OpenResult:
    """Start round trips on a fixed schedule; give up on those not started ``grace``
    seconds after the schedule ends (counted as dropped, and as errors)."""
    total = int(rate * duration)
    start = time.perf_counter() + 0.5
    cutoff = start + duration + grace
    dropped = [0]
    slots = itertools.count()
    lock = threading.Lock()
    trips: list[Trip] = []
    lags: list[float] = []

    def runner(n: int) -> None:
        rng = random.Random(1000 + n)
        conn = Connection(port)
        mine: list[Trip] = []
        my_lags: list[float] = []
        while True:
            with lock:
                slot = next(slots)
            if slot >= total:
                break
            scheduled = start + slot / rate
            if time.perf_counter() > cutoff:
                with lock:
                    dropped[0] += 1
                continue
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            my_lags.append(time.perf_counter() - scheduled)
            mine.append(round_trip(conn, rng.choice(paths), rng, scheduled))
        conn.close()
        with lock:
            trips.extend(mine)
            lags.extend(my_lags)

    workers = [threading.Thread(target=runner, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    ok = [t for t in trips if t.ok]
    latency = {}
    for step in (*STEPS, "round_trip"):
        values = [t.times[step] * 1000 for t in ok if step in t.times]
        latency[step] = {
            "p50": percentile(values, 50),
            "p99": percentile(values, 99),
            "max": max(values, default=float("nan")),
        }
    failed = [t.error or "?" for t in trips if not t.ok]
    return OpenResult(
        offered_rate=rate,
        seconds=duration,
        scheduled=total,
        completed=len(ok),
        errors=len(failed) + dropped[0],
        achieved_rate=len(ok) / elapsed,
        max_start_lag_ms=max(lags, default=0.0) * 1000,
        dropped=dropped[0],
        latency_ms=latency,
        posts_accepted=sum(t.posted for t in trips),
        first_errors=failed[:5],
    )


# --- servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    app: str, env: dict[str, str], workers: int, threads: int, probe: str, log: Path
) -> Iterator[int]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--keep-alive",
        "75",
        "--log-level",
        "warning",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append(app)
    log_file = log.open("a")
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log_file, stderr=log_file
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                probe_conn = Connection(port, timeout=2)
                status, _, _ = probe_conn.request("GET", probe)
                probe_conn.close()
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def server_errors(log: Path) -> tuple[int, list[str]]:
    """How many requests failed inside the app, and the distinct exceptions (from its log).

    The first traceback is printed and copied to ``bench/results/<log>-first-error.txt``,
    so a rare failure can be read even when the temporary folder is not kept.
    """
    text = log.read_text(errors="replace") if log.exists() else ""
    count = text.count("ERROR in app: Exception on")
    kinds: dict[str, None] = {}
    for line in text.splitlines():
        if re.match(r"^[\w.]+(Error|Exception): ", line):
            kinds[line[:160]] = None
    first = text.find("ERROR in app: Exception on")
    if first >= 0:
        end = text.find("ERROR in app: Exception on", first + 1)
        excerpt = text[first : end if end > 0 else first + 20_000]
        print(f"--- first server error in {log.name} ---\n{excerpt}", file=sys.stderr)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{log.stem}-first-error.txt").write_text(excerpt)
    return count, list(kinds)[:3]


@dataclass
class AppUnderTest:
    name: str
    wsgi: str
    env: dict[str, str]
    paths: list[str]
    count_rows: Callable[[], int]


def prepare_full_app(folder: Path, limits: str = "redis") -> AppUnderTest:
    """A migrated SQLite database with the demo organisation, made by the app's own CLI.

    The rate-limit counters live in Redis, as production requires (``limits="redis"``,
    keys under a prefix of this run), or in the worker's memory (``"memory"``).
    """
    db_path = folder / "feedback.db"
    env = {
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SECRET_KEY": SECRET_KEY,
        "FEEDBACK_PUBLIC_DEVICE_LIMIT": GENEROUS_LIMIT,
        "FEEDBACK_PUBLIC_IP_LIMIT": GENEROUS_LIMIT,
    }
    if limits == "redis":
        env["RATELIMIT_STORAGE_URI"] = REDIS_LIMITS
        env["FEEDBACK_RATELIMIT_KEY_PREFIX"] = f"bench-submit-{folder.name}"
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["migrate"], ["demo-data"]):
        subprocess.run(
            flask + args,
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    with sqlite3.connect(db_path) as db:
        tokens = [
            row[0]
            for row in db.execute(
                "SELECT token FROM public_links WHERE kind = 'counter' AND retired_at IS NULL"
                " ORDER BY id"
            )
        ]

    def count_rows() -> int:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT count(*) FROM responses").fetchone()[0]

    return AppUnderTest("full app", "wsgi:app", env, [f"/s/{t}" for t in tokens], count_rows)


def prepare_bare_app(folder: Path) -> AppUnderTest:
    db_path = folder / "bare.db"

    def count_rows() -> int:
        with sqlite3.connect(db_path) as db:
            db.execute(SCHEMA)
            return db.execute("SELECT count(*) FROM responses").fetchone()[0]

    return AppUnderTest(
        "bare Flask", "bench.bare_app:app", {"BARE_DB": str(db_path)}, ["/form"], count_rows
    )


def page_size(port: int, path: str) -> dict[str, int]:
    """The form page and its stylesheets: bytes raw and gzip (as sent, or gzipped here)."""
    conn = Connection(port)
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "id"}
    status, msg, body = conn.request("GET", path, headers=headers)
    assert status == 200, status
    parts = [(msg, body)]
    for href in _STYLESHEET.findall(body.decode(errors="replace")):
        parts.append(conn.request("GET", href, headers=headers)[1:])
    conn.close()
    raw = gz = 0
    for msg, body in parts:
        if msg.get("Content-Encoding") == "gzip":
            gz += len(body)
            raw += len(gzip.decompress(body))
        else:
            raw += len(body)
            gz += len(gzip.compress(body, compresslevel=6))
    return {
        "files": len(parts),
        "raw_bytes": raw,
        "gzip_bytes": gz,
        "served_compressed": int(parts[0][0].get("Content-Encoding") == "gzip"),
    }


@dataclass
class Measured:
    app: str
    closed: ClosedResult
    open: OpenResult | None
    size: dict[str, int]
    rows_before: int
    rows_after: int
    #: requests that raised inside the app (500), from gunicorn's log
    server_errors: int
    server_error_kinds: list[str]


def measure(app: AppUnderTest, args: argparse.Namespace, folder: Path, n: int) -> Measured:
    before = app.count_rows()
    log = folder / f"gunicorn-{app.wsgi.split(':')[0]}-{n}.log"
    with gunicorn(app.wsgi, app.env, args.workers, args.threads, app.paths[0], log) as port:
        size = page_size(port, app.paths[0])
        closed = closed_loop(port, app.paths, args.concurrency, args.duration, args.warmup)
        opened = None
        if args.rate:
            opened = open_loop(port, app.paths, args.rate, args.open_duration, args.open_threads)
    errors, kinds = server_errors(log)
    return Measured(app.name, closed, opened, size, before, app.count_rows(), errors, kinds)


# --- report ------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:8.1f}"


def report(runs: list[list[Measured]], args: argparse.Namespace) -> dict:
    full_rates = [r.closed.rate for run in runs for r in run if r.app == "full app"]
    bare_rates = [r.closed.rate for run in runs for r in run if r.app == "bare Flask"]
    full, bare = statistics.median(full_rates), statistics.median(bare_rates)
    ratio = full / bare if bare else float("nan")
    print()
    settings = (
        f"gunicorn {args.workers} workers"
        + (f" × {args.threads} threads (gthread)" if args.threads > 1 else " (sync)")
        + f"; {args.concurrency} citizens closed loop for {args.duration:g} s"
        + f"; full app's rate limits in {args.limits}"
    )
    print(f"Citizen round trip (GET form, POST answers, GET thank-you) — {settings}")
    print(
        f"{os.cpu_count()} CPUs, load average at start "
        + " ".join(f"{x:.1f}" for x in args.load_average)
    )
    print()
    print(f"{'':24}{'full app':>12}{'bare Flask':>12}")
    for n, run in enumerate(runs, 1):
        by = {r.app: r for r in run}
        print(
            f"{'round trips/s, round ' + str(n):24}"
            f"{by['full app'].closed.rate:12.1f}{by['bare Flask'].closed.rate:12.1f}"
        )
    print(f"{'median':24}{full:12.1f}{bare:12.1f}")
    last_closed = {r.app: r.closed for r in runs[-1]}
    print(
        f"{'load generator, cores':24}{last_closed['full app'].client_cores:12.2f}"
        f"{last_closed['bare Flask'].client_cores:12.2f}"
    )
    verdict = "met" if ratio >= 1 / 3 else "MISSED"
    print(f"ratio full/bare: {ratio:.3f} (target ≥ 0.333: {verdict})")
    last = {r.app: r for r in runs[-1]}
    for name, r in last.items():
        if r.closed.errors:
            print(
                f"  {name}: {r.closed.errors} errors in the closed loop,"
                f" e.g. {r.closed.first_errors}"
            )
    if args.rate:
        print()
        print(
            f"Open loop: {args.rate:g} round trips/s offered for {args.open_duration:g} s "
            f"({args.open_threads} client threads); latency in ms"
        )
        print(f"{'':14}{'step':12}{'p50':>8}{'p99':>8}{'max':>8}")
        for name, r in last.items():
            o = r.open
            assert o is not None
            for step, values in o.latency_ms.items():
                print(
                    f"{name:14}{step:12}{ms(values['p50'])}{ms(values['p99'])}{ms(values['max'])}"
                )
            print(
                f"{'':14}completed {o.completed}/{o.scheduled}, {o.errors} errors, "
                f"{o.achieved_rate:.1f}/s achieved, client start lag ≤ {o.max_start_lag_ms:.0f} ms"
                + (f", {o.dropped} never started (cut off)" if o.dropped else "")
            )
            if o.errors:
                print(f"{'':14}first errors: {o.first_errors}")
        post_p99 = last["full app"].open.latency_ms["post"]["p99"]  # type: ignore[union-attr]
        worst = max(
            last["full app"].open.latency_ms[s]["p99"]
            for s in STEPS  # type: ignore[union-attr]
        )
        verdict = "met" if worst < 50 and last["full app"].open.errors == 0 else "MISSED"
        print(
            f"full app: p99 of the POST {post_p99:.1f} ms, worst step p99 {worst:.1f} ms, "
            f"{last['full app'].open.errors} errors (target p99 < 50 ms, no errors: {verdict})"
        )
    print()
    size = last["full app"].size
    print(
        f"Form page: {size['raw_bytes']} bytes raw, {size['gzip_bytes']} bytes gzip "
        f"({size['files']} file(s); "
        + (
            "served compressed"
            if size["served_compressed"]
            else "served uncompressed, gzipped here"
        )
        + "; target ≤ 30720)"
    )
    for name, r in last.items():
        accepted = r.closed.posts_accepted + (r.open.posts_accepted if r.open else 0)
        stored = r.rows_after - r.rows_before
        check = "one row per accepted POST" if stored == accepted else "MISMATCH"
        print(f"{name}: {accepted} POSTs accepted, {stored} rows stored ({check})")
        if r.server_errors:
            print(f"  {r.server_errors} requests failed inside the app: {r.server_error_kinds}")
    return {
        "settings": vars(args),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": args.load_average,
        },
        "ratio": ratio,
        "median_rate": {"full app": full, "bare Flask": bare},
        "runs": [[asdict(r) for r in run] for run in runs],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker; 1 = sync workers")
    parser.add_argument("--concurrency", type=int, default=8, help="closed-loop citizens")
    parser.add_argument("--duration", type=float, default=15, help="closed loop, seconds")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before measuring")
    parser.add_argument("--rate", type=float, default=300, help="open loop round trips/s; 0 = skip")
    parser.add_argument("--open-duration", type=float, default=25)
    parser.add_argument("--open-threads", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1, help="full and bare alternately")
    parser.add_argument("--json", action="store_true", help="write bench/results/submit-*.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--limits",
        choices=("redis", "memory"),
        default="redis",
        help="rate-limit counters in Redis at 127.0.0.1:6379 (as in production) or in memory",
    )
    args = parser.parse_args(argv)

    args.load_average = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    try:
        print(f"Preparing the databases in {folder} …", flush=True)
        apps = [prepare_full_app(folder, args.limits), prepare_bare_app(folder)]
        runs = []
        for n in range(args.rounds):
            run = []
            for app in apps if n % 2 == 0 else reversed(apps):
                print(f"round {n + 1}: {app.name} …", flush=True)
                run.append(measure(app, args, folder, n + 1))
            runs.append(run)
        summary = report(runs, args)
        if args.json:
            RESULTS.mkdir(parents=True, exist_ok=True)
            out = RESULTS / f"submit-{time.strftime('%Y%m%d-%H%M%S')}.json"
            out.write_text(json.dumps(summary, indent=2, default=str))
            print(f"\nWrote {out.relative_to(ROOT)}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
