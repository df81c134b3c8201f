"""Production refuses settings that are only safe on a developer's machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from feedback_app import create_app
from feedback_app.config import ConfigError
from tests.conftest import make_test_app

GOOD_KEY = "9f1c2e7a4b8d3f6a0c5e1b7d2a9f4c8e6b3d0a7f5c1e9b2d"
POSTGRES = "postgresql+psycopg://feedback@db.internal/feedback"
REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, database_url, tmp_path_factory) -> Iterator[list[Flask]]:
    """No outside settings leak in; apps built here are closed and the shared limiter reset."""
    for name in (
        "FEEDBACK_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "RATELIMIT_STORAGE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    built: list[Flask] = []
    yield built
    for app in built:
        app.extensions["db"].engine.dispose()
    monkeypatch.undo()
    # Flask-Limiter keeps one state for every app in the process: switch it off again for the
    # rest of the suite, which signs in far more often than the production limit allows.
    make_test_app(database_url, tmp_path_factory).extensions["db"].engine.dispose()


def production(built: list[Flask], **settings: Any) -> Flask:
    config = {
        "ENV_NAME": "production",
        "SECRET_KEY": GOOD_KEY,
        "DATABASE_URL": POSTGRES,
        "REDIS_URL": REDIS,
        **settings,
    }
    app = create_app({k: v for k, v in config.items() if v is not None})
    built.append(app)
    return app


def test_production_starts_with_proper_settings(clean_environment):
    app = production(clean_environment)
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev"}, "SECRET_KEY"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 64}, "SECRET_KEY"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL"),
        ({"RATELIMIT_ENABLED": False}, "rate limiting"),
        ({"DATABASE_URL": None}, "PostgreSQL"),
        ({"DATABASE_URL": "sqlite:////srv/feedback.db"}, "PostgreSQL"),
    ],
)
def test_production_refuses_unsafe_settings(clean_environment, settings, complaint):
    with pytest.raises(ConfigError, match=complaint):
        production(clean_environment, **settings)


def test_every_problem_is_reported_at_once(clean_environment):
    with pytest.raises(ConfigError) as caught:
        production(clean_environment, SECRET_KEY="dev", REDIS_URL=None, DATABASE_URL=None)
    message = str(caught.value)
    assert "SECRET_KEY" in message and "REDIS_URL" in message and "PostgreSQL" in message


def test_production_refuses_the_generated_development_key(clean_environment):
    dev = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False})
    clean_environment.append(dev)
    dev_key = (Path(dev.instance_path) / "secret_key").read_text().strip()
    assert dev.config["SECRET_KEY"] == dev_key and len(dev_key) >= 32
    with pytest.raises(ConfigError, match="development key"):
        production(clean_environment, SECRET_KEY=dev_key)


def test_development_keeps_one_generated_key(clean_environment):
    first = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False})
    second = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False})
    clean_environment.extend([first, second])
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config.get("SESSION_COOKIE_SECURE") is not True


def test_production_is_chosen_and_configured_from_the_environment(clean_environment, monkeypatch):
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("REDIS_URL", REDIS)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        clean_environment.append(create_app())
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    app = create_app()
    clean_environment.append(app)
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS


def test_prefixed_environment_settings_are_read(clean_environment, monkeypatch):
    monkeypatch.setenv("FEEDBACK_ENV_NAME", "production")
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "sqlite:////srv/feedback.db")
    monkeypatch.setenv("FEEDBACK_REDIS_URL", REDIS)
    with pytest.raises(ConfigError, match="PostgreSQL"):
        clean_environment.append(create_app())
