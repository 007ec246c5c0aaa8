"""The producers that run inside the ledger's own processes: the notifier (phone decisions, registry
changes, phone disclosures, consent notices), the expiry scheduler and the operator's dead-letter
commands. Their keys are derived from the key-encryption key, so nothing more is configured, and
`up` registers them with what each may publish."""

from __future__ import annotations

from datetime import datetime

from ledger_contracts.signing import ProducerSigner

from ..core.sealing import derive_key
from .producers import ProducerRecord, ProducerStore

__all__ = ["INTERNAL_PRODUCERS", "internal_signer", "register_internal_producers"]

# producer id -> event type patterns it may publish (any controller)
INTERNAL_PRODUCERS: dict[str, tuple[str, ...]] = {
    "notifier": ("phone.*", "registry.*", "disclosure.recorded", "consent.recipient-notified"),
    "ledger-expiry": ("consent.expired",),
    "ledger-operations": ("dead-letter.dropped",),
}


def internal_signer(kek: bytes, producer_id: str) -> ProducerSigner:
    """HKDF-Expand (RFC 5869 §2.3) of the key-encryption key: an Ed25519 seed per producer."""
    return ProducerSigner.from_seed(
        derive_key(kek, b"consent-ledger/v2/producer-key/" + producer_id.encode())
    )


def register_internal_producers(store: ProducerStore, kek: bytes, now: datetime) -> None:
    known = {p.producer_id: p for p in store.producers()}
    for producer_id, types in INTERNAL_PRODUCERS.items():
        record = ProducerRecord(
            producer_id, internal_signer(kek, producer_id).public_text(), types, ("*",), now
        )
        old = known.get(producer_id)
        if (
            old is None
            or (old.public_key, old.event_types, old.controllers)
            != (
                record.public_key,
                record.event_types,
                record.controllers,
            )
            or old.disabled_at is not None
        ):
            store.put_producer(record)
