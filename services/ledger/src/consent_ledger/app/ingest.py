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

from ledger_contracts import EVENT_TYPES, Event, EventRefused, Refusal, parse_event
from ledger_contracts.formats import EVENT_ID_PATTERN
from ledger_contracts.signing import SIGNATURE_FIELD
from ledger_contracts.streams import EVENT_FIELD

from ..core.dead_letters import failed_paths, masked_structure, seal_body
from ..core.pseudonyms import Pseudonymizer
from .append import AppendOutcome, BatchAppender
from .producers import ProducerGate
from .records import PreparedEvent, prepare_event

__all__ = ["BatchResult", "DeadLetter", "IngestService", "RawEntry"]

_UUID = re.compile(EVENT_ID_PATTERN)
_STRUCTURE_CHARS = 8192


@dataclass(frozen=True, slots=True)
class RawEntry:
    stream: str
    entry_id: str
    fields: dict[bytes, bytes]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    source: RawEntry
    refusal: EventRefused

    def fields(self, now: datetime, key: bytes) -> dict[str, str]:
        """The dead-letter entry: reason, failed paths and the body's masked structure in the clear;
        the body itself sealed under the dead-letter key (core.dead_letters)."""
        raw = self.source.fields.get(EVENT_FIELD.encode())
        refusal = self.refusal
        paths = failed_paths(refusal.errors)
        errors = [
            {"path": failed_paths([e])[0], "type": e.get("type", ""), "msg": e.get("msg", "")}
            for e in refusal.errors
        ]
        detail = "; ".join(f"{e['path']}: {e['msg']}" for e in errors) if errors else refusal.detail
        source = f"{self.source.stream}/{self.source.entry_id}"
        return {
            "reason": str(refusal.reason),
            "detail": detail[:2000],
            "paths": json.dumps(paths),
            "errors": json.dumps(errors, ensure_ascii=False),
            "structure": masked_structure(raw)[:_STRUCTURE_CHARS],
            "source_stream": self.source.stream,
            "source_id": self.source.entry_id,
            "event_id": refusal.event_id if refusal.event_id and _UUID.match(refusal.event_id) else "",
            "event_type": refusal.event_type if refusal.event_type in EVENT_TYPES else "",
            "refused_at": now.astimezone(UTC).isoformat(),
            "sealed_body": seal_body(key, raw or b"", source.encode()),
            # a signature is no personal data; kept so that an unchanged replay still verifies
            "sig": self.source.fields.get(SIGNATURE_FIELD.encode(), b"").decode("ascii", "replace")[:200],
        }


@dataclass
class BatchResult:
    outcome: AppendOutcome
    dead_letters: list[DeadLetter] = field(default_factory=list)


class IngestService:
    def __init__(
        self, appender: BatchAppender, pseudonyms: Pseudonymizer, gate: ProducerGate | None = None
    ) -> None:
        """`gate`: only registered producers' signed events count; None in development mode only."""
        self._appender = appender
        self._pseudonyms = pseudonyms
        self._gate = gate

    def handle(self, entries: Sequence[RawEntry]) -> BatchResult:
        """Validate every entry, append the good ones in one transaction, list the refusals.

        Raises only when the database fails: then nothing was committed and nothing may be acked.
        """
        prepared: list[PreparedEvent] = []
        sources: list[str] = []
        dead: list[DeadLetter] = []
        parsed: list[tuple[RawEntry, Event, bytes]] = []
        for entry in entries:
            raw = entry.fields.get(EVENT_FIELD.encode())
            try:
                parsed.append((entry, parse_event(raw), raw or b""))
            except EventRefused as refusal:
                dead.append(DeadLetter(entry, refusal))
        refused: list[tuple[Refusal, str] | None] = [None] * len(parsed)
        if self._gate is not None:
            signature = SIGNATURE_FIELD.encode()
            refused = self._gate.refusals([(ev, raw, en.fields.get(signature)) for en, ev, raw in parsed])
        for (entry, event, _), refusal in zip(parsed, refused, strict=True):
            if refusal is not None:
                reason, detail = refusal
                dead.append(
                    DeadLetter(entry, EventRefused(reason, detail, [], event.event_id, event.event_type))
                )
                continue
            prepared.append(prepare_event(event, self._pseudonyms))
            sources.append(f"{entry.stream}/{entry.entry_id}")
        return BatchResult(self._appender.append(prepared, sources), dead)


def decode_fields(raw: dict[Any, Any]) -> dict[bytes, bytes]:
    return {
        (k if isinstance(k, bytes) else str(k).encode()): (v if isinstance(v, bytes) else str(v).encode())
        for k, v in raw.items()
    }
