"""Runs the expiry by itself: every second, the grants past their valid-until are published as
`consent.expired` events on the consent stream, where the ledger records them and the notifier
tells the parties that relied on them. A crash between publish and record only publishes again,
and the ledger keeps one entry per event id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import redis.asyncio as aioredis
from ledger_contracts import encode_event
from ledger_contracts.chore_log import ChoreLog
from ledger_contracts.signing import ProducerSigner

from ...app.expiry import ExpiryReader, expiry_event
from ..metrics import LedgerMetrics

__all__ = ["ExpiryScheduler"]

log = logging.getLogger("consent_ledger.expiry")


class ExpiryScheduler:
    def __init__(
        self,
        store: ExpiryReader,
        redis: aioredis.Redis,
        metrics: LedgerMetrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        signer: ProducerSigner | None = None,
        organisation: str | None = None,
    ) -> None:
        """`organisation`: publish the expiries as CloudEvents from that organisation's system."""
        self.store, self.redis, self.metrics, self.clock = store, redis, metrics, clock
        self.signer = signer  # the 'ledger-expiry' producer key (app.internal_producers)
        self.organisation = organisation
        self._in_flight: set[str] = set()  # published, not yet recorded by the ledger

    async def tick(self) -> int:
        """Publish the expiries that are due and not already on their way; returns how many."""
        due = [expiry_event(d) for d in await asyncio.to_thread(self.store.expiring, self.clock())]
        self._in_flight &= {e.event_id for e in due}  # recorded ones drop out of `due`
        sent = 0
        for event in due:
            if event.event_id in self._in_flight:
                continue
            stream, fields = encode_event(event, self.signer, self.organisation)
            await self.redis.xadd(stream, fields)  # type: ignore[arg-type]
            self._in_flight.add(event.event_id)
            self.metrics.expiries_published.inc()
            sent += 1
        return sent

    async def run(self, every: float = 1.0) -> None:
        await ChoreLog(log, "the expiry scheduler").repeat(self.tick, every)
