"""Use case: append one batch of validated events in one transaction.

Idempotent on event id: an event whose content MAC is already recorded is a duplicate and
writes nothing; the same id with other content is appended as a `conflict` entry (so nothing
is lost) and reported for alerting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..core.canonical import canonical_bytes
from ..core.consent_state import ConsentFact, supersedes
from ..core.entries import AppendedEntry, ChainHead, append_records
from ..core.merkle import Frontier, NodeKey, leaf_of
from ..core.sealing import new_data_key, seal, unwrap_key, wrap_key
from .ports import ConsentKey, EntryAppender, IndexRow, LedgerTransaction
from .records import PreparedEvent

__all__ = ["AppendOutcome", "BatchAppender", "SystemClock"]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class AppendOutcome:
    appended: int = 0
    duplicates: int = 0
    conflicts: list[str] = field(default_factory=list)  # event ids
    heads: dict[str, ChainHead] = field(default_factory=dict)


class BatchAppender:
    def __init__(self, store: EntryAppender, kek: bytes, clock: Any = None) -> None:
        self._store = store
        self._kek = kek
        self._clock = clock or SystemClock()

    def append(self, events: Sequence[PreparedEvent], sources: Sequence[str]) -> AppendOutcome:
        """Requires len(events) == len(sources); sources are the broker message ids."""
        outcome = AppendOutcome()
        if not events:
            return outcome
        with self._store.transaction() as tx:
            known = tx.known_macs({e.event_id for e in events})
            chosen: list[tuple[PreparedEvent, str, str | None]] = []  # (event, kind, first mac)
            for event, _source in zip(events, sources, strict=True):
                macs = known.setdefault(event.event_id, set())
                if event.content_mac in macs:
                    outcome.duplicates += 1
                    continue
                first = min(macs) if macs else None
                macs.add(event.content_mac)
                chosen.append((event, "event" if first is None else "conflict", first))
                if first is not None:
                    outcome.conflicts.append(event.event_id)
            if not chosen:
                return outcome
            records, new_keys = self._records(tx, chosen)
            heads = tx.lock_heads({e.chain for e, _, _ in chosen})
            entry_for: list[AppendedEntry | None] = [None] * len(chosen)
            nodes: list[tuple[str, NodeKey, bytes]] = []
            now = self._clock.now()
            for chain, head in heads.items():
                mine = [i for i, (e, _, _) in enumerate(chosen) if e.chain == chain]
                appended, after = append_records(
                    head, [(chosen[i][1], records[i]) for i in mine], now, checked=False
                )
                tree, made = Frontier(head.length, head.frontier).extend(leaf_of(e.body) for e in appended)
                heads[chain] = replace(after, frontier=tree.peaks)
                nodes.extend((chain, key, h) for key, h in made)
                for i, entry in zip(mine, appended, strict=True):
                    entry_for[i] = entry
            entries = [en for en in entry_for if en is not None]
            index = [
                IndexRow(e.event_id, e.content_mac, en.chain, en.seq, kind)
                for (e, kind, _), en in zip(chosen, entries, strict=True)
            ]
            consent = self._consent(
                tx, [(e, en) for (e, kind, _), en in zip(chosen, entries, strict=True) if kind == "event"]
            )
            tx.write(entries, index, list(heads.values()), new_keys, consent, nodes)
        outcome.appended = len(entries)
        outcome.heads = heads
        return outcome

    def _records(
        self, tx: LedgerTransaction, chosen: list[tuple[PreparedEvent, str, str | None]]
    ) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
        needs_key = {e.subject for e, _, _ in chosen if e.personal and e.subject}
        wrapped = tx.wrapped_keys(needs_key)
        keys = {kid: unwrap_key(self._kek, w, kid) for kid, w in wrapped.items()}
        new_keys: dict[str, bytes] = {}
        for kid in needs_key - keys.keys():
            keys[kid] = new_data_key()
            new_keys[kid] = wrap_key(self._kek, keys[kid], kid)
        records = []
        for event, kind, first in chosen:
            record: dict[str, Any] = {"event": event.event, "content_mac": event.content_mac}
            if event.personal and event.subject:
                aad = event.event_id.encode()
                record["sealed"] = seal(
                    keys[event.subject], event.subject, canonical_bytes(event.personal, checked=False), aad
                )
            if kind == "conflict":
                record["conflicts_with"] = first
            records.append(record)
        return records, new_keys

    @staticmethod
    def _consent(
        tx: LedgerTransaction, pairs: list[tuple[PreparedEvent, AppendedEntry]]
    ) -> dict[ConsentKey, tuple[ConsentFact, AppendedEntry]]:
        relevant = [(e, en) for e, en in pairs if e.consent and e.subject]
        if not relevant:
            return {}
        current = tx.consent_facts({(e.subject, e.consent[0]) for e, _ in relevant})  # type: ignore[index, misc]
        winners: dict[ConsentKey, tuple[ConsentFact, AppendedEntry]] = {}
        for event, entry in relevant:
            purpose, fact = event.consent  # type: ignore[misc]
            key = (event.subject or "", purpose)
            standing = winners[key][0] if key in winners else current.get(key)
            if supersedes(fact, standing):
                winners[key] = (fact, entry)
        return winners
