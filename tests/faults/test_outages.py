"""Servers that go away under a running ledger, each the test's own: a Redis restarted with its
append-only file and one without (what is lost, and whether the loss is noticed), and PostgreSQL
stopped while events keep coming (nothing lost, and how long the ledger takes to catch up)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import redis
from consent_ledger.adapters.broker.guard import StreamGuard
from ledger_contracts.streams import DEAD_LETTER_STREAM, DISCLOSURE_STREAM, EVENT_STREAMS, LEDGER_GROUP

from tests.faults.figures import report, scaled
from tests.faults.servers import own_postgres, own_redis
from tests.support.factories import publish_disclosures
from tests.support.harness import eventually, running_ledger, settings_for


def appended_ids(store) -> set[str]:  # type: ignore[no-untyped-def]
    return {json.loads(e.body)["event"]["event_id"] for e in store.iter_entries("werkcorporatie")}


async def _restart_under_load(tmp_path, appendonly: bool) -> None:  # type: ignore[no-untyped-def]
    burst = scaled(3_000, 20_000)
    name = f"redis {'with' if appendonly else 'without'} append-only file, restarted"
    with own_redis(tmp_path / "redis", appendonly) as server:
        settings = settings_for(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path, reclaim_idle_ms=500)
        async with running_ledger(settings, server.url) as ledger:
            read = {s: (LEDGER_GROUP,) for s in EVENT_STREAMS}
            guard = StreamGuard(ledger.redis, ledger.broker, ledger.metrics, read, interval=0.2)
            guarding = asyncio.create_task(guard.run())
            r = redis.Redis.from_url(server.url)
            try:
                published = publish_disclosures(r, burst)
                await eventually(lambda: ledger.store.count_entries() > 0, what="the ledger reading")
                await asyncio.to_thread(server.restart)  # while the ledger is still reading the burst
                restarted = time.monotonic()
                await eventually(
                    lambda: guard.degraded() is not None or appendonly, timeout=15, what="notice"
                )
                noticed = round(time.monotonic() - restarted, 2) if not appendonly else None
                later = publish_disclosures(r, 100)
                await eventually(
                    lambda: set(later) <= appended_ids(ledger.store),
                    timeout=60,
                    what="events after the restart",
                )
                await eventually(
                    lambda: r.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0,
                    timeout=60,
                    what="acked",
                )
                await eventually(
                    lambda: not appendonly or set(published) <= appended_ids(ledger.store),
                    timeout=60,
                    what="all",
                )
                ids = appended_ids(ledger.store)
                lost = len(set(published) - ids)
                duplicated = ledger.store.count_entries() - len(ids)
                detected = guard.degraded() is not None
            finally:
                r.close()
                guarding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await guarding
    report(
        name, published=burst, lost=lost, duplicated=duplicated, detected=detected, seconds_to_notice=noticed
    )
    assert duplicated == 0
    if appendonly:
        assert lost == 0 and not detected  # nothing to notice: Redis kept everything
    else:
        assert detected and noticed is not None and noticed < 5  # lost for good, but noticed at once


async def test_a_redis_restart_with_its_append_only_file_loses_nothing(tmp_path):
    await _restart_under_load(tmp_path, appendonly=True)


async def test_a_redis_restart_without_persistence_is_noticed_within_seconds(tmp_path):
    await _restart_under_load(tmp_path, appendonly=False)


async def test_postgresql_stopped_while_events_arrive_loses_nothing(tmp_path, redis_client):
    down_for = scaled(3, 30)
    with own_postgres() as pg:
        settings = settings_for(pg.url, tmp_path, reclaim_idle_ms=1_000)
        async with running_ledger(settings) as ledger:
            first = publish_disclosures(redis_client, 500)
            await eventually(lambda: ledger.store.count_entries() == 500, timeout=60, what="the first 500")
            await asyncio.to_thread(pg.stop)
            during = []
            stopped = time.monotonic()
            while time.monotonic() - stopped < down_for:  # events keep coming while it is down
                during += publish_disclosures(redis_client, 200)
                await asyncio.sleep(0.2)
            await asyncio.to_thread(pg.start)
            back = time.monotonic()
            expected = set(first) | set(during)
            await eventually(
                lambda: _count(ledger.store) + redis_client.xlen(DEAD_LETTER_STREAM) >= len(expected),
                timeout=120,
                what="the backlog after the outage",
            )
            caught_up = time.monotonic() - back
            await eventually(
                lambda: redis_client.xpending(DISCLOSURE_STREAM, LEDGER_GROUP)["pending"] == 0,
                timeout=60,
                what="all acked",
            )
            ids = appended_ids(ledger.store)
            lost, duplicated = len(expected - ids), ledger.store.count_entries() - len(ids)
    refused = [
        {k.decode(): v.decode() for k, v in f.items()} for _, f in redis_client.xrange(DEAD_LETTER_STREAM)
    ]
    report(
        f"postgresql stopped {down_for} s",
        published=len(expected),
        lost=lost,
        duplicated=duplicated,
        dead_lettered=len(refused),
        seconds_to_catch_up=round(caught_up, 1),
    )
    assert refused == [], refused[:3]  # an outage is no entry's fault
    assert lost == 0 and duplicated == 0


def _count(store) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(store.count_entries())
    except Exception:  # noqa: BLE001 - the database is still coming back
        return 0
