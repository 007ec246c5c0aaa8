"""Issue 28 item 8: contact (seed 003 art. 10) is defined once, by event type; every event type of
the contracts is listed here as contact or not, so a new type must be decided."""

from __future__ import annotations

from ledger_contracts import EVENT_TYPES
from ledger_contracts.vocabulary import CONTACT_EVENT_TYPES

CONTACT = {
    "contact.recorded",  # seen, heard, written to or by
    "case.started",
    "case.ended",
    "case.refused",
    "case.aborted",
    "complaint.closed",
    "consent.given",  # expressed by the subject
    "consent.refused",
    "consent.withdrawn",
    "consent.renewed",
}


def test_every_event_type_is_decided_contact_or_not():
    assert set(CONTACT_EVENT_TYPES) == CONTACT
    assert set(EVENT_TYPES) >= CONTACT
    not_contact = set(EVENT_TYPES) - CONTACT
    # a third party told or calling, the ledger's and the notifier's own records, the subject's requests
    for kind in (
        "disclosure.recorded",
        "phone.disclosure-decided",
        "phone.disclosure-requested",
        "subject.request-received",
        "subject.erased",
        "consent.expired",
        "consent.recipient-notified",
    ):
        assert kind in not_contact, kind
