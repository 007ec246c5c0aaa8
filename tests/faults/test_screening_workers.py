"""Screening workers end with the consumer that started them, even when it is killed (kill -9):
none is left orphaned beside the consumer that a supervisor starts in its place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from tests.conftest import wait_until

SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    from consent_ledger.adapters.broker.screening_pool import ScreeningPool
    from consent_ledger.core.pseudonyms import Pseudonymizer

    async def main():
        pool = ScreeningPool(Pseudonymizer({1: os.urandom(32)}, 1), 2)
        await pool.start()
        print(" ".join(map(str, pool.pids())), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_workers_end_when_the_consumer_is_killed():
    consumer = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in consumer.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    finally:
        os.kill(consumer.pid, signal.SIGKILL)
        consumer.wait()
    wait_until(lambda: not any(_alive(p) for p in pids), timeout=10, what="the orphaned workers to end")
