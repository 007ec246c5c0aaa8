"""Ports the use cases need: small protocols named by role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..core.consent_state import ConsentFact
from ..core.entries import AppendedEntry, ChainHead
from ..core.merkle import NodeKey

__all__ = [
    "Clock",
    "ConsentKey",
    "EntryAppender",
    "IndexRow",
    "LedgerTransaction",
]

ConsentKey = tuple[str, str]  # (subject pseudonym, purpose)


@dataclass(frozen=True, slots=True)
class IndexRow:
    event_id: str
    content_mac: str
    chain: str
    seq: int
    kind: str


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
    ) -> None:
        """`subjects`: each entry's subject pseudonym (or None), kept beside the entry, off the chain."""
        ...


class EntryAppender(Protocol):
    def transaction(self) -> AbstractContextManager[LedgerTransaction]: ...
