"""Publish events with a plain XADD: the helper Python services use.

Producers in other languages do the same with `XADD <stream> * event <json>`.
"""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis

from .events import EVENT_ADAPTER, Event
from .streams import EVENT_FIELD, stream_for

__all__ = ["AsyncLedgerPublisher", "LedgerPublisher", "encode_event"]


def encode_event(event: Event) -> tuple[str, dict[str, bytes]]:
    """The stream and the entry fields for one event (validates it once more)."""
    checked = EVENT_ADAPTER.validate_python(event)
    return stream_for(checked.event_type), {EVENT_FIELD: checked.model_dump_json().encode()}


class LedgerPublisher:
    """Synchronous publisher. Publishing the same event twice is harmless: the ledger
    is idempotent on `event_id`."""

    def __init__(self, client: redis.Redis[Any] | str) -> None:
        self._redis = redis.Redis.from_url(client) if isinstance(client, str) else client

    def publish(self, event: Event) -> str:
        stream, fields = encode_event(event)
        entry_id = self._redis.xadd(stream, fields)  # type: ignore[arg-type]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    def publish_many(self, events: list[Event]) -> int:
        pipe = self._redis.pipeline(transaction=False)
        for event in events:
            stream, fields = encode_event(event)
            pipe.xadd(stream, fields)  # type: ignore[arg-type]
        return len(pipe.execute())


class AsyncLedgerPublisher:
    """Asynchronous publisher, same contract as LedgerPublisher."""

    def __init__(self, client: aioredis.Redis[Any] | str) -> None:
        self._redis = aioredis.Redis.from_url(client) if isinstance(client, str) else client

    async def publish(self, event: Event) -> str:
        stream, fields = encode_event(event)
        entry_id = await self._redis.xadd(stream, fields)  # type: ignore[arg-type]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def aclose(self) -> None:
        await self._redis.aclose()
