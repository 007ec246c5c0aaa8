"""The consumer groups on the input streams: made from each stream's start, and removed where a
group reads nothing (left by an older version)."""

from __future__ import annotations

import contextlib

import redis.asyncio as aioredis
from ledger_contracts.streams import (
    EVENT_STREAMS,
    LEDGER_GROUP,
)
from redis.exceptions import ResponseError

__all__ = ["drop_unread_groups", "ensure_groups"]


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
