"""The system under test: PostgreSQL, a prepared database, gunicorn and the job worker.

- :class:`MachineCluster` is the PostgreSQL server of the machine (127.0.0.1:5432,
  user root, trust auth); :class:`PrivateCluster` is a throwaway server of this run
  (``initdb`` in a temporary folder, a free port), which an outage test can stop
  without disturbing anybody else using the machine's server.
- :func:`prepare_database` makes a fresh database of the run's own, migrates it and
  loads the demo organisation with the app's own CLI (never the database ``test``).
- :func:`serve` runs the app under gunicorn the way production does
  (``FEEDBACK_ENV=production``: a real secret, rate-limit counters in Redis) and
  the Huey consumer beside it; gunicorn is started by ``bench/submit.py``'s helper.

No Flask import here: the load generator's process stays a client.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from submit import GENEROUS_LIMIT, SECRET_KEY, free_port, gunicorn  # noqa: E402

HOST = "127.0.0.1"


# --- PostgreSQL ------------------------------------------------------------------------


class Cluster:
    """A PostgreSQL server this run connects to as ``user``; can be stopped and started."""

    port: int = 5432
    user: str = "root"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{HOST}:{self.port}/{database}"

    def connect(self, database: str = "postgres", timeout: int = 3) -> psycopg.Connection:
        return psycopg.connect(
            host=HOST,
            port=self.port,
            user=self.user,
            dbname=database,
            autocommit=True,
            connect_timeout=timeout,
        )

    def accepts(self) -> bool:
        try:
            with self.connect(timeout=2) as connection:
                connection.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def wait_ready(self, timeout: float = 60) -> float:
        """Wait until the server accepts connections; returns the seconds waited."""
        started = time.monotonic()
        while True:
            try:
                with self.connect() as connection:
                    connection.execute("SELECT 1")
                return time.monotonic() - started
            except psycopg.OperationalError:
                if time.monotonic() - started > timeout:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the run created (nothing for the machine's server)."""


class MachineCluster(Cluster):
    """The machine's own server, stopped and started with Debian's ``pg_ctlcluster``.

    Stopping it stops it for everybody using the machine: run outage tests on it
    only on a quiet machine.
    """

    def __init__(self) -> None:
        versions = sorted(os.listdir("/etc/postgresql"))
        self.version = versions[-1]

    def _ctl(self, action: str, *extra: str) -> None:
        subprocess.run(  # noqa: S603
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, "main", action, *extra],  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("start")


class PrivateCluster(Cluster):
    """A server of this run only: ``initdb`` as the postgres user, trust auth for root."""

    def __init__(self, folder: Path) -> None:
        versions = sorted(Path("/usr/lib/postgresql").iterdir())
        self.bin = versions[-1] / "bin"
        self.data = folder / "pgdata"
        self.socket_dir = folder / "pgsocket"
        self.log = folder / "postgresql.log"
        self.port = free_port()
        folder.chmod(0o755)
        for path in (self.data, self.socket_dir):
            path.mkdir()
            shutil.chown(path, "postgres", "postgres")
        self.log.touch()
        shutil.chown(self.log, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            self.user,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",
        )
        self.start()
        self.wait_ready()

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(  # noqa: S603
            ["runuser", "-u", "postgres", "--", *command],  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _pg_ctl(self, *args: str) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "--pgdata", str(self.data), *args)

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses={HOST}"
            f" -c unix_socket_directories={self.socket_dir} -c max_connections=200"
        )
        self._pg_ctl("--log", str(self.log), "--options", options, "--wait", "start")

    def stop(self) -> None:
        self._pg_ctl("--mode", "fast", "--wait", "stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()


@dataclass
class Database:
    cluster: Cluster
    name: str
    url: str
    #: the demo organisation's live counter links: ``/s/<token>``
    form_paths: list[str]


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_database(cluster: Cluster) -> Database:
    """A fresh ``reliability_<random>`` database: migrated, demo organisation, no responses."""
    name = f"reliability_{secrets.token_hex(4)}"
    with cluster.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = cluster.url(name)
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    _flask(env, "migrate")
    _flask(env, "demo-data", "--no-responses")
    with cluster.connect(name) as connection:
        tokens = [
            row[0]
            for row in connection.execute(
                "SELECT token FROM public_links WHERE kind = 'counter' AND retired_at IS NULL"
                " ORDER BY id"
            )
        ]
    return Database(cluster, name, url, [f"/s/{token}" for token in tokens])


def drop_database(database: Database) -> None:
    with database.cluster.connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


# --- the app ------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    log: Path
    #: Redis keys of this run's rate-limit counters start with this
    key_prefix: str
    env: dict[str, str] = field(repr=False)

    def master(self) -> psutil.Process:
        for child in psutil.Process().children():
            if "gunicorn" in " ".join(child.cmdline()) and f":{self.port}" in " ".join(
                child.cmdline()
            ):
                return child
        raise RuntimeError("gunicorn master not found")

    def workers(self) -> list[psutil.Process]:
        return self.master().children()


def app_env(database: Database, folder: Path, key_prefix: str) -> dict[str, str]:
    """Production settings; the public form's limits raised for one load generator."""
    return {
        "FEEDBACK_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database.url,
        # rate-limit counters in the machine's Redis, under keys of this run only
        "RATELIMIT_STORAGE_URI": f"redis://{HOST}:6379/0",
        "FEEDBACK_RATELIMIT_KEY_PREFIX": key_prefix,
        # every simulated citizen comes from 127.0.0.1: the per-network and
        # per-device limits would throttle the load generator, not a crowd of phones
        "FEEDBACK_PUBLIC_DEVICE_LIMIT": GENEROUS_LIMIT,
        "FEEDBACK_PUBLIC_IP_LIMIT": GENEROUS_LIMIT,
        # the job queue in a file of this run (Huey's Redis queue name is fixed, and
        # the machine's Redis is shared), export files in the run's folder
        "FEEDBACK_HUEY_SQLITE_PATH": str(folder / "huey.db"),
        "FEEDBACK_EXPORT_DIR": str(folder / "exports"),
    }


@contextlib.contextmanager
def serve(database: Database, folder: Path, workers: int, threads: int) -> Iterator[Server]:
    key_prefix = f"reliability-{secrets.token_hex(4)}"
    env = app_env(database, folder, key_prefix)
    (folder / "exports").mkdir(exist_ok=True)
    log = folder / "gunicorn.log"
    worker_log = (folder / "huey.log").open("a")
    consumer = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "huey_consumer"), "feedback_app.jobs.huey", "-w", "1"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=worker_log,
        stderr=worker_log,
    )
    try:
        with gunicorn("wsgi:app", env, workers, threads, database.form_paths[0], log) as port:
            yield Server(port, log, key_prefix, env)
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
        worker_log.close()
        _forget_counters(key_prefix)


def _forget_counters(key_prefix: str) -> None:
    """Remove this run's rate-limit counters from the shared Redis (only its own keys)."""
    import redis

    with contextlib.suppress(redis.RedisError):
        client = redis.Redis(host=HOST, port=6379, db=0)
        keys = list(client.scan_iter(match=f"*LIMITER/{key_prefix}/*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        client.close()
