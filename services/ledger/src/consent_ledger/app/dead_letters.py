"""Use case: an operator works the dead letters: list, show (masked, or the sealed body with the
dead-letter key), replay through the normal path (as it was or fixed), drop with a recorded reason.

Nothing here logs or prints a body unless the operator asks for the original with the key.
"""

from __future__ import annotations

import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from cryptography.exceptions import InvalidTag
from ledger_contracts import EventRefused, parse_event
from ledger_contracts.events import DeadLetterDropData, DeadLetterDropped, DropReason

from ..core.dead_letters import open_body
from ..core.errors import Refused
from .producers import ProducerRecord, entry_refusal

__all__ = ["DROP_REASONS", "DeadLetterBox", "DeadLetterDesk", "DeadLetterError"]

DROP_REASONS: tuple[str, ...] = typing.get_args(DropReason)
Replayed = list[tuple[str, str | None, str]]  # (dead letter, the entry it went out as or None, why not)


class DeadLetterError(Refused):
    """The operation cannot be done; `reason` says why (no-such-dead-letter, still-refused, …)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class DeadLetterBox(Protocol):
    """The dead-letter stream and the streams replays go to."""

    def list(self, limit: int, reason: str | None = None) -> list[tuple[str, dict[str, str]]]: ...
    def get(self, dead_letter_id: str) -> dict[str, str] | None: ...
    def publish(self, stream: str, body: bytes, signature: str | None = None) -> str: ...
    def publish_event(self, event: DeadLetterDropped) -> str: ...
    def remove(self, dead_letter_id: str) -> None: ...


@dataclass
class DeadLetterDesk:
    box: DeadLetterBox
    key: bytes
    controller: str  # whose chain records a drop when the refused body names none
    producer: str = "ledger-operations"
    require_signature: bool = True  # outside development mode a fixed body needs its producer's signature
    # the registered producer of an id, to check a replay's signature before it is published
    producers: Callable[[str], ProducerRecord | None] | None = None

    def list(self, limit: int = 100, reason: str | None = None) -> list[tuple[str, dict[str, str]]]:
        return self.box.list(limit, reason)

    def replay_all(self, reason: str | None = None, limit: int = 10_000) -> Replayed:
        """Replay every dead letter as it was (of `reason`, or all), oldest first: (id, the entry it
        was published as or None, why not). One still refused stays, with its reason; the others
        go on."""
        done: Replayed = []
        for dead_letter_id, _fields in self.list(limit, reason):
            try:
                done.append((dead_letter_id, self.replay(dead_letter_id), ""))
            except DeadLetterError as exc:
                done.append((dead_letter_id, None, f"{exc.reason}: {exc.detail}"))
        return done

    def show(self, dead_letter_id: str) -> dict[str, str]:
        """The dead letter as stored: masked structure and reason; the sealed body stays sealed."""
        return {k: v for k, v in self._get(dead_letter_id).items() if k != "sealed_body"}

    def original(self, dead_letter_id: str) -> bytes:
        """The refused body itself, opened with the dead-letter key."""
        fields = self._get(dead_letter_id)
        if not fields.get("sealed_body"):
            raise DeadLetterError(
                "not-kept",
                f"the body was {fields.get('body_bytes', '?')} bytes, more than a dead letter keeps; "
                "there is nothing to show or replay (drop it)",
            )
        source = f"{fields['source_stream']}/{fields['source_id']}".encode()
        try:
            return open_body(self.key, fields["sealed_body"], source)
        except (InvalidTag, ValueError, KeyError):
            raise DeadLetterError(
                "wrong-key", "the dead-letter key does not open this body (LEDGER_DEAD_LETTER_KEY)"
            ) from None

    def replay(self, dead_letter_id: str, fixed: bytes | None = None, signature: str | None = None) -> str:
        """Publish the body (or the fixed one) to its stream again and remove the dead letter. A body
        the ledger would refuse again is not published: the reason says why. The body as it was
        keeps its producer's signature; a fixed body needs the producer's signature of it
        (`signature`), since only the producer may say what it published."""
        fields = self._get(dead_letter_id)
        body = fixed if fixed is not None else self.original(dead_letter_id)
        if fixed is None:
            signature = fields.get("sig") or None
        elif self.require_signature and not signature:
            raise DeadLetterError(
                "signature-needed",
                "a fixed body counts only signed by its producer: pass its signature with --sig",
            )
        try:
            event = parse_event(body)
        except EventRefused as exc:
            raise DeadLetterError(
                "still-refused", f"{exc.reason}; fix the body and pass it with --fixed"
            ) from None
        if self.producers is not None:  # what the consumer would check, checked before publishing
            sig = signature.encode() if signature else None
            found = entry_refusal(self.producers(event.producer), event, body, sig)
            if found is not None:
                raise DeadLetterError(
                    "still-refused", f"{found[0]}: {found[1]}; nothing was published, the dead letter stays"
                )
        entry = self.box.publish(fields["source_stream"], body, signature)
        self.box.remove(dead_letter_id)
        return entry

    def drop(self, dead_letter_id: str, reason: str, by: str, controller: str | None = None) -> str:
        """Remove a dead letter unreplayed; the drop is an event on the ledger (who, why, when)."""
        if reason not in DROP_REASONS:
            raise DeadLetterError("unknown-drop-reason", f"one of: {', '.join(DROP_REASONS)}")
        fields = self._get(dead_letter_id)
        data = DeadLetterDropData(
            source_stream=fields["source_stream"],
            refusal=fields["reason"],
            refused_at=datetime.fromisoformat(fields["refused_at"]),
            event_id=fields.get("event_id") or None,
            drop_reason=reason,
            dropped_by=by,
        )
        event = DeadLetterDropped(
            event_id=str(uuid.uuid4()),
            occurred_at=datetime.now(UTC),
            producer=self.producer,
            controller=controller or self.controller,
            processing_activity="ledger-beheer",
            data=data,
        )
        self.box.publish_event(event)
        self.box.remove(dead_letter_id)
        return event.event_id

    def _get(self, dead_letter_id: str) -> Mapping[str, str]:
        fields = self.box.get(dead_letter_id)
        if fields is None:
            raise DeadLetterError("no-such-dead-letter", f"{dead_letter_id} is not on the dead-letter stream")
        return fields
