"""Consent state by event time: the latest event wins, whatever the delivery order.

States are those of the W3C Data Privacy Vocabulary (DPV) consent status. Fail closed: no
record, or a record that is not a current grant, means not allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "DPV_STATE",
    "GRANTING",
    "ConsentFact",
    "ConsentStatus",
    "decide_status",
    "standing_at",
    "state_at",
    "supersedes",
]

GRANTING = frozenset({"consent.given", "consent.renewed"})

# event type -> DPV consent status (https://w3id.org/dpv#ConsentStatus)
DPV_STATE = {
    "consent.given": "dpv:ConsentGiven",
    "consent.renewed": "dpv:RenewedConsentGiven",
    "consent.refused": "dpv:ConsentRefused",
    "consent.withdrawn": "dpv:ConsentWithdrawn",
    "consent.revoked": "dpv:ConsentRevoked",
    "consent.expired": "dpv:ConsentExpired",
}


@dataclass(frozen=True, slots=True)
class ConsentFact:
    event_type: str
    occurred_at: datetime
    event_id: str
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    allowed: bool
    reason: str  # no-consent-record | given | renewed | refused | withdrawn | revoked | expired
    # | restricted (GDPR art. 18, app.consent_query)
    basis: ConsentFact | None

    @property
    def state(self) -> str | None:
        """The DPV status that holds: a grant past its valid-until is ConsentExpired."""
        if self.basis is None:
            return None
        if self.reason == "expired":
            return DPV_STATE["consent.expired"]
        return DPV_STATE.get(self.basis.event_type)


def supersedes(new: ConsentFact, old: ConsentFact | None) -> bool:
    """Total order on (occurred_at, event_id): ties broken by event id, so any permutation
    of the same events leaves the same fact standing."""
    if old is None:
        return True
    return (new.occurred_at, new.event_id) > (old.occurred_at, old.event_id)


def decide_status(fact: ConsentFact | None, at: datetime) -> ConsentStatus:
    """The status at `at`, given the fact that stands then (one that occurred at or before `at`)."""
    if fact is None or fact.occurred_at > at:
        return ConsentStatus(False, "no-consent-record", None)
    if fact.event_type not in GRANTING:
        return ConsentStatus(False, fact.event_type.split(".", 1)[1], fact)
    if fact.valid_until is not None and at >= fact.valid_until:
        return ConsentStatus(False, "expired", fact)
    return ConsentStatus(True, fact.event_type.split(".", 1)[1], fact)


def standing_at(facts: Iterable[ConsentFact], at: datetime) -> ConsentFact | None:
    standing: ConsentFact | None = None
    for fact in facts:
        if fact.occurred_at <= at and supersedes(fact, standing):
            standing = fact
    return standing


def state_at(facts: Iterable[ConsentFact], at: datetime) -> ConsentStatus:
    """As-of: the status on `at` from every event of one subject and purpose, in any order."""
    return decide_status(standing_at(facts, at), at)
