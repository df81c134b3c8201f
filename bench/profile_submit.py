"""Where the CPU time of one citizen round trip goes, request by request.

Runs the app in-process (Flask's test client, no HTTP server) on a migrated
SQLite database with the demo organisation, makes ``--trips`` round trips
like ``bench/submit.py`` (GET form, POST answers, GET thank-you, a fresh
cookie jar each time, counters at random) and prints, for each of the three
requests, its CPU time and the share of the app's collaborators in it
(link and roster look-ups, survey resolution, rendering, the aggregate
upsert, the driver's own SQLite time, …). The same round trip of
``bench/bare_app.py`` is printed as the baseline.

CPU time (``time.process_time``), not wall time: this is meant for a shared,
noisy machine. ``--cprofile N`` adds cProfile's top N functions.

    .venv/bin/python bench/profile_submit.py --trips 300
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import os
import pstats
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from submit import GENEROUS_LIMIT, REDIS_LIMITS, SECRET_KEY, answers_for  # noqa: E402

PHASES = ("GET form", "POST answers", "GET thank-you")
#: collaborators of feedback_app.public.views, timed where the view calls them
VIEW_NAMES = (
    "find_link",
    "on_duty",
    "duty_point",
    "assigned_survey",
    "current_version",
    "count_responses",
    "render_template",
    "generate_csrf",
    "validate_csrf",
)


class Clock:
    def __init__(self) -> None:
        self.phase = "-"
        self.spent: collections.defaultdict[tuple[str, str], float] = collections.defaultdict(float)
        self.calls: collections.Counter[tuple[str, str]] = collections.Counter()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[(self.phase, name)] += time.process_time() - started
                self.calls[(self.phase, name)] += 1

        return timed

    def reset(self) -> None:
        self.spent.clear()
        self.calls.clear()


def instrument(app: Any, clock: Clock) -> None:
    from sqlalchemy import event

    from feedback_app.public import views

    for name in VIEW_NAMES:
        if hasattr(views, name):
            setattr(views, name, clock.wrap(name, getattr(views, name)))
    views.abuse.assess = clock.wrap("abuse.assess", views.abuse.assess)
    views.survey_form.evaluate = clock.wrap("form.evaluate", views.survey_form.evaluate)
    views.survey_form.render_questions = clock.wrap(
        "form.render_questions", views.survey_form.render_questions
    )
    views.Target.__post_init__ = clock.wrap(
        "Target.__post_init__ (survey version, services)", views.Target.__post_init__
    )
    started: dict[int, float] = {}
    engine = app.extensions["db"].engine

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        started[id(cursor)] = time.process_time()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        key = (clock.phase, "SQLite driver (all statements)")
        clock.spent[key] += time.process_time() - started.pop(id(cursor))
        clock.calls[key] += 1


def prepare(folder: Path) -> str:
    db_path = folder / "feedback.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": SECRET_KEY}
    for args in (["migrate"], ["demo-data"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return str(db_path)


def full_app(db_path: str, trips: int, top: int) -> None:
    from feedback_app import create_app

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": SECRET_KEY,
            "PUBLIC_DEVICE_LIMIT": GENEROUS_LIMIT,
            "PUBLIC_IP_LIMIT": GENEROUS_LIMIT,
            # as in production (and bench/submit.py): the counters in Redis
            "RATELIMIT_STORAGE_URI": REDIS_LIMITS,
            "RATELIMIT_KEY_PREFIX": f"bench-profile-{os.getpid()}",
        }
    )
    clock = Clock()
    instrument(app, clock)
    with sqlite3.connect(db_path) as db:
        tokens = [
            row[0]
            for row in db.execute(
                "SELECT token FROM public_links WHERE kind = 'counter' AND retired_at IS NULL"
            )
        ]
    rng = random.Random(1)
    totals: collections.defaultdict[str, float] = collections.defaultdict(float)

    def timed(phase: str, request: Callable[[], Any]) -> Any:
        clock.phase = phase
        started = time.process_time()
        response = request()
        totals[phase] += time.process_time() - started
        return response

    def trip() -> None:
        client = app.test_client()
        path = f"/s/{rng.choice(tokens)}"
        page = timed(PHASES[0], lambda: client.get(path))
        data = answers_for(page.get_data(as_text=True), rng)
        sent = timed(PHASES[1], lambda: client.post(path, data=data))
        assert sent.status_code == 303, sent.status_code
        thanks = timed(PHASES[2], lambda: client.get(sent.headers["Location"]))
        assert thanks.status_code == 200, thanks.status_code

    for _ in range(30):  # warm-up: caches, compiled statements, templates
        trip()
    clock.reset()
    totals.clear()
    for _ in range(trips):
        trip()

    print(f"Full app, {trips} round trips, CPU per request (in-process, no HTTP server):")
    for phase in PHASES:
        print(f"  {phase:14} {totals[phase] / trips * 1000:6.2f} ms")
        parts = sorted(
            ((name, spent) for (p, name), spent in clock.spent.items() if p == phase),
            key=lambda item: -item[1],
        )
        for name, spent in parts:
            calls = clock.calls[(phase, name)] / trips
            print(f"      {name:48} {spent / trips * 1000:6.2f} ms  ({calls:.1f} calls)")
    print(f"  {'round trip':14} {sum(totals.values()) / trips * 1000:6.2f} ms")

    if top:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(min(trips, 100)):
            trip()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(top)


def bare_app(folder: Path, trips: int) -> None:
    os.environ["BARE_DB"] = str(folder / "bare.db")
    import bare_app as bare

    client = bare.app.test_client()
    rng = random.Random(1)

    def trip() -> None:
        page = client.get("/form")
        sent = client.post("/form", data=answers_for(page.get_data(as_text=True), rng))
        client.get(sent.headers["Location"])

    for _ in range(30):
        trip()
    started = time.process_time()
    for _ in range(trips):
        trip()
    spent = (time.process_time() - started) / trips * 1000
    print(f"Bare Flask baseline, same round trip: {spent:.2f} ms CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trips", type=int, default=300)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile-submit-") as name:
        folder = Path(name)
        full_app(prepare(folder), args.trips, args.cprofile)
        bare_app(folder, args.trips)
    return 0


if __name__ == "__main__":
    sys.exit(main())
