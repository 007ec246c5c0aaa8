"""Use case: one broker batch in, entries appended and refusals sorted out.

Pure of brokers: the adapter hands raw stream entries in and does the I/O the result asks for
(dead-letter, then acknowledge).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledger_contracts import EventRefused, parse_event
from ledger_contracts.streams import EVENT_FIELD

from ..core.pseudonyms import Pseudonymizer
from .append import AppendOutcome, BatchAppender
from .records import PreparedEvent, prepare_event

__all__ = ["BatchResult", "DeadLetter", "IngestService", "RawEntry", "redact"]

_DIGIT_RUN = re.compile(r"\d(?:[ .]?\d){7,}")  # 8+ digits, possibly grouped: a BSN or alike
_EXCERPT = 2048


def redact(text: str) -> str:
    """Mask digit runs that could be a BSN; keep the rest for the operator."""
    return _DIGIT_RUN.sub(lambda m: "#" * len(m.group()), text)


@dataclass(frozen=True, slots=True)
class RawEntry:
    stream: str
    entry_id: str
    fields: dict[bytes, bytes]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    source: RawEntry
    refusal: EventRefused

    def fields(self, now: datetime) -> dict[str, str]:
        raw = self.source.fields.get(EVENT_FIELD.encode(), b"")
        return {
            "reason": str(self.refusal.reason),
            "detail": redact(self.refusal.detail),
            "errors": json.dumps(self.refusal.errors, ensure_ascii=False),
            "source_stream": self.source.stream,
            "source_id": self.source.entry_id,
            "event_id": redact(self.refusal.event_id or ""),
            "event_type": redact(self.refusal.event_type or ""),
            "refused_at": now.astimezone(UTC).isoformat(),
            "body_excerpt": redact(raw[:_EXCERPT].decode("utf-8", "replace")),
        }


@dataclass
class BatchResult:
    outcome: AppendOutcome
    dead_letters: list[DeadLetter] = field(default_factory=list)


class IngestService:
    def __init__(self, appender: BatchAppender, pseudonyms: Pseudonymizer) -> None:
        self._appender = appender
        self._pseudonyms = pseudonyms

    def handle(self, entries: Sequence[RawEntry]) -> BatchResult:
        """Validate every entry, append the good ones in one transaction, list the refusals.

        Raises only when the database fails: then nothing was committed and nothing may be acked.
        """
        prepared: list[PreparedEvent] = []
        sources: list[str] = []
        dead: list[DeadLetter] = []
        for entry in entries:
            try:
                event = parse_event(entry.fields.get(EVENT_FIELD.encode()))
            except EventRefused as refusal:
                dead.append(DeadLetter(entry, refusal))
                continue
            prepared.append(prepare_event(event, self._pseudonyms))
            sources.append(f"{entry.stream}/{entry.entry_id}")
        return BatchResult(self._appender.append(prepared, sources), dead)


def decode_fields(raw: dict[Any, Any]) -> dict[bytes, bytes]:
    return {
        (k if isinstance(k, bytes) else str(k).encode()): (v if isinstance(v, bytes) else str(v).encode())
        for k, v in raw.items()
    }
