"""What the use cases need from the outside, named by role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..core.callbacks import CallbackTask
from ..core.policy import Facts, PhoneRequest
from ..core.registry import KnownPerson, Party, VerifiedNumber

__all__ = [
    "Clock",
    "Credential",
    "CredentialStore",
    "NotifierStore",
    "NotifierTx",
    "OutboxItem",
    "StoredDecision",
    "StoredRequest",
    "SubjectDirectory",
    "SubjectLookup",
]


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class SubjectLookup:
    pseudonym: str
    known: bool  # registered: an authoritative record about them (never the notifier's own decisions)
    restricted: bool = False  # processing restricted (GDPR art. 18)


class SubjectDirectory(Protocol):
    """Turns what the employee typed (a BSN or a pseudonym) into the pseudonym; raw BSNs stop here."""

    def lookup(self, subject: str) -> SubjectLookup: ...


@dataclass(frozen=True, slots=True)
class StoredDecision:
    decision_id: str
    request_id: str
    seq: int
    verdict: str
    reason: str
    basis: str  # policy | callback | management-override
    policy_version: str
    decided_by: str
    decided_at: datetime
    callback_number: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StoredRequest:
    request: PhoneRequest
    fingerprint: str  # of the request's content: a replay with other content is refused
    decisions: tuple[StoredDecision, ...]
    task: CallbackTask | None

    @property
    def current(self) -> StoredDecision:
        return self.decisions[-1]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    key: str  # unique: enqueuing the same key twice delivers once
    target: str  # "stream" or "webhook"
    destination: str  # stream name or URL
    payload: str  # JSON
    then: OutboxItem | None = None  # enqueued only once this one is delivered (e.g. its ledger record)


class NotifierTx(Protocol):
    def facts(self, party_id: str, person_id: str | None, at: datetime) -> Facts: ...
    def request(self, request_id: str, lock: bool = False) -> StoredRequest | None: ...
    def request_for_task(self, task_id: str) -> StoredRequest | None: ...
    def add_request(self, request: PhoneRequest, fingerprint: str) -> None: ...
    def add_decision(self, decision: StoredDecision) -> None: ...
    def put_task(self, task: CallbackTask) -> None: ...
    def enqueue(self, items: list[OutboxItem]) -> None: ...
    def due_tasks(self, now: datetime) -> list[str]: ...
    def party(self, party_id: str) -> Party | None: ...
    def put_party(self, party: Party) -> None: ...
    def person(self, person_id: str) -> KnownPerson | None: ...
    def put_person(self, person: KnownPerson) -> None: ...
    def add_number(self, person_id: str, number: VerifiedNumber) -> None: ...
    def revoke_number(self, person_id: str, number: str, at: datetime) -> bool: ...


class NotifierStore(Protocol):
    def transaction(self) -> AbstractContextManager[NotifierTx]: ...
    def parties(self) -> list[Party]: ...
    def persons(self, party_id: str | None = None) -> list[KnownPerson]: ...
    def recent(self, requested_by: str | None, limit: int) -> Iterator[StoredRequest]: ...
    def open_callbacks(self, requested_by: str | None) -> list[StoredRequest]:
        """Requests waiting for a callback, earliest deadline first; only this user's when given."""
        ...


@dataclass(frozen=True, slots=True)
class Credential:
    principal_id: str
    kind: str  # user | service
    roles: frozenset[str]
    secret_hash: str  # argon2id for a user's password; SHA-256 for a generated service token
    created_at: datetime
    disabled_at: datetime | None = None


class CredentialStore(Protocol):
    def credential(self, principal_id: str) -> Credential | None: ...
    def put_credential(self, credential: Credential) -> None: ...
    def add_session(self, token_hash: str, principal_id: str, expires_at: datetime) -> None: ...
    def session(self, token_hash: str) -> tuple[str, datetime] | None: ...
    def end_session(self, token_hash: str) -> None: ...
