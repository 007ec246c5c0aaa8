"""Trimming the input streams on a real Redis, raced against a slow consumer: an entry a required
group has not acknowledged is never removed, and a group that has not read holds everything back."""

from __future__ import annotations

import asyncio

import redis
import redis.asyncio as aioredis
from consent_ledger.adapters.broker.trimmer import StreamTrimmer
from consent_ledger.adapters.metrics import LedgerMetrics
from ledger_contracts.streams import CONSENT_STREAM, DISCLOSURE_STREAM

from tests.conftest import REDIS_URL, wait_until

N = 1500


async def test_trimming_never_removes_what_a_slow_consumer_has_not_acknowledged(redis_client):
    r = redis_client
    r.xgroup_create(DISCLOSURE_STREAM, "ledger", id="0", mkstream=True)
    pipe = r.pipeline(transaction=False)
    for i in range(N):
        pipe.xadd(DISCLOSURE_STREAM, {"event": str(i)})
    published = [i.decode() for i in pipe.execute()]
    client = aioredis.Redis.from_url(REDIS_URL)
    metrics = LedgerMetrics()
    trimmer = StreamTrimmer(client, metrics, {DISCLOSURE_STREAM: ("ledger",)})
    done, removed_while_pending = asyncio.Event(), []

    async def trim() -> None:
        while not done.is_set():
            removed = await trimmer.trim_once()
            if removed and held:
                removed_while_pending.append(removed)
            await asyncio.sleep(0)

    received: list[str] = []
    held: list[str] = []

    async def slow_consumer() -> None:
        rounds = 0
        while len(received) < N:
            batch = await client.xreadgroup("ledger", "slow", {DISCLOSURE_STREAM: ">"}, count=7)
            entries = [(i.decode(), f) for i, f in batch[0][1]] if batch else []
            received.extend(i for i, _ in entries)
            now, later = entries[: len(entries) // 2], entries[len(entries) // 2 :]
            if now:
                await client.xack(DISCLOSURE_STREAM, "ledger", *[i for i, _ in now])
            held.extend(i for i, _ in later)
            rounds += 1
            if rounds % 3 == 0 and held:  # acknowledge late what was held: it must still be there
                for entry_id in held:
                    assert await client.xrange(DISCLOSURE_STREAM, entry_id, entry_id), f"{entry_id} trimmed"
                await client.xack(DISCLOSURE_STREAM, "ledger", *held)
                held.clear()
            await asyncio.sleep(0)
        for entry_id in held:
            assert await client.xrange(DISCLOSURE_STREAM, entry_id, entry_id), f"{entry_id} trimmed"
        await client.xack(DISCLOSURE_STREAM, "ledger", *held) if held else None
        held.clear()
        done.set()

    await asyncio.gather(trim(), slow_consumer())
    assert received == published  # every entry delivered once, in order: none trimmed before it was read
    assert removed_while_pending, "the race never happened: nothing was trimmed while entries were held"
    await trimmer.trim_once()
    assert r.xlen(DISCLOSURE_STREAM) == 0  # all acknowledged: nothing raw stays
    assert metrics.registry.get_sample_value("ledger_stream_length", {"stream": DISCLOSURE_STREAM}) == 0
    await client.aclose()


async def test_a_group_that_must_read_and_has_not_holds_everything(redis_client):
    r = redis_client
    r.xgroup_create(CONSENT_STREAM, "ledger", id="0", mkstream=True)
    ids = [r.xadd(CONSENT_STREAM, {"event": str(i)}) for i in range(20)]
    read = r.xreadgroup("ledger", "c", {CONSENT_STREAM: ">"}, count=100)
    r.xack(CONSENT_STREAM, "ledger", *[i for i, _ in read[0][1]])
    client = aioredis.Redis.from_url(REDIS_URL)
    both = StreamTrimmer(client, LedgerMetrics(), {CONSENT_STREAM: ("ledger", "notifier")})
    assert await both.trim_once() == 0  # the notifier's group does not exist yet
    r.xgroup_create(CONSENT_STREAM, "notifier", id="0")
    assert await both.trim_once() == 0  # it exists, and has read nothing
    r.xreadgroup("notifier", "n", {CONSENT_STREAM: ">"}, count=5)
    r.xack(CONSENT_STREAM, "notifier", *ids[:3])
    assert await both.trim_once() == 3  # the oldest pending entry of the notifier stays
    assert r.xrange(CONSENT_STREAM)[0][0] == ids[3]
    await client.aclose()


async def test_a_trimmed_entry_leaves_the_append_only_file_of_the_embedded_redis(tmp_path):
    """The embedded Redis of `up` keeps an append-only file: trimmed entries are rewritten out of it."""
    from consent_platform.embedded_redis import EmbeddedRedis

    embedded = EmbeddedRedis(tmp_path)
    url = embedded.start()
    try:
        r = redis.Redis.from_url(url)
        r.xgroup_create(DISCLOSURE_STREAM, "ledger", id="0", mkstream=True)
        r.xadd(DISCLOSURE_STREAM, {"event": "BSN 247935829 Markeerstra"})
        r.xadd(DISCLOSURE_STREAM, {"event": "later"})
        read = r.xreadgroup("ledger", "c", {DISCLOSURE_STREAM: ">"}, count=1)
        r.xack(DISCLOSURE_STREAM, "ledger", read[0][1][0][0])

        def on_disk() -> bytes:
            return b"".join(p.read_bytes() for p in embedded.dir.rglob("*.aof*") if p.is_file())

        wait_until(lambda: b"Markeerstra" in on_disk(), what="the entry in the append-only file")
        client = aioredis.Redis.from_url(url)
        trimmer = StreamTrimmer(client, LedgerMetrics(), {DISCLOSURE_STREAM: ("ledger",)}, rewrite_every=0)
        assert await trimmer.trim_once() == 1

        def rewritten() -> bool:
            info = r.info("persistence")
            idle = not (info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"])
            return idle and b"Markeerstra" not in on_disk()

        wait_until(rewritten, what="the append-only file rewritten without the trimmed entry")
        assert b"later" in on_disk()  # what is not yet acknowledged stays
        await client.aclose()
    finally:
        embedded.stop()


async def test_a_trim_on_a_system_gone_quiet_still_leaves_the_append_only_file(tmp_path):
    """Issue 28 item 18: a trim within `rewrite_every` of the last rewrite is rewritten out once the
    interval has passed, though nothing was trimmed since (before, it waited for another trim)."""
    from consent_platform.embedded_redis import EmbeddedRedis

    embedded = EmbeddedRedis(tmp_path)
    url = embedded.start()
    now = [0.0]
    try:
        r = redis.Redis.from_url(url)
        client = aioredis.Redis.from_url(url)
        r.xgroup_create(DISCLOSURE_STREAM, "ledger", id="0", mkstream=True)

        def on_disk() -> bytes:
            return b"".join(p.read_bytes() for p in embedded.dir.rglob("*.aof*") if p.is_file())

        def idle() -> bool:
            info = r.info("persistence")
            return not (info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"])

        def add_and_ack(text: str) -> None:
            r.xadd(DISCLOSURE_STREAM, {"event": text})
            read = r.xreadgroup("ledger", "c", {DISCLOSURE_STREAM: ">"}, count=1)
            r.xack(DISCLOSURE_STREAM, "ledger", read[0][1][0][0])

        trimmer = StreamTrimmer(
            client, LedgerMetrics(), {DISCLOSURE_STREAM: ("ledger",)}, rewrite_every=300, clock=lambda: now[0]
        )
        add_and_ack("BSN 247935829 Markeerstra")
        assert await trimmer.trim_once() == 1  # the first trim rewrites at once
        wait_until(lambda: idle() and b"Markeerstra" not in on_disk(), what="the first rewrite")
        add_and_ack("Zeldenrust")
        wait_until(lambda: b"Zeldenrust" in on_disk(), what="the second entry in the file")
        now[0] = 10.0
        assert await trimmer.trim_once() == 1  # too soon after the last rewrite: not rewritten yet
        assert idle() and b"Zeldenrust" in on_disk()
        now[0] = 400.0
        assert await trimmer.trim_once() == 0  # nothing more to trim, but the file still holds it
        wait_until(lambda: idle() and b"Zeldenrust" not in on_disk(), what="the rewrite after a quiet spell")
        await client.aclose()
    finally:
        embedded.stop()
