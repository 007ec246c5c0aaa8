"""`kill -9` of a consumer in the middle of its batches, again and again, on PostgreSQL, while events
keep coming: nothing lost, nothing twice, one chain that verifies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from consent_ledger.adapters.sql.producers import SqlProducerStore
from consent_ledger.bootstrap.store import build_store
from consent_ledger.core.verify import verify_chain
from ledger_contracts.streams import DISCLOSURE_STREAM, LEDGER_GROUP

from tests.conftest import REDIS_URL, wait_until
from tests.faults.figures import report, scaled
from tests.support.factories import publish_disclosures
from tests.support.harness import eventually, register_test_producers, running_ledger, settings_for


async def test_repeated_kill_9_mid_batch_loses_and_duplicates_nothing(
    redis_client, postgres_url, ledger_env, tmp_path
):
    kills, per_round = scaled(3, 30), scaled(1_500, 3_000)
    r = redis_client
    settings = settings_for(postgres_url, tmp_path, consumer_name="survivor", reclaim_idle_ms=300)
    store = build_store(settings)
    register_test_producers(SqlProducerStore(store.engine))
    env = {
        **os.environ,
        **ledger_env,
        "LEDGER_DATABASE_URL": postgres_url,
        "LEDGER_REDIS_URL": REDIS_URL,
        "LEDGER_CONSUMER__BATCH_SIZE": "200",
        "LEDGER_CONSUMER__RECLAIM_IDLE_MS": "300",
    }
    published: list[str] = []
    killed_mid_batch = 0
    for k in range(kills):
        published += publish_disclosures(r, per_round)
        before = store.count_entries()
        victim = subprocess.Popen(
            [sys.executable, "-m", "consent_platform.cli", "consume"],
            env={**env, "LEDGER_CONSUMER__CONSUMER_NAME": f"victim-{k}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: store.count_entries() > before, timeout=60, what="the victim committing")  # noqa: B023
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
        finally:
            if victim.poll() is None:
                victim.kill()
        killed_mid_batch += r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] > 0

    async with running_ledger(settings) as ledger:
        await eventually(
            lambda: (
                r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0
                and ledger.store.count_entries() >= len(published)
            ),
            timeout=180,
            what="everything committed",
        )
        entries = list(ledger.store.iter_entries("werkcorporatie"))
    ids = [json.loads(e.body)["event"]["event_id"] for e in entries]
    lost, duplicated = len(set(published) - set(ids)), len(ids) - len(set(ids))
    report(
        "kill -9 of a consumer mid-batch",
        kills=kills,
        with_entries_pending=killed_mid_batch,
        published=len(published),
        lost=lost,
        duplicated=duplicated,
    )
    assert lost == 0 and duplicated == 0
    assert verify_chain("werkcorporatie", entries, len(published)).length == len(published)
    store.dispose()
