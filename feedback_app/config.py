"""Configuration: defaults, then the instance folder, then the environment."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from flask import Flask


class ConfigError(RuntimeError):
    """Raised at start-up when a production configuration is unsafe."""


DEFAULTS = {
    "ENV_NAME": "development",
    "LANGUAGES": ["id", "en"],
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
    # cookies: never readable by scripts, not sent with cross-site POSTs; Secure only in
    # production (check_production), so `make run` works on http://127.0.0.1:5000
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SECURE": False,
    # signed-in staff are signed out after this many minutes without a request ...
    "STAFF_IDLE_MINUTES": 30,
    # ... and this many hours after signing in, active or not (a working day)
    "STAFF_SESSION_HOURS": 12,
    "WTF_CSRF_TIME_LIMIT": 3600 * 8,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # shared counters in production: redis://...
    "RATELIMIT_STORAGE_URI": "memory://",
    # X-RateLimit-* on every answer would cost two Redis round trips per request;
    # a refused request gets Retry-After (feedback_app.public.ratelimit.retry_after)
    "RATELIMIT_HEADERS_ENABLED": False,
    # if Redis is unreachable, count in each worker's memory rather than fail requests
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # how many proxies in front of the app set X-Forwarded-For (0: none, use the socket)
    "PROXY_HOPS": 0,
    "LOGIN_RATE_LIMIT": "10 per minute;60 per hour",
    "PAGE_SIZE": 50,
    # largest organisation file accepted by the import page
    "IMPORT_MAX_ROWS": 20000,
    # public form: where the app is reached by citizens (posters print it); default: request host
    "PUBLIC_BASE_URL": None,
    # submissions from these ranges (the office network) are flagged, e.g. ["10.20.0.0/16"]
    "STAFF_NETWORKS": [],
    # this many identical answers at one counter within the window are flagged
    "ABUSE_BURST_SIZE": 4,
    "ABUSE_BURST_WINDOW_SECONDS": 180,
    # public POST limits per device cookie and per network per counter (keyed, rotating hash)
    "PUBLIC_DEVICE_LIMIT": "6 per 10 minutes",
    "PUBLIC_IP_LIMIT": "60 per 10 minutes",
    "PUBLIC_MAX_BODY": 64 * 1024,
    "PUBLIC_DEVICE_COOKIE": "perangkat",
    "PUBLIC_DEVICE_COOKIE_DAYS": 365,
    # single-use transaction codes
    "CODE_TTL_HOURS": 24,
    # kiosk: seconds on the thank-you page before the form comes back
    "KIOSK_RESET_SECONDS": 6,
    # contact details left with a complaint are deleted after this many days
    "CONTACT_RETENTION_DAYS": 90,
    # the worker deletes expired contact details every hour at this minute (crontab minute field)
    "CONTACT_PURGE_MINUTES": "15",
}


def _secret_key(instance: Path) -> str:
    """A per-installation key kept in the instance folder for development."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(app: Flask, overrides: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    env = os.environ
    if "FEEDBACK_ENV" in env:
        app.config["ENV_NAME"] = env["FEEDBACK_ENV"]
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"):
        if env.get(name):
            app.config[name] = env[name]
    app.config.from_prefixed_env("FEEDBACK")
    if overrides:
        app.config.update(overrides)

    app.config.setdefault("DATABASE_URL", f"sqlite:///{instance / 'feedback.db'}")
    # "remember me" keeps a staff member signed in across browser restarts, never past
    # the absolute session lifetime
    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION", dt.timedelta(hours=app.config["STAFF_SESSION_HOURS"])
    )
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if app.config["ENV_NAME"] == "production":
        dev_key = instance / "secret_key"
        check_production(app.config, dev_key.read_text().strip() if dev_key.exists() else None)
    else:
        app.config.setdefault("SECRET_KEY", None)
        if not app.config["SECRET_KEY"]:
            app.config["SECRET_KEY"] = _secret_key(instance)


def check_production(config: dict, dev_key: str | None = None) -> None:
    """Refuse to start with settings that are only safe on a developer's machine.

    ``dev_key`` is the key generated into the instance folder for development:
    a production server must not reuse it.
    """
    problems = []
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32 or len(set(key)) < 10:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    elif key == dev_key:
        problems.append("SECRET_KEY is the development key from instance/secret_key")
    if not config.get("RATELIMIT_ENABLED", True):
        problems.append("rate limiting must stay on (sign-in and the public form rely on it)")
    storage = config.get("RATELIMIT_STORAGE_URI") or ""
    if not storage or storage.startswith(("memory", "async+memory")):
        problems.append(
            "rate-limit counters in memory are not shared between workers; set REDIS_URL"
        )
    if config["DATABASE_URL"].startswith("sqlite") and not config.get("ALLOW_SQLITE"):
        problems.append("DATABASE_URL must point to PostgreSQL in production")
    if problems:
        raise ConfigError("unsafe production configuration: " + "; ".join(problems))
    config["SESSION_COOKIE_SECURE"] = True
    config["REMEMBER_COOKIE_SECURE"] = True
