"""How much of a core each long-running process uses when nothing happens (issue 29 item 11: the
idle notifier used about 20%), beside a Python process that only waits on its event loop, started
the same way in the same run. Each process runs as its unit runs it (`notifier`, `serve`,
`consume`) on a throw-away PostgreSQL database (BENCH_POSTGRES_URL) and Redis (BENCH_REDIS_URL,
default 127.0.0.1:6379), is left `--settle` seconds to start, then measured over `--seconds`.
Target: the notifier below 1% of a core.

How each waits: the notifier asks its outbox twice a second and its callbacks every five seconds,
and reads Redis with blocking reads; `serve` signs checkpoints, publishes expiries and accepted
facts and checks the broker each second; `consume` reads Redis with blocking reads.

    uv run python bench/idle.py [--seconds 20] [--settle 15]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consent_ledger.core.notes import NoteSigner  # noqa: E402

from bench.pgdb import throwaway_database  # noqa: E402

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WAITING = "import asyncio; asyncio.run(asyncio.sleep(3600))"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu(args: list[str], env: dict[str, str], settle: float, seconds: float, log: Path) -> float:
    """Percent of one core the process used over `seconds`, after `settle`."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(settle)
        if proc.poll() is not None:
            raise SystemExit(f"{args[-1]} stopped at start: see {log}")
        watched = psutil.Process(proc.pid)
        before, started = sum(watched.cpu_times()[:2]), time.monotonic()
        time.sleep(seconds)
        used = sum(watched.cpu_times()[:2]) - before
        return 100.0 * used / (time.monotonic() - started)
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--settle", type=float, default=15.0)
    a = parser.parse_args()
    cli = [sys.executable, "-m", "consent_platform.cli"]
    with throwaway_database() as db, tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
        env.update(
            LEDGER_HOME=home,
            LEDGER_DATABASE_URL=db,
            LEDGER_REDIS_URL=REDIS,
            LEDGER_PSEUDONYM_KEY=secrets.token_hex(32),  # throw-away keys of this run
            LEDGER_ENCRYPTION_KEY=secrets.token_hex(32),
            LEDGER_LOG_ORIGIN="bench.example",
            LEDGER_CHECKPOINT_KEYS=NoteSigner.generate("bench.example").private_string(),
        )
        logs = Path(home)
        baseline = _cpu([sys.executable, "-c", WAITING], env, a.settle, a.seconds, logs / "baseline.log")
        print(f"{'baseline (a waiting event loop)':34} {baseline:6.2f}% of a core")
        for name, args in (
            ("notifier", ["notifier", "--port", str(_port())]),
            ("serve", ["serve", "--port", str(_port())]),
            ("consume", ["consume"]),
        ):
            used = _cpu(cli + args, env, a.settle, a.seconds, logs / f"{name}.log")
            ratio = f"{used / baseline:.0f}x the baseline" if baseline > 0.005 else "the baseline uses none"
            print(f"{name + ' (idle)':34} {used:6.2f}% of a core  ({ratio})")


if __name__ == "__main__":
    main()
