"""Servers a fault test may stop: its own redis-server and its own PostgreSQL (from initdb), on free
ports, never the shared ones."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis

from tests.system.test_cli import free_port

__all__ = ["OwnPostgres", "OwnRedis", "own_postgres", "own_redis"]


def _wait(ready, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not start within {timeout}s")
        time.sleep(0.05)


class OwnRedis:
    def __init__(self, directory: Path, appendonly: bool) -> None:
        self.dir, self.appendonly, self.port = directory, appendonly, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if self.appendonly else []
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--dir", str(self.dir), "--save", "", *(persistence or ["--appendonly", "no"])],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        _wait(up, "redis-server")

    def stop(self) -> None:
        """A clean shutdown: with the append-only file, everything written is kept."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def own_redis(directory: Path, appendonly: bool) -> Iterator[OwnRedis]:
    server = OwnRedis(directory, appendonly)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class OwnPostgres:
    """A PostgreSQL cluster made with initdb in `directory`, run as the postgres user when the tests
    run as root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.fail("no PostgreSQL server binaries (pg_ctl) on this machine")
        self.bin = Path(found[-1]).parent
        # outside the tests' temporary folder, which only root may enter
        self.dir, self.port = Path(tempfile.mkdtemp(prefix="ledger-faults-pg-")), free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, args[0], done.stdout, done.stderr)

    def init(self) -> None:
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        log = str(self.dir / "server.log")  # the server keeps no pipe of ours open
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l", log, "-o", options, "-w", "start"
        )

        def up() -> bool:
            try:
                psycopg.connect(self.url, connect_timeout=1).close()
                return True
            except psycopg.OperationalError:
                return False

        _wait(up, "PostgreSQL")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
