"""The phone rule as composable objects that fail closed.

A policy is a list of gates and a list of doubts. Every gate must pass, or the request is
denied with that gate's reason. If any doubt holds, the caller is called back, but only on a
number verified in the registry. Only a request that passes every gate with no doubt is
allowed. A policy with no gates refuses everything, and a rule that raises denies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .reasons import Reason, Verdict
from .registry import KnownPerson, Party, in_force

__all__ = [
    "Decision",
    "Facts",
    "PhonePolicy",
    "PhoneRequest",
    "Rule",
    "default_policy",
]

POLICY_NAME = "art8-lid3"


@dataclass(frozen=True, slots=True)
class PhoneRequest:
    request_id: str
    subject: str  # the subject's pseudonym
    subject_known: bool
    party_id: str
    person_id: str | None
    calling_number: str | None  # E.164; None when withheld
    given_number: str | None  # a number the caller asked to be called back on
    topic: str
    data_categories: frozenset[str]
    special_categories: bool
    requested_by: str
    at: datetime
    subject_restricted: bool = False  # processing restricted (GDPR art. 18): nothing is told
    article_9: bool = False  # health data (GDPR art. 9(1)) asked: the topic must carry an art. 9(2) ground
    caller_name: str | None = None  # as the caller gave it, when they are no known person


@dataclass(frozen=True, slots=True)
class Facts:
    """What the registry and the history say about a request, fetched before deciding."""

    party: Party | None
    person: KnownPerson | None  # only a person registered at the claimed party
    earlier_contact: bool  # this person's identity was confirmed before (callback or allow)


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: Reason
    policy_version: str
    callback_number: str | None = None


class Rule(Protocol):
    @property
    def name(self) -> str:
        """The rule's name, as listed and printed."""

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        """The reason this rule refuses (gate) or doubts (doubt), or None."""


# --- gates: each must pass, or deny -----------------------------------------------------------


@dataclass(frozen=True)
class PartyIsNamed:
    name: str = "party-is-named-in-art-8-lid-3"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        if facts.party is None:
            return Reason.UNKNOWN_PARTY
        if not in_force(facts.party.valid_from, facts.party.valid_until, request.at):
            return Reason.PARTY_NOT_IN_FORCE
        return None


@dataclass(frozen=True)
class TopicIsAllowed:
    name: str = "topic-is-allowed-for-party"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        return None if facts.party and facts.party.topic(request.topic) else Reason.TOPIC_NOT_ALLOWED


@dataclass(frozen=True)
class SubjectIsKnown:
    name: str = "subject-is-registered"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        return None if request.subject_known else Reason.UNKNOWN_SUBJECT


@dataclass(frozen=True)
class SubjectNotRestricted:
    name: str = "subject-processing-not-restricted"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        return Reason.SUBJECT_RESTRICTED if request.subject_restricted else None


@dataclass(frozen=True)
class PersonIsKnown:
    name: str = "caller-is-known-person-of-party"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        person = facts.person
        if person is None or person.party_id != request.party_id:
            return Reason.UNKNOWN_PERSON
        if not in_force(person.valid_from, person.valid_until, request.at):
            return Reason.PERSON_EXPIRED
        return None


@dataclass(frozen=True)
class PersonHasVerifiedNumber:
    name: str = "person-has-verified-number"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        person = facts.person
        known = [n for n in person.numbers if n.verified_at <= request.at] if person else []
        if not known:
            return Reason.NO_VERIFIED_NUMBER
        if person and person.valid_numbers(request.at):
            return None
        return number_reason(max(known, key=lambda n: n.verified_at).state_at(request.at))


@dataclass(frozen=True)
class GivenNumberIsVerified:
    """A number the caller gives is used only when the registry verified it for this person."""

    name: str = "given-number-is-verified"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        if request.given_number is None:
            return None
        valid = {n.number for n in facts.person.valid_numbers(request.at)} if facts.person else set()
        return None if request.given_number in valid else Reason.GIVEN_NUMBER_NOT_VERIFIED


@dataclass(frozen=True)
class HealthDataHasGround:
    """Health data (GDPR art. 9(1)) are told only on a topic that names its art. 9(2) ground."""

    name: str = "health-data-has-art-9-ground"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        if not request.article_9:
            return None
        topic = facts.party.topic(request.topic) if facts.party else None
        return None if topic is not None and topic.art9_ground else Reason.NO_SPECIAL_CATEGORY_GROUND


def number_reason(state: str) -> Reason | None:
    """The reason a callback number in this state (VerifiedNumber.state_at) may not be used."""
    return {
        "valid": None,
        "revoked": Reason.NUMBER_REVOKED,
        "expired": Reason.NUMBER_EXPIRED,
    }.get(state, Reason.NO_VERIFIED_NUMBER)


# --- doubts about identity: call back ---------------------------------------------------------


@dataclass(frozen=True)
class CallingNumberNotVerified:
    name: str = "calling-number-is-not-verified"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        valid = {n.number for n in facts.person.valid_numbers(request.at)} if facts.person else set()
        return None if request.calling_number in valid else Reason.CALLING_NUMBER_NOT_VERIFIED


@dataclass(frozen=True)
class FirstContact:
    name: str = "first-contact-with-person"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        return None if facts.earlier_contact else Reason.FIRST_CONTACT


@dataclass(frozen=True)
class SpecialCategoriesAsked:
    name: str = "special-categories-asked"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        return Reason.SPECIAL_CATEGORIES if request.special_categories else None


@dataclass(frozen=True)
class AlwaysCallBack:
    """Configured: every party (parties=None) or the listed ones, and parties flagged in the registry."""

    parties: frozenset[str] | None = frozenset()
    name: str = "always-call-back"

    def check(self, request: PhoneRequest, facts: Facts) -> Reason | None:
        configured = self.parties is None or request.party_id in self.parties
        flagged = facts.party is not None and facts.party.always_call_back
        return Reason.ALWAYS_CALL_BACK if configured or flagged else None

    def __repr__(self) -> str:  # stable across processes: the policy version hashes it
        parties = "all" if self.parties is None else sorted(self.parties)
        return f"AlwaysCallBack(parties={parties})"


# --- the policy -------------------------------------------------------------------------------


class PhonePolicy:
    def __init__(self, gates: Sequence[Rule], doubts: Sequence[Rule]) -> None:
        self.gates = tuple(gates)
        self.doubts = tuple(doubts)
        self.version = f"{POLICY_NAME}.{hashlib.sha256(self.describe().encode()).hexdigest()[:12]}"

    def describe(self) -> str:
        """One line per rule with its configuration; the version is a hash of this text."""
        lines = [f"gate {r!r}" for r in self.gates] + [f"doubt {r!r}" for r in self.doubts]
        return "\n".join(lines)

    def decide(self, request: PhoneRequest, facts: Facts) -> Decision:
        if not self.gates:
            return Decision(Verdict.DENY, Reason.POLICY_EMPTY, self.version)
        try:
            for gate in self.gates:
                if (reason := gate.check(request, facts)) is not None:
                    return Decision(Verdict.DENY, reason, self.version)
            doubts = [r for d in self.doubts if (r := d.check(request, facts)) is not None]
        except Exception:  # a broken rule must never allow
            return Decision(Verdict.DENY, Reason.POLICY_ERROR, self.version)
        if not doubts:
            return Decision(Verdict.ALLOW, Reason.ALLOWED, self.version)
        number = self._callback_number(request, facts)
        if number is None:
            return Decision(Verdict.DENY, Reason.NO_VERIFIED_NUMBER, self.version)
        return Decision(Verdict.CALL_BACK, doubts[0], self.version, number)

    def recheck(self, request: PhoneRequest, facts: Facts, callback_number: str) -> Reason | None:
        """At a callback's confirmation (`request.at` is that moment): the reason the request may
        no longer be allowed, or None. Every gate again, and the number called back must still be
        verified for the person."""
        if not self.gates:
            return Reason.POLICY_EMPTY
        try:
            for gate in self.gates:
                if (reason := gate.check(request, facts)) is not None:
                    return reason
            if facts.person is None:
                return Reason.UNKNOWN_PERSON
            return number_reason(facts.person.number_state(callback_number, request.at))
        except Exception:  # a broken rule must never allow
            return Reason.POLICY_ERROR

    @staticmethod
    def _callback_number(request: PhoneRequest, facts: Facts) -> str | None:
        """The given number if the registry verified it, else the person's latest verified number."""
        valid = facts.person.valid_numbers(request.at) if facts.person else []
        if request.given_number is not None:
            return request.given_number if request.given_number in {n.number for n in valid} else None
        return valid[0].number if valid else None


def default_policy(
    always_call_back: frozenset[str] | None = frozenset(), first_contact: bool = False
) -> PhonePolicy:
    """Art. 8 lid 3: a named party, its topic, a registered subject whose processing is not
    restricted, a known person with a verified number, and for health data a topic with its art. 9
    ground. The regulation asks for a callback when the caller's identity is in doubt: a calling
    number not verified for the person, special categories asked, or a party configured to be
    always called back. `first_contact` is a stricter option: also call back a known person on a
    verified number the first time."""
    doubts: list[Rule] = [CallingNumberNotVerified()]
    if first_contact:
        doubts.append(FirstContact())
    doubts += [SpecialCategoriesAsked(), AlwaysCallBack(always_call_back)]
    return PhonePolicy(
        gates=[
            PartyIsNamed(),
            TopicIsAllowed(),
            SubjectIsKnown(),
            SubjectNotRestricted(),
            PersonIsKnown(),
            PersonHasVerifiedNumber(),
            GivenNumberIsVerified(),
            HealthDataHasGround(),
        ],
        doubts=doubts,
    )
