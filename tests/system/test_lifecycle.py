"""The process lifecycle of `up` and the commands: SIGTERM stops everything `up` started, the
embedded redis-server included; one `up` per home; a command where no ledger exists exits 2
with one line and creates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import wait_until_healthy
from tests.system.test_cli import CLI, free_port, run


def redis_servers_in(home: Path) -> list[int]:
    """The pids of redis-server processes whose data directory is under `home` (redis-server
    rewrites its command line, but works in its data directory)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if "redis-server" in title and cwd.startswith(str(home.resolve())):
            found.append(int(pid))
    return found


def test_one_up_per_home_and_sigterm_stops_the_embedded_redis(tmp_path):
    home, port = tmp_path / "home", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(LEDGER_HOME=str(home), LEDGER_HTTP_PORT=str(port))
    first = subprocess.Popen(
        CLI + ["up", "--dev"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
        url = (home / "redis.url").read_text()
        assert len(redis_servers_in(home)) == 1

        second = run(["up", "--dev", "--port", str(free_port())], env)
        assert second.returncode == 2
        assert "already runs in" in second.stderr and str(first.pid) in second.stderr
        assert (home / "redis.url").read_text() == url  # the first one's broker is still named
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        assert len(redis_servers_in(home)) == 1
    finally:
        first.send_signal(signal.SIGTERM)
        code = first.wait(30)
    assert code == 0
    assert redis_servers_in(home) == []
    assert not (home / "redis.url").exists()


@pytest.mark.parametrize(
    "command",
    [["verify"], ["export", "--out", "x.jsonl"], ["receipt", "werkcorporatie", "0"], ["violations"]],
    ids=lambda c: c[0],
)
def test_a_command_where_no_ledger_exists_says_so_and_creates_nothing(tmp_path, command):
    home = tmp_path / "nowhere"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(LEDGER_HOME=str(home))
    done = run(command, env, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no ledger " in lines[0], done.stderr
    assert not home.exists()
