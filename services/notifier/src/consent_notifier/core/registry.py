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
        return (
            self.verified_at <= at
            and in_force(None, self.valid_until, at)
            and (self.revoked_at is None or at < self.revoked_at)
        )


@dataclass(frozen=True, slots=True)
class KnownPerson:
    person_id: str
    party_id: str
    display_name: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    numbers: tuple[VerifiedNumber, ...] = field(default=())

    def valid_numbers(self, at: datetime) -> list[VerifiedNumber]:
        """Numbers valid at `at`, most recently verified first."""
        return sorted((n for n in self.numbers if n.valid_at(at)), key=lambda n: n.verified_at, reverse=True)
