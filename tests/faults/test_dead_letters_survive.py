"""Dead letters survive a Redis loss (issue 29 item 7): the consumer keeps each in the ledger's
database before it acknowledges the refused entry; after its own Redis restarts empty, the loss is
counted for LedgerBrokerLostData and `dead-letters list` still shows every refused event, which
`dead-letters replay --all --reason R` replays in one command once the cause is fixed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import redis
from consent_ledger.adapters.broker.guard import StreamGuard
from consent_ledger.adapters.sql.dead_letters import SqlDeadLetters
from consent_ledger.app.producers import ProducerRecord
from ledger_contracts.signing import ProducerSigner
from ledger_contracts.streams import DEAD_LETTER_STREAM, DISCLOSURE_STREAM, EVENT_STREAMS, LEDGER_GROUP

from tests.conftest import ENCRYPTION_KEY, PSEUDONYM_KEY
from tests.faults.servers import own_redis
from tests.support.factories import disclosure
from tests.support.harness import eventually, running_ledger, settings_for

NEWCOMER = ProducerSigner.generate()  # a producer that is not registered yet


def cli(args: list[str], home, database_url: str, redis_url: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "NOTIFIER_"))}
    env.update(
        LEDGER_HOME=str(home),
        LEDGER_DATABASE_URL=database_url,
        LEDGER_REDIS_URL=redis_url,
        LEDGER_PSEUDONYM_KEY=PSEUDONYM_KEY,
        LEDGER_ENCRYPTION_KEY=ENCRYPTION_KEY,
    )
    cmd = [sys.executable, "-m", "consent_platform.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def _from_newcomer(n: int) -> list[tuple[dict[str, str], str]]:
    out = []
    for _ in range(n):
        body = disclosure()
        body["producer"] = "nieuwe-bron"
        raw = json.dumps(body)
        out.append(({"event": raw, "sig": NEWCOMER.sign(raw)}, body["event_id"]))
    return out


async def test_dead_letters_outlive_a_redis_that_lost_its_data(database_url, tmp_path):
    with own_redis(tmp_path / "redis", appendonly=False) as server:
        settings = settings_for(database_url, tmp_path, reclaim_idle_ms=500)
        async with running_ledger(settings, server.url) as ledger:
            guard = StreamGuard(
                ledger.redis,
                ledger.broker,
                ledger.metrics,
                {s: (LEDGER_GROUP,) for s in EVENT_STREAMS},
                interval=0.2,
            )
            guarding = asyncio.create_task(guard.run())
            r = redis.Redis.from_url(server.url)
            kept = SqlDeadLetters(ledger.store.engine)
            try:
                sent = _from_newcomer(3)
                for fields, _ in sent:
                    r.xadd(DISCLOSURE_STREAM, fields)  # type: ignore[arg-type]
                await eventually(lambda: kept.count() == 3, what="3 dead letters kept in the database")
                assert r.xlen(DEAD_LETTER_STREAM) == 3  # and on the stream, as before

                await asyncio.to_thread(server.restart)  # Redis comes back empty
                lost = (
                    'ledger_broker_groups_recreated_total{group="ledger",stream="ledger.events.disclosure"}'
                )
                await eventually(
                    lambda: (
                        (
                            ledger.metrics.registry.get_sample_value(
                                "ledger_broker_groups_recreated_total",
                                {"stream": DISCLOSURE_STREAM, "group": LEDGER_GROUP},
                            )
                            or 0
                        )
                        >= 1
                    ),
                    timeout=15,
                    what=f"the loss counted ({lost}), which LedgerBrokerLostData reads",
                )
                assert r.xlen(DEAD_LETTER_STREAM) == 0  # the stream is gone

                listed = cli(
                    ["dead-letters", "list", "--reason", "unauthenticated_producer"],
                    tmp_path,
                    database_url,
                    server.url,
                )
                assert listed.returncode == 0, listed.stderr
                assert len(listed.stdout.strip().splitlines()) == 1 + 3  # a header and all three

                # the cause fixed: the producer registered; the three replayed in one command
                ledger.producers.put_producer(
                    ProducerRecord("nieuwe-bron", NEWCOMER.public_text(), ("*",), ("*",), datetime.now(UTC))
                )
                replayed = cli(
                    ["dead-letters", "replay", "--all", "--reason", "unauthenticated_producer"],
                    tmp_path,
                    database_url,
                    server.url,
                )
                assert replayed.returncode == 0, replayed.stdout + replayed.stderr
                assert "3 replayed, 0 still refused" in replayed.stdout
                await eventually(
                    lambda: ledger.store.count_entries() == 3, timeout=30, what="the three appended"
                )
                assert kept.count() == 0
                again = cli(["dead-letters", "replay", "--all"], tmp_path, database_url, server.url)
                assert again.returncode == 0 and "0 replayed, 0 still refused" in again.stdout
            finally:
                r.close()
                guarding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await guarding
