"""Use cases of the data subject's rights (GDPR art. 15-18; privacyreglement art. 11 and 12):
a request is received with its one-month deadline, and decided; an erasure request is carried out
or refused per activity with a reason naming the rule or the law that still runs; a legal hold
stops the retention run; a restriction stops every use but storage; a correction supersedes a
sealed field. Every request, decision, hold and correction is an entry on the controller's chain.

The decision of an erasure request rests on the register in force and the milestones the subject's
events reached, never on what the ledger said before about the same question.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta
from ledger_contracts.events import (
    DecisionGround,
    ErasureRule,
    SubjectCorrected,
    SubjectCorrectedData,
    SubjectHoldChanged,
    SubjectHoldData,
    SubjectRequestData,
    SubjectRequestDecided,
    SubjectRequestDecidedData,
    SubjectRequestReceived,
)
from ledger_contracts.legal import StatuteRef
from ledger_contracts.register import ProcessingRegister
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import DecisionReason, GdprBasis, SubjectRight

from ..core.pseudonyms import Pseudonymizer
from .append import BatchAppender
from .ports import Clock
from .records import prepare_event
from .registers import OPERATIONS_ACTIVITY, PRODUCER, from_stored
from .retention import RetentionService, Scope
from .retention_rules import due_under

__all__ = [
    "ANSWER_WITHIN",
    "Hold",
    "RequestRefused",
    "RightsStore",
    "SubjectRights",
    "TrackedRequest",
    "erasure_grounds",
]

ANSWER_WITHIN = relativedelta(months=1)  # GDPR art. 12(3); privacyreglement art. 11 lid 2, 12 lid 2
# Bases under which the controller must or may keep the data while its task or period runs
# (art. 17(3)(b)); on consent (a) or legitimate interest (f) the data go on request (17(1)(b), (c)).
_KEEPING_BASES = frozenset(
    {GdprBasis.CONTRACT, GdprBasis.LEGAL_OBLIGATION, GdprBasis.VITAL_INTERESTS, GdprBasis.PUBLIC_TASK}
)


class RequestRefused(ValueError):
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


@dataclass
class Decision:
    request: TrackedRequest
    outcome: str
    grounds: list[DecisionGround] = field(default_factory=list)
    erased_keys: int = 0
    entries_sealed: int = 0


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
    def request(self, request_id: str) -> TrackedRequest | None: ...
    def entry_about(self, event_id: str) -> tuple[str, int, str, str | None] | None:
        """(chain, seq, activity, subject pseudonym) of the entry recording `event_id`."""
        ...


def erasure_grounds(
    scopes: Sequence[Scope],
    registers: dict[str, ProcessingRegister],
    milestones: dict[tuple[str, str], dict[str, datetime]],
    holds: Sequence[Hold],
    now: datetime,
) -> list[tuple[Scope, DecisionGround]]:
    """Per scope (controller, activity) of the subject: erased or kept, and why. Pure.

    Kept: the ledger's own record of requests (accountability), data under a legal hold that has not
    ended, data of an activity the register does not describe (decided by hand), and data of an
    activity on a keeping basis (b, c, d, e) whose retention period has not ended. Erased: data on
    consent or legitimate interest, and data whose period has ended. Data sealed under one key go
    together or stay together: an erasable scope sharing its key with a kept one stays, on its
    ground."""
    today = now.astimezone(UTC).date()
    held = {h.controller: h for h in holds if h.kind == "legal-hold" and h.until and h.until >= today}
    out: list[tuple[Scope, DecisionGround]] = []
    for s in scopes:
        out.append((s, _ground(s, registers, milestones, held, now)))
    kept_by_handle = {s.handle: g for s, g in out if g.outcome == "kept"}
    return [
        (s, g if g.outcome == "kept" or s.handle not in kept_by_handle else _on(kept_by_handle[s.handle], s))
        for s, g in out
    ]


def _on(ground: DecisionGround, scope: Scope) -> DecisionGround:
    return ground.model_copy(update={"controller": scope.controller, "activity": scope.activity})


def _ground(
    s: Scope,
    registers: dict[str, ProcessingRegister],
    milestones: dict[tuple[str, str], dict[str, datetime]],
    held: dict[str, Hold],
    now: datetime,
) -> DecisionGround:
    where = {"controller": s.controller, "activity": s.activity}
    if s.activity == OPERATIONS_ACTIVITY:
        return DecisionGround(**where, outcome="kept", reason=DecisionReason.ACCOUNTABILITY)
    hold = held.get(s.controller)
    if hold is not None:
        return DecisionGround(**where, outcome="kept", reason=DecisionReason.LEGAL_HOLD, until=hold.until)
    register = registers.get(s.controller)
    activity = register.activity(s.activity) if register else None
    if activity is None:
        return DecisionGround(**where, outcome="kept", reason=DecisionReason.UNKNOWN_ACTIVITY)
    bases = set(activity.legal_basis.gdpr_article_6_1)
    if not bases & _KEEPING_BASES:
        reason = (
            DecisionReason.CONSENT_BASIS if GdprBasis.CONSENT in bases else DecisionReason.LEGITIMATE_INTEREST
        )
        return DecisionGround(**where, outcome="erased", reason=reason)
    statute: StatuteRef | None = activity.legal_basis.statutes[0] if activity.legal_basis.statutes else None
    ended = due_under(activity.retention, milestones, (s.controller,), s.activity)
    if ended is None:
        return DecisionGround(
            **where, outcome="kept", reason=DecisionReason.PROCESSING_ONGOING, statute=statute
        )
    rule = ErasureRule(milestone=ended.rule.milestone, duration=ended.rule.duration)
    if ended.due_at <= now:
        return DecisionGround(**where, outcome="erased", reason=DecisionReason.PERIOD_ENDED, rule=rule)
    return DecisionGround(
        **where,
        outcome="kept",
        reason=DecisionReason.RETENTION_RUNS,
        rule=rule,
        statute=statute,
        until=ended.due_at.astimezone(UTC).date(),
    )


class SubjectRights:
    def __init__(
        self,
        store: RightsStore,
        appender: BatchAppender,
        pseudonyms: Pseudonymizer,
        retention: RetentionService,
        clock: Clock,
    ) -> None:
        self._store = store
        self._appender = appender
        self._pseudonyms = pseudonyms
        self._retention = retention
        self._clock = clock

    # --- requests -----------------------------------------------------------------------------

    def receive(
        self,
        pseudonym: str,
        controller: str,
        right: SubjectRight,
        by: str,
        details: str | None = None,
        received_on: date | None = None,
    ) -> TrackedRequest:
        """Record a request; its decision is due one month after receipt."""
        self._known_controller(pseudonym, controller)
        now = self._clock.now()
        today = now.astimezone(UTC).date()
        on = received_on or today
        if on > today:
            raise RequestRefused("received-in-future", "received_on lies after today")
        request_id = str(uuid.uuid4())
        event = SubjectRequestReceived(
            **self._envelope(controller, OPERATIONS_ACTIVITY, now),
            data=SubjectRequestData(
                request_id=request_id,
                subject=SubjectRef(pseudonym=pseudonym),
                right=right,
                received_on=on,
                due_on=on + ANSWER_WITHIN,
                received_by=by,
                details=details,
            ),
        )
        self._append(event, f"request/{request_id}")
        found = self._store.request(request_id)
        assert found is not None
        return found

    def open_request(self, request_id: str, right: SubjectRight | None = None) -> TrackedRequest:
        request = self._store.request(request_id)
        if request is None:
            raise RequestRefused("unknown-request", "no request with this id")
        if request.decided_at is not None:
            raise RequestRefused(
                "already-decided",
                f"the request was decided on {request.decided_at[:10]}: {request.outcome}",
            )
        if right is not None and request.right != right:
            raise RequestRefused("wrong-right", f"the request is one for {request.right}, not {right}")
        return request

    def decide(
        self,
        request: TrackedRequest,
        outcome: str,
        grounds: list[DecisionGround],
        by: str,
        note: str | None = None,
    ) -> TrackedRequest:
        now = self._clock.now()
        event = SubjectRequestDecided(
            **self._envelope(request.chain, OPERATIONS_ACTIVITY, now),
            data=SubjectRequestDecidedData(
                request_id=request.request_id,
                subject=SubjectRef(pseudonym=request.pseudonym),
                right=SubjectRight(request.right),
                outcome=outcome,
                grounds=grounds,
                decided_by=by,
                note=note,
            ),
        )
        self._append(event, f"decision/{request.request_id}")
        found = self._store.request(request.request_id)
        assert found is not None
        return found

    # --- access (art. 15) ---------------------------------------------------------------------

    def access_request(
        self, pseudonym: str, by: str, request_id: str | None = None, controller: str | None = None
    ) -> TrackedRequest:
        """The access request a report answers: an open one about the subject, or one received now
        at `controller`. Exactly one of the two is given."""
        if (controller is None) == (request_id is None):
            raise RequestRefused(
                "no-request", "give the access request's id, or the controller to record one"
            )
        if request_id is None:
            return self.receive(pseudonym, controller or "", SubjectRight.ACCESS, by)
        request = self.open_request(request_id, SubjectRight.ACCESS)
        if request.pseudonym != pseudonym:
            raise RequestRefused("not-about-subject", "the request is another subject's")
        return request

    def report_handed_over(self, request: TrackedRequest, chains: Sequence[str], by: str) -> TrackedRequest:
        """The access request granted: a report covering `chains` was handed to the subject."""
        grounds = [
            DecisionGround(
                controller=c, activity=OPERATIONS_ACTIVITY, outcome="reported", reason=DecisionReason.REPORTED
            )
            for c in chains
        ]
        return self.decide(request, "granted", grounds, by)

    # --- erasure (art. 17) --------------------------------------------------------------------

    def plan_erasure(
        self, pseudonym: str, controller: str | None = None
    ) -> list[tuple[Scope, DecisionGround]]:
        scopes = [
            s for s in self._store.scopes_of(pseudonym) if controller is None or s.controller == controller
        ]
        registers = {
            c: from_stored(doc).register for c, (_v, doc) in self._store.registers_in_force().items()
        }
        return erasure_grounds(
            scopes,
            registers,
            self._store.milestones_of(pseudonym),
            self._store.holds(pseudonym),
            self._clock.now(),
        )

    def decide_erasure(self, request_id: str, by: str, note: str | None = None) -> Decision:
        """Carry out what may go, keep what must stay, and append the decision with every ground."""
        request = self.open_request(request_id, SubjectRight.ERASURE)
        plan = self.plan_erasure(request.pseudonym, request.chain)
        doomed = [s for s, g in plan if g.outcome == "erased"]
        sealed = self._retention.erase_on_request(doomed, request_id, by) if doomed else 0
        data = [g for s, g in plan if s.activity != OPERATIONS_ACTIVITY]
        erased = sum(g.outcome == "erased" for g in data)
        outcome = "granted" if erased == len(data) else "refused" if erased == 0 else "partly-granted"
        grounds = [g for _s, g in plan]
        decided = self.decide(request, outcome, grounds, by, note)
        return Decision(decided, outcome, grounds, len({s.handle for s in doomed}), sealed)

    # --- holds and restriction (art. 17(3)(e), art. 18) ---------------------------------------

    def place_hold(
        self,
        pseudonym: str,
        controller: str,
        kind: str,
        by: str,
        until: date | None = None,
        reason: str | None = None,
        request_id: str | None = None,
    ) -> Hold:
        self._known_controller(pseudonym, controller)
        today = self._clock.now().astimezone(UTC).date()
        if kind == "legal-hold" and (until is None or until < today):
            raise RequestRefused("hold-ended", "a legal hold needs an end on or after today")
        hold_id = str(uuid.uuid4())
        self._hold(pseudonym, controller, hold_id, kind, "placed", by, until, reason, request_id)
        found = self._store.hold(hold_id)
        assert found is not None
        return found

    def lift_hold(self, hold_id: str, by: str, reason: str | None = None) -> Hold:
        hold = self._store.hold(hold_id)
        if hold is None:
            raise RequestRefused("unknown-hold", "no hold with this id is in force")
        self._hold(hold.pseudonym, hold.controller, hold_id, hold.kind, "lifted", by, None, reason, None)
        return hold

    def decide_restriction(self, request_id: str, by: str, reason: str | None = None) -> Decision:
        """Art. 18: the subject's data at the controller are kept but not used while it stands."""
        request = self.open_request(request_id, SubjectRight.RESTRICTION)
        self.place_hold(
            request.pseudonym, request.chain, "restriction", by, reason=reason, request_id=request_id
        )
        grounds = [
            DecisionGround(
                controller=s.controller,
                activity=s.activity,
                outcome="restricted",
                reason=DecisionReason.RESTRICTED,
            )
            for s in self._store.scopes_of(request.pseudonym)
            if s.controller == request.chain and s.activity != OPERATIONS_ACTIVITY
        ]
        decided = self.decide(request, "granted", grounds, by)
        return Decision(decided, "granted", grounds)

    def _hold(
        self,
        pseudonym: str,
        controller: str,
        hold_id: str,
        kind: str,
        state: str,
        by: str,
        until: date | None,
        reason: str | None,
        request_id: str | None,
    ) -> None:
        event = SubjectHoldChanged(
            **self._envelope(controller, OPERATIONS_ACTIVITY, self._clock.now()),
            data=SubjectHoldData(
                hold_id=hold_id,
                subject=SubjectRef(pseudonym=pseudonym),
                kind=kind,
                state=state,
                until=until,
                request_id=request_id,
                reason=reason,
                by=by,
            ),
        )
        self._append(event, f"hold/{hold_id}/{state}")

    # --- correction (art. 16; privacyreglement art. 12) ---------------------------------------

    def correct(
        self,
        pseudonym: str,
        event_id: str,
        field_path: str,
        value: str | None,
        by: str,
        request_id: str | None = None,
    ) -> tuple[str, int]:
        """Supersede a sealed field of an entry about the subject; returns the correction's place.
        With a request, the request is decided (granted) too."""
        found = self._store.entry_about(event_id)
        if found is None:
            raise RequestRefused("unknown-event", "the ledger holds no readable entry of this event")
        chain, _seq, activity, subject = found
        if subject != pseudonym:
            raise RequestRefused("not-about-subject", "the event is not about this subject")
        request = self.open_request(request_id, SubjectRight.CORRECTION) if request_id else None
        event = SubjectCorrected(
            **self._envelope(chain, activity, self._clock.now()),
            data=SubjectCorrectedData(
                request_id=request_id,
                subject=SubjectRef(pseudonym=pseudonym),
                corrects=event_id,
                field=field_path,
                value=value,
                corrected_by=by,
            ),
        )
        outcome = self._append(event, f"correction/{event.event_id}")
        head = outcome.heads[chain]
        if request is not None:
            ground = DecisionGround(
                controller=chain, activity=activity, outcome="corrected", reason=DecisionReason.CORRECTED
            )
            self.decide(request, "granted", [ground], by)
        return chain, head.length - 1

    # --- helpers --------------------------------------------------------------------------------

    def _known_controller(self, pseudonym: str, controller: str) -> None:
        known = controller in self._store.registers_in_force()
        if not known and not any(s.controller == controller for s in self._store.scopes_of(pseudonym)):
            raise RequestRefused(
                "unknown-controller",
                "no register is in force for the controller and it holds nothing about the subject",
            )

    @staticmethod
    def _envelope(controller: str, activity: str, now: datetime) -> dict[str, Any]:
        return {
            "event_id": str(uuid.uuid4()),
            "occurred_at": now,
            "producer": PRODUCER,
            "controller": controller,
            "processing_activity": activity,
        }

    def _append(self, event: Any, source: str) -> Any:
        return self._appender.append([prepare_event(event, self._pseudonyms)], [source])
