"""Signs checkpoints by itself: every second, each chain that grew gets a signed checkpoint.
Refusals (a stored tree that no longer extends what was signed) are counted each time and logged
when they begin, change reason or end (not every second), and signing stops for that chain until
someone looks."""

from __future__ import annotations

import asyncio
import logging

from ledger_contracts.chore_log import ChoreLog

from ...app.checkpoints import CheckpointRefused, Checkpoints
from ..metrics import LedgerMetrics

__all__ = ["CheckpointScheduler"]

log = logging.getLogger("consent_ledger.checkpoints")


class CheckpointScheduler:
    def __init__(self, checkpoints: Checkpoints, metrics: LedgerMetrics) -> None:
        self.checkpoints, self.metrics = checkpoints, metrics
        self._refused: dict[str, str] = {}  # chain -> the reason its signing is refused for

    def tick(self) -> int:
        """Sign what grew; returns how many new checkpoints."""
        signed = 0
        for head in self.checkpoints.store.heads():
            try:
                new = self.checkpoints.sign_grown(head)
            except CheckpointRefused as exc:
                self.metrics.checkpoints_refused.labels(reason=exc.reason).inc()
                if self._refused.get(head.chain) != exc.reason:
                    self._refused[head.chain] = exc.reason
                    log.error("checkpoint of chain %r refused (%s): %s", head.chain, exc.reason, exc)
                continue
            if self._refused.pop(head.chain, None) is not None:
                log.warning("checkpoints of chain %r are signed again", head.chain)
            if new is not None:
                self.metrics.checkpoints_signed.labels(chain=head.chain).inc()
                self.metrics.checkpoint_size.labels(chain=head.chain).set(new.size)
                signed += 1
        return signed

    async def run(self, every: float = 1.0) -> None:
        await ChoreLog(log, "the checkpoint scheduler").repeat(lambda: asyncio.to_thread(self.tick), every)
