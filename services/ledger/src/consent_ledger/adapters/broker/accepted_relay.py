"""Puts the accepted facts (app.accepted_facts) on their stream after the commit that wrote them,
then deletes them: at least once, in the order written. The notifier's outbox ids make a second
delivery of the same fact harmless."""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from ledger_contracts.accepted import FACT_FIELD
from ledger_contracts.chore_log import ChoreLog
from sqlalchemy import Engine, delete, select

from ..metrics import LedgerMetrics
from ..sql.tables import ACCEPTED

__all__ = ["AcceptedRelay"]

log = logging.getLogger("consent_ledger.accepted")


class AcceptedRelay:
    def __init__(
        self, engine: Engine, redis: aioredis.Redis, metrics: LedgerMetrics, page: int = 500
    ) -> None:
        self.engine, self.redis, self.metrics, self.page = engine, redis, metrics, page

    def _pending(self) -> list[tuple[int, str, str]]:
        q = select(ACCEPTED.c.fact_id, ACCEPTED.c.stream, ACCEPTED.c.payload).order_by(ACCEPTED.c.fact_id)
        with self.engine.connect() as conn:
            return [(int(i), s, p) for i, s, p in conn.execute(q.limit(self.page))]

    def _forget(self, ids: list[int]) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(ACCEPTED).where(ACCEPTED.c.fact_id.in_(ids)))

    async def relay_once(self) -> int:
        """Publish one page of facts and delete them; returns how many."""
        rows = await asyncio.to_thread(self._pending)
        if not rows:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for _, stream, payload in rows:
            pipe.xadd(stream, {FACT_FIELD: payload})
        await pipe.execute()  # raises when Redis is away: the rows stay and go out next time
        await asyncio.to_thread(self._forget, [i for i, _, _ in rows])
        self.metrics.accepted_published.inc(len(rows))
        return len(rows)

    async def run(self, every: float = 0.2) -> None:
        async def drain() -> None:
            while await self.relay_once() == self.page:
                pass

        await ChoreLog(log, "publishing accepted facts (they wait in the table)").repeat(drain, every)
