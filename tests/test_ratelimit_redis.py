"""Two app instances (two workers, two machines) share the public form's limits through Redis.

Needs the Redis server of the developers' and CI machines (127.0.0.1:6379); it
is started here when it is not running. Under CI an unreachable Redis fails
the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from feedback_app.public import ratelimit
from tests import test_abuse
from tests.test_abuse import DEVICE_COOKIE, submit
from tests.test_public_form import stored

# the rate-limited apps and the counters of the other abuse tests
limited_app = test_abuse.limited_app
counters = test_abuse.counters

#: a database of its own, emptied before and after
REDIS_DB = 5
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def _alive(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def _start_server() -> bool:
    if shutil.which("redis-server") is None:
        return False
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],  # fmt: skip
        check=False,
        capture_output=True,
        timeout=10,
    )
    return True


@pytest.fixture(scope="module")
def redis_server() -> Iterator[redis.Redis]:
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=1)
    started = False
    if not _alive(client) and _start_server():
        started = True
        deadline = time.monotonic() + 5
        while not _alive(client) and time.monotonic() < deadline:
            time.sleep(0.05)
    if not _alive(client):
        message = "Redis is not reachable at 127.0.0.1:6379 and could not be started"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield client
    if started:
        with contextlib.suppress(redis.ConnectionError):  # it stops before answering
            client.shutdown(nosave=True)
    client.close()


@pytest.fixture()
def redis_db(redis_server: redis.Redis) -> Iterator[redis.Redis]:
    redis_server.flushdb()
    yield redis_server
    redis_server.flushdb()


def test_two_instances_share_the_limits_through_redis(redis_db, limited_app, session, counters):
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "PUBLIC_DEVICE_LIMIT": "2 per minute",
        "PUBLIC_IP_LIMIT": "3 per minute",
    }
    url, service = counters["url"], counters["service"].id

    app_a = limited_app(**settings)
    phone = app_a.test_client()
    assert submit(phone, url, service).status_code == 303
    assert submit(phone, url, service).status_code == 303
    assert submit(app_a.test_client(), url, service).status_code == 303  # a second phone
    assert stored(session) == 3

    # Instance B starts (another worker): Flask-Limiter opens its storage anew, so in
    # memory it would start from zero; only through Redis does it see A's submissions.
    app_b = limited_app(**settings)
    same_phone = app_b.test_client()
    same_phone.set_cookie(DEVICE_COOKIE, phone.get_cookie(DEVICE_COOKIE).value)
    refused = submit(same_phone, url, service)
    assert refused.status_code == 429  # the device's two went through A
    assert "Terlalu banyak kiriman" in refused.get_data(as_text=True)
    new_phone = app_b.test_client()
    assert submit(new_phone, url, service).status_code == 429  # the network's three, too
    assert submit(new_phone, counters["other_url"], service).status_code == 303
    assert stored(session) == 4

    # The counters sit in Redis under keyed hashes: no address, no cookie in any key.
    keys = [key.decode() for key in redis_db.keys("*")]
    assert keys
    assert not any("127.0.0.1" in key for key in keys)
    assert not any(phone.get_cookie(DEVICE_COOKIE).value in key for key in keys)
    with app_b.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        network = ratelimit.client_hash()
    assert any(network in key for key in keys)

    # and nowhere else: emptied, they let the next submission through
    redis_db.flushdb()
    assert submit(new_phone, url, service).status_code == 303
    assert stored(session) == 5
