"""Ports the use cases need: small protocols named by role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..core.consent_state import ConsentFact
from ..core.entries import AppendedEntry, ChainHead
from ..core.merkle import NodeKey

__all__ = [
    "Clock",
    "ConsentKey",
    "EntryAppender",
    "HandleRow",
    "IndexRow",
    "LedgerTransaction",
    "MilestoneRow",
    "ViolationRow",
]

ConsentKey = tuple[str, str, str]  # (subject pseudonym, purpose, controller's chain)


@dataclass(frozen=True, slots=True)
class IndexRow:
    event_id: str
    content_mac: str
    chain: str
    seq: int
    kind: str


@dataclass(frozen=True, slots=True)
class HandleRow:
    pseudonym: str
    controller: str
    activity: str
    handle: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    pseudonym: str
    controller: str
    activity: str  # '*' for the whole controller (last contact)
    milestone: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ViolationRow:
    chain: str
    seq: int
    reason: str
    event_id: str
    event_type: str
    activity: str
    register_version: str
    recorded_at: str


@dataclass(frozen=True, slots=True)
class RightsRow:
    """A subject.request-received, subject.request-decided or subject.hold-changed entry, for the
    projections of requests (with their deadlines) and of holds."""

    event_type: str
    chain: str
    seq: int
    pseudonym: str
    data: Mapping[str, Any]  # the entry's clear event data
    recorded_at: str


RIGHTS_EVENT_TYPES = frozenset(
    {"subject.request-received", "subject.request-decided", "subject.hold-changed"}
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class LedgerTransaction(Protocol):
    """One database transaction; everything written commits together or not at all."""

    def known_macs(self, event_ids: Iterable[str]) -> dict[str, set[str]]: ...
    def lock_heads(self, chains: Iterable[str]) -> dict[str, ChainHead]: ...
    def wrapped_keys(self, key_ids: Iterable[str]) -> dict[str, bytes]: ...
    def consent_facts(self, keys: Iterable[ConsentKey]) -> dict[ConsentKey, ConsentFact]: ...
    def write(
        self,
        entries: Sequence[AppendedEntry],
        index: Sequence[IndexRow],
        heads: Sequence[ChainHead],
        new_keys: Mapping[str, bytes],
        consent: Mapping[ConsentKey, tuple[ConsentFact, AppendedEntry]],
        nodes: Sequence[tuple[str, NodeKey, bytes]] = (),
        subjects: Sequence[str | None] = (),
        key_ids: Sequence[str | None] = (),
    ) -> None:
        """`subjects`: each entry's subject pseudonym (or None), and `key_ids` the data key it is
        sealed under, kept beside the entry, off the chain."""
        ...

    def handles(self, triples: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """(pseudonym, controller, activity) -> handle, for those that have one."""
        ...

    def put_handles(self, rows: Sequence[HandleRow]) -> None: ...
    def reach_milestones(self, rows: Sequence[MilestoneRow]) -> None:
        """Keep the latest time of each milestone."""
        ...

    def register_subjects(self, rows: Sequence[HandleRow]) -> None:
        """Record (pseudonym, controller, activity) as registered from `created_at`, unless already."""
        ...

    def register_versions(self, chains: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
        """chain -> every register version published on it, (seq, version), in chain order."""
        ...

    def register_document(self, chain: str, seq: int) -> str:
        """The register published at (chain, seq), as JSON."""
        ...

    def put_register(self, chain: str, seq: int, version: str, document: dict[str, Any], at: str) -> None: ...
    def put_violations(self, rows: Sequence[ViolationRow]) -> None: ...
    def put_accepted(self, facts: Sequence[tuple[str, str]], at: datetime) -> None:
        """Facts for the notifier, (stream, JSON) each (app.accepted_facts), in this transaction."""
        ...

    def track_rights(self, rows: Sequence[RightsRow]) -> None:
        """Requests received and decided, holds placed and lifted, in entry order."""
        ...

    def destroy(self, handle: str, scopes: Sequence[Any], erasure_entries: Sequence[AppendedEntry]) -> None:
        """Erasure: delete the key `handle` and everything leading from the person to it (app.retention)."""
        ...


class EntryAppender(Protocol):
    def transaction(self) -> AbstractContextManager[LedgerTransaction]: ...
