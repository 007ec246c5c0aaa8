"""FastStream consumer: Redis Stream batches into the ingest use case; ack after commit."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from ledger_contracts.streams import (
    DEAD_LETTER_STREAM,
    EVENT_STREAMS,
    LEDGER_GROUP,
    entry_fields,
    raw_batches,
    text_of,
)
from redis.typing import EncodableT, FieldT

from ...app.ingest import BatchResult, IngestService, RawEntry
from ...app.screening import Screened
from ...config import ConsumerSettings
from ..metrics import LedgerMetrics
from ..sql.dead_letters import SqlDeadLetters
from .screening_pool import ScreeningPool

__all__ = ["AHEAD", "LedgerConsumer"]

log = logging.getLogger("consent_ledger.consumer")


# Batches read and handed on while the writer appends an earlier one. One is enough to keep the
# screening workers busy while the next is read (bench/ingest.py: 8,700 -> 9,400 events/s); more
# only hold more entries unacknowledged and were slower.
AHEAD = 1


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class _Batch:
    """A batch read and screened, waiting for the writer."""

    stream: str
    ids: list[str]
    entries: list[RawEntry]
    screening: asyncio.Task[Screened | None]  # its result None: not screened ahead; the writer screens it
    reclaimed: bool
    started: float


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
        screening: ScreeningPool | None = None,
        kept: SqlDeadLetters | None = None,
    ) -> None:
        """`screening`: worker processes that screen batches; without them a thread of this process
        does. `kept`: where dead letters are kept beside the stream, before the refused entries are
        acknowledged."""
        self._screening = screening
        self._kept = kept
        self._waiting: list[asyncio.Task[None]] = []  # batches handed to the writer, in order, not done
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
                max_records=settings.batch_size,  # a backlog is reclaimed in batches, as it is read
                min_idle_time=settings.reclaim_idle_ms,
                polling_interval=settings.reclaim_idle_ms // 4,
            )
            subscribe = broker.subscriber
            subscribe(stream=reader, ack_policy=AckPolicy.MANUAL, parser=raw_batches)(self._on_batch)
            subscribe(stream=reclaimer, ack_policy=AckPolicy.MANUAL, parser=raw_batches)(self._on_reclaimed)
        self._max_deliveries = settings.max_deliveries
        self._name, self._batch_size = name, settings.batch_size
        self._reclaim_idle_ms = settings.reclaim_idle_ms

    async def _on_reclaimed(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        """FastStream claims one pending entry at a time; the rest of a backlog is claimed here in
        the same call, up to a batch, so that it is appended in batches as it would have been read."""
        raw = msg.raw_message
        stream: str = raw["channel"]
        claimed = list(zip(raw["message_ids"], raw["data"], strict=True))
        more = await self._redis.xautoclaim(
            stream, LEDGER_GROUP, self._name, self._reclaim_idle_ms, "0-0", count=self._batch_size
        )
        seen = {text_of(i) for i, _ in claimed}
        claimed += [(i, f) for i, f in more[1] if text_of(i) not in seen]
        self._metrics.reclaimed.inc(len(claimed))
        await self._handle(stream, claimed, reclaimed=True)

    async def _on_batch(self, body: Any, msg: RedisBatchStreamMessage) -> None:
        raw = msg.raw_message
        await self._handle(raw["channel"], list(zip(raw["message_ids"], raw["data"], strict=True)), False)

    async def _handle(self, stream: str, read: list[tuple[Any, Any]], reclaimed: bool) -> None:
        """Hand the batch to the screening workers and to the one writer, in the order read, and
        return while it is screened: the next batch is read while this one is screened and the one
        before appended. At most AHEAD batches wait for the writer besides the one it appends."""
        ids = [text_of(i) for i, _ in read]
        entries = [RawEntry(stream, i, entry_fields(f)) for i, (_, f) in zip(ids, read, strict=True)]
        self._metrics.batch_size.observe(len(entries))
        started = time.perf_counter()
        screening = asyncio.create_task(self._screen(entries))
        batch = _Batch(stream, ids, entries, screening, reclaimed, started)
        previous = self._waiting[-1] if self._waiting else None
        self._waiting.append(asyncio.create_task(self._write(previous, batch)))
        while len(self._waiting) > AHEAD + 1:
            await asyncio.wait({self._waiting[0]})
            self._waiting = [t for t in self._waiting if not t.done()]

    async def start(self) -> None:
        """Start the screening workers (call before the broker starts)."""
        if self._screening is not None:
            await self._screening.start()

    async def drain(self) -> None:
        """Wait for the batch being appended (and acknowledged); then close the screening workers.
        Call after the broker has stopped."""
        if self._waiting:
            await asyncio.wait({self._waiting[-1]})  # each batch's writer waits for the one before
        if self._screening is not None:
            self._screening.close()

    async def _screen(self, entries: list[RawEntry]) -> Screened | None:
        """The batch screened; None when the producer registry cannot be read now (the writer then
        tries it whole, and an outage leaves it pending)."""
        try:
            if self._screening is None:
                return await asyncio.to_thread(self._ingest.screen, entries)
            producers = await asyncio.to_thread(self._ingest.producers)
            screened = await self._screening.screen(entries, producers)
            return await asyncio.to_thread(self._ingest.rescreened, entries, screened)
        except Exception as exc:  # noqa: BLE001 - the writer tries the batch whole
            log.warning("batch of %d not screened ahead (%s)", len(entries), type(exc).__name__)
            return None

    async def _write(self, previous: asyncio.Task[None] | None, batch: _Batch) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        try:
            screened = await batch.screening
            await self._append(batch, screened)
        except Exception as exc:  # noqa: BLE001 - the entries stay pending and are delivered again
            why = type(exc).__name__  # never the message: it may quote the input
            log.error("batch of %d from %s not acknowledged (%s)", len(batch.entries), batch.stream, why)

    async def _append(self, batch: _Batch, screened: Screened | None) -> None:
        """The batch settled by the ingest's poison policy (app/ingest.py), told which entries the
        group has delivered `max_deliveries` times; acknowledged after the commit and after its dead
        letters are written. Nothing committed: the entries stay pending for the reclaimer."""
        stream, ids, entries, started = batch.stream, batch.ids, batch.entries, batch.started
        exhausted = await self._exhausted(stream, ids) if batch.reclaimed else set()
        try:
            async with self._lock:  # one writer per process: batches commit in turn
                settled = await asyncio.to_thread(
                    self._ingest.settle, entries, screened, exhausted, self._max_deliveries, self._retried
                )
        except Exception as exc:
            self._failed(stream, len(entries), type(exc).__name__)
            return
        if settled.failed is not None:  # then its exhausted entries were set apart
            self._failed(stream, len(entries), settled.failed)
        await self._dead_letter(settled.result)
        self._record(settled.result, time.perf_counter() - started)  # committed: count it
        if settled.done:  # only now: after the commit and after the dead letters are written
            await self._redis.xack(stream, LEDGER_GROUP, *settled.done)

    def _failed(self, stream: str, size: int, why: str) -> None:
        self._metrics.batch_failures.inc()
        log.error("batch of %d from %s not committed (%s); left pending", size, stream, why)

    def _retried(self, exc: BaseException) -> None:
        self._metrics.batch_retries.inc()
        log.info("batch retried after a concurrent write (%s)", type(exc).__name__)

    async def _dead_letter(self, result: BatchResult) -> None:
        if not result.dead_letters:
            return
        now = datetime.now(UTC)
        made = [dl.fields(now, self._dead_letter_key) for dl in result.dead_letters]
        async with self._redis.pipeline(transaction=False) as pipe:
            for made_fields in made:
                fields: dict[FieldT, EncodableT] = dict(made_fields.items())
                pipe.xadd(DEAD_LETTER_STREAM, fields)
            ids = await pipe.execute()
        if self._kept is not None:  # durable before the entries are acknowledged (issue 29 item 7)
            await asyncio.to_thread(self._kept.put, [(text_of(i), f) for i, f in zip(ids, made, strict=True)])
        for dl in result.dead_letters:
            self._metrics.dead_lettered.labels(reason=str(dl.refusal.reason)).inc()
            log.warning("refused %s/%s: %s", dl.source.stream, dl.source.entry_id, dl.refusal.reason)

    async def _exhausted(self, stream: str, ids: list[str]) -> set[str]:
        """The entries among `ids` delivered `max_deliveries` times or more (the group's PEL count)."""
        if not ids:
            return set()
        pending = await self._redis.xpending_range(
            stream, LEDGER_GROUP, min=min(ids, key=_id_key), max=max(ids, key=_id_key), count=len(ids) * 4
        )
        wanted = set(ids)
        found = set()
        for p in pending:
            entry_id = text_of(p["message_id"])
            if entry_id in wanted and int(p["times_delivered"]) >= self._max_deliveries:
                found.add(entry_id)
        return found

    def _record(self, result: BatchResult, seconds: float) -> None:
        o = result.outcome
        self._metrics.appended.inc(o.appended)
        self._metrics.duplicates.inc(o.duplicates)
        self._metrics.chains_known(o.heads)
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
