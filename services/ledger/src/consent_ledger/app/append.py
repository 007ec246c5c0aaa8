"""Use case: append one batch of validated events in one transaction.

Idempotent on event id: an event whose content MAC is already recorded is a duplicate and
writes nothing; the same id with other content is appended as a `conflict` entry (so nothing
is lost) and reported for alerting.

Every event is tied to a data key (its subject's, or for registry events the party's or known
person's): the key seals the personal part, names the subject in the entry by an unlinkable
reference and keys the content MAC (core.sealing).
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
from ..core.sealing import SubjectKey, content_mac, new_data_key, seal, subject_ref, unwrap_key, wrap_key
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
            keys, new_keys = self._keys(tx, {e.key_id for e in events})
            macs_of = [content_mac(keys[e.key_id], e.content) for e in events]
            known = tx.known_macs({e.event_id for e in events})
            chosen: list[tuple[PreparedEvent, str, str]] = []  # (event, kind, content MAC)
            for event, mac, _source in zip(events, macs_of, sources, strict=True):
                macs = known.setdefault(event.event_id, set())
                if mac in macs:
                    outcome.duplicates += 1
                    continue
                kind = "event" if not macs else "conflict"
                macs.add(mac)
                chosen.append((event, kind, mac))
                if kind == "conflict":
                    outcome.conflicts.append(event.event_id)
            if not chosen:
                return outcome
            records = self._records(keys, chosen)
            used = {e.key_id for e, _, _ in chosen}
            new_keys = {k: w for k, w in new_keys.items() if k in used}
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
                IndexRow(e.event_id, mac, en.chain, en.seq, kind)
                for (e, kind, mac), en in zip(chosen, entries, strict=True)
            ]
            consent = self._consent(
                tx, [(e, en) for (e, kind, _), en in zip(chosen, entries, strict=True) if kind == "event"]
            )
            subjects = [e.subject for e, _, _ in chosen]
            tx.write(entries, index, list(heads.values()), new_keys, consent, nodes, subjects)
        outcome.appended = len(entries)
        outcome.heads = heads
        return outcome

    def _keys(
        self, tx: LedgerTransaction, key_ids: set[str]
    ) -> tuple[dict[str, SubjectKey], dict[str, bytes]]:
        """Every needed subject key, unwrapped, its derived keys made once; and the data keys made
        now, wrapped, to be stored."""
        wrapped = tx.wrapped_keys(key_ids)
        keys = {kid: SubjectKey.of(unwrap_key(self._kek, w, kid)) for kid, w in wrapped.items()}
        new_keys: dict[str, bytes] = {}
        for kid in key_ids - keys.keys():
            data_key = new_data_key()
            keys[kid] = SubjectKey.of(data_key)
            new_keys[kid] = wrap_key(self._kek, data_key, kid)
        return keys, new_keys

    @staticmethod
    def _records(
        keys: dict[str, SubjectKey], chosen: list[tuple[PreparedEvent, str, str]]
    ) -> list[dict[str, Any]]:
        records = []
        for event, _kind, _mac in chosen:
            key = keys[event.key_id]
            doc = event.event
            if event.subject is not None:
                doc = {**doc, "data": {**doc["data"], "subject": {"ref": subject_ref(key, event.event_id)}}}
            record: dict[str, Any] = {"event": doc}
            if event.personal:
                plain = canonical_bytes(event.personal, checked=False)
                record["sealed"] = seal(key.data, plain, event.event_id.encode())
            records.append(record)
        return records

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
