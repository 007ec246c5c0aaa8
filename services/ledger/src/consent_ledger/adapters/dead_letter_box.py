"""The dead-letter stream in Redis, for the operator's commands (app.dead_letters' port)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis
from ledger_contracts import LedgerPublisher
from ledger_contracts.events import DeadLetterDropped
from ledger_contracts.signing import SIGNATURE_FIELD, ProducerSigner
from ledger_contracts.streams import DEAD_LETTER_STREAM, EVENT_FIELD, EVENT_STREAMS

__all__ = ["RedisDeadLetterBox"]


def _text(fields: Mapping[Any, Any] | None) -> dict[str, str]:
    """A stream entry's fields as text; an entry Redis returns without fields has none."""
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else str(v))
        for k, v in (fields or {}).items()
    }


class RedisDeadLetterBox:
    def __init__(
        self, url: str, signer: ProducerSigner | None = None, organisation: str | None = None
    ) -> None:
        self._redis = redis.Redis.from_url(url)
        self._signer = signer  # the 'ledger-operations' producer key, for the drop events
        self._organisation = organisation  # the drop events go as CloudEvents from its system

    def list(self, limit: int) -> list[tuple[str, dict[str, str]]]:
        rows = self._redis.xrange(DEAD_LETTER_STREAM, count=limit)
        return [(i.decode() if isinstance(i, bytes) else str(i), _text(f)) for i, f in rows or []]

    def get(self, dead_letter_id: str) -> dict[str, str] | None:
        try:
            rows = self._redis.xrange(DEAD_LETTER_STREAM, dead_letter_id, dead_letter_id)
        except redis.ResponseError:
            return None  # not a stream id at all
        return _text(rows[0][1]) if rows else None

    def publish(self, stream: str, body: bytes, signature: str | None = None) -> str:
        if stream not in EVENT_STREAMS:
            raise ValueError(f"{stream} is not an event stream of the ledger")
        fields = {EVENT_FIELD: body}
        if signature:
            fields[SIGNATURE_FIELD] = signature.encode()
        entry = self._redis.xadd(stream, fields)  # type: ignore[arg-type]
        return entry.decode() if isinstance(entry, bytes) else str(entry)

    def publish_event(self, event: DeadLetterDropped) -> str:
        return LedgerPublisher(self._redis, self._signer, self._organisation).publish(event)

    def remove(self, dead_letter_id: str) -> None:
        self._redis.xdel(DEAD_LETTER_STREAM, dead_letter_id)
