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
from datetime import date, datetime
from typing import Any

from ledger_contracts.dutch_time import dutch_date
from ledger_contracts.events import (
    DecisionGround,
    SubjectCorrected,
    SubjectCorrectedData,
    SubjectHoldChanged,
    SubjectHoldData,
    SubjectRequestData,
    SubjectRequestDecided,
    SubjectRequestDecidedData,
    SubjectRequestReceived,
)
from ledger_contracts.register import ProcessingRegister
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import DecisionReason, SubjectRight

from ..core.pseudonyms import Pseudonymizer
from .append import BatchAppender
from .erasure_grounds import erasure_grounds, ground_source
from .ports import Clock
from .records import prepare_event
from .registers import OPERATIONS_ACTIVITY, PRODUCER, from_stored
from .retention import RetentionService, Scope
from .rights_model import ANSWER_WITHIN, Decision, Hold, RequestRefused, RightsStore, TrackedRequest

__all__ = ["SubjectRights"]


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
        today = dutch_date(now)
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
        also: Sequence[tuple[Any, str]] = (),
    ) -> TrackedRequest:
        """Append the decision (with `also`, events and their sources, in the same transaction)."""
        event = SubjectRequestDecided(
            **self._envelope(request.chain, OPERATIONS_ACTIVITY, self._clock.now()),
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
        self._append_all([(event, f"decision/{request.request_id}"), *also])
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
        self,
        pseudonym: str,
        controller: str | None = None,
        registers: dict[str, ProcessingRegister] | None = None,
    ) -> list[tuple[Scope, DecisionGround]]:
        scopes = [
            s for s in self._store.scopes_of(pseudonym) if controller is None or s.controller == controller
        ]
        return erasure_grounds(
            scopes,
            self._registers() if registers is None else registers,
            self._store.milestones_of(pseudonym),
            self._store.holds(pseudonym),
            self._clock.now(),
        )

    def decide_erasure(self, request_id: str, by: str, note: str | None = None) -> Decision:
        """Carry out what may go, keep what must stay, and append the decision with every ground.
        What only a legal hold keeps is restricted meanwhile (art. 18(1)(c)): consent answers about
        the subject at the controller are no, and the erasure is carried out when the hold ends
        (`carry_out_held_erasures`)."""
        request = self.open_request(request_id, SubjectRight.ERASURE)
        registers = self._registers()
        plan = self.plan_erasure(request.pseudonym, request.chain, registers)
        doomed = [s for s, g in plan if g.outcome == "erased"]
        sealed = self._retention.erase_on_request(doomed, request_id, by) if doomed else 0
        data = [g for s, g in plan if s.activity != OPERATIONS_ACTIVITY]
        erased = sum(g.outcome == "erased" for g in data)
        outcome = "granted" if erased == len(data) else "refused" if erased == 0 else "partly-granted"
        grounds = [g for _s, g in plan]
        waits = any(g.reason == DecisionReason.LEGAL_HOLD for g in data)
        also = (
            [
                self._hold_event(
                    request.pseudonym,
                    request.chain,
                    str(uuid.uuid4()),
                    "restriction",
                    "placed",
                    by,
                    None,
                    None,
                    request_id,
                )
            ]
            if waits
            else []
        )
        decided = self.decide(request, outcome, grounds, by, note, also)
        keys = len({s.handle for s in doomed})
        return Decision(
            decided, outcome, grounds, keys, sealed, [ground_source(registers, g) for g in grounds]
        )

    def carry_out_held_erasures(self, by: str = "retention-run") -> list[Decision]:
        """Every erasure refused for a legal hold whose hold has ended (lifted, or past its last day)
        is carried out now as the register allows today, and its restriction lifted: the erasure
        entries name the request. Done twice, the second does nothing."""
        today = dutch_date(self._clock.now())
        done: list[Decision] = []
        for waiting in self._store.erasures_waiting():
            holds = self._store.holds(waiting.pseudonym)
            if any(
                h.kind == "legal-hold" and h.controller == waiting.controller and h.stops(today)
                for h in holds
            ):
                continue
            assert waiting.request_id is not None
            request = self._store.request(waiting.request_id)
            assert request is not None
            registers = self._registers()
            plan = self.plan_erasure(waiting.pseudonym, waiting.controller, registers)
            doomed = [s for s, g in plan if g.outcome == "erased"]
            sealed = self._retention.erase_on_request(doomed, waiting.request_id, by) if doomed else 0
            self._append_all(
                [
                    self._hold_event(
                        waiting.pseudonym,
                        waiting.controller,
                        waiting.hold_id,
                        "restriction",
                        "lifted",
                        by,
                        None,
                        None,
                        waiting.request_id,
                    )
                ]
            )
            grounds = [g for _s, g in plan]
            keys = len({s.handle for s in doomed})
            done.append(
                Decision(
                    request,
                    "carried-out",
                    grounds,
                    keys,
                    sealed,
                    [ground_source(registers, g) for g in grounds],
                )
            )
        return done

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
        today = dutch_date(self._clock.now())
        if kind == "legal-hold" and (until is None or until < today):
            raise RequestRefused("hold-ended", "a legal hold needs an end on or after today")
        hold_id = str(uuid.uuid4())
        self._append_all(
            [self._hold_event(pseudonym, controller, hold_id, kind, "placed", by, until, reason, request_id)]
        )
        found = self._store.hold(hold_id)
        assert found is not None
        return found

    def lift_hold(self, hold_id: str, by: str, reason: str | None = None) -> Hold:
        """Lift a hold or a restriction; a legal hold's end carries out the erasures it stopped."""
        hold = self._store.hold(hold_id)
        if hold is None:
            raise RequestRefused("unknown-hold", "no hold with this id is in force")
        self._append_all(
            [
                self._hold_event(
                    hold.pseudonym,
                    hold.controller,
                    hold_id,
                    hold.kind,
                    "lifted",
                    by,
                    None,
                    reason,
                    hold.request_id,
                )
            ]
        )
        if hold.kind == "legal-hold":
            self.carry_out_held_erasures(by)
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

    def _hold_event(
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
    ) -> tuple[SubjectHoldChanged, str]:
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
        return event, f"hold/{hold_id}/{state}"

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

    def _registers(self) -> dict[str, ProcessingRegister]:
        """The register in force of each controller."""
        return {c: from_stored(doc).register for c, (_v, doc) in self._store.registers_in_force().items()}

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
        return self._append_all([(event, source)])

    def _append_all(self, events: Sequence[tuple[Any, str]]) -> Any:
        """Append the events in one transaction: all are on the chain, or none."""
        prepared = [prepare_event(e, self._pseudonyms) for e, _s in events]
        return self._appender.append(prepared, [src for _e, src in events])
