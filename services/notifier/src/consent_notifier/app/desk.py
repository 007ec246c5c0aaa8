"""Use cases of the employee on the phone: ask for a decision, record a callback, and the
management override. Each runs in one transaction that also fills the outbox."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from ledger_contracts.statutes import parse_statute
from ledger_contracts.vocabulary import Art9Ground, DataCategory, GdprBasis, RecipientCategory

from ..core.callbacks import CallbackTask, Outcome, OutcomeConflict, Transition, expire, record_outcome
from ..core.policy import PhonePolicy, PhoneRequest
from ..core.reasons import Reason, Verdict
from ..core.registry import Party
from ..core.roles import Permission, allowed
from .actors import Actor
from .errors import Conflict, InputError, NotFound
from .events import DisclosureTo, EventFactory
from .inputs import code, identifier, person_code, phone_number
from .ports import Clock, NotifierStore, NotifierTx, StoredDecision, StoredRequest, SubjectDirectory

__all__ = ["OverrideInput", "PhoneDesk", "RequestInput", "may_read"]

MIN_NOTE_LENGTH = 10


@dataclass(frozen=True)
class RequestInput:
    subject: str  # BSN or pseudonym, as typed
    party_id: str
    topic: str
    data_categories: tuple[str, ...]
    person_id: str | None = None
    calling_number: str | None = None
    given_number: str | None = None
    request_id: str | None = None  # chosen by the client to make a double submission harmless
    caller_name: str | None = None  # who called, as they said it: for a caller who is no known person


@dataclass(frozen=True)
class OverrideInput:
    """The management's decision. The recipient and legal basis are needed only when the registry
    cannot supply them (a party not in it, or a topic not allowed for it): the ledger's disclosure
    record must say who received what and on which basis, and nothing here guesses that."""

    note: str
    recipient_category: str | None = None
    recipient_name: str | None = None
    gdpr_basis: str | None = None  # letter of GDPR art. 6(1)
    gdpr_article_9_2: str | None = None  # for health data where the topic names no art. 9 ground
    art9_statute: str | None = None  # the law giving that ground, e.g. "Wet SUWI art. 54"


def may_read(actor: Actor, stored: StoredRequest) -> bool:
    """A phone request is read by the employee who asked it and by management; nobody else."""
    return stored.request.requested_by == actor.principal_id or allowed(actor.roles, Permission.OVERRIDE)


class PhoneDesk:
    def __init__(
        self,
        store: NotifierStore,
        directory: SubjectDirectory,
        policy: PhonePolicy,
        events: EventFactory,
        clock: Clock,
        callback_window: timedelta,
    ) -> None:
        self.store, self.directory, self.policy, self.events = store, directory, policy, events
        self.clock, self.callback_window = clock, callback_window

    # --- ask ---------------------------------------------------------------------------------

    def submit(self, inp: RequestInput, actor: Actor) -> tuple[StoredRequest, bool]:
        """(the request with its decision, True if new). Raises InputError or Conflict."""
        actor.require(Permission.REQUEST_DECISION)
        request_id = identifier(inp.request_id, "request_id", required=False) or uuid.uuid4().hex
        party_id = code(inp.party_id, "party_id")
        topic = code(inp.topic, "topic")
        person_id = person_code(inp.person_id, "person_id", required=False)
        calling, given = (
            phone_number(inp.calling_number, "calling_number"),
            phone_number(inp.given_number, "given_number"),
        )
        if not inp.data_categories:
            raise InputError(
                "data_categories: name at least one category of data asked for", "data_categories"
            )
        try:
            categories = frozenset(DataCategory(c) for c in inp.data_categories)
        except ValueError:
            raise InputError("data_categories: unknown category", "data_categories") from None
        if not (inp.subject or "").strip():
            raise InputError("subject is required", "subject")
        try:
            lookup = self.directory.lookup(inp.subject.strip())
        except ValueError as exc:
            raise InputError(f"subject: {exc}", "subject") from None
        caller_name = _caller_name(inp.caller_name)
        now = self.clock.now()
        request = PhoneRequest(
            request_id=request_id,
            subject=lookup.pseudonym,
            subject_known=lookup.known,
            party_id=party_id or "",
            person_id=person_id,
            calling_number=calling,
            given_number=given,
            topic=topic or "",
            data_categories=frozenset(str(c) for c in categories),
            special_categories=any(c.special for c in categories),
            requested_by=actor.principal_id,
            at=now,
            subject_restricted=lookup.restricted,
            article_9=any(c.article_9 for c in categories),
            caller_name=caller_name,
        )
        fingerprint = _fingerprint(request)
        with self.store.transaction() as tx:
            existing = tx.request(request_id, lock=True)
            if existing is not None:
                if existing.fingerprint != fingerprint:
                    raise Conflict(
                        "a request with this id was already submitted with other content", "request_id"
                    )
                return existing, False
            facts = tx.facts(request.party_id, person_id, now)
            decision = self.policy.decide(request, facts)
            task = None
            if decision.verdict is Verdict.CALL_BACK and decision.callback_number:
                task = CallbackTask(
                    f"{request_id}.cb", request_id, decision.callback_number, now + self.callback_window
                )
            stored = StoredDecision(
                f"{request_id}.d1",
                request_id,
                1,
                decision.verdict,
                decision.reason,
                "policy",
                decision.policy_version,
                "policy",
                now,
                decision.callback_number,
            )
            tx.add_request(request, fingerprint)
            tx.add_decision(stored)
            if task:
                tx.put_task(task)
            to = None
            if decision.verdict is Verdict.ALLOW and facts.party:
                to = DisclosureTo.registered(facts.party, request.topic, request.article_9)
            items = [
                self.events.requested(request, facts.person),
                *self.events.decided(request, stored, task, facts.person, to),
            ]
            if to is not None:
                items.append(self.events.disclosed(request, stored, to))
            tx.enqueue(items)
            return StoredRequest(request, fingerprint, (stored,), task), True

    # --- callback ----------------------------------------------------------------------------

    def record_callback(self, task_id: str, outcome: str, actor: Actor) -> tuple[StoredRequest, bool]:
        """(the request with its final decision, True if this call changed it). Only the employee
        who asked the request records its outcome (management has no callback permission): a
        colleague's task is answered as not found, as reading the request is (docs/privacy.md)."""
        actor.require(Permission.RECORD_CALLBACK)
        try:
            wanted = Outcome(outcome)
        except ValueError:
            raise InputError("outcome must be 'confirmed' or 'failed'", "outcome") from None
        with self.store.transaction() as tx:
            stored = tx.request_for_task(task_id)
            if stored is None or stored.task is None or not may_read(actor, stored):
                raise NotFound("no callback task with this id", "task_id")
            try:
                transition = record_outcome(stored.task, wanted, self.clock.now(), actor.principal_id)
            except OutcomeConflict as exc:
                raise Conflict(str(exc), "outcome") from None
            return self._close(tx, stored, transition)

    def expire_due(self) -> list[StoredRequest]:
        """Close every callback task whose deadline passed; returns the requests so closed."""
        closed = []
        with self.store.transaction() as tx:
            for task_id in tx.due_tasks(self.clock.now()):
                stored = tx.request_for_task(task_id)
                if stored and stored.task and (transition := expire(stored.task, self.clock.now())):
                    closed.append(self._close(tx, stored, transition)[0])
        return closed

    def _still_allowed(self, tx: NotifierTx, stored: StoredRequest, t: Transition) -> Transition:
        """A confirmed callback allows only if the registry still allows now: the party, topic and
        person in force, the subject registered and not restricted, the number called still verified."""
        r, now = stored.request, t.task.closed_at or self.clock.now()
        lookup = self.directory.lookup(r.subject)
        current = replace(r, at=now, subject_known=lookup.known, subject_restricted=lookup.restricted)
        reason = self.policy.recheck(current, tx.facts(r.party_id, r.person_id, now), t.task.number)
        return t if reason is None else replace(t, verdict=Verdict.DENY, reason=reason)

    def _close(self, tx: NotifierTx, stored: StoredRequest, t: Transition) -> tuple[StoredRequest, bool]:
        if not t.changed:
            return stored, False
        if t.verdict is Verdict.ALLOW:
            t = self._still_allowed(tx, stored, t)
        r = stored.request
        seq = len(stored.decisions) + 1
        decision = StoredDecision(
            f"{r.request_id}.d{seq}",
            r.request_id,
            seq,
            t.verdict,
            t.reason,
            "callback",
            stored.current.policy_version,
            t.task.recorded_by or "notifier",
            t.task.closed_at or self.clock.now(),
            None,  # the callback is closed: its number is not kept
        )
        tx.put_task(t.task)
        tx.add_decision(decision)
        party = tx.party(r.party_id)
        to = None
        if t.verdict is Verdict.ALLOW and party:  # the recheck found the party and topic in force
            to = DisclosureTo.registered(party, r.topic, r.article_9)
        items = [self.events.callback_closed(r, t.task), *self.events.decided(r, decision, None, None, to)]
        if to is not None:
            items.append(self.events.disclosed(r, decision, to))
        tx.enqueue(items)
        return StoredRequest(r, stored.fingerprint, (*stored.decisions, decision), t.task), True

    # --- management override (art. 8 lid 3: "tenzij de directie in een concreet geval anders beslist")

    def override(self, request_id: str, inp: OverrideInput, actor: Actor) -> tuple[StoredRequest, bool]:
        actor.require(Permission.OVERRIDE)
        note = (inp.note or "").strip()
        if len(note) < MIN_NOTE_LENGTH:
            raise InputError(f"note: give the written reason (at least {MIN_NOTE_LENGTH} characters)", "note")
        with self.store.transaction() as tx:
            stored = tx.request(request_id, lock=True)
            if stored is None:
                raise NotFound("no request with this id", "request_id")
            if stored.current.reason == Reason.MANAGEMENT_OVERRIDE:
                return stored, False
            if stored.current.verdict != Verdict.DENY:
                raise Conflict(
                    f"only a denied request can be overridden; this one is {stored.current.verdict}"
                )
            r, now = stored.request, self.clock.now()
            recipient = _override_recipient(inp, tx.party(r.party_id), r)
            seq = len(stored.decisions) + 1
            decision = StoredDecision(
                f"{request_id}.d{seq}",
                request_id,
                seq,
                Verdict.ALLOW,
                Reason.MANAGEMENT_OVERRIDE,
                "management-override",
                stored.current.policy_version,
                actor.principal_id,
                now,
                None,
                note,
            )
            tx.add_decision(decision)
            items = [
                *self.events.decided(r, decision, None, None, recipient),
                self.events.disclosed(r, decision, recipient),
            ]
            tx.enqueue(items)
            return StoredRequest(r, stored.fingerprint, (*stored.decisions, decision), stored.task), True


def _override_recipient(inp: OverrideInput, party: Party | None, r: PhoneRequest) -> DisclosureTo:
    """Who receives the data and on which basis: from the registry when it knows the party and the
    topic, else from what the manager stated; refused when neither says it."""
    topic = party.topic(r.topic) if party else None
    ground = _art9_ground(inp, (topic.art9_ground, topic.art9_statute) if topic else (None, None), r)
    if party and topic and not (inp.recipient_category or inp.gdpr_basis):
        registered = DisclosureTo.registered(party, r.topic)
        return replace(registered, art9_ground=ground[0], art9_statute=ground[1])
    unknown = "is not in the registry" if party is None else "may not be told about this topic"
    try:
        category = RecipientCategory(inp.recipient_category or (party.category if party else ""))
    except ValueError:
        raise InputError(
            f"recipient_category: the party {unknown}; name the category of recipient "
            f"({', '.join(c.value for c in RecipientCategory)})",
            "recipient_category",
        ) from None
    try:
        basis = GdprBasis(inp.gdpr_basis or (topic.gdpr_basis if topic else ""))
    except ValueError:
        raise InputError(
            f"gdpr_basis: the party {unknown}; name the basis of GDPR art. 6(1) as a letter a-f",
            "gdpr_basis",
        ) from None
    name = (inp.recipient_name or "").strip() or (party.name if party else r.party_id)
    return DisclosureTo(
        r.party_id, category, name[:500], basis, topic.statute if topic else None, r.topic, *ground
    )


def _art9_ground(
    inp: OverrideInput, registered: tuple[str | None, str | None], r: PhoneRequest
) -> tuple[str | None, str | None]:
    """For health data, the art. 9(2) ground the manager names, else the topic's; refused without."""
    if not r.article_9:
        return None, None
    if inp.gdpr_article_9_2:
        try:
            letter = Art9Ground(inp.gdpr_article_9_2).value
        except ValueError:
            raise InputError(
                "gdpr_article_9_2: give the letter of GDPR art. 9(2), a-j", "gdpr_article_9_2"
            ) from None
        statute = (inp.art9_statute or "").strip() or None
        if statute is not None:
            try:
                parse_statute(statute)
            except ValueError:
                raise InputError("art9_statute: not a statute this ledger knows", "art9_statute") from None
        return letter, statute
    if registered[0]:
        return registered
    raise InputError(
        "gdpr_article_9_2: health data are asked and this topic names no ground of GDPR art. 9(2); "
        "name the ground of this decision",
        "gdpr_article_9_2",
    )


MAX_CALLER_NAME = 200


def _caller_name(value: str | None) -> str | None:
    name = " ".join((value or "").split())
    if len(name) > MAX_CALLER_NAME or any(not c.isprintable() for c in name):
        raise InputError(f"caller_name: at most {MAX_CALLER_NAME} printable characters", "caller_name")
    return name or None


def _fingerprint(r: PhoneRequest) -> str:
    """What makes a resubmission the same request. Not the telephone numbers: a hash of a number is
    no protection (there are too few numbers), and they are not kept beyond the decision."""
    content = [
        r.subject,
        r.party_id,
        r.person_id,
        r.topic,
        sorted(r.data_categories),
        r.requested_by,
    ]
    if r.caller_name:  # only then: requests stored before the name was asked keep their fingerprint
        content.append(r.caller_name)
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()
