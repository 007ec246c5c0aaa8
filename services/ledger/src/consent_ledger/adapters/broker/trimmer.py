"""Trims the input streams once every group that must read them has acknowledged (core.trimming):
a producer's raw BSN does not stay in Redis after the ledger recorded the event. Never an unread or
unacknowledged entry. Reports each stream's length as `ledger_stream_length`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import redis.asyncio as aioredis
from ledger_contracts.chore_log import ChoreLog
from ledger_contracts.streams import text_of
from redis.exceptions import ResponseError

from ...core.trimming import GroupState, safe_min_id
from ..metrics import LedgerMetrics

__all__ = ["StreamTrimmer"]

log = logging.getLogger("consent_ledger.trimming")


class StreamTrimmer:
    def __init__(
        self,
        redis: aioredis.Redis,
        metrics: LedgerMetrics,
        required: Mapping[str, tuple[str, ...]],
        rewrite_every: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`required`: stream -> the consumer groups that must have acknowledged an entry before it goes.
        A Redis that keeps an append-only file still holds trimmed entries in it until the file is
        rewritten: after trimming, the file is rewritten at most every `rewrite_every` seconds, and
        always once after the last trim, also on a system gone quiet since (a trim waits for its
        rewrite, not for the next trim)."""
        self.redis, self.metrics, self.required = redis, metrics, dict(required)
        self.rewrite_every, self.clock = rewrite_every, clock
        self._rewritten_at = float("-inf")
        self._unwritten_trim = False  # entries were trimmed that the append-only file may still hold

    async def groups(self, stream: str) -> dict[str, GroupState]:
        try:
            infos = await self.redis.xinfo_groups(stream)
        except ResponseError:  # no such stream yet
            return {}
        out = {}
        for info in infos:
            name = text_of(info["name"])
            oldest = None
            if int(info.get("pending", 0)):
                summary = await self.redis.xpending(stream, name)
                oldest = text_of(summary["min"]) if summary.get("min") else None
            out[name] = GroupState(text_of(info["last-delivered-id"]), oldest)
        return out

    async def trim_once(self) -> int:
        """One pass over the streams; returns how many entries were removed."""
        removed = 0
        for stream, groups in self.required.items():
            min_id = safe_min_id(groups, await self.groups(stream))
            if min_id is not None:
                removed += int(await self.redis.xtrim(stream, minid=min_id, approximate=False))
            self.metrics.stream_length.labels(stream=stream).set(await self.redis.xlen(stream))
        self._unwritten_trim = self._unwritten_trim or bool(removed)
        if self._unwritten_trim and self.clock() - self._rewritten_at >= self.rewrite_every:
            await self._rewrite_append_only_file()
        return removed

    async def _rewrite_append_only_file(self) -> None:
        """BGREWRITEAOF when the server keeps an append-only file: the trimmed entries leave the disk."""
        persistence = await self.redis.info("persistence")
        if not int(persistence.get("aof_enabled", 0)):
            self._unwritten_trim = False  # no file to hold them
            return
        try:
            await self.redis.bgrewriteaof()
        except ResponseError as exc:  # one already running or scheduled: it will hold the trim too
            log.info("append-only file rewrite not started: %s", exc)
            return
        self._rewritten_at, self._unwritten_trim = self.clock(), False

    async def run(self, every: float = 5.0) -> None:
        await ChoreLog(log, "trimming the input streams").repeat(self.trim_once, every)
