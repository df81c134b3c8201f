"""The baseline of ``bench/submit.py``: a bare Flask app doing the citizen's three requests.

- ``GET /form``: a static page (with a ``csrf_token`` and a ``form_key`` field and the
  nine radio groups, so the load generator treats both apps the same way);
- ``POST /form``: one row inserted into SQLite (WAL, ``synchronous=NORMAL``, the
  same settings as the real app), then a 303 to the thank-you page;
- ``GET /thanks``: a static page.

No templates, no sessions, no ORM, no validation: what any Flask app costs.
Run it as the real app is run: ``BARE_DB=/tmp/bare.db gunicorn bench.bare_app:app``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading

from flask import Flask, redirect, request

DB_PATH = os.environ.get("BARE_DB", "/tmp/bare.db")

_radios = "".join(
    f"<fieldset><legend>U{i}</legend>"
    + "".join(
        f'<label><input type="radio" name="U{i}" value="{v}" required> {v}</label>'
        for v in range(1, 5)
    )
    + "</fieldset>"
    for i in range(1, 10)
)
FORM_PAGE = (
    '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Survei</title></head>'
    '<body><h1>Bagaimana pelayanan kami hari ini?</h1><form method="post">'
    '<input type="hidden" name="csrf_token" value="static">'
    '<input type="hidden" name="form_key" value="static">'
    f'{_radios}<button type="submit">Kirim</button></form></body></html>'
)
THANKS_PAGE = (
    '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Terima kasih</title>'
    "</head><body><h1>Terima kasih atas penilaian Anda!</h1></body></html>"
)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses ("
    "id INTEGER PRIMARY KEY, submitted_at TEXT NOT NULL, answers TEXT NOT NULL)"
)

_local = threading.local()


def connection() -> sqlite3.Connection:
    db = getattr(_local, "db", None)
    if db is None:
        db = _local.db = sqlite3.connect(DB_PATH, timeout=5, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        db.execute(SCHEMA)
    return db


app = Flask(__name__)


@app.get("/form")
def form() -> str:
    return FORM_PAGE


@app.post("/form")
def submit():  # type: ignore[no-untyped-def]
    answers = {key: value for key, value in request.form.items() if key.startswith("U")}
    connection().execute(
        "INSERT INTO responses (submitted_at, answers) VALUES (?, ?)",
        (dt.datetime.now(dt.UTC).isoformat(), json.dumps(answers)),
    )
    return redirect("/thanks", code=303)


@app.get("/thanks")
def thanks() -> str:
    return THANKS_PAGE
