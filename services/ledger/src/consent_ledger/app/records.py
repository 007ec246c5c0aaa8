"""From a validated event to the record an entry holds: pseudonymised, personal fields sealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger_contracts import CONSENT_EVENT_TYPES, Event, SubjectRef
from ledger_contracts.vocabulary import DataCategory

from ..core.canonical import canonical_bytes
from ..core.consent_state import ConsentFact
from ..core.entries import rfc3339_utc
from ..core.pseudonyms import Pseudonymizer

__all__ = ["PERSONAL_FIELDS", "PreparedEvent", "prepare_event"]

# Free-text fields that may describe the person: stored only sealed under the subject's key.
PERSONAL_FIELDS = ("details", "reason", "note")
_TIME_FIELDS = ("valid_from", "valid_until", "verified_at", "callback_deadline")


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    event_id: str
    chain: str
    content_mac: str
    event: dict[str, Any]  # cleartext part of the entry
    subject: str | None  # pseudonym
    personal: dict[str, Any]  # to be sealed under the subject's key
    consent: tuple[str, ConsentFact] | None  # (purpose, fact) for consent events


def _data_categories(values: list[str]) -> list[dict[str, Any]]:
    return [{"category": v, "special": DataCategory(v).special} for v in values]


def prepare_event(event: Event, pseudonyms: Pseudonymizer) -> PreparedEvent:
    """Replace the BSN by its pseudonym, split off personal text, compute the content MAC."""
    doc = event.model_dump(mode="json", exclude_none=True)
    doc["occurred_at"] = rfc3339_utc(event.occurred_at)
    data: dict[str, Any] = doc["data"]
    subject_ref: SubjectRef | None = getattr(event.data, "subject", None)
    subject = None
    if subject_ref is not None:  # registry events are about parties, not about a data subject
        subject = subject_ref.pseudonym or pseudonyms.pseudonym(subject_ref.bsn or "")
        data["subject"] = {"pseudonym": subject}
    for name in _TIME_FIELDS:
        value = getattr(event.data, name, None)
        if value is not None:
            data[name] = rfc3339_utc(value)
    if "data_categories" in data:
        data["data_categories"] = _data_categories(data["data_categories"])
    personal = {k: data.pop(k) for k in PERSONAL_FIELDS if k in data} if subject else {}
    content_mac = pseudonyms.content_mac(canonical_bytes({"event": doc, "personal": personal}, checked=False))
    consent = None
    if event.event_type in CONSENT_EVENT_TYPES:
        valid_until: datetime | None = getattr(event.data, "valid_until", None)
        fact = ConsentFact(event.event_type, event.occurred_at, event.event_id, valid_until)
        consent = (str(data["purpose"]), fact)
    return PreparedEvent(event.event_id, event.controller, content_mac, doc, subject, personal, consent)
