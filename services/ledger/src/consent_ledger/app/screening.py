"""Use case, first half of ingest: raw stream entries in, each either prepared for the append or
refused with a reason. Reads nothing and writes nothing, so it can run in another process while the
one writer appends the batch before (adapters/broker/screening_pool.py): parsing, the producer's signature
and preparing an event are most of an event's cost.

Never raises for an entry: whatever an entry holds, it is prepared or refused (DESIGN.md: no input
may stall a consumer).
"""

from __future__ import annotations

import hashlib
import json
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ledger_contracts import EVENT_TYPES, Event, EventRefused, Refusal, parse_event
from ledger_contracts.formats import EVENT_ID_PATTERN
from ledger_contracts.signing import SIGNATURE_FIELD
from ledger_contracts.streams import EVENT_FIELD

from ..core.dead_letters import MAX_KEPT_BODY, Names, failed_paths, masked_structure, seal_body
from ..core.pseudonyms import Pseudonymizer
from .producers import ProducerRecord, entry_refusal
from .records import PreparedEvent, prepare_event

__all__ = ["DeadLetter", "RawEntry", "Screened", "screen", "unprocessable"]

_EVENT = EVENT_FIELD.encode()
_SIGNATURE = SIGNATURE_FIELD.encode()
_STRUCTURE_CHARS = 8192
_UUID = re.compile(EVENT_ID_PATTERN)


def _contract_names() -> Names:
    """Every field name (and alias) of every event the contracts define, the CloudEvents attributes
    and the event types: what a dead letter may show of a refused body's keys."""
    from ledger_contracts.cloudevents import IGNORED, MAPPED
    from pydantic import BaseModel

    names: set[str] = set(MAPPED) | set(IGNORED) | {"data", "schema_version"}
    seen: set[type] = set()

    def walk(tp: object) -> None:
        for arg in typing.get_args(tp):
            walk(arg)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
            seen.add(tp)
            for name, f in tp.model_fields.items():
                names.add(name)
                if f.alias:
                    names.add(f.alias)
                walk(f.annotation)

    for cls in EVENT_TYPES.values():
        walk(cls)
    return Names(frozenset(names), frozenset(EVENT_TYPES))


NAMES = _contract_names()


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
        raw = self.source.fields.get(_EVENT)
        refusal = self.refusal
        paths = failed_paths(refusal.errors, NAMES)
        errors = [
            {"path": failed_paths([e], NAMES)[0], "type": e.get("type", ""), "msg": e.get("msg", "")}
            for e in refusal.errors
        ]
        detail = "; ".join(f"{e['path']}: {e['msg']}" for e in errors) if errors else refusal.detail
        source = f"{self.source.stream}/{self.source.entry_id}"
        fields = {
            "reason": str(refusal.reason),
            "detail": detail[:2000],
            "paths": json.dumps(paths),
            "errors": json.dumps(errors, ensure_ascii=False),
            "structure": masked_structure(raw, NAMES)[:_STRUCTURE_CHARS],
            "source_stream": self.source.stream,
            "source_id": self.source.entry_id,
            "event_id": refusal.event_id if refusal.event_id and _UUID.match(refusal.event_id) else "",
            "event_type": refusal.event_type if refusal.event_type in EVENT_TYPES else "",
            "refused_at": now.astimezone(UTC).isoformat(),
            # a body no event could be is not kept: its size and hash say what it was
            "sealed_body": seal_body(key, raw or b"", source.encode())
            if len(raw or b"") <= MAX_KEPT_BODY
            else "",
            "body_bytes": str(len(raw or b"")),
            "body_sha256": hashlib.sha256(raw or b"").hexdigest(),
            # a signature is no personal data; kept so that an unchanged replay still verifies
            "sig": self.source.fields.get(_SIGNATURE, b"").decode("ascii", "replace")[:200],
        }
        # text decoded from the input may hold lone surrogates, which Redis cannot be sent
        return {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in fields.items()}


@dataclass
class Screened:
    """A batch screened: the entries to append with their prepared events, in stream order; the
    refused ones; and the producers named that the registry given did not know (the caller reads
    the registry again and screens once more when one of them has been registered since)."""

    ready: list[tuple[RawEntry, PreparedEvent]] = field(default_factory=list)
    refused: list[DeadLetter] = field(default_factory=list)
    unknown_producers: set[str] = field(default_factory=set)


def screen(
    entries: Sequence[RawEntry],
    pseudonyms: Pseudonymizer,
    producers: Mapping[str, ProducerRecord] | None,
) -> Screened:
    """Parse, check the producer (`producers`: the registry; None in development mode only) and
    prepare each entry."""
    out = Screened()
    for entry in entries:
        raw = entry.fields.get(_EVENT)
        try:
            event = parse_event(raw)
        except EventRefused as refusal:
            out.refused.append(DeadLetter(entry, refusal))
            continue
        except Exception as exc:  # noqa: BLE001 - no input may stall the consumer
            out.refused.append(DeadLetter(entry, unprocessable("read", exc)))
            continue
        try:
            if producers is not None:
                producer = producers.get(event.producer)
                if producer is None:
                    out.unknown_producers.add(event.producer)
                found = entry_refusal(producer, event, raw or b"", entry.fields.get(_SIGNATURE))
                if found is not None:
                    reason, detail = found
                    out.refused.append(
                        DeadLetter(entry, EventRefused(reason, detail, [], event.event_id, event.event_type))
                    )
                    continue
            out.ready.append((entry, prepare_event(event, pseudonyms)))
        except Exception as exc:  # noqa: BLE001 - e.g. text the store cannot encode
            out.refused.append(DeadLetter(entry, unprocessable("prepare", exc, event)))
    return out


def unprocessable(step: str, exc: BaseException, event: Event | None = None) -> EventRefused:
    """The refusal of an entry the ledger could not handle alone: the error's class only, never its
    message, which may quote the input."""
    return EventRefused(
        Refusal.UNPROCESSABLE,
        f"could not {step} it ({type(exc).__name__})",
        [],
        event.event_id if event else None,
        event.event_type if event else None,
    )
