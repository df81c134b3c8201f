"""The live server's handle: the running app, what it was asked, and its database."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler

from feedback_app.models import Response

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: a common Android phone
VIEWPORT = {"width": 360, "height": 740}
#: the thank-you page of a kiosk returns to the form after this many seconds
KIOSK_RESET_SECONDS = 1
#: schema of the live server's data when the suite runs on PostgreSQL (one per test run)
PG_SCHEMA = f"browser_live_{os.getpid()}"


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    status: int


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class LiveServer:
    """The running app, what it was asked, and its database."""

    app: Flask
    base_url: str
    engine: Engine
    #: every request the server answered, in order
    hits: list[Hit] = field(default_factory=list)
    #: hold POST responses back this long after the app answered: a slow mobile connection
    post_delay: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def wsgi(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        status: list[int] = []

        def recording_start(code: str, headers: list, exc_info: Any = None) -> Any:
            status.append(int(code.split()[0]))
            return start_response(code, headers, exc_info)

        response = self.app(environ, recording_start)
        try:
            body = list(response)
        finally:
            # WSGI: a file (a static stylesheet) is closed by whoever iterates it
            close = getattr(response, "close", None)
            if close is not None:
                close()
        method = environ["REQUEST_METHOD"]
        with self._lock:
            self.hits.append(Hit(method, environ.get("PATH_INFO", ""), status[0]))
        if method == "POST" and self.post_delay:
            time.sleep(self.post_delay)
        return body

    def posts(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.method == "POST" and h.path == path]

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A short session on the server's database, to read what it committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def last_response_id(self) -> int:
        with self.db() as session:
            return session.scalar(select(func.max(Response.id))) or 0

    def responses_since(self, last_id: int) -> list[Response]:
        with self.db() as session:
            return list(
                session.scalars(select(Response).where(Response.id > last_id).order_by(Response.id))
            )
