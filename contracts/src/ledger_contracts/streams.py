"""The wire format: stream names, the entry field, size limit. See docs/wire-format.md."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ACCEPTED_CONSENT_STREAM",
    "CONSENT_STREAM",
    "DEAD_LETTER_STREAM",
    "DISCLOSURE_STREAM",
    "EVENT_FIELD",
    "EVENT_STREAMS",
    "LEDGER_GROUP",
    "MAX_EVENT_BYTES",
    "NOTIFIER_GROUP",
    "NOTIFIER_STREAMS",
    "OPERATIONS_STREAM",
    "PHONE_REQUEST_STREAM",
    "PHONE_STREAM",
    "REQUEST_FIELD",
    "entry_fields",
    "text_of",
    "raw_batches",
    "stream_for",
]

DISCLOSURE_STREAM = "ledger.events.disclosure"
CONSENT_STREAM = "ledger.events.consent"
PHONE_STREAM = "ledger.events.phone"
OPERATIONS_STREAM = "ledger.events.operations"  # the ledger's own operations, e.g. a dead letter dropped
EVENT_STREAMS = (DISCLOSURE_STREAM, CONSENT_STREAM, PHONE_STREAM, OPERATIONS_STREAM)
DEAD_LETTER_STREAM = "ledger.dead-letter"

LEDGER_GROUP = "ledger"
NOTIFIER_GROUP = "notifier"
PHONE_REQUEST_STREAM = "notifier.phone-requests"  # the notifier's input (ledger_contracts.phone_requests)
# The consent endings the ledger appended (ledger_contracts.accepted), published by the ledger alone:
# the notifier acts on these, never on the raw consent stream.
ACCEPTED_CONSENT_STREAM = "ledger.accepted.consent-endings"
NOTIFIER_STREAMS = (PHONE_REQUEST_STREAM, ACCEPTED_CONSENT_STREAM)  # what group `notifier` reads

EVENT_FIELD = "event"  # the one stream-entry field: UTF-8 JSON of the event
REQUEST_FIELD = "request"  # the field of a phone request to the notifier (ledger_contracts.phone_requests)
MAX_EVENT_BYTES = 64 * 1024


def stream_for(event_type: str) -> str:
    """The stream a producer publishes an event type to (docs/wire-format.md's table): disclosures,
    consent, the notifier's phone and registry events each on their own; a case system's events,
    the privacy officer's and the ledger's own operations on the operations stream. The ledger reads
    every event type from every event stream: an event on another stream is appended all the same."""
    family = event_type.split(".", 1)[0]
    streams = {
        "disclosure": DISCLOSURE_STREAM,
        "consent": CONSENT_STREAM,
        "phone": PHONE_STREAM,
        "registry": PHONE_STREAM,
    }
    return streams.get(family, OPERATIONS_STREAM)


def text_of(value: Any) -> str:
    """A name or id from a Redis reply (bytes unless the client decodes) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def entry_fields(raw: dict[Any, Any] | None) -> dict[bytes, bytes]:
    """A stream entry's fields as bytes, as Redis holds them; an entry trimmed away before it was
    claimed has none."""
    if not raw:
        return {}
    return {
        (k if isinstance(k, bytes) else str(k).encode()): (v if isinstance(v, bytes) else str(v).encode())
        for k, v in raw.items()
    }


async def raw_batches(message: Any, original: Any) -> Any:
    """A FastStream `parser` for batch stream subscribers that read each entry's raw fields
    themselves (`msg.raw_message["data"]`, through `entry_fields`). FastStream would decode every
    entry as text and JSON before the handler runs, and one entry with invalid UTF-8 would then fail
    the whole batch there, out of the handler's reach, on every delivery: it gets no entries at all
    (given one empty entry each, it still tried every one as JSON and failed, about 7% of the
    consumer's own time at 10,000 events/s)."""
    parsed = await original({**message, "data": []})
    parsed.raw_message = message
    return parsed
