"""Delivers the outbox at least once: events to the ledger's Redis streams, notices to webhooks.

A message is marked delivered only after XADD or a 2xx answer; a failure is retried with
exponential backoff and given up (counted as failed) after `max_attempts`. The ledger is
idempotent on event id, so a message delivered twice makes one entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import redis.asyncio as aioredis
from ledger_contracts.chore_log import ChoreLog
from ledger_contracts.signing import SIGNATURE_FIELD, ProducerSigner
from ledger_contracts.streams import EVENT_FIELD, EVENT_STREAMS

from .metrics import NotifierMetrics
from .sql.store import OutboxMessage, SqlNotifierStore

__all__ = ["OutboxRelay", "where_to"]

log = logging.getLogger("consent_notifier.outbox")
COUNT_EVERY = 15.0  # seconds between counts of an idle outbox (a retry given up elsewhere shows)


def _media(msg: OutboxMessage) -> str:
    """A notice that is a CloudEvent goes in structured mode (CloudEvents HTTP binding §3.2)."""
    return "application/cloudevents+json" if '"specversion"' in msg.payload else "application/json"


def where_to(target: str, destination: str) -> str:
    """The destination as a log line names it: the stream, or a webhook's scheme, host and path
    (no credentials or query, which may hold a token)."""
    if target != "webhook":
        return f"stream {destination}"
    parts = urlsplit(destination)
    return (
        f"webhook {parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
    )


class OutboxRelay:
    def __init__(
        self,
        store: SqlNotifierStore,
        redis: aioredis.Redis,
        metrics: NotifierMetrics,
        http: httpx.AsyncClient | None = None,
        max_attempts: int = 12,
        first_delay: timedelta = timedelta(seconds=1),
        batch: int = 200,
        signer: ProducerSigner | None = None,
    ) -> None:
        """`signer`: the notifier's producer key; events for the ledger's streams are signed with it."""
        self.store, self.redis, self.metrics, self.signer = store, redis, metrics, signer
        self.http = http or httpx.AsyncClient(timeout=10)
        self.max_attempts, self.first_delay, self.batch = max_attempts, first_delay, batch
        self._counted_at = float("-inf")

    async def deliver_due(self) -> int:
        """One pass over the due messages; returns how many were delivered."""
        now = datetime.now(UTC)
        due = await asyncio.to_thread(self.store.outbox_due, now, self.batch)
        delivered: list[int] = []
        for msg in due:
            try:
                await self._deliver(msg)
            except Exception as exc:  # any failure: retry later, never lose the message
                self.metrics.outbox_errors.labels(target=msg.target).inc()
                attempts = msg.attempts + 1
                next_at = None
                if attempts < self.max_attempts:
                    next_at = now + self.first_delay * (2 ** (attempts - 1))
                else:
                    log.error(
                        "outbox message %d to %s given up after %d attempts (%s); "
                        "`consent-ledger outbox retry %d` delivers it again",
                        msg.id,
                        where_to(msg.target, msg.destination),
                        attempts,
                        type(exc).__name__,
                        msg.id,
                    )
                await asyncio.to_thread(
                    self.store.outbox_retry, msg.id, type(exc).__name__ + ": " + str(exc), next_at, now
                )
            else:
                delivered.append(msg.id)
                self.metrics.outbox_delivered.labels(target=msg.target).inc()
        await asyncio.to_thread(self.store.outbox_delivered, delivered, datetime.now(UTC))
        if due or time.monotonic() - self._counted_at >= COUNT_EVERY:  # idle: counted now and then
            pending, failed = await asyncio.to_thread(self.store.outbox_counts)
            self.metrics.outbox_pending.set(pending)
            self.metrics.outbox_failed.set(failed)
            self._counted_at = time.monotonic()
        return len(delivered)

    async def _deliver(self, msg: OutboxMessage) -> None:
        if msg.target == "stream":
            fields = {EVENT_FIELD: msg.payload}
            if self.signer is not None and msg.destination in EVENT_STREAMS:
                fields[SIGNATURE_FIELD] = self.signer.sign(msg.payload)
            await self.redis.xadd(msg.destination, fields)  # type: ignore[arg-type]
        elif msg.target == "webhook":
            resp = await self.http.post(
                msg.destination, content=msg.payload, headers={"content-type": _media(msg)}
            )
            resp.raise_for_status()
        else:
            raise ValueError(f"unknown outbox target {msg.target!r}")

    async def run(self, poll_seconds: float = 0.5) -> None:
        await ChoreLog(log, "an outbox pass").repeat(self.deliver_due, poll_seconds)
