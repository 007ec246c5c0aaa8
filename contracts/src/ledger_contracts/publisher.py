"""Publish events with a plain XADD, signed with the producer's key: the helper Python services use.

Producers in other languages do the same with `XADD <stream> * event <json>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from .cloudevents import to_cloudevent
from .events import EVENT_ADAPTER, Event
from .signing import SIGNATURE_FIELD, ProducerSigner
from .streams import EVENT_FIELD, stream_for

if TYPE_CHECKING:  # redis is imported when a publisher is made: the contracts load without it
    import redis
    import redis.asyncio as aioredis

__all__ = ["AsyncLedgerPublisher", "LedgerPublisher", "encode_event"]


def encode_event(
    event: Event, signer: ProducerSigner | None = None, organisation: str | None = None
) -> tuple[str, dict[str, bytes]]:
    """The stream and the entry fields for one event (validates it once more), signed when a
    signer is given (outside development mode the ledger counts only signed events). With
    `organisation` (`oin:<OIN>` or `kvknr:<number>`) the body is the event as a CloudEvent of the NL
    GOV profile, its source that organisation's system named by the producer."""
    checked = EVENT_ADAPTER.validate_python(event)
    # An optional field left out is sent as absent, not as null: a consumer of the previous release,
    # whose contracts may not know a field added since, then takes the event (issue 29 item 8).
    if organisation:
        body = orjson.dumps(to_cloudevent(checked.model_dump(mode="json", exclude_none=True), organisation))
    else:
        body = checked.model_dump_json(exclude_none=True).encode()
    fields = {EVENT_FIELD: body}
    if signer is not None:
        fields[SIGNATURE_FIELD] = signer.sign(body).encode()
    return stream_for(checked.event_type), fields


class LedgerPublisher:
    """Synchronous publisher. Publishing the same event twice is harmless: the ledger
    is idempotent on `event_id`."""

    def __init__(
        self, client: redis.Redis | str, signer: ProducerSigner | None = None, organisation: str | None = None
    ) -> None:
        """`organisation` (`oin:…` or `kvknr:…`): publish each event as a CloudEvent (NL GOV profile)."""
        import redis

        self._redis = redis.Redis.from_url(client) if isinstance(client, str) else client
        self._signer, self._organisation = signer, organisation

    def publish(self, event: Event) -> str:
        stream, fields = encode_event(event, self._signer, self._organisation)
        entry_id = self._redis.xadd(stream, fields)  # type: ignore[arg-type]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    def publish_many(self, events: list[Event]) -> int:
        pipe = self._redis.pipeline(transaction=False)
        for event in events:
            stream, fields = encode_event(event, self._signer, self._organisation)
            pipe.xadd(stream, fields)  # type: ignore[arg-type]
        return len(pipe.execute())


class AsyncLedgerPublisher:
    """Asynchronous publisher, same contract as LedgerPublisher."""

    def __init__(
        self,
        client: aioredis.Redis | str,
        signer: ProducerSigner | None = None,
        organisation: str | None = None,
    ) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(client) if isinstance(client, str) else client
        self._signer, self._organisation = signer, organisation

    async def publish(self, event: Event) -> str:
        stream, fields = encode_event(event, self._signer, self._organisation)
        entry_id = await self._redis.xadd(stream, fields)  # type: ignore[arg-type]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def aclose(self) -> None:
        await self._redis.aclose()
