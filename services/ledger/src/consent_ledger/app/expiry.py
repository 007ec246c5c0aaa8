"""Expiry runs by itself: a grant whose valid-until has passed becomes a `consent.expired` event
at that moment, published like any other so the ledger records it and the notifier tells the
parties that relied on it. The event id is derived from the grant, so publishing twice is harmless."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ledger_contracts.events import ConsentChangeData, ConsentExpired
from ledger_contracts.formats import derived_event_id
from ledger_contracts.subjects import SubjectRef

from ..core.consent_state import ConsentFact

__all__ = ["EXPIRY_PRODUCER", "DueExpiry", "ExpiryReader", "expiry_event"]

EXPIRY_PRODUCER = "ledger-expiry"


@dataclass(frozen=True, slots=True)
class DueExpiry:
    subject: str  # pseudonym
    purpose: str
    grant: ConsentFact
    controller: str
    processing_activity: str


class ExpiryReader(Protocol):
    def expiring(self, now: datetime, limit: int = 500) -> list[DueExpiry]: ...


def expiry_event(due: DueExpiry) -> ConsentExpired:
    """The expiry of one grant, dated at its valid-until (not at when the scheduler noticed)."""
    assert due.grant.valid_until is not None
    return ConsentExpired(
        event_id=derived_event_id("expiry", due.grant.event_id),
        occurred_at=due.grant.valid_until,
        producer=EXPIRY_PRODUCER,
        controller=due.controller,
        processing_activity=due.processing_activity,
        data=ConsentChangeData(
            subject=SubjectRef(pseudonym=due.subject),
            purpose=due.purpose,
        ),
    )
