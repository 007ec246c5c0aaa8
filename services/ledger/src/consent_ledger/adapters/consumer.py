"""FastStream consumer: Redis Stream batches into the ingest use case; ack after commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from ledger_contracts.streams import DEAD_LETTER_STREAM, EVENT_STREAMS, LEDGER_GROUP
from redis.exceptions import ResponseError

from ..app.ingest import BatchResult, IngestService, RawEntry, decode_fields
from ..config import ConsumerSettings
from .metrics import LedgerMetrics

__all__ = ["LedgerConsumer", "drop_unread_groups", "ensure_groups"]

log = logging.getLogger("consent_ledger.consumer")


async def ensure_groups(
    redis: aioredis.Redis, group: str = LEDGER_GROUP, streams: tuple[str, ...] = EVENT_STREAMS
) -> None:
    """Create the consumer group on each stream it reads from its very start ("0"), so events
    published before the first start are consumed too. Existing groups are left as they are. Only
    groups that are read are made: a group nobody reads would hold every entry back from trimming."""
    for stream in streams:
        try:
            await redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


async def drop_unread_groups(redis: aioredis.Redis, group: str, streams: tuple[str, ...]) -> None:
    """Remove `group` from streams it does not read (left by an older version): a group that is never
    read shows an ever-growing lag, and every entry would look unread to it."""
    for stream in streams:
        with contextlib.suppress(ResponseError):  # no such stream
            await redis.xgroup_destroy(stream, group)


class LedgerConsumer:
    """Registers, per event stream, a batch reader (new entries) and a reclaimer (entries
    left pending by a crashed consumer, via XAUTOCLAIM) on the `ledger` group."""

    def __init__(
        self,
        broker: RedisBroker,
        redis: aioredis.Redis,
        ingest: IngestService,
        metrics: LedgerMetrics,
        settings: ConsumerSettings,
        dead_letter_key: bytes,
    ) -> None:
        self._redis = redis
        self._dead_letter_key = dead_letter_key
        self._ingest = ingest
        self._metrics = metrics
        self._lock = asyncio.Lock()  # one writer per process: batches commit in turn
        name = settings.consumer_name
        for stream in EVENT_STREAMS:
            reader = StreamSub(
                stream,
                group=LEDGER_GROUP,
                consumer=name,
                batch=True,
                max_records=settings.batch_size,
                polling_interval=settings.poll_ms,
            )
            reclaimer = StreamSub(
                stream,
                group=LEDGER_GROUP,
                consumer=name,
                batch=True,
                min_idle_time=settings.reclaim_idle_ms,
                polling_interval=settings.reclaim_idle_ms // 4,
            )
            broker.subscriber(stream=reader, ack_policy=AckPolicy.MANUAL)(self._on_batch)
            broker.subscriber(stream=reclaimer, ack_policy=AckPolicy.MANUAL)(self._on_reclaimed)

    async def _on_reclaimed(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        self._metrics.reclaimed.inc(len(msg.raw_message["message_ids"]))
        await self._on_batch(body, msg)

    async def _on_batch(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        raw = msg.raw_message
        stream: str = raw["channel"]
        ids = [i.decode() if isinstance(i, bytes) else str(i) for i in raw["message_ids"]]
        entries = [RawEntry(stream, i, decode_fields(f)) for i, f in zip(ids, raw["data"], strict=True)]
        self._metrics.batch_size.observe(len(entries))
        started = time.perf_counter()
        try:
            async with self._lock:
                result = await asyncio.to_thread(self._ingest.handle, entries)
        except Exception:
            # Nothing committed: leave the entries pending; the reclaimer redelivers them.
            self._metrics.batch_failures.inc()
            log.exception("batch of %d from %s not committed; left pending", len(entries), stream)
            return
        await self._dead_letter(result)
        self._record(result, time.perf_counter() - started)  # committed: count it
        await msg.ack()  # only now: after the commit and after the dead letters are written

    async def _dead_letter(self, result: BatchResult) -> None:
        if not result.dead_letters:
            return
        now = datetime.now(UTC)
        async with self._redis.pipeline(transaction=False) as pipe:
            for dl in result.dead_letters:
                pipe.xadd(DEAD_LETTER_STREAM, dl.fields(now, self._dead_letter_key))
            await pipe.execute()
        for dl in result.dead_letters:
            self._metrics.dead_lettered.labels(reason=str(dl.refusal.reason)).inc()
            log.warning("refused %s/%s: %s", dl.source.stream, dl.source.entry_id, dl.refusal.reason)

    def _record(self, result: BatchResult, seconds: float) -> None:
        o = result.outcome
        self._metrics.appended.inc(o.appended)
        self._metrics.duplicates.inc(o.duplicates)
        for chain, reason in o.violations:
            self._metrics.register_violations.labels(chain=chain, reason=reason).inc()
        if o.unchecked:
            self._metrics.entries_unchecked.inc(o.unchecked)
        if o.conflicts:
            self._metrics.conflicts.inc(len(o.conflicts))
            log.error("CONFLICT: event ids reused with different content: %s", ", ".join(o.conflicts))
        for chain, head in o.heads.items():
            self._metrics.chain_length.labels(chain=chain).set(head.length)
        self._metrics.append_latency.observe(seconds)
