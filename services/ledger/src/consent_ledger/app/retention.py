"""Use case: the retention run. Every (subject, controller, activity) whose period under the register
in force has ended loses its data key; an erasure entry on the chain says so (DESIGN.md invariant 8).

A data key (named by a random handle) may serve several activities (keys made before per-activity
keys); it is destroyed only once all of them are due. The erasure entry is appended, and the key,
the handle's mapping, the milestones and the consent projection are deleted, in one transaction:
either the key is gone and the entry says so, or neither happened.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.events import ErasureRule, SubjectErased, SubjectErasedData
from ledger_contracts.subjects import SubjectRef

from ..core.entries import AppendedEntry
from ..core.errors import InputRefused
from ..core.pseudonyms import Pseudonymizer
from ..rules.retention import Due, due_under
from .append import BatchAppender
from .ports import Clock, LedgerTransaction
from .records import prepare_event
from .registers import PRODUCER, from_stored

__all__ = ["Erasure", "ErasureJournal", "RetentionReport", "RetentionService", "Scope"]


@dataclass(frozen=True, slots=True)
class Scope:
    """One subject's data under one activity of one controller, and the key they are sealed under."""

    pseudonym: str
    controller: str
    activity: str
    handle: str


@dataclass(frozen=True, slots=True)
class Erasure:
    scope: Scope
    due: Due
    register_version: str


@dataclass
class RetentionReport:
    as_of: datetime
    scopes: int = 0  # examined
    due: list[Erasure] = field(default_factory=list)
    waiting: int = 0  # due, but their key also serves an activity that is not
    held: int = 0  # due, but a legal hold on the subject at the controller stops it
    erased_keys: int = 0
    entries_sealed: int = 0


class RetentionStore(Protocol):
    def scopes(self) -> list[Scope]: ...
    def milestones(self) -> dict[tuple[str, str, str], dict[str, datetime]]:
        """(pseudonym, controller, activity or '*') -> milestone -> latest time."""
        ...

    def registers_in_force(self) -> dict[str, tuple[str, str]]: ...
    def sealed_count(self, handle: str) -> int: ...
    def held(self, on: date) -> set[tuple[str, str]]:
        """(pseudonym, controller) under a legal hold that has not ended by `on`."""
        ...

    def purge_destroyed_keys(self) -> None:
        """Make the deletion of destroyed keys physical in the live store's files (DESIGN.md
        invariant 14): no database page, WAL or dead tuple keeps their bytes."""
        ...


class ErasureTransaction(Protocol):
    def destroy(
        self, handle: str, scopes: Sequence[Scope], erasure_entries: Sequence[AppendedEntry]
    ) -> None: ...


class ErasureJournal:
    """Handles destroyed, one JSON line each, written and flushed before the transaction commits and
    kept outside the database: a restored backup replays them (`retention replay`). A handle is
    random; once its mapping is gone it names nobody."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, lines: Iterable[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, sort_keys=True) + "\n")
            f.flush()

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [
            json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]


class RetentionService:
    def __init__(
        self,
        store: RetentionStore,
        appender: BatchAppender,
        pseudonyms: Pseudonymizer,
        clock: Clock,
        journal: ErasureJournal | None = None,
        by: str = "retention-run",
    ) -> None:
        self._store = store
        self._appender = appender
        self._pseudonyms = pseudonyms
        self._clock = clock
        self._journal = journal
        self._by = by

    def plan(self, as_of: datetime) -> RetentionReport:
        """What a run at `as_of` destroys; nothing is changed."""
        report = RetentionReport(as_of)
        registers = {c: from_stored(doc) for c, (_v, doc) in self._store.registers_in_force().items()}
        milestones = self._store.milestones()
        held = self._store.held(dutch_date(as_of))
        by_handle: dict[str, list[Scope]] = defaultdict(list)
        for scope in self._store.scopes():
            by_handle[scope.handle].append(scope)
        for scopes in by_handle.values():
            report.scopes += len(scopes)
            found = []
            for s in scopes:
                loaded = registers.get(s.controller)
                activity = loaded.register.activity(s.activity) if loaded else None
                if loaded is None or activity is None:
                    break
                ended = due_under(activity.retention, milestones, (s.pseudonym, s.controller), s.activity)
                if ended is None or ended.due_at > as_of:
                    break
                found.append(Erasure(s, ended, loaded.version))
            if len(found) < len(scopes):
                report.waiting += len(found)
            elif any((s.pseudonym, s.controller) in held for s in scopes):
                report.held += len(found)
            else:
                report.due.extend(found)
        return report

    def run(self, as_of: datetime | None = None, dry_run: bool = False) -> RetentionReport:
        """Destroy every key that is due at `as_of` (default: now). A date after now is refused
        unless it is a dry run: data are never destroyed before their period ends."""
        now = self._clock.now()
        as_of = as_of or now
        if as_of > now and not dry_run:
            raise InputRefused("--as-of lies in the future: only a dry run may look ahead")
        report = self.plan(as_of)
        if dry_run:
            return report
        by_handle: dict[str, list[Erasure]] = defaultdict(list)
        for e in report.due:
            by_handle[e.scope.handle].append(e)
        for handle, erasures in by_handle.items():
            report.entries_sealed += self._erase(handle, erasures, now)
            report.erased_keys += 1
        if report.erased_keys:
            self._store.purge_destroyed_keys()
        return report

    def replay(self, journal: ErasureJournal | None = None) -> int:
        """After a restore from a backup made before some erasures: destroy those keys again (the
        journal names them by handle; by default the journal this service writes) and append an
        erasure entry for each. Keys already gone are passed over, so replaying twice does nothing
        more."""
        journal = journal or self._journal
        if journal is None:
            raise InputRefused("no erasure journal to replay: give one")
        lines = journal.read()
        scopes: dict[str, list[Scope]] = defaultdict(list)
        for scope in self._store.scopes():
            scopes[scope.handle].append(scope)
        now, done = self._clock.now(), 0
        for handle in dict.fromkeys(line["handle"] for line in lines):
            mine = scopes.get(handle)
            if not mine:
                continue
            said = {line["activity"]: line for line in lines if line["handle"] == handle}
            sealed = self._store.sealed_count(handle)
            events = [self._replayed(s, said.get(s.activity, {}), sealed, now) for s in mine]
            self._append_erasures(handle, mine, events)
            done += 1
        if done:
            self._store.purge_destroyed_keys()
        return done

    def erase_on_request(self, scopes: Sequence[Scope], request_id: str, by: str) -> int:
        """Destroy now the keys of `scopes` (whole handles: the caller passes every scope of each
        handle), for an erasure request (GDPR art. 17); journaled like the retention run's."""
        now = self._clock.now()
        by_handle: dict[str, list[Scope]] = defaultdict(list)
        for s in scopes:
            by_handle[s.handle].append(s)
        sealed_total = 0
        for handle, mine in by_handle.items():
            sealed = self._store.sealed_count(handle)
            events = [
                self._erased(s, "request", ErasureRule(), None, None, None, sealed, now, request_id, by)
                for s in mine
            ]
            self._destroy(handle, mine, events)
            sealed_total += sealed
        if by_handle:
            self._store.purge_destroyed_keys()
        return sealed_total

    def _replayed(self, scope: Scope, line: dict[str, Any], sealed: int, now: datetime) -> SubjectErased:
        due_on = line.get("due_on")
        rule = ErasureRule(milestone=line.get("milestone"), duration=line.get("duration"))
        return self._erased(
            scope,
            line.get("cause", "retention"),
            rule,
            line.get("register_version"),
            None,
            date.fromisoformat(due_on) if due_on else None,
            sealed,
            now,
            line.get("request_id"),
        )

    def _append_erasures(self, handle: str, scopes: list[Scope], events: list[SubjectErased]) -> None:
        def destroy(tx: LedgerTransaction, entries: list[AppendedEntry]) -> None:
            tx.destroy(handle, scopes, entries)

        prepared = [prepare_event(ev, self._pseudonyms) for ev in events]
        self._appender.append(prepared, [f"retention/{handle}"] * len(prepared), then=destroy)

    def _destroy(self, handle: str, scopes: list[Scope], events: list[SubjectErased]) -> None:
        """Journal the erasures (what `replay` reads back), then destroy the key and append them."""
        if self._journal is not None:
            self._journal.write(
                {
                    "handle": handle,
                    "activity": ev.processing_activity,
                    "controller": ev.controller,
                    "cause": ev.data.cause,
                    "milestone": ev.data.rule.milestone and str(ev.data.rule.milestone),
                    "duration": ev.data.rule.duration,
                    "register_version": ev.data.register_version,
                    "due_on": ev.data.due_on and ev.data.due_on.isoformat(),
                    "request_id": ev.data.request_id,
                    "erased_at": ev.occurred_at.astimezone(UTC).isoformat(),
                }
                for ev in events
            )
        self._append_erasures(handle, scopes, events)

    def _erase(self, handle: str, erasures: list[Erasure], now: datetime) -> int:
        sealed = self._store.sealed_count(handle)
        self._destroy(handle, [e.scope for e in erasures], [self._event(e, sealed, now) for e in erasures])
        return sealed

    def _event(self, e: Erasure, sealed: int, now: datetime) -> SubjectErased:
        rule = ErasureRule(milestone=e.due.rule.milestone, duration=e.due.rule.duration)
        return self._erased(
            e.scope,
            "retention",
            rule,
            e.register_version,
            _day(e.due.milestone_at),
            _day(e.due.due_at),
            sealed,
            now,
        )

    def _erased(
        self,
        scope: Scope,
        cause: str,
        rule: ErasureRule,
        register_version: str | None,
        milestone_on: date | None,
        due_on: date | None,
        sealed: int,
        now: datetime,
        request_id: str | None = None,
        by: str | None = None,
    ) -> SubjectErased:
        return SubjectErased(
            event_id=str(uuid.uuid4()),
            occurred_at=now,
            producer=PRODUCER,
            controller=scope.controller,
            processing_activity=scope.activity,
            data=SubjectErasedData(
                subject=SubjectRef(pseudonym=scope.pseudonym),
                cause=cause,
                rule=rule,
                register_version=register_version,
                milestone_on=milestone_on,
                due_on=due_on,
                request_id=request_id,
                entries=sealed,
                erased_by=by or self._by,
            ),
        )


def _day(moment: datetime) -> date:
    return dutch_date(moment)
