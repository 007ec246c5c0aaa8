"""A consumer killed in the middle of its work loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from ledger_contracts.streams import DISCLOSURE_STREAM, LEDGER_GROUP

from tests.conftest import REDIS_URL, wait_until
from tests.support.factories import disclosure, signed
from tests.support.harness import eventually, register_test_producers, running_ledger, settings_for

N = 20_000


async def test_sigkill_mid_stream_then_reclaim(redis_client, postgres_url, ledger_env, tmp_path):
    r = redis_client
    pipe = r.pipeline(transaction=False)
    for i in range(N):
        pipe.xadd(DISCLOSURE_STREAM, signed(disclosure(event_id=f"evt-{i:06d}")))
    pipe.execute()

    env = {
        **os.environ,
        **ledger_env,
        "LEDGER_DATABASE_URL": postgres_url,
        "LEDGER_REDIS_URL": REDIS_URL,
        "LEDGER_CONSUMER__CONSUMER_NAME": "doomed",
        "LEDGER_CONSUMER__BATCH_SIZE": "200",
    }
    settings = settings_for(postgres_url, tmp_path, consumer_name="survivor", reclaim_idle_ms=300)
    from consent_ledger.adapters.sql.producers import SqlProducerStore
    from consent_ledger.bootstrap.store import build_store

    store = build_store(settings)
    register_test_producers(SqlProducerStore(store.engine))  # before the victim reads anything
    victim = subprocess.Popen(
        [sys.executable, "-m", "consent_platform.cli", "consume"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: store.count_entries() >= 1000, timeout=60, what="the victim to commit something")
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    committed_at_kill = store.count_entries()
    print(
        "pending at kill:",
        r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"],
        "committed:",
        committed_at_kill,
    )
    assert committed_at_kill < N, "the victim finished before it was killed; raise N"

    async with running_ledger(settings) as ledger:
        await eventually(
            lambda: (
                r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0
                and ledger.store.count_entries() >= N
            ),
            timeout=120,
            what="all events committed",
        )
        assert ledger.store.count_entries() == N  # nothing lost, nothing twice
        from consent_ledger.core.verify import verify_chain

        [head] = ledger.store.heads()
        assert verify_chain(head.chain, ledger.store.iter_entries(head.chain), head.length).length == N
