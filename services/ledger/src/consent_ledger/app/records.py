"""From a validated event to the record an entry holds, by the privacy class of each field
(ledger_contracts.privacy): `clear` stays, `personal` is split off to be sealed, and the subject
(`pseudonym`) is taken off the chain: the entry names it only by a per-entry reference (append.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger_contracts import CONSENT_EVENT_TYPES, EVENT_TYPES, Event, SubjectRef
from ledger_contracts.privacy import split_personal
from ledger_contracts.vocabulary import DataCategory

from ..core.canonical import canonical_bytes
from ..core.consent_state import ConsentFact
from ..core.entries import rfc3339_utc
from ..core.pseudonyms import Pseudonymizer

__all__ = ["PreparedEvent", "owner_key_id", "prepare_event"]

_TIME_FIELDS = (
    "valid_from",
    "valid_until",
    "verified_at",
    "callback_deadline",
    "callback_verification",
    "matched_verification",
)


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    event_id: str
    chain: str
    event: dict[str, Any]  # the clear part of the entry's event; data.subject is added on append
    subject: str | None  # the data subject's pseudonym (kept outside the chain)
    key_id: str  # whose data key seals the personal part and names the subject: pseudonym or registry
    personal: dict[str, Any]  # to be sealed, in the shape of the event document
    content: bytes  # canonical bytes of everything the producer said, for the content MAC
    consent: tuple[str, ConsentFact] | None  # (purpose, fact) for consent events
    event_type: str = ""
    activity: str = ""  # the processing activity: with the subject, it chooses the data key
    occurred_at: datetime | None = None
    published_register: dict[str, Any] | None = None  # register.published: the whole register


# looked up by value: making the enum member and asking its property cost 8 µs per disclosure
_SPECIAL = {c.value: c.special for c in DataCategory}


def _data_categories(values: list[str]) -> list[dict[str, Any]]:
    return [{"category": v, "special": _SPECIAL[v]} for v in values]


def owner_key_id(controller: str, party_id: str, person_id: str | None) -> str:
    """The key of an event without a data subject: of the registry party or known person it is
    about, or for the ledger's own operations of the controller's 'ledger' party."""
    who = f"{controller}/{party_id}/{person_id or ''}"
    return "r-" + hashlib.sha256(who.encode()).hexdigest()[:40]


def prepare_event(event: Event, pseudonyms: Pseudonymizer) -> PreparedEvent:
    """Replace the BSN by its pseudonym, take the subject off the document, split off what is personal."""
    doc = event.model_dump(mode="json", exclude_none=True)
    doc["occurred_at"] = rfc3339_utc(event.occurred_at)
    data: dict[str, Any] = doc["data"]
    # a model's fields are in its __dict__; getattr on a field the model lacks goes through
    # pydantic's __getattr__ and an exception, several times per event (issue 16's profile)
    fields = vars(event.data)
    for name in _TIME_FIELDS:
        value = fields.get(name)
        if value is not None:
            data[name] = rfc3339_utc(value)
    if "data_categories" in data:
        data["data_categories"] = _data_categories(data["data_categories"])
    subject_ref: SubjectRef | None = fields.get("subject")
    subject = None
    if subject_ref is not None:
        subject = subject_ref.pseudonym or pseudonyms.pseudonym(subject_ref.bsn or "")
        data["subject"] = {"pseudonym": subject}
        key_id = ""  # the handle of (subject, controller, activity), chosen on append
    else:  # registry events are about parties and their known persons; operations about the ledger
        key_id = owner_key_id(event.controller, data.get("party_id", "ledger"), data.get("person_id"))
    content = canonical_bytes(doc, checked=False)
    data.pop("subject", None)
    personal = split_personal(doc, EVENT_TYPES[event.event_type])
    consent = None
    if event.event_type in CONSENT_EVENT_TYPES:
        valid_until: datetime | None = fields.get("valid_until")
        fact = ConsentFact(event.event_type, event.occurred_at, event.event_id, valid_until)
        consent = (str(data["purpose"]), fact)
    published = None
    if event.event_type == "register.published":
        published = event.data.document.model_dump(mode="json")
    return PreparedEvent(
        event.event_id,
        event.controller,
        doc,
        subject,
        key_id,
        personal,
        content,
        consent,
        event.event_type,
        event.processing_activity,
        event.occurred_at,
        published,
    )
