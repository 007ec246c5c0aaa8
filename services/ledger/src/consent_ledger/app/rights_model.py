"""A data subject's requests as the ledger tracks them (GDPR art. 15-18; privacyreglement art. 11
and 12): the request with its one-month deadline, holds and restrictions, decisions, the refusal
of a request, and the store they are read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from dateutil.relativedelta import relativedelta
from ledger_contracts.events import (
    DecisionGround,
)

from ..core.errors import Refused
from .retention import Scope

__all__ = ["ANSWER_WITHIN", "Decision", "Hold", "RequestRefused", "RightsStore", "TrackedRequest"]

ANSWER_WITHIN = relativedelta(months=1)  # GDPR art. 12(3); privacyreglement art. 11 lid 2, 12 lid 2


class RequestRefused(Refused, ValueError):
    """Why a request could not be taken or decided: unknown-request, already-decided, wrong-right,
    unknown-event, not-about-subject, no-sealed-field, unknown-hold, unknown-controller, no-request,
    received-in-future, hold-ended."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TrackedRequest:
    request_id: str
    chain: str
    pseudonym: str
    right: str
    received_on: date
    due_on: date
    decided_at: str | None = None
    outcome: str | None = None
    received_seq: int | None = None
    decided_seq: int | None = None

    def overdue(self, today: date) -> bool:
        return self.decided_at is None and today > self.due_on


@dataclass(frozen=True, slots=True)
class Hold:
    hold_id: str
    controller: str
    pseudonym: str
    kind: str
    until: date | None
    placed_at: str
    request_id: str | None = None

    def stops(self, today: date) -> bool:
        """A restriction stands until it is lifted; a legal hold until the end of its last day."""
        return self.kind == "restriction" or (self.until is not None and self.until >= today)


@dataclass
class Decision:
    request: TrackedRequest
    outcome: str
    grounds: list[DecisionGround] = field(default_factory=list)
    erased_keys: int = 0
    entries_sealed: int = 0
    sources: list[str | None] = field(default_factory=list)  # per ground: where its rule comes from


class RightsStore(Protocol):
    def scopes_of(self, pseudonym: str) -> list[Scope]: ...
    def milestones_of(self, pseudonym: str) -> dict[tuple[str, str], dict[str, datetime]]:
        """(controller, activity or '*') -> milestone -> latest time."""
        ...

    def registers_in_force(self) -> dict[str, tuple[str, str]]: ...
    def holds(self, pseudonym: str) -> list[Hold]:
        """Holds and restrictions in force (not lifted)."""
        ...

    def hold(self, hold_id: str) -> Hold | None: ...
    def erasures_waiting(self) -> list[Hold]:
        """Restrictions placed for an erasure request refused for a legal hold, not yet lifted."""
        ...

    def request(self, request_id: str) -> TrackedRequest | None: ...
    def entry_about(self, event_id: str) -> tuple[str, int, str, str | None] | None:
        """(chain, seq, activity, subject pseudonym) of the entry recording `event_id`."""
        ...
