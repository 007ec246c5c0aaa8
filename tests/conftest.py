"""Shared fixtures: real Redis and PostgreSQL over real connections.

TEST_REDIS_URL (default redis://127.0.0.1:6379/9) and TEST_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/postgres, an admin connection used to create
one throw-away database per test) point the suite at the servers.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Fixed test keys: 32 random-looking bytes each (hex). Never used outside tests.
PSEUDONYM_KEY = "5b0f9c1e7d2a4c6e8f1a3b5d7c9e0f2a4b6d8c0e1f3a5b7d9c2e4f6a8b0d1c3e"
ENCRYPTION_KEY = "c3e1d0b8a6f4e2c9d7b5a3f1e0c8a6b4d2f0e9c7a5b3d1f2e4c6a8b0d9f7e5c3"
# A checkpoint key for the default log origin (`keys generate consent-ledger.local`), for the API a
# test builds through the composition root. Never used outside tests.
CHECKPOINT_KEY = "PRIVATE+KEY+consent-ledger.local+4b01c158+AYaIy8q7NmsZVtwlCmftB5KHo0fJsOgdqvglLqlNbOF/"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # a missing server is a failure, not a skip
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _postgres_database() -> Iterator[str]:
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs on both backends."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


@pytest.fixture
def ledger_env(tmp_path: Path) -> dict[str, str]:
    return {
        "LEDGER_HOME": str(tmp_path / "home"),
        "LEDGER_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "LEDGER_ENCRYPTION_KEY": ENCRYPTION_KEY,
    }


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll a condition that the system under test must reach; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def wait_until_healthy(base: str) -> None:
    """Until `consent-ledger up` at `base` answers /health with 200 (60 s at most)."""

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=60, what="consent-ledger up")


@pytest.fixture
def up(tmp_path):
    """`consent-ledger up --dev` as a subprocess (embedded Redis, SQLite): (env, base URL). Its log
    (stdout and stderr) is written to env["UP_LOG"], for tests that read what it logged."""
    from tests.system.test_cli import CLI, free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(
        LEDGER_HOME=str(tmp_path / "home"), LEDGER_HTTP_PORT=str(port), UP_LOG=str(tmp_path / "up.log")
    )
    logfile = open(env["UP_LOG"], "wb")  # noqa: SIM115 - closed in finally, after the process
    proc = subprocess.Popen(CLI + ["up", "--dev"], env=env, stdout=logfile, stderr=subprocess.STDOUT)

    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        yield env, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)
        logfile.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite leaves no process behind: a redis-server that an `up` of a test started (its data
    directory is under the test's temporary directory) must be gone when the tests end."""
    from tests.system.test_lifecycle import redis_servers_in

    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    base = factory.getbasetemp()
    deadline = time.monotonic() + 10
    while (left := redis_servers_in(base)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        print(f"\nprocesses left behind by the tests: redis-server pids {left}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    """The fault suite's figures (tests/faults/figures.py): lost, duplicated, noticed, caught up."""
    from tests.faults.figures import LONG, figures

    if not figures:
        return
    terminalreporter.section(f"fault figures ({'long' if LONG else 'short'} run)")
    for fault, measured in figures.items():
        terminalreporter.write_line(f"{fault}: " + ", ".join(f"{k} {v}" for k, v in measured.items()))


def metrics_reader(env: dict[str, str], base: str):
    """A function that reads `up`'s /metrics as the Prometheus server does: with a client token of
    scope metrics:read (made here through the CLI)."""
    import httpx

    from tests.system.test_cli import run

    made = run(["clients", "add", "prometheus", "--scope", "metrics:read"], env)
    assert made.returncode == 0, made.stderr
    headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
    return lambda: httpx.get(f"{base}/metrics", headers=headers).text


# The folder says what a test needs: tests/system starts the product's processes or commands,
# tests/faults stops servers and kills processes, tests/browser drives Chromium. Marked so, the
# rest is a fast loop: `bash scripts/test -m "not system and not faults and not browser"`.
FOLDER_MARKERS = {"system": "system", "faults": "faults", "browser": "browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        folder = Path(str(item.path)).relative_to(tests).parts[0]
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])
