"""What the ledger tells the notifier: for every consent ending it appended, one accepted fact
(ledger_contracts.accepted), written in the same transaction as the entry and published after the
commit. The notifier acts on these alone, never on the raw stream (DESIGN.md invariant 13)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger_contracts.accepted import ACCEPTED_CONSENT_STREAM, ENDING_EVENT_TYPES, ConsentEnded

from ..core.entries import AppendedEntry
from .records import PreparedEvent

__all__ = ["accepted_facts"]


def accepted_facts(appended: Iterable[tuple[PreparedEvent, str, AppendedEntry]]) -> list[tuple[str, str]]:
    """(stream, JSON) for each appended `event` entry that ends a consent; conflicts and
    duplicates are no facts (the first content of an event id stands)."""
    out = []
    for event, kind, entry in appended:
        if kind != "event" or event.event_type not in ENDING_EVENT_TYPES or not event.subject:
            continue
        doc: dict[str, Any] = event.event
        fact = ConsentEnded(
            chain=entry.chain,
            seq=entry.seq,
            event_id=event.event_id,
            event_type=event.event_type,
            producer=doc["producer"],
            controller=doc["controller"],
            processing_activity=doc["processing_activity"],
            occurred_at=doc["occurred_at"],
            purpose=doc["data"]["purpose"],
            subject=event.subject,
            recorded_at=entry.document["recorded_at"],
        )
        out.append((ACCEPTED_CONSENT_STREAM, fact.model_dump_json()))
    return out
