"""Abuse control at the door of the public form: rate limits and a body-size cap.

Two limits guard the citizen's POST (``/s/<token>`` and ``/c/<code>``; never
the kiosk, whose one device serves everybody at the exit):

- per device: a random cookie set on the public GET, so one phone cannot
  send a stream of ratings; it is never stored in the database;
- per network per counter: generous, because a whole office Wi-Fi or a
  mobile carrier's NAT shares one address.

No raw IP address is kept anywhere, not even in the counters' keys in Redis
(UU 27/2022): keys hold a keyed hash of the address that changes every day.
The counters live wherever ``RATELIMIT_STORAGE_URI`` points: memory on a
developer's machine, Redis in production, so every worker sees the same counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g, make_response, render_template, request
from flask_babel import get_locale
from sqlalchemy import select

from feedback_app.db import db
from feedback_app.extensions import limiter
from feedback_app.models import TransactionCode
from feedback_app.public.links import code_key

F = TypeVar("F", bound=Callable[..., Any])

#: settings read by this module, with the values used when the configuration has none
DEFAULTS: dict[str, Any] = {
    # one phone: a citizen answering twice is plenty; a stream is not
    "PUBLIC_DEVICE_LIMIT": "6 per 10 minutes",
    # one network address at one counter: an office Wi-Fi or a carrier NAT is shared
    "PUBLIC_IP_LIMIT": "60 per 10 minutes",
    # a filled-in survey is a few kilobytes; imports keep the global MAX_CONTENT_LENGTH
    "PUBLIC_MAX_BODY": 64 * 1024,
    "PUBLIC_DEVICE_COOKIE": "perangkat",
    "PUBLIC_DEVICE_COOKIE_DAYS": 365,
}

_DEVICE_VALUE = re.compile(r"^[A-Za-z0-9_-]{32}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{1,32}$")


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


# --- identities -------------------------------------------------------------------


def keyed_hash(kind: str, value: str) -> str:
    """An HMAC of ``value`` under the app's secret and today's date (UTC).

    The date rotates the hash daily: yesterday's counters cannot be linked to
    today's, and without the secret the hash cannot be turned back into an
    address by trying all of them.
    """
    day = dt.datetime.now(dt.UTC).date().isoformat()
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{kind}|{day}|{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def client_hash() -> str:
    """The caller's network address as a rotating keyed hash; usable as any limit's key."""
    return keyed_hash("ip", request.remote_addr or "")


def device_id() -> str | None:
    """The device cookie when it is one we could have set, else None."""
    value = request.cookies.get(setting("PUBLIC_DEVICE_COOKIE"), "")
    return value if _DEVICE_VALUE.match(value) else None


def _target() -> str:
    """The counter or link a POST is aimed at, for the per-counter limit."""
    cached = g.get("ratelimit_target")
    if cached is not None:
        return cached
    args = request.view_args or {}
    if "token" in args:
        token = str(args["token"])
        target = f"s:{token.lower()}" if _TOKEN.match(token) else "s:?"
    else:
        # a transaction code counts against its counter; unknown codes share one bucket
        key = code_key(str(args.get("code", "")))
        point_id = None
        if key is not None:
            point_id = db.scalar(
                select(TransactionCode.service_point_id).where(TransactionCode.code == key)
            )
        target = f"c:{point_id}" if point_id is not None else "c:?"
    g.ratelimit_target = target
    return target


def device_key() -> str:
    device = device_id()
    if device is not None:
        return f"device:{keyed_hash('device', device)}"
    # No cookie (a script, or cookies switched off): the device limit falls back to the
    # network address at this counter, so dropping the cookie does not lift it.
    return f"nodevice:{client_hash()}:{_target()}"


def counter_key() -> str:
    return f"net:{client_hash()}:{_target()}"


# --- decorators -------------------------------------------------------------------


def _device_limit() -> str:
    return str(setting("PUBLIC_DEVICE_LIMIT"))


def _ip_limit() -> str:
    return str(setting("PUBLIC_IP_LIMIT"))


def with_device_cookie(view: F) -> F:
    """Give a browser that has none a random device cookie (only its hash is ever counted)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        response = make_response(view(*args, **kwargs))
        if device_id() is None and response.status_code < 500:
            response.set_cookie(
                setting("PUBLIC_DEVICE_COOKIE"),
                secrets.token_urlsafe(24),
                max_age=int(setting("PUBLIC_DEVICE_COOKIE_DAYS")) * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
            )
        return response

    return wrapped  # type: ignore[return-value]


def small_body(view: F) -> F:
    """Refuse bodies over ``PUBLIC_MAX_BODY`` with a 413 before the form is read."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        cap = int(setting("PUBLIC_MAX_BODY"))
        request.max_content_length = cap
        if request.content_length is not None:
            if request.content_length > cap:
                abort(413)
        elif request.method == "POST" and len(request.get_data(cache=True)) >= cap:
            # Sent without a length (chunked): Werkzeug reads at most ``cap`` bytes and
            # silently drops the rest, so a body that fills the cap was longer.
            abort(413)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


_per_device = limiter.shared_limit(
    _device_limit, scope="public-device", key_func=device_key, methods=["POST"]
)
_per_network = limiter.shared_limit(
    _ip_limit, scope="public-counter", key_func=counter_key, methods=["POST"]
)


def public_post(view: F) -> F:
    """Everything a citizen-facing POST route needs: the cookie, the body cap, both limits.

    The limits count POSTs only; the same route's GET just hands out the cookie.
    """
    return _per_network(_per_device(with_device_cookie(small_body(view))))


# --- what a limited or oversized request sees ----------------------------------------


def _language() -> str:
    return str(get_locale() or "id")


def retry_after() -> int:
    """Seconds until the limit that was hit lets requests through again.

    Flask-Limiter's own X-RateLimit headers are off (RATELIMIT_HEADERS_ENABLED):
    they cost two more Redis round trips on every limited request, so only a
    refused request asks Redis when its window ends.
    """
    current = limiter.current_limit
    seconds = current.reset_at - time.time() if current is not None else 60
    return max(1, math.ceil(seconds))


def _too_many(error: Exception):  # type: ignore[no-untyped-def]
    seconds = retry_after()
    # the window's end is rounded up to the next second: 60.4 s is still "1 minute"
    minutes = max(1, round(seconds / 60))
    page = render_template(
        "public/limited.html", code=429, minutes=minutes, back=request.path, lang=_language()
    )
    return page, 429, {"Retry-After": str(seconds)}


def _too_large(error: Exception):  # type: ignore[no-untyped-def]
    kilobytes = int(setting("PUBLIC_MAX_BODY")) // 1024
    page = render_template(
        "public/limited.html", code=413, kilobytes=kilobytes, back=request.path, lang=_language()
    )
    return page, 413


def install(bp: Blueprint) -> None:
    """Answer the public routes' 413 and 429 with citizen-facing pages, not the admin ones."""
    bp.register_error_handler(413, _too_large)
    bp.register_error_handler(429, _too_many)
