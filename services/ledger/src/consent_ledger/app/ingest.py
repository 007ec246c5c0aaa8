"""Use case: one broker batch in, entries appended and refusals sorted out.

Pure of brokers: the adapter hands raw stream entries in and does the I/O the result asks for
(dead-letter, then acknowledge).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
        fields = {
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
        # text decoded from the input may hold lone surrogates, which Redis cannot be sent
        return {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in fields.items()}


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

        Reading and preparing an entry never raise: whatever an entry holds, it is either prepared or
        refused with a reason. Raises when the producer registry cannot be read or the append
        fails: then nothing was committed and nothing may be acked (see `handle_isolating`)."""
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
            except Exception as exc:  # noqa: BLE001 - no input may stall the consumer
                dead.append(DeadLetter(entry, _unprocessable("read", exc)))
        for (entry, event, _), refusal in zip(parsed, self._gate_refusals(parsed), strict=True):
            if refusal is not None:
                reason, detail = refusal
                dead.append(
                    DeadLetter(entry, EventRefused(reason, detail, [], event.event_id, event.event_type))
                )
                continue
            try:
                prepared.append(prepare_event(event, self._pseudonyms))
            except Exception as exc:  # noqa: BLE001 - e.g. text the store cannot encode
                dead.append(DeadLetter(entry, _unprocessable("prepare", exc, event)))
                continue
            sources.append(f"{entry.stream}/{entry.entry_id}")
        return BatchResult(self._appender.append(prepared, sources), dead)

    def handle_isolating(
        self,
        entries: Sequence[RawEntry],
        is_outage: Callable[[BaseException], bool],
        store_answers: Callable[[], bool] = lambda: True,
    ) -> BatchResult:
        """`handle`, and when the append fails for a reason other than an outage of the store, the
        batch split in halves until the entry that fails alone is found and refused; its
        neighbours are appended as without it. An outage is raised: nothing is refused for it. An
        error is taken for an outage too whenever the store does not answer (`store_answers`, a
        ping) right after it: no entry is blamed for a database that is going away."""
        try:
            return self.handle(entries)
        except Exception as exc:
            if is_outage(exc) or not entries or not store_answers():
                raise
            if len(entries) == 1:
                return BatchResult(AppendOutcome(), [DeadLetter(entries[0], _unprocessable("append", exc))])
        middle = len(entries) // 2
        first = self.handle_isolating(entries[:middle], is_outage, store_answers)
        second = self.handle_isolating(entries[middle:], is_outage, store_answers)
        return BatchResult(merged(first.outcome, second.outcome), first.dead_letters + second.dead_letters)

    def _gate_refusals(self, parsed: list[tuple[RawEntry, Event, bytes]]) -> list[tuple[Refusal, str] | None]:
        """The producer gate's verdicts. It reads the producer registry: when that fails, the error
        goes up to `handle_isolating`, which tells an outage (retried) from an entry the gate cannot
        judge (found by splitting, and refused alone)."""
        if self._gate is None:
            return [None] * len(parsed)
        signature = SIGNATURE_FIELD.encode()
        return self._gate.refusals([(ev, raw, en.fields.get(signature)) for en, ev, raw in parsed])


def _unprocessable(step: str, exc: BaseException, event: Event | None = None) -> EventRefused:
    """The refusal of an entry the ledger could not handle alone: the error's class only, never its
    message, which may quote the input."""
    return EventRefused(
        Refusal.UNPROCESSABLE,
        f"could not {step} it ({type(exc).__name__})",
        [],
        event.event_id if event else None,
        event.event_type if event else None,
    )


def merged(a: AppendOutcome, b: AppendOutcome) -> AppendOutcome:
    """Two appends' outcomes as one; the later head of a chain wins."""
    return AppendOutcome(
        appended=a.appended + b.appended,
        duplicates=a.duplicates + b.duplicates,
        conflicts=a.conflicts + b.conflicts,
        heads={**a.heads, **b.heads},
        violations=a.violations + b.violations,
        unchecked=a.unchecked + b.unchecked,
    )
