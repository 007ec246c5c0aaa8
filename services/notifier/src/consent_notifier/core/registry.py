"""The known-party registry as plain values: parties with their topics, known persons, verified numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["KnownPerson", "Party", "Topic", "VerifiedNumber", "in_force"]


def in_force(valid_from: datetime | None, valid_until: datetime | None, at: datetime) -> bool:
    """Valid from `valid_from` (inclusive) until `valid_until` (exclusive); None means open."""
    return (valid_from is None or valid_from <= at) and (valid_until is None or at < valid_until)


@dataclass(frozen=True, slots=True)
class Topic:
    topic_id: str
    label: str
    gdpr_basis: str  # letter of GDPR art. 6(1)
    statute: str | None
    art9_ground: str | None = None  # letter of GDPR art. 9(2) under which health data may be told
    art9_statute: str | None = None  # the law that gives that ground


@dataclass(frozen=True, slots=True)
class Party:
    party_id: str
    name: str
    category: str  # a RecipientCategory code
    topics: tuple[Topic, ...]
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    always_call_back: bool = False

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.topic_id == topic_id), None)


@dataclass(frozen=True, slots=True)
class VerifiedNumber:
    number: str  # E.164
    verified_by: str
    verified_at: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        return self.state_at(at) == "valid"

    def state_at(self, at: datetime) -> str:
        """valid, revoked, expired, or not-yet (verified after `at`). A revocation before the end
        of the verification is reported as revoked."""
        if at < self.verified_at:
            return "not-yet"
        revoked = self.revoked_at is not None and self.revoked_at <= at
        expired = self.valid_until is not None and self.valid_until <= at
        if revoked and expired:
            return "revoked" if self.revoked_at < self.valid_until else "expired"  # type: ignore[operator]
        return "revoked" if revoked else "expired" if expired else "valid"


@dataclass(frozen=True, slots=True)
class KnownPerson:
    person_id: str
    party_id: str
    display_name: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    numbers: tuple[VerifiedNumber, ...] = field(default=())

    def in_force(self, at: datetime) -> bool:
        return in_force(self.valid_from, self.valid_until, at)

    def shown_state(self, number: VerifiedNumber, at: datetime) -> str:
        """A verification's state as the registry page shows it: no number of a person who is no
        known person (any more, or yet) is called back to, whatever its own state."""
        if not self.in_force(at):
            return "person-ended" if self.valid_until is not None and self.valid_until <= at else "not-yet"
        return number.state_at(at)

    def valid_numbers(self, at: datetime) -> list[VerifiedNumber]:
        """Numbers valid at `at`, most recently verified first."""
        return sorted((n for n in self.numbers if n.valid_at(at)), key=lambda n: n.verified_at, reverse=True)

    def number_state(self, number: str, at: datetime) -> str:
        """The state at `at` of `number` for this person: valid if any verification of it is valid,
        else that of its latest verification; unknown if it was never verified for them."""
        mine = sorted((n for n in self.numbers if n.number == number), key=lambda n: n.verified_at)
        if not mine:
            return "unknown"
        states = [n.state_at(at) for n in mine]
        return "valid" if "valid" in states else states[-1]
