"""Notices a Redis that lost its data and keeps the consumers going (DESIGN.md invariant 2).

A Redis that keeps nothing on disk comes back empty after a restart, and a FLUSHALL empties a
running one: the streams and their consumer groups are gone. FastStream stops a subscriber for good
when its group is missing (NOGROUP). The guard checks every second that each group that must read
a stream exists; a missing one is recreated from the start of the stream, the subscribers that
stopped are started again (and consumers that are gone and hold nothing are removed from the
groups, each hour), the loss is logged as an ERROR, counted in
`ledger_broker_groups_recreated_total` and shown on /health as degraded for an hour: events
published before the loss and not yet read are gone, and only the operator can find out which.

The loss is also written to a file in the ledger's home (`remember`), which every guard of the
host reads: `serve` says degraded though a `consume` replica noticed first, and after a restart
within the hour (issue 29 item 10)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from ledger_contracts.chore_log import ChoreLog
from ledger_contracts.files import private_file
from ledger_contracts.streams import text_of
from redis.exceptions import ResponseError

from ..metrics import LedgerMetrics
from .groups import ensure_groups

__all__ = ["StreamGuard"]

log = logging.getLogger("consent_ledger.broker")
DEGRADED_FOR = 3600.0
GONE_AFTER_MS = 3_600_000  # a consumer that has not read for an hour is gone (readers poll each 0.1 s)
PRUNE_EVERY = 60  # passes


class StreamGuard:
    def __init__(
        self,
        redis: aioredis.Redis,
        broker: Any,
        metrics: LedgerMetrics,
        required: Mapping[str, tuple[str, ...]],
        interval: float = 1.0,
        remember: Path | None = None,
    ) -> None:
        """`required`: stream -> the consumer groups that read it. `broker`: the one whose stopped
        subscribers are started again; None in a process that reads nothing (`serve`). `remember`:
        the file a loss is written to and read from (LEDGER_HOME/broker-lost.json)."""
        self.redis, self.broker, self.metrics, self.required = redis, broker, metrics, dict(required)
        self.interval, self.remember = interval, remember
        self._lost: tuple[datetime, int] | None = None  # (when, groups recreated), in this process
        for stream, groups in self.required.items():  # from 0: a first loss raises the alert
            for group in groups:
                metrics.groups_recreated.labels(stream=stream, group=group)
        self._stopping = False

    def stop(self) -> None:
        """From now on no subscriber is started again: the process is shutting its broker down."""
        self._stopping = True

    async def check_once(self) -> list[tuple[str, str]]:
        """Recreate the missing groups and restart stopped subscribers; returns what was recreated."""
        recreated = []
        for stream, groups in self.required.items():
            try:
                present = {text_of(g["name"]) for g in await self.redis.xinfo_groups(stream)}
            except ResponseError:  # the stream itself is gone
                present = set()
            for group in groups:
                if group not in present:
                    await ensure_groups(self.redis, group, (stream,))
                    recreated.append((stream, group))
        if recreated:
            self._lost = (datetime.now(UTC), len(recreated))
            self._write_loss(*self._lost)
            for stream, group in recreated:
                self.metrics.groups_recreated.labels(stream=stream, group=group).inc()
            log.error(
                "Redis lost its data: consumer groups %s were missing and are recreated; events published "
                "before now and not yet read are gone (run Redis with appendonly yes; docs/operations.md)",
                ", ".join(f"{g}@{s}" for s, g in recreated),
            )
        for subscriber in list(self.broker.subscribers) if self.broker is not None else []:
            if not subscriber.running and not self._stopping:  # FastStream stopped it on NOGROUP
                await subscriber.start()
                log.warning("subscriber %s started again", getattr(subscriber, "stream_sub", subscriber))
        return recreated

    async def prune_consumers(self, idle_ms: int = GONE_AFTER_MS) -> list[str]:
        """Remove from the groups the consumers that hold nothing pending and have not read for
        `idle_ms`: replicas and restarts that are gone (each start has a new name). One that holds
        pending entries stays, so that they can still be reclaimed."""
        removed = []
        for stream, groups in self.required.items():
            for group in groups:
                try:
                    consumers = await self.redis.xinfo_consumers(stream, group)
                except ResponseError:
                    continue
                for c in consumers:
                    if int(c.get("pending", 0)) == 0 and int(c.get("idle", 0)) >= idle_ms:
                        name = text_of(c["name"])
                        await self.redis.xgroup_delconsumer(stream, group, name)
                        removed.append(f"{group}/{name}@{stream}")
        if removed:
            log.info("consumers gone and holding nothing removed: %s", ", ".join(removed))
        return removed

    def degraded(self) -> str | None:
        """Why the broker is degraded, for /health; None when it is not (any more)."""
        recent = [loss for loss in (self._lost, self._read_loss()) if loss and _within_the_hour(loss[0])]
        if not recent:
            return None
        at, groups = max(recent)
        return (
            f"degraded: Redis lost its data at {at:%Y-%m-%dT%H:%M:%SZ} ({groups} consumer groups recreated)"
        )

    def _write_loss(self, at: datetime, groups: int) -> None:
        if self.remember is None:
            return
        try:
            written = self.remember.with_suffix(".tmp")
            private_file(written)
            written.write_text(json.dumps({"at": at.isoformat(), "groups": groups}))
            os.replace(written, self.remember)
        except OSError as exc:  # the home not writable: /health of this process still says it
            log.warning("the broker's loss not written to %s: %s", self.remember, type(exc).__name__)

    def _read_loss(self) -> tuple[datetime, int] | None:
        """The last loss a guard of this host wrote."""
        if self.remember is None:
            return None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # none written, or unreadable
            told = json.loads(self.remember.read_text())
            return datetime.fromisoformat(told["at"]), int(told["groups"])
        return None

    async def run(self) -> None:
        passes = 0
        failures = ChoreLog(log, "the broker check")
        while not self._stopping:
            try:
                await self.check_once()
                if passes % PRUNE_EVERY == 0:
                    await self.prune_consumers()
            except Exception as exc:  # noqa: BLE001 - Redis down: the health check says so
                failures.failed(exc)
            else:
                failures.succeeded()
            passes += 1
            await asyncio.sleep(self.interval)


def _within_the_hour(at: datetime) -> bool:
    return (datetime.now(UTC) - at).total_seconds() <= DEGRADED_FOR
