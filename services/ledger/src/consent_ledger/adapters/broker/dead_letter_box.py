"""The dead letters for the operator's commands (app.dead_letters' port): kept in the ledger's
database (SqlDeadLetters, durable through a Redis loss) and carried on the dead-letter stream in
Redis, where replays are published. A dead letter on the stream that the database lacks (written
by an older release, or the database was away at that moment) is taken into it when listed."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import redis
from ledger_contracts import LedgerPublisher
from ledger_contracts.events import DeadLetterDropped
from ledger_contracts.signing import SIGNATURE_FIELD, ProducerSigner
from ledger_contracts.streams import DEAD_LETTER_STREAM, EVENT_FIELD, EVENT_STREAMS, text_of

from ..sql.dead_letters import SqlDeadLetters

__all__ = ["RedisDeadLetterBox"]


_NEEDED = frozenset({"source_stream", "source_id", "reason", "refused_at"})


def _text(fields: Mapping[Any, Any] | None) -> dict[str, str]:
    """A stream entry's fields as text; an entry Redis returns without fields has none."""
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else str(v))
        for k, v in (fields or {}).items()
    }


class RedisDeadLetterBox:
    def __init__(
        self,
        url: str,
        signer: ProducerSigner | None = None,
        organisation: str | None = None,
        kept: SqlDeadLetters | None = None,
    ) -> None:
        self._redis = redis.Redis.from_url(url)
        self._signer = signer  # the 'ledger-operations' producer key, for the drop events
        self._organisation = organisation  # the drop events go as CloudEvents from its system
        self._kept = kept

    def list(self, limit: int, reason: str | None = None) -> list[tuple[str, dict[str, str]]]:
        if self._kept is None:  # the stream alone (a desk without the database: tests, tools)
            found = self._redis.xrange(DEAD_LETTER_STREAM, count=None if reason else limit) or []
            rows = [(text_of(i), _text(f)) for i, f in found]
            return [(i, f) for i, f in rows if reason is None or f.get("reason") == reason][:limit]
        self._take_from_stream()
        return self._kept.list(limit, reason)

    def get(self, dead_letter_id: str) -> dict[str, str] | None:
        if self._kept is not None:
            found = self._kept.get(dead_letter_id)
            if found is not None:
                return found
        try:
            rows = self._redis.xrange(DEAD_LETTER_STREAM, dead_letter_id, dead_letter_id)
        except redis.ResponseError:
            return None  # not a stream id at all
        except redis.ConnectionError:
            return None  # Redis away: what the database keeps is all there is
        return _text(rows[0][1]) if rows else None

    def _take_from_stream(self) -> None:
        """Keep in the database what the stream has and it lacks; Redis away, the database is all."""
        assert self._kept is not None
        try:
            rows = self._redis.xrange(DEAD_LETTER_STREAM) or []
        except redis.ConnectionError:
            return
        letters = [(text_of(i), _text(f)) for i, f in rows]
        self._kept.put([(i, f) for i, f in letters if f.keys() >= _NEEDED])

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
        if self._kept is not None:
            self._kept.remove(dead_letter_id)
        with contextlib.suppress(redis.ResponseError):  # not a stream id: in the database only
            self._redis.xdel(DEAD_LETTER_STREAM, dead_letter_id)
