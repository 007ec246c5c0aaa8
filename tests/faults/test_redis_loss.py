"""A Redis that loses its data (FLUSHALL, or a restart of a Redis that keeps nothing) is noticed
within seconds and survived: the consumer groups are recreated, FastStream's stopped subscribers
start again, later events are appended, the loss is logged as an ERROR, counted and shown on
/health as degraded."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
import redis.asyncio as aioredis
from consent_ledger.adapters.broker.guard import StreamGuard
from consent_ledger.adapters.metrics import LedgerMetrics
from consent_ledger.bootstrap.api import build_api
from ledger_contracts.streams import DISCLOSURE_STREAM, EVENT_STREAMS, LEDGER_GROUP

from tests.conftest import REDIS_URL
from tests.support.factories import disclosure, signed
from tests.support.harness import eventually, running_ledger, settings_for


async def test_lost_groups_are_recreated_and_the_loss_is_reported(
    redis_client, database_url, tmp_path, caplog
):
    r = redis_client
    async with running_ledger(settings_for(database_url, tmp_path)) as ledger:
        guard = StreamGuard(
            ledger.redis,
            ledger.broker,
            ledger.metrics,
            {s: (LEDGER_GROUP,) for s in EVENT_STREAMS},
            interval=0.2,
        )
        guarding = asyncio.create_task(guard.run())
        app = build_api(ledger.settings, ledger, guard=guard).app
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app), base_url="http://ledger"
            ) as http:
                r.xadd(DISCLOSURE_STREAM, signed(disclosure()))
                await eventually(lambda: ledger.store.count_entries() == 1, what="the first event")
                assert (await http.get("/health")).json()["status"] == "ok"

                with caplog.at_level(logging.ERROR, logger="consent_ledger.broker"):
                    r.flushdb()  # as a restart of a Redis without persistence leaves it
                    await asyncio.sleep(0.5)  # let the reader hit NOGROUP
                    for _ in range(20):
                        r.xadd(DISCLOSURE_STREAM, signed(disclosure()))
                    await eventually(
                        lambda: ledger.store.count_entries() == 21, timeout=15, what="20 later events"
                    )
                assert any("Redis lost its data" in m for m in caplog.messages)
                health = (await http.get("/health")).json()
                assert health["status"] == "degraded" and "Redis lost its data" in health["broker"]
                recreated = ledger.metrics.groups_recreated.labels(
                    stream=DISCLOSURE_STREAM, group=LEDGER_GROUP
                )
                assert recreated._value.get() >= 1
                assert all(s.running for s in ledger.broker.subscribers)
        finally:
            guarding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await guarding


async def test_consumers_that_are_gone_and_hold_nothing_are_removed(redis_client):
    r = redis_client
    r.xgroup_create(DISCLOSURE_STREAM, LEDGER_GROUP, id="0", mkstream=True)
    r.xadd(DISCLOSURE_STREAM, {"event": b"{}"})
    r.xreadgroup(LEDGER_GROUP, "ledger-101", {DISCLOSURE_STREAM: ">"})  # holds one entry pending
    for name in ("ledger-102", "ledger-103"):  # hold nothing: restarts that are gone
        r.xgroup_createconsumer(DISCLOSURE_STREAM, LEDGER_GROUP, name)
    client = aioredis.Redis.from_url(REDIS_URL)
    guard = StreamGuard(client, None, LedgerMetrics(), {DISCLOSURE_STREAM: (LEDGER_GROUP,)})
    try:
        removed = await guard.prune_consumers(idle_ms=0)
    finally:
        await client.aclose()
    assert sorted(removed) == [
        f"ledger/ledger-102@{DISCLOSURE_STREAM}",
        f"ledger/ledger-103@{DISCLOSURE_STREAM}",
    ]
    assert [c["name"] for c in r.xinfo_consumers(DISCLOSURE_STREAM, LEDGER_GROUP)] == [b"ledger-101"]


async def test_the_loss_is_remembered_across_processes_and_restarts(redis_client, tmp_path):
    """Issue 29 item 10: the guard that noticed writes the loss in the home; `serve`'s guard, which
    did not notice (a replica recreated the groups first), and a guard started after a restart both
    say degraded for the hour; an older loss is not reported."""
    stream = f"ledger.events.loss-{tmp_path.name[-12:].replace('_', '-')}"
    remembered = tmp_path / "broker-lost.json"
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        replica = StreamGuard(client, None, LedgerMetrics(), {stream: (LEDGER_GROUP,)}, remember=remembered)
        serve = StreamGuard(client, None, LedgerMetrics(), {stream: (LEDGER_GROUP,)}, remember=remembered)
        assert serve.degraded() is None
        assert await replica.check_once() == [(stream, LEDGER_GROUP)]  # the group was never made
        assert await serve.check_once() == []  # nothing missing any more for serve to notice
        said = serve.degraded()
        assert said is not None and "Redis lost its data at" in said and "1 consumer groups" in said
        restarted = StreamGuard(client, None, LedgerMetrics(), {stream: (LEDGER_GROUP,)}, remember=remembered)
        assert restarted.degraded() == said
        assert remembered.stat().st_mode & 0o077 == 0
        remembered.write_text('{"at": "2026-01-01T00:00:00+00:00", "groups": 3}')
        assert restarted.degraded() is None  # over an hour ago
    finally:
        await client.delete(stream)
        await client.aclose()
