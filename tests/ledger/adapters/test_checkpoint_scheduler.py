"""The checkpoint scheduler counts every refused signing but logs a refusal when it begins, changes
reason or ends, not every second (issue 29 item 1: an ERROR each second while the chain verifies)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from consent_ledger.adapters.chores.checkpoints import CheckpointScheduler
from consent_ledger.adapters.metrics import LedgerMetrics
from consent_ledger.app.checkpoints import CheckpointRefused


@dataclass
class _Head:
    chain: str


@dataclass
class _Checkpoints:
    """Refuses each chain for the reason `refusing` names; signs nothing otherwise."""

    refusing: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> _Checkpoints:
        return self

    def heads(self) -> list[_Head]:
        return [_Head("werkcorporatie"), _Head("gemeente-arnhem")]

    def sign_grown(self, head: _Head) -> None:
        if head.chain in self.refusing:
            raise CheckpointRefused(self.refusing[head.chain], "refused")


def test_a_refusal_is_logged_once_per_change_and_counted_every_time(caplog):
    checkpoints = _Checkpoints({"werkcorporatie": "inconsistent-tree"})
    metrics = LedgerMetrics()
    scheduler = CheckpointScheduler(checkpoints, metrics)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="consent_ledger.checkpoints"):
        for _ in range(30):
            scheduler.tick()
        checkpoints.refusing["werkcorporatie"] = "no-proof"
        for _ in range(5):
            scheduler.tick()
        del checkpoints.refusing["werkcorporatie"]
        for _ in range(5):
            scheduler.tick()
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in lines] == [logging.ERROR, logging.ERROR, logging.WARNING], lines
    assert "inconsistent-tree" in lines[0][1] and "no-proof" in lines[1][1] and "signed again" in lines[2][1]
    counted = metrics.checkpoints_refused.labels(reason="inconsistent-tree")._value.get()  # noqa: SLF001
    assert counted == 30
