"""Use case: append one batch of validated events in one transaction.

Idempotent on event id: an event whose content MAC is already recorded is a duplicate and
writes nothing; the same id with other content is appended as a `conflict` entry (so nothing
is lost) and reported for alerting.

Every event is tied to a data key (its subject's, or for registry events the party's or known
person's): the key seals the personal part, names the subject in the entry by an unlinkable
reference and keys the content MAC (core.sealing).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.register import ProcessingRegister
from ledger_contracts.vocabulary import CONTACT_EVENT_TYPES

from ..core.canonical import canonical_bytes
from ..core.consent_state import ConsentFact, supersedes
from ..core.entries import AppendedEntry, ChainHead, append_records
from ..core.merkle import Frontier, NodeKey, leaf_of
from ..core.sealing import SubjectKey, content_mac, new_data_key, seal, subject_ref, unwrap_key, wrap_key
from ..rules.register import check_event
from ..rules.retention import milestones_of
from .accepted_facts import accepted_facts
from .ports import (
    RIGHTS_EVENT_TYPES,
    ConsentKey,
    EntryAppender,
    HandleRow,
    IndexRow,
    LedgerTransaction,
    MilestoneRow,
    RightsRow,
    ViolationRow,
)
from .records import PreparedEvent
from .registration import registers_subject

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
    violations: list[tuple[str, str]] = field(default_factory=list)  # (chain, reason), to count
    unchecked: int = 0  # entries of a controller that has no register yet


# Writes more in the same transaction as the entries: (transaction, appended entries in order).
AfterAppend = Callable[[LedgerTransaction, list[AppendedEntry]], None]


def _same(value: dict[str, Any]) -> dict[str, Any]:
    return value


def _in_force(
    versions: list[tuple[date, int, str, ProcessingRegister]], occurred_at: datetime | None
) -> tuple[str, ProcessingRegister] | None:
    """The version in force on the Dutch date of `occurred_at`: the latest `valid_from` on or before
    it, ties to the one published last; before every version, the oldest."""
    if not versions:
        return None
    if occurred_at is None:
        chosen = max(versions, key=lambda v: (v[0], v[1]))
    else:
        day = dutch_date(occurred_at)
        standing = [v for v in versions if v[0] <= day]
        chosen = (
            max(standing, key=lambda v: (v[0], v[1]))
            if standing
            else min(versions, key=lambda v: (v[0], v[1]))
        )
    return chosen[2], chosen[3]


def new_handle() -> str:
    """A subject's data key under one activity is named by a random handle: nothing derives it
    from the person, and once the row that maps them is deleted nothing leads back."""
    return "s-" + secrets.token_hex(16)


@dataclass(slots=True)
class Planned:
    """One event the append has chosen, and what it makes of it step by step: its kind (`event`,
    or `conflict` for an event id held with other content), content MAC and subject key, the
    record the entry holds, the register version it was checked against with what that found, and
    the entry appended."""

    event: PreparedEvent
    kind: str
    mac: str
    key_id: str
    record: dict[str, Any] = field(default_factory=dict)
    register: str | None = None
    violations: list[str] = field(default_factory=list)
    entry: AppendedEntry | None = None

    @property
    def accepted(self) -> bool:
        """An event, not a conflict: what the projections (consent, milestones, rights) take."""
        return self.kind == "event"

    @property
    def appended(self) -> AppendedEntry:
        assert self.entry is not None, "read after the chains were extended"
        return self.entry

    @property
    def recorded_at(self) -> str:
        return str(self.appended.document["recorded_at"])


class BatchAppender:
    def __init__(
        self, store: EntryAppender, kek: bytes, clock: Any = None, previous_keks: Sequence[bytes] = ()
    ) -> None:
        """`previous_keks`: the key-encryption keys of a rotation still under way (app.rewrap); new
        data keys are wrapped by `kek` alone."""
        self._store = store
        self._kek, self._previous = kek, tuple(previous_keks)
        self._clock = clock or SystemClock()
        self._registers: dict[str, ProcessingRegister] = {}  # by version, parsed once

    def append(
        self, events: Sequence[PreparedEvent], sources: Sequence[str], then: AfterAppend | None = None
    ) -> AppendOutcome:
        """Requires len(events) == len(sources); sources are the broker message ids. `then` writes
        more in the same transaction (the retention run destroys keys there)."""
        outcome = AppendOutcome()
        if not events:
            return outcome
        with self._store.transaction() as tx:
            # The chains are locked before anything is read: another replica's commit of the same
            # event id is then seen below (a conflict or a duplicate, never a second `event`).
            locked = tx.lock_heads({e.chain for e in events})
            now = self._clock.now()
            handles, new_handles = self._handles(tx, events, now)
            key_of = [handles[(e.subject, e.chain, e.activity)] if e.subject else e.key_id for e in events]
            keys, new_keys = self._keys(tx, set(key_of))
            plan = self._choose(tx, events, key_of, keys, outcome)
            if not plan:
                return outcome
            for planned in plan:
                planned.record = self._record(keys[planned.key_id], planned.event)
            used = {planned.key_id for planned in plan}
            new_keys = {k: w for k, w in new_keys.items() if k in used}
            new_handles = [h for h in new_handles if h.handle in used]
            self._check(tx, plan, outcome)
            heads, nodes = self._chain(plan, locked, now)
            entries = [planned.appended for planned in plan]
            accepted = [planned for planned in plan if planned.accepted]
            tx.write(
                entries=entries,
                index=[
                    IndexRow(pl.event.event_id, pl.mac, pl.appended.chain, pl.appended.seq, pl.kind)
                    for pl in plan
                ],
                heads=list(heads.values()),
                new_keys=new_keys,
                consent=self._consent(tx, [(pl.event, pl.appended) for pl in accepted]),
                nodes=nodes,
                subjects=[pl.event.subject for pl in plan],
                key_ids=[pl.key_id for pl in plan],
            )
            tx.put_handles(new_handles)
            self._project(tx, plan, now)
            if then is not None:
                then(tx, entries)
        outcome.appended = len(entries)
        outcome.heads = heads
        return outcome

    def _project(self, tx: LedgerTransaction, plan: list[Planned], now: datetime) -> None:
        """What the entries make known beside the chain, in the same transaction: retention
        milestones, registered subjects, register violations and published registers, the
        subjects' requests, and the accepted facts the notifier is told of."""
        accepted = [planned for planned in plan if planned.accepted]
        tx.reach_milestones(self._milestones(accepted))
        tx.register_subjects(
            [
                HandleRow(pl.event.subject, pl.event.chain, pl.event.activity, "", now)
                for pl in accepted
                if pl.event.subject
                and registers_subject(pl.event.event_type, pl.event.event.get("producer", ""))
            ]
        )
        tx.put_violations(
            [
                ViolationRow(
                    pl.appended.chain,
                    pl.appended.seq,
                    reason,
                    pl.event.event_id,
                    pl.event.event_type,
                    pl.event.activity,
                    pl.register,
                    pl.recorded_at,
                )
                for pl in plan
                if pl.register
                for reason in pl.violations
            ]
        )
        for pl in plan:
            if pl.event.published_register is not None:
                version = str(pl.event.event["data"]["register_version"])
                tx.put_register(
                    pl.appended.chain,
                    pl.appended.seq,
                    version,
                    pl.event.published_register,
                    pl.recorded_at,
                )
        rights = [
            RightsRow(
                pl.event.event_type,
                pl.appended.chain,
                pl.appended.seq,
                pl.event.subject,
                pl.event.event["data"],
                pl.recorded_at,
            )
            for pl in accepted
            if pl.event.subject and pl.event.event_type in RIGHTS_EVENT_TYPES
        ]
        if rights:
            tx.track_rights(rights)
        facts = accepted_facts((pl.event, pl.kind, pl.appended) for pl in plan)
        if facts:
            tx.put_accepted(facts, now)

    @staticmethod
    def _choose(
        tx: LedgerTransaction,
        events: Sequence[PreparedEvent],
        key_of: list[str],
        keys: dict[str, SubjectKey],
        outcome: AppendOutcome,
    ) -> list[Planned]:
        """The events to append: an event id already held with the same content (its MAC) is a
        duplicate and passed over; with other content it is appended as a `conflict`."""
        known = tx.known_macs({e.event_id for e in events})
        plan: list[Planned] = []
        for event, key_id in zip(events, key_of, strict=True):
            mac = content_mac(keys[key_id], event.content)
            macs = known.setdefault(event.event_id, set())
            if mac in macs:
                outcome.duplicates += 1
                continue
            kind = "event" if not macs else "conflict"
            macs.add(mac)
            plan.append(Planned(event, kind, mac, key_id))
            if kind == "conflict":
                outcome.conflicts.append(event.event_id)
        return plan

    @staticmethod
    def _chain(
        plan: list[Planned], locked: dict[str, ChainHead], now: datetime
    ) -> tuple[dict[str, ChainHead], list[tuple[str, NodeKey, bytes]]]:
        """Each chain's new entries after its head, with the Merkle nodes they complete; the heads
        after them."""
        chains = {planned.event.chain for planned in plan}
        heads = {c: h for c, h in locked.items() if c in chains}
        nodes: list[tuple[str, NodeKey, bytes]] = []
        for chain, head in heads.items():
            mine = [planned for planned in plan if planned.event.chain == chain]
            appended, after = append_records(
                head, [(planned.kind, planned.record) for planned in mine], now, checked=False
            )
            tree, made = Frontier(head.length, head.frontier).extend(leaf_of(e.body) for e in appended)
            heads[chain] = replace(after, frontier=tree.peaks)
            nodes.extend((chain, key, h) for key, h in made)
            for planned, entry in zip(mine, appended, strict=True):
                planned.entry = entry
        return heads, nodes

    def _keys(
        self, tx: LedgerTransaction, key_ids: set[str]
    ) -> tuple[dict[str, SubjectKey], dict[str, bytes]]:
        """Every needed subject key, unwrapped, its derived keys made once; and the data keys made
        now, wrapped, to be stored."""
        wrapped = tx.wrapped_keys(key_ids)
        keys = {
            kid: SubjectKey.of(unwrap_key(self._kek, w, kid, self._previous)) for kid, w in wrapped.items()
        }
        new_keys: dict[str, bytes] = {}
        for kid in key_ids - keys.keys():
            data_key = new_data_key()
            keys[kid] = SubjectKey.of(data_key)
            new_keys[kid] = wrap_key(self._kek, data_key, kid)
        return keys, new_keys

    @staticmethod
    def _handles(
        tx: LedgerTransaction, events: Sequence[PreparedEvent], now: datetime
    ) -> tuple[dict[tuple[str, str, str], str], list[HandleRow]]:
        """The handle of each (subject, controller, activity), made now where there is none."""
        wanted = {(e.subject, e.chain, e.activity) for e in events if e.subject}
        handles = tx.handles(wanted) if wanted else {}
        made = []
        for triple in sorted(wanted - handles.keys()):
            handles[triple] = new_handle()
            made.append(HandleRow(*triple, handles[triple], now))
        return handles, made

    def _check(self, tx: LedgerTransaction, plan: list[Planned], outcome: AppendOutcome) -> None:
        """Each entry against its controller's register version in force at the event's
        `occurred_at` (DESIGN.md invariant 11: the version whose `valid_from` is the latest on or
        before the event's Dutch date, the one published last among equals; an event older than
        every version is checked against the oldest). A register published earlier in the same
        batch counts from the next entry on. The verdict goes on the entry's record."""
        versions: dict[str, list[tuple[date, int, str, ProcessingRegister]]] = {}
        for chain, listed in tx.register_versions({pl.event.chain for pl in plan}).items():
            for seq, v in listed:
                r = self._register(v, partial(tx.register_document, chain, seq))
                versions.setdefault(chain, []).append((r.valid_from, seq, v, r))
        for planned in plan:
            event = planned.event
            standing = _in_force(versions.get(event.chain, []), event.occurred_at)
            if standing is None:
                outcome.unchecked += 1
            else:
                version, register = standing
                found = check_event(register, event.event_type, event.activity, event.event["data"])
                planned.record["checks"] = {"register": version, "violations": found}
                outcome.violations.extend((event.chain, reason) for reason in found)
                planned.register, planned.violations = version, found
            if event.published_register is not None:
                version = str(event.event["data"]["register_version"])
                published = event.published_register
                new = self._register(version, partial(_same, published))
                versions.setdefault(event.chain, []).append((new.valid_from, 1 << 62, version, new))

    def _register(self, version: str, document: Callable[[], dict[str, Any] | str]) -> ProcessingRegister:
        """The register of `version`, parsed once; its document is read only when not yet parsed."""
        if version not in self._registers:
            found = document()
            doc = json.loads(found) if isinstance(found, str) else found
            self._registers[version] = ProcessingRegister.model_validate(doc)
        return self._registers[version]

    @staticmethod
    def _milestones(accepted: list[Planned]) -> list[MilestoneRow]:
        """The retention milestones the events reach, by event time. Only contact with the
        controller (CONTACT_EVENT_TYPES, by type alone) counts for last contact: never a subject's
        first record, whichever event that is, so no batching or order changes the outcome."""
        rows: list[MilestoneRow] = []
        for event in (planned.event for planned in accepted):
            if not event.subject or event.occurred_at is None:
                continue
            at = event.occurred_at
            for milestone in milestones_of(event.event_type, event.event["data"]):
                rows.append(MilestoneRow(event.subject, event.chain, event.activity, milestone, at))
            if event.event_type in CONTACT_EVENT_TYPES:
                rows.append(MilestoneRow(event.subject, event.chain, "*", "last-contact", at))
        return rows

    @staticmethod
    def _record(key: SubjectKey, event: PreparedEvent) -> dict[str, Any]:
        """What the entry holds: the clear event, the subject named by a per-entry reference, and
        the personal part sealed under the subject's key."""
        doc = event.event
        if event.subject is not None:
            doc = {**doc, "data": {**doc["data"], "subject": {"ref": subject_ref(key, event.event_id)}}}
        record: dict[str, Any] = {"event": doc}
        if event.personal:
            plain = canonical_bytes(event.personal, checked=False)
            record["sealed"] = seal(key.data, plain, event.event_id.encode())
        return record

    @staticmethod
    def _consent(
        tx: LedgerTransaction, pairs: list[tuple[PreparedEvent, AppendedEntry]]
    ) -> dict[ConsentKey, tuple[ConsentFact, AppendedEntry]]:
        relevant = [(e, en) for e, en in pairs if e.consent and e.subject]
        if not relevant:
            return {}
        current = tx.consent_facts({(e.subject, e.consent[0], e.chain) for e, _ in relevant})  # type: ignore[index, misc]
        winners: dict[ConsentKey, tuple[ConsentFact, AppendedEntry]] = {}
        for event, entry in relevant:
            purpose, fact = event.consent  # type: ignore[misc]
            key = (event.subject or "", purpose, event.chain)
            standing = winners[key][0] if key in winners else current.get(key)
            if supersedes(fact, standing):
                winners[key] = (fact, entry)
        return winners
