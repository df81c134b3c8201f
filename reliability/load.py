"""Load, soak, crash and database-outage runs of the whole stack (issue 8, items 1–3).

The app runs under gunicorn with production settings against PostgreSQL and
Redis on this machine (see ``stack.py``). Locust, used as a library, drives a mix:

- citizens (``FastHttpUser``, one cookie jar per citizen): GET a counter's form,
  POST valid answers with a unique marker in the free-text question, GET the
  thank-you page; paced so that together they offer ``--rate`` round trips per
  second over the demo's counters. A citizen counts as acknowledged only once
  the thank-you page is on the screen;
- a passer-by who opens a form once a second and leaves without answering;
- an agency head, signed in, viewing the dashboard ``--dashboard-rate`` times a
  second and asking for a background CSV export every ``--export-every``
  seconds (followed to its download).

A request that fails is retried the way a phone would: the same POST with the
same cookies and form key; on a 503 the citizen presses "Kirim lagi" on the page,
which must hand back exactly what was sent. A round trip still failing
``--give-up`` seconds after it started is abandoned.

Faults, on top of the load:

- ``--crash``: SIGKILL a random gunicorn worker every ``--kill-every`` seconds
  (the master starts a new one). Connection failures are then expected; retries
  must never store twice and nothing acknowledged may be lost;
- ``--outage``: stop PostgreSQL for ``--outage-seconds`` after
  ``--outage-at`` seconds, then start it again (always, in a ``finally``, even on
  Ctrl+C). Meanwhile 503 "coba lagi" pages are expected; afterwards the same
  gunicorn must serve normally again without a restart.

Anything else is an error: a 500, another unexpected status, a 503 outside an
outage, a citizen who gave up. At the end the database is compared with the
acknowledgements (``verify.py``): each acknowledged submission stored exactly
once, none twice, all whole, dashboard counts equal to a recount. The exit status
is non-zero on any error, loss, duplicate or inconsistency.

Usage (from the repository root; see also ``make soak``, ``make load-ci``,
``make crash``, ``make outage`` and docs/reliability.md)::

    .venv/bin/python reliability/load.py --duration 60
    .venv/bin/python reliability/load.py --duration 600            # the soak
    .venv/bin/python reliability/load.py --crash --duration 60
    .venv/bin/python reliability/load.py --outage --postgres private --duration 90
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

# locust lets gevent patch the standard library on import, before stack.py and
# bench/submit.py bring in threading, http.client and the database drivers
import gevent
from locust import FastHttpUser, constant_throughput, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack  # noqa: E402
import verify  # noqa: E402
from submit import HttpError, answers_for, percentile  # noqa: E402

RESULTS = stack.ROOT / "bench" / "results"  # ignored by git, beside the benchmarks
DEMO_HEAD = ("pimpinan@demo.go.id", "siantar-demo-123")
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_JOB = re.compile(r"/ekspor/tugas/(\d+)")
BASE_HEADERS = {"Accept-Language": "id-ID,id;q=0.9", "User-Agent": "reliability/load.py"}


# --- what the run records -------------------------------------------------------------


@dataclass
class Run:
    mode: str
    paths: list[str]
    give_up: float
    #: after the database is back, 503s are still expected for this many seconds
    recovery_grace: float
    marker_prefix: str = field(default_factory=lambda: f"ujibeban-{secrets.token_hex(3)}-")
    markers: Any = field(default_factory=itertools.count)
    started: float = 0.0
    stopping: bool = False
    attempted: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    #: (monotonic time acknowledged, seconds from the round trip's start)
    trips: list[tuple[float, float]] = field(default_factory=list)
    #: failures that count against the run, by kind
    errors: Counter[str] = field(default_factory=Counter)
    #: failures expected from an injected fault, retried, by kind
    transient: Counter[str] = field(default_factory=Counter)
    retried_posts: int = 0
    resent_from_503: int = 0
    gave_up: int = 0
    dashboard_views: int = 0
    exports: Counter[str] = field(default_factory=Counter)
    #: (seconds into the run, what happened)
    events: list[tuple[float, str]] = field(default_factory=list)
    #: monotonic start and end of the outage (end: the database accepts connections)
    outage: list[float] = field(default_factory=list)
    kills: int = 0
    #: CPU the load generator itself used, in cores (1.0 = one core busy)
    client_cores: float = 0.0

    def now(self) -> float:
        return time.monotonic() - self.started

    def note(self, what: str) -> None:
        self.events.append((round(self.now(), 1), what))
        print(f"[{self.now():6.1f} s] {what}", flush=True)

    def new_marker(self) -> str:
        return f"{self.marker_prefix}{next(self.markers):08d}"

    def in_outage(self) -> bool:
        if not self.outage:
            return False
        start = self.outage[0] - 1
        end = self.outage[1] + self.recovery_grace if len(self.outage) > 1 else float("inf")
        return start <= time.monotonic() <= end

    def failed(self, step: str, status: int, page: str | None) -> None:
        """Record a failed request as expected (from an injected fault) or as an error."""
        if status == 0 and self.mode == "crash":
            self.transient[f"{step}: connection lost (worker killed)"] += 1
        elif status == 503 and self.mode == "outage" and self.in_outage():
            if page and "coba lagi" in page.lower():
                self.transient[f"{step}: 503 coba lagi (database down)"] += 1
            else:
                self.errors[f"{step}: 503 without the friendly page"] += 1
        else:
            when = " during the outage" if self.in_outage() else ""
            self.errors[f"{step}: {status or 'connection error'}{when}"] += 1


def _backoff(attempt: int, retry_after: str | None = None) -> float:
    wait = min(5.0, 0.25 * 2**attempt)
    if retry_after and retry_after.isdigit():
        wait = min(wait, float(retry_after))
    return wait * random.uniform(0.5, 1.0)


# --- the users ------------------------------------------------------------------------


class Browser(FastHttpUser):
    """A FastHttpUser whose cookies are kept by hand, one jar per simulated person."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0
    state: Run

    def on_start(self) -> None:
        # locust's own jar would share cookies between the citizens of this user
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    def call(
        self,
        method: str,
        path: str,
        name: str,
        jar: dict[str, str],
        data: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> tuple[int, str, Any]:
        headers = dict(BASE_HEADERS)
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        body = None
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(data)
        with self.client.request(
            method,
            path,
            name=name,
            data=body,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            status = response.status_code or 0
            if status and status < 400:
                response.success()
            else:
                response.failure(f"{status or 'connection error'}")
            page = response.text or "" if status else ""
            if status and response.headers is not None:
                for header in response.headers.getlist("set-cookie"):
                    cookie, _, _ = header.partition(";")
                    key, _, value = cookie.partition("=")
                    jar[key.strip()] = value
            return status, page, response.headers


class Citizen(Browser):
    wait_time = constant_throughput(0.5)

    @task
    def round_trip(self) -> None:
        run = self.state
        if run.stopping:
            return
        started = time.monotonic()
        deadline = started + run.give_up
        jar: dict[str, str] = {}
        path = random.choice(run.paths)

        # 1. the form
        attempt = 0
        while True:
            status, page, headers = self.call("GET", path, "GET form", jar)
            if status == 200:
                try:
                    data = answers_for(page, random.Random())
                    break
                except HttpError as error:
                    if run.mode != "crash":
                        run.errors[f"GET form: {error}"] += 1
                        return
                    # a worker killed while sending the page: the phone got half of it
                    run.transient["GET form: page cut off (worker killed)"] += 1
            else:
                run.failed("GET form", status, page)
            if time.monotonic() > deadline:
                run.gave_up += 1
                run.errors["gave up: form never shown"] += 1
                return
            gevent.sleep(_backoff(attempt, headers.get("retry-after") if headers else None))
            attempt += 1
        marker = run.new_marker()
        data["saran"] = marker
        sent: list[tuple[str, str]] = list(data.items())
        run.attempted.add(marker)

        # 2. the answers, sent again (same cookies, same form key) until accepted
        attempt = 0
        while True:
            status, page, headers = self.call("POST", path, "POST answers", jar, sent)
            if status == 303:
                break
            run.failed("POST answers", status, page)
            if status == 503 and "Kirim lagi" in page:
                kept = [(k, unescape(v)) for k, v in _HIDDEN.findall(page)]
                if sorted(kept) != sorted(sent):
                    run.errors["POST answers: 503 page lost some answers"] += 1
                    return
                run.resent_from_503 += 1
                sent = kept  # what the citizen resends is what the page handed back
            if time.monotonic() > deadline:
                run.gave_up += 1
                run.errors["gave up: answers never accepted"] += 1
                return
            run.retried_posts += 1
            gevent.sleep(_backoff(attempt, headers.get("retry-after") if headers else None))
            attempt += 1
        location = urlsplit(headers["location"])
        thanks = location.path + (f"?{location.query}" if location.query else "")

        # 3. the thank-you page: only now is the citizen's submission acknowledged
        attempt = 0
        while True:
            status, page, headers = self.call("GET", thanks, "GET thanks", jar)
            if status == 200 and "Terima kasih" in page:
                break
            run.failed("GET thanks", status, page)
            if time.monotonic() > deadline:
                run.gave_up += 1
                run.errors["gave up: thank-you page never shown"] += 1
                return
            gevent.sleep(_backoff(attempt, headers.get("retry-after") if headers else None))
            attempt += 1
        run.acknowledged.add(marker)
        run.trips.append((time.monotonic(), time.monotonic() - started))


class Visitor(Browser):
    """Opens a counter's form once a second and leaves without answering (a passer-by)."""

    fixed_count = 1
    wait_time = constant_throughput(1)

    @task
    def look(self) -> None:
        if self.state.stopping:
            return
        status, page, _ = self.call("GET", random.choice(self.state.paths), "GET form (look)", {})
        if status != 200:
            self.state.failed("GET form", status, page)


class AgencyHead(Browser):
    """Signed in once; dashboard views, and now and then a background CSV export."""

    fixed_count = 1
    wait_time = constant_throughput(2)
    export_every = 30.0

    def on_start(self) -> None:
        super().on_start()
        self.jar: dict[str, str] = {}
        self.next_export = time.monotonic() + self.export_every / 2
        deadline = time.monotonic() + 60
        while not self._sign_in():
            if time.monotonic() > deadline:
                raise RuntimeError("the agency head could not sign in")
            gevent.sleep(1)

    def _sign_in(self) -> bool:
        status, page, _ = self.call("GET", "/login", "GET login", self.jar)
        token = _CSRF.search(page) if status == 200 else None
        if token is None:
            self.state.failed("GET login", status, page)
            return False
        email, password = DEMO_HEAD
        form = {"csrf_token": token.group(1), "email": email, "password": password}
        status, page, _ = self.call("POST", "/login", "POST login", self.jar, form)
        if status != 302:
            self.state.failed("POST login", status, page)
            return False
        return True

    def _get(self, path: str, name: str) -> tuple[int, str, Any]:
        status, page, headers = self.call("GET", path, name, self.jar)
        if status != 200:
            self.state.failed(name, status, page)
        return status, page, headers

    @task
    def view(self) -> None:
        if self.state.stopping:
            return
        status, page, _ = self._get("/dashboard/", "GET dashboard")
        if status == 200:
            if "IKM" not in page:
                self.state.errors["GET dashboard: page without IKM"] += 1
            self.state.dashboard_views += 1
        if time.monotonic() >= self.next_export:
            self.next_export = time.monotonic() + self.export_every
            self.export()

    def export(self) -> None:
        run = self.state
        status, page, _ = self._get("/ekspor/", "GET export page")
        token = _CSRF.search(page) if status == 200 else None
        if token is None:
            run.exports["not requested"] += 1
            return
        form = {
            "csrf_token": token.group(1),
            "kind": "raw",
            "format": "csv",
            "period": str(time.gmtime().tm_year),
            "delimiter": ";",
            "values": "codes",
            "background": "y",
        }
        status, page, headers = self.call("POST", "/ekspor/", "POST export", self.jar, form)
        job = _JOB.search(headers.get("location", "")) if status == 303 and headers else None
        if job is None:
            run.failed("POST export", status, page)
            run.exports["not accepted"] += 1
            return
        run.exports["requested"] += 1
        deadline = time.monotonic() + 120
        during_outage = run.in_outage()
        while time.monotonic() < deadline and not run.stopping:
            gevent.sleep(1)
            during_outage = during_outage or run.in_outage()
            status, page, _ = self._get(f"/ekspor/tugas/{job.group(1)}/status", "GET export status")
            if status != 200:
                continue
            state = json.loads(page)
            if state["status"] == "done" and state["download_url"]:
                status, _, _ = self._get(state["download_url"], "GET export file")
                run.exports["downloaded" if status == 200 else "download failed"] += 1
                return
            if state["status"] == "failed":
                if during_outage:
                    run.exports["failed during the outage (expected)"] += 1
                else:
                    run.errors[f"export failed: {state.get('error')}"] += 1
                return
        if not run.stopping:
            run.errors[
                "export not finished within 120 s" + (" (outage)" if during_outage else "")
            ] += 1


# --- faults ---------------------------------------------------------------------------


def kill_workers(run: Run, server: stack.Server, every: float, stop_at: float) -> None:
    """SIGKILL a random gunicorn worker every ``every`` seconds (± 40 %)."""
    rng = random.Random()
    gevent.sleep(min(every, 5))
    while time.monotonic() < stop_at - every:
        workers = server.workers()
        if workers:
            victim = rng.choice(workers)
            os.kill(victim.pid, signal.SIGKILL)
            run.kills += 1
            run.note(f"SIGKILL gunicorn worker {victim.pid} ({len(workers)} running)")
        gevent.sleep(every * rng.uniform(0.6, 1.4))


def database_outage(run: Run, cluster: stack.Cluster, at: float, seconds: float) -> None:
    """Stop PostgreSQL at ``at`` seconds into the run for ``seconds``; always start it again."""
    gevent.sleep(at)
    run.outage.append(time.monotonic())
    run.note(f"stopping PostgreSQL ({type(cluster).__name__})")
    try:
        cluster.stop()
        run.note("PostgreSQL stopped")
        gevent.sleep(seconds)
    finally:
        restart(cluster, run)


def restart(cluster: stack.Cluster, run: Run | None = None) -> None:
    """Start PostgreSQL unless it runs, and wait until it accepts connections."""
    if not cluster.accepts():
        cluster.start()
    waited = cluster.wait_ready()
    if run is not None and len(run.outage) == 1:
        run.outage.append(time.monotonic())
        run.note(f"PostgreSQL accepts connections again (waited {waited:.1f} s after start)")


# --- the run --------------------------------------------------------------------------


def drive(
    args: argparse.Namespace, run: Run, server: stack.Server, cluster: stack.Cluster
) -> Environment:
    users = max(1, round(args.rate * args.pace))
    Citizen.wait_time = constant_throughput(args.rate / users)
    AgencyHead.wait_time = constant_throughput(args.dashboard_rate)
    AgencyHead.export_every = args.export_every
    Browser.state = run
    env = Environment(
        user_classes=[Citizen, Visitor, AgencyHead],
        host=f"http://{stack.HOST}:{server.port}",
        stop_timeout=args.give_up + 5,
    )
    runner = env.create_local_runner()
    run.started = time.monotonic()
    cpu = time.process_time()
    stop_at = run.started + args.duration
    workers_before = {p.pid for p in server.workers()}
    runner.start(users + 2, spawn_rate=max(1.0, (users + 2) / args.ramp))
    faults = []
    if args.crash:
        faults.append(gevent.spawn(kill_workers, run, server, args.kill_every, stop_at))
    if args.outage:
        faults.append(
            gevent.spawn(database_outage, run, cluster, args.outage_at, args.outage_seconds)
        )
    run.note(f"{users} citizens ({args.rate:g} round trips/s offered), 1 passer-by, 1 agency head")
    while time.monotonic() < stop_at:
        gevent.sleep(min(10.0, max(0.1, stop_at - time.monotonic())))
        window = [t for t, _ in run.trips if t > time.monotonic() - 10]
        run.note(
            f"{len(run.acknowledged)} acknowledged, {len(window) / 10:.0f}/s now, "
            f"errors {sum(run.errors.values())}, transient {sum(run.transient.values())}"
        )
    # let the round trips under way finish (and retry), start no new ones
    run.stopping = True
    gevent.joinall(faults, raise_error=True)
    runner.stop()  # round trips under way may finish (and retry) within stop_timeout
    run.client_cores = (time.process_time() - cpu) / (time.monotonic() - run.started)
    for error in runner.exceptions.values():
        run.errors[f"load generator: {error['msg'][:100]}"] += error["count"]
    replaced = workers_before - {p.pid for p in server.workers()}
    if replaced and not args.crash:
        run.errors[f"{len(replaced)} gunicorn workers died and were replaced"] += 1
    if args.outage and len(run.outage) == 2:
        after = [t for t, _ in run.trips if t > run.outage[1] + args.recovery_grace]
        run.note(f"{len(after)} round trips acknowledged after the recovery grace")
        if not after:
            run.errors["no round trip acknowledged after the database came back"] += 1
        for step in ("GET form", "POST answers"):
            if not run.transient[f"{step}: 503 coba lagi (database down)"]:
                run.errors[f"{step}: no 503 'coba lagi' seen during the outage"] += 1
    if not run.acknowledged:
        run.errors["no round trip acknowledged at all"] += 1
    return env


def report(
    args: argparse.Namespace,
    run: Run,
    env: Environment,
    verdict: verify.Verdict,
    server_log: dict[str, Any],
) -> dict[str, Any]:
    # acknowledged between the end of the ramp and the end of the load (not while draining)
    steady = [
        t for t in run.trips if run.started + args.ramp <= t[0] <= run.started + args.duration
    ]
    measured = max(1e-9, args.duration - args.ramp)
    trip_ms = [s * 1000 for _, s in run.trips]
    requests = {}
    for (name, _method), entry in sorted(env.stats.entries.items()):
        if not entry.num_requests:
            continue
        requests[name] = {
            "count": entry.num_requests,
            "failed": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": entry.max_response_time,
        }
    summary = {
        "mode": run.mode,
        "settings": {k: v for k, v in vars(args).items() if k != "func"},
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()},
        "offered_rate": args.rate,
        "achieved_rate": len(steady) / measured,
        "rate_met": len(steady) / measured >= args.min_rate * args.rate,
        "client_cores": run.client_cores,
        "acknowledged": len(run.acknowledged),
        "round_trip_ms": {
            "p50": percentile(trip_ms, 50),
            "p95": percentile(trip_ms, 95),
            "p99": percentile(trip_ms, 99),
            "max": max(trip_ms, default=float("nan")),
        },
        "requests": requests,
        "errors": dict(run.errors),
        "transient": dict(run.transient),
        "retried_posts": run.retried_posts,
        "resent_from_503": run.resent_from_503,
        "gave_up": run.gave_up,
        "dashboard_views": run.dashboard_views,
        "exports": dict(run.exports),
        "kills": run.kills,
        "outage_seconds": (run.outage[1] - run.outage[0]) if len(run.outage) == 2 else None,
        "events": run.events,
        "server": server_log,
        "database": {
            "attempted": verdict.attempted,
            "acknowledged": verdict.acknowledged,
            "stored": verdict.stored,
            "stored_unacknowledged": verdict.stored_unacknowledged,
            "lost": len(verdict.lost),
            "duplicated": len(verdict.duplicated),
            "unknown": len(verdict.unknown),
            "incomplete": verdict.incomplete,
            "aggregate_differences": verdict.aggregate_differences,
            "examples": {
                "lost": verdict.lost[:5],
                "duplicated": list(verdict.duplicated.items())[:5],
                "unknown": verdict.unknown[:5],
            },
        },
    }
    print()
    print(
        f"== {run.mode}: {args.duration:g} s, {args.rate:g} round trips/s offered, "
        f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL {args.postgres}"
    )
    print(
        f"achieved {summary['achieved_rate']:.1f} round trips/s after the {args.ramp:g} s ramp; "
        f"{len(run.acknowledged)} acknowledged; load generator used {run.client_cores:.2f} cores, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"rate target ≥ {args.min_rate:.0%} of {args.rate:g}/s: "
        + ("met" if summary["rate_met"] else "MISSED")
        + ("" if args.min_rate else " (--min-rate 0: reported, not enforced)")
    )
    rt = summary["round_trip_ms"]
    print(
        f"round trip ms: p50 {rt['p50']:.0f}, p95 {rt['p95']:.0f}, p99 {rt['p99']:.0f}, "
        f"max {rt['max']:.0f}"
    )
    print(f"{'request':22}{'count':>9}{'failed':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}")
    for name, r in requests.items():
        print(
            f"{name:22}{r['count']:9d}{r['failed']:8d}{r['p50_ms']:7.0f}{r['p95_ms']:7.0f}"
            f"{r['p99_ms']:7.0f}{r['max_ms']:8.0f}"
        )
    print(f"dashboard views {run.dashboard_views}; exports {dict(run.exports)}")
    if args.crash:
        print(f"workers killed: {run.kills}")
    if args.outage:
        print(f"database down for {summary['outage_seconds'] or 0:.1f} s")
    print(
        f"retried POSTs {run.retried_posts}, resent from a 503 page {run.resent_from_503}, "
        f"gave up {run.gave_up}"
    )
    print(f"expected failures (injected faults, retried): {dict(run.transient) or 'none'}")
    print(f"ERRORS: {dict(run.errors) or 'none'}")
    print(f"server log: {server_log}")
    db = summary["database"]
    print(
        f"database: {db['acknowledged']} acknowledged, {db['stored']} stored "
        f"({db['stored_unacknowledged']} stored without acknowledgement), lost {db['lost']}, "
        f"duplicated {db['duplicated']}, unknown {db['unknown']}, incomplete {db['incomplete']}, "
        f"aggregates {db['aggregate_differences'] or '= recount'}"
    )
    return summary


def scan_log(path: Path) -> dict[str, Any]:
    """Exceptions logged by the app, and its outage warnings, from gunicorn's log.

    A commit that fails because the database went away is logged by Flask as an
    exception before the outage handler answers it with a 503; those are counted
    apart (the clients' statuses show whether anything became a 500).
    """
    text = path.read_text(errors="replace") if path.exists() else ""
    kinds = Counter(
        line[:120] for line in text.splitlines() if re.match(r"^[\w.]+(Error|Exception): ", line)
    )
    unavailable = sum(
        n
        for kind, n in kinds.items()
        if kind.startswith(("sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError"))
    )
    return {
        "exceptions": text.count("ERROR in app: Exception on"),
        "database_exceptions": unavailable,
        "database_unavailable_warnings": text.count("database unavailable during"),
        "exception_kinds": dict(kinds.most_common(5)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--rate", type=float, default=200, help="round trips/s offered")
    parser.add_argument("--ramp", type=float, default=10, help="seconds to start all citizens")
    parser.add_argument(
        "--pace", type=float, default=2, help="seconds between one citizen's round trips"
    )
    parser.add_argument("--dashboard-rate", type=float, default=1, help="dashboard views/s")
    parser.add_argument("--export-every", type=float, default=30, help="seconds between exports")
    parser.add_argument(
        "--min-rate",
        type=float,
        default=0,
        help="fail unless this fraction of --rate is achieved (0: report only)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker (gthread)")
    parser.add_argument("--give-up", type=float, default=60, help="a citizen's patience, seconds")
    parser.add_argument("--postgres", choices=("machine", "private"), default="machine")
    parser.add_argument("--crash", action="store_true", help="SIGKILL workers during the load")
    parser.add_argument("--kill-every", type=float, default=5)
    parser.add_argument("--outage", action="store_true", help="stop PostgreSQL during the load")
    parser.add_argument("--outage-at", type=float, default=20)
    parser.add_argument("--outage-seconds", type=float, default=20)
    parser.add_argument("--recovery-grace", type=float, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database and folder")
    parser.add_argument(
        "--json", action="store_true", help="write bench/results/reliability-*.json"
    )
    args = parser.parse_args(argv)
    mode = "crash" if args.crash else "outage" if args.outage else "load"
    if args.crash and args.outage:
        parser.error("one fault at a time: --crash or --outage")
    if args.outage and args.outage_at + args.outage_seconds >= args.duration:
        parser.error("the outage must end before the run does (--outage-at, --duration)")

    # Ctrl+C and SIGTERM unwind through the finally blocks (PostgreSQL is started again)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix="reliability-"))
    cluster: stack.Cluster = (
        stack.PrivateCluster(folder) if args.postgres == "private" else stack.MachineCluster()
    )
    database = None
    try:
        database = stack.prepare_database(cluster)
        run = Run(mode, database.form_paths, args.give_up, args.recovery_grace)
        print(
            f"database {database.name} ({len(database.form_paths)} counters), folder {folder}",
            flush=True,
        )
        with stack.serve(database, folder, args.workers, args.threads) as server:
            try:
                env = drive(args, run, server, cluster)
            finally:
                if args.outage:
                    restart(cluster)
        server_log = scan_log(server.log)
        verdict = verify.check(database.url, run.marker_prefix, run.acknowledged, run.attempted)
        summary = report(args, run, env, verdict, server_log)
        if args.json:
            RESULTS.mkdir(parents=True, exist_ok=True)
            out = RESULTS / f"reliability-{mode}-{time.strftime('%Y%m%d-%H%M%S')}.json"
            out.write_text(json.dumps(summary, indent=2, default=str))
            print(f"wrote {out.relative_to(stack.ROOT)}")
        tolerated = server_log["database_exceptions"] if args.outage else 0
        failed = (
            bool(run.errors)
            or not verdict.ok
            or server_log["exceptions"] > tolerated
            or (args.min_rate > 0 and not summary["rate_met"])
        )
        print("RESULT:", "FAILED" if failed else "passed")
        return 1 if failed else 0
    finally:
        if args.outage:
            restart(cluster)
        if database is not None and not args.keep:
            stack.drop_database(database)
        cluster.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
