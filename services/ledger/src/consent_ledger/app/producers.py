"""Only known producers write (DESIGN.md invariant 10): each producer is registered with its public
key and what it may publish (event types, controller organisations). An event counts only when its
envelope's producer is registered, enabled, signed it, and may publish it.

The gate is checked per entry, before anything is appended; a refusal names its reason
(`unauthenticated_producer`, `producer_not_allowed`) and the entry is dead-lettered.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ledger_contracts import Event, Refusal
from ledger_contracts.cloudevents import embedded_signature
from ledger_contracts.signing import verify_event

__all__ = [
    "SYSTEM_EVENT_TYPES",
    "ProducerGate",
    "ProducerRecord",
    "ProducerStore",
    "entry_refusal",
    "producer_refusal",
    "system_owner",
]

# The system's own event types (pattern -> the internal producer that alone may publish them): what
# the notifier, the expiry scheduler and the operator's commands record. No grant to an outside
# producer covers them, whatever its patterns ("consent.*", "*"): an outside producer could
# otherwise record a notice that was never sent, or an expiry that never happened.
SYSTEM_EVENT_TYPES: dict[str, str] = {
    "consent.recipient-notified": "notifier",
    "consent.expired": "ledger-expiry",
    "dead-letter.dropped": "ledger-operations",
    "phone.*": "notifier",
    "registry.*": "notifier",
}


def system_owner(event_type: str) -> str | None:
    """The internal producer that alone may publish `event_type`, or None for an outside type."""
    return next((o for p, o in SYSTEM_EVENT_TYPES.items() if fnmatch.fnmatchcase(event_type, p)), None)


@dataclass(frozen=True, slots=True)
class ProducerRecord:
    producer_id: str
    public_key: str  # "ed25519:<base64url>"
    event_types: tuple[str, ...]  # patterns: "consent.*", "disclosure.recorded", "*"
    controllers: tuple[str, ...]  # controller codes, or "*"
    created_at: datetime
    disabled_at: datetime | None = None

    def may_publish(self, event_type: str, controller: str) -> bool:
        owner = system_owner(event_type)
        if owner is not None and owner != self.producer_id:
            return False
        return any(fnmatch.fnmatchcase(event_type, p) for p in self.event_types) and (
            "*" in self.controllers or controller in self.controllers
        )


class ProducerStore(Protocol):
    def producers(self) -> list[ProducerRecord]: ...
    def put_producer(self, record: ProducerRecord) -> None: ...
    def disable_producer(self, producer_id: str, at: datetime) -> bool: ...


class ProducerGate:
    """The producer registry that screening checks each event against (producer_refusal). Read at
    most every `ttl` seconds (a producer added or disabled counts within that time), and at once
    when a batch names a producer it does not know."""

    def __init__(
        self, store: ProducerStore, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store, self._ttl, self._clock = store, ttl, clock
        self._known: dict[str, ProducerRecord] = {}
        self._loaded_at = float("-inf")

    def registry(self) -> dict[str, ProducerRecord]:
        """The registry as last read, read again when older than `ttl`."""
        if self._clock() - self._loaded_at > self._ttl:
            self._reload()
        return self._known

    def learn(self, producer_ids: Iterable[str]) -> bool:
        """Read the registry again at once, for producers it did not know; whether any of them is
        known now (an event of a producer registered a moment ago counts at once)."""
        self._reload()
        return any(p in self._known for p in producer_ids)

    def _reload(self) -> None:
        self._known = {p.producer_id: p for p in self._store.producers()}
        self._loaded_at = self._clock()


def entry_refusal(
    producer: ProducerRecord | None, event: Event, raw: bytes, signature: bytes | None
) -> tuple[Refusal, str] | None:
    """producer_refusal for an event as a stream entry carries it: signed by its `sig` field, or,
    without one, by a CloudEvent's `ledgersig` attribute over the rest of the CloudEvent."""
    if not signature:
        raw, embedded = embedded_signature(raw)
        signature = embedded.encode() if embedded else None
    return producer_refusal(producer, event, raw, signature)


def producer_refusal(
    producer: ProducerRecord | None, event: Event, raw: bytes, signature: bytes | None
) -> tuple[Refusal, str] | None:
    if producer is None:
        return Refusal.UNAUTHENTICATED_PRODUCER, f"producer {event.producer!r} is not registered"
    if producer.disabled_at is not None:
        return Refusal.UNAUTHENTICATED_PRODUCER, f"producer {event.producer!r} is disabled"
    if not signature:
        return Refusal.UNAUTHENTICATED_PRODUCER, "the entry has no 'sig' field (docs/wire-format.md)"
    try:
        genuine = verify_event(producer.public_key, raw, signature.decode("ascii", "replace"))
    except (ValueError, TypeError):
        return Refusal.UNAUTHENTICATED_PRODUCER, "the event has no canonical form to check a signature on"
    if not genuine:
        return Refusal.UNAUTHENTICATED_PRODUCER, f"the signature is not {event.producer!r}'s"
    if not producer.may_publish(event.event_type, event.controller):
        return (
            Refusal.PRODUCER_NOT_ALLOWED,
            f"{event.producer!r} may not publish {event.event_type} for {event.controller!r}",
        )
    return None
