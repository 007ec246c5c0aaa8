"""Who counts as registered with a controller: the fact the phone rule rests on ("geregistreerden",
art. 8 lid 3). Only authoritative records register someone: a case event, recorded contact, a
closed complaint, or a disclosure the organisation's own systems recorded. Never the ledger's or
the notifier's own records of a question about them (a phone request, its decision or disclosure,
a notice, a request about their data), so asking about a stranger never makes them known."""

from __future__ import annotations

from .internal_producers import INTERNAL_PRODUCERS

__all__ = ["REGISTRATION_EVENT_TYPES", "registers_subject"]

REGISTRATION_EVENT_TYPES = frozenset(
    {
        "case.started",
        "case.ended",
        "case.refused",
        "case.aborted",
        "contact.recorded",
        "complaint.closed",
        "disclosure.recorded",
    }
)


def registers_subject(event_type: str, producer: str) -> bool:
    """Whether an event of this type from this producer registers its subject with the controller."""
    return event_type in REGISTRATION_EVENT_TYPES and producer not in INTERNAL_PRODUCERS
