"""Use case: the access report (GDPR art. 15; privacyreglement art. 11). Everything the ledger holds
about one subject, readable to them: each disclosure with its recipient by name, date, data
categories, purpose, legal basis and statute, source and destruction date; consents with their
evidence; phone decisions; their requests; corrections applied with their history; what was erased,
when and under which rule. The sealed text is opened with the subject's keys.

One report answers for one controller, the organisation the access request was made to: each
organisation is controller of its own processing and answers for it (GDPR art. 15(1), 24), and
one organisation's sealed data are never handed out by another (docs/privacy.md).

The report is complete up to a signed tree size per chain: checkpoints are signed first, and only
entries below them are reported, each with a receipt (inclusion proof and the signed checkpoint)
that `consent-ledger verify-receipt` checks offline. Rendering (Dutch HTML and PDF) is in adapters.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol

from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.register import Activity, ProcessingRegister

from ..core.audit import RECEIPTS_FORMAT
from ..core.sealing import open_sealed, unwrap_key
from ..rules.retention import due_under
from .checkpoints import Checkpoints
from .registers import from_stored
from .rights_model import Hold, TrackedRequest

__all__ = [
    "RECEIPTS_FORMAT",
    "AccessReport",
    "AccessReports",
    "Correction",
    "ErasedScope",
    "ReportLine",
    "SubjectEntries",
]


@dataclass(frozen=True, slots=True)
class Correction:
    at: str
    field: str
    value: str | None
    by: str
    chain: str
    seq: int
    before: Any = None  # the value it replaced


@dataclass
class ReportLine:
    """One entry about the subject, its sealed part opened, its corrections applied."""

    chain: str
    seq: int
    recorded_at: str
    event: dict[str, Any]  # as on the chain, the sealed fields merged back in, corrections applied
    activity: Activity | None  # from the register in force
    destroy: dict[str, Any]  # {"on": date} | {"rule": RetentionRule, "pending": True} | {}
    corrections: list[Correction] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def event_type(self) -> str:
        return str(self.event["event_type"])

    @property
    def data(self) -> dict[str, Any]:
        return self.event.get("data", {})  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class ErasedScope:
    chain: str
    seq: int
    activity: str
    cause: str
    rule: str
    due_on: str | None
    erased_at: str
    disclosures: int | None = None  # disclosures among the entries made unreadable; None: not known


@dataclass
class AccessReport:
    generated_at: datetime
    subject_hint: str  # the last three digits of the BSN, to tell reports apart; never the BSN
    complete_up_to: dict[str, int]  # chain -> signed tree size the report is complete up to
    lines: list[ReportLine]
    erased: list[ErasedScope]
    holds: list[Hold]
    requests: list[TrackedRequest]
    registers: dict[str, ProcessingRegister]
    receipts: dict[str, Any]  # the bundle
    controller: str = ""  # the organisation the report answers for
    contact: str | None = None  # how to reach its data protection officer (LEDGER_PRIVACY_CONTACTS)

    def of(self, *prefixes: str) -> list[ReportLine]:
        return [line for line in self.lines if line.event_type.startswith(prefixes)]


class SubjectEntries(Protocol):
    def subject_entries(self, pseudonym: str) -> list[tuple[str, int, bytes, str | None]]:
        """(chain, seq, body, key id) of every entry still linked to the subject, in order."""
        ...

    def wrapped_keys(self, key_ids: list[str]) -> dict[str, bytes]: ...
    def erasures_of(self, pseudonym: str) -> list[ErasedScope]: ...
    def registers_in_force(self) -> dict[str, tuple[str, str]]: ...
    def milestones_of(self, pseudonym: str) -> dict[tuple[str, str], dict[str, datetime]]: ...
    def holds(self, pseudonym: str) -> list[Hold]: ...
    def requests(
        self, open_only: bool = False, overdue_on: date | None = None, pseudonym: str | None = None
    ) -> list[TrackedRequest]: ...


def _merge(clear: dict[str, Any], sealed: dict[str, Any]) -> dict[str, Any]:
    out = dict(clear)
    for k, v in sealed.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _get_pointer(doc: dict[str, Any], pointer: str) -> Any:
    node: Any = doc
    for p in pointer.strip("/").split("/"):
        node = node.get(p) if isinstance(node, dict) else None
    return node


def _set_pointer(doc: dict[str, Any], pointer: str, value: Any) -> None:
    parts = pointer.strip("/").split("/")
    node = doc
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


class AccessReports:
    def __init__(
        self,
        store: SubjectEntries,
        kek: bytes,
        checkpoints: Checkpoints,
        previous_keks: Sequence[bytes] = (),
        contacts: dict[str, str] | None = None,
    ) -> None:
        self._store = store
        self._contacts = dict(contacts or {})
        self._kek, self._previous = kek, tuple(previous_keks)
        self._checkpoints = checkpoints

    def build(
        self, pseudonym: str, subject_hint: str, controller: str, now: datetime | None = None
    ) -> AccessReport:
        """What `controller` holds about the subject, and nothing another organisation holds."""
        now = now or datetime.now(UTC)
        rows = [r for r in self._store.subject_entries(pseudonym) if r[0] == controller]
        erased = [e for e in self._store.erasures_of(pseudonym) if e.chain == controller]
        complete = {controller: self._checkpoints.issue(controller)[0].size}
        rows = [r for r in rows if r[1] < complete[r[0]]]
        erased = [e for e in erased if e.seq < complete[e.chain]]
        registers = {
            c: from_stored(doc).register for c, (_v, doc) in self._store.registers_in_force().items()
        }
        milestones = self._store.milestones_of(pseudonym)
        key_ids = sorted({k for *_, k in rows if k})
        wrapped = self._store.wrapped_keys(key_ids).items()
        keys = {k: unwrap_key(self._kek, w, k, self._previous) for k, w in wrapped}
        lines = [
            self._line(chain, seq, body, keys.get(kid or ""), registers, milestones)
            for chain, seq, body, kid in rows
        ]
        self._apply_corrections(lines)
        receipts = [self._checkpoints.receipt(line.chain, line.seq) for line in lines]
        receipts += [self._checkpoints.receipt(e.chain, e.seq) for e in erased]
        bundle = {"format": RECEIPTS_FORMAT, "complete_up_to": complete, "receipts": receipts}
        return AccessReport(
            now,
            subject_hint,
            complete,
            [line for line in lines if line.event_type != "subject.corrected"],
            erased,
            [h for h in self._store.holds(pseudonym) if h.controller == controller],
            [r for r in self._store.requests(pseudonym=pseudonym) if r.chain == controller],
            registers,
            bundle,
            controller,
            self._contacts.get(controller),
        )

    def _line(
        self,
        chain: str,
        seq: int,
        body: bytes,
        key: bytes | None,
        registers: dict[str, ProcessingRegister],
        milestones: dict[tuple[str, str], dict[str, datetime]],
    ) -> ReportLine:
        document = json.loads(body)
        event = document["event"]
        sealed = document.get("sealed")
        if sealed and key is not None:
            event = _merge(event, json.loads(open_sealed(key, sealed, event["event_id"].encode())))
        register = registers.get(chain)
        activity = register.activity(event["processing_activity"]) if register else None
        destroy: dict[str, Any] = {}
        if activity is not None and activity.retention:
            ended = due_under(activity.retention, milestones, (chain,), activity.id)
            if ended is not None:
                destroy = {"on": dutch_date(ended.due_at), "rule": ended.rule}
            else:
                destroy = {"rules": activity.retention, "pending": True}
        violations = (document.get("checks") or {}).get("violations", [])
        return ReportLine(chain, seq, document["recorded_at"], event, activity, destroy, [], violations)

    @staticmethod
    def _apply_corrections(lines: list[ReportLine]) -> None:
        by_event: dict[str, list[Correction]] = defaultdict(list)
        for line in lines:
            if line.event_type == "subject.corrected":
                d = line.data
                by_event[d["corrects"]].append(
                    Correction(
                        line.recorded_at, d["field"], d.get("value"), d["corrected_by"], line.chain, line.seq
                    )
                )
        for line in lines:
            for c in by_event.get(line.event["event_id"], []):
                line.corrections.append(replace(c, before=_get_pointer(line.event, c.field)))
                _set_pointer(line.event, c.field, c.value)
