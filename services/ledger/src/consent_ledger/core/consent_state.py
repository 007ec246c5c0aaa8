"""Consent state by event time: the latest event wins, whatever the delivery order.

Fail closed: no record, or a record that is not a current grant, means not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ConsentFact", "ConsentStatus", "decide_status", "supersedes"]

GRANTING = frozenset({"consent.given"})


@dataclass(frozen=True, slots=True)
class ConsentFact:
    event_type: str
    occurred_at: datetime
    event_id: str
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    allowed: bool
    reason: str
    basis: ConsentFact | None


def supersedes(new: ConsentFact, old: ConsentFact | None) -> bool:
    """Total order on (occurred_at, event_id): ties broken by event id, so any permutation
    of the same events leaves the same fact standing."""
    if old is None:
        return True
    return (new.occurred_at, new.event_id) > (old.occurred_at, old.event_id)


def decide_status(fact: ConsentFact | None, now: datetime) -> ConsentStatus:
    if fact is None:
        return ConsentStatus(False, "no-consent-record", None)
    if fact.event_type not in GRANTING:
        return ConsentStatus(False, fact.event_type.split(".", 1)[1], fact)
    if fact.valid_until is not None and now >= fact.valid_until:
        return ConsentStatus(False, "expired", fact)
    if now < fact.occurred_at:
        return ConsentStatus(False, "not-yet-given", fact)
    return ConsentStatus(True, "given", fact)
