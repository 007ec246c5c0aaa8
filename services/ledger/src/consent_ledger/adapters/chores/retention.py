"""Runs the retention by itself under `up`: once a day at the configured hour (UTC), and once at
start-up, so a ledger that was down at that hour catches up. Each run also carries out the erasure
requests that waited for a legal hold that has ended since."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from ...app.retention import RetentionService
from ...app.subject_rights import SubjectRights
from ..metrics import LedgerMetrics

__all__ = ["RetentionScheduler", "seconds_until"]

log = logging.getLogger("consent_ledger.retention")


def seconds_until(hour: int, now: datetime) -> float:
    """Seconds from `now` to the next `hour`:00 UTC."""
    at = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= now:
        at += timedelta(days=1)
    return (at - now).total_seconds()


class RetentionScheduler:
    def __init__(
        self, retention: RetentionService, metrics: LedgerMetrics, hour: int, rights: SubjectRights
    ) -> None:
        self.retention, self.metrics, self.hour, self.rights = retention, metrics, hour, rights

    async def tick(self) -> None:
        report = await asyncio.to_thread(self.retention.run)
        held = await asyncio.to_thread(self.rights.carry_out_held_erasures)
        self.metrics.keys_erased.inc(report.erased_keys + sum(d.erased_keys for d in held))
        if held:
            log.info("%d erasure requests carried out now that their legal hold has ended", len(held))
        self.metrics.retention_last_run.set(datetime.now(UTC).timestamp())
        log.info(
            "retention run: %d keys destroyed, %d entries unreadable, %d of %d subject activities due",
            report.erased_keys,
            report.entries_sealed,
            len(report.due),
            report.scopes,
        )

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("retention run failed; trying again in an hour")
                await asyncio.sleep(3600)
                continue
            await asyncio.sleep(seconds_until(self.hour, datetime.now(UTC)))
