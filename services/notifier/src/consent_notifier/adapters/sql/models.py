"""SQLModel tables of the notifier (its own database). Migrations in migrations/ must match these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .times import UtcDateTime

__all__ = [
    "CallbackTaskRow",
    "CredentialRow",
    "DecisionRow",
    "KnownPersonRow",
    "OutboxRow",
    "PartyRow",
    "PartyTopicRow",
    "PhoneRequestRow",
    "SessionRow",
    "VerifiedNumberRow",
]


def _ts(nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UtcDateTime(), nullable=nullable, index=index)


class PartyRow(SQLModel, table=True):
    __tablename__ = "notifier_party"

    party_id: str = Field(primary_key=True, max_length=100)
    name: str = Field(max_length=500)
    category: str = Field(max_length=64)
    valid_from: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    valid_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    always_call_back: bool = False


class PartyTopicRow(SQLModel, table=True):
    __tablename__ = "notifier_party_topic"

    party_id: str = Field(primary_key=True, max_length=100)
    topic_id: str = Field(primary_key=True, max_length=100)
    label: str = Field(max_length=200)
    gdpr_basis: str = Field(max_length=1)
    statute: str | None = Field(default=None, max_length=200)
    art9_ground: str | None = Field(default=None, max_length=1)
    art9_statute: str | None = Field(default=None, max_length=200)


class KnownPersonRow(SQLModel, table=True):
    __tablename__ = "notifier_known_person"

    person_id: str = Field(primary_key=True, max_length=100)
    party_id: str = Field(max_length=100, index=True)
    display_name: str = Field(max_length=200)
    valid_from: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    valid_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class VerifiedNumberRow(SQLModel, table=True):
    __tablename__ = "notifier_verified_number"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(max_length=100, index=True)
    number: str = Field(max_length=20)
    verified_by: str = Field(max_length=100)
    verified_at: datetime = Field(sa_column=_ts())
    valid_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PhoneRequestRow(SQLModel, table=True):
    """A phone request. The subject is held only as its pseudonym."""

    __tablename__ = "notifier_phone_request"

    request_id: str = Field(primary_key=True, max_length=100)
    subject: str = Field(max_length=80)
    subject_known: bool
    party_id: str = Field(max_length=100)
    person_id: str | None = Field(default=None, max_length=100, index=True)
    calling_number: str | None = Field(default=None, max_length=20)
    given_number: str | None = Field(default=None, max_length=20)
    topic: str = Field(max_length=100)
    data_categories: str = Field(max_length=1000, description="comma-separated codes")
    caller_name: str | None = Field(default=None, max_length=1000, description="sealed (number_seal.py)")
    special_categories: bool
    requested_by: str = Field(max_length=100, index=True)
    requested_at: datetime = Field(sa_column=_ts(index=True))
    fingerprint: str = Field(max_length=64)


class DecisionRow(SQLModel, table=True):
    __tablename__ = "notifier_decision"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    decision_id: str = Field(primary_key=True, max_length=120)
    request_id: str = Field(max_length=100, index=True)
    seq: int
    verdict: str = Field(max_length=16)
    reason: str = Field(max_length=64)
    basis: str = Field(max_length=32)
    policy_version: str = Field(max_length=64)
    decided_by: str = Field(max_length=100)
    decided_at: datetime = Field(sa_column=_ts())
    callback_number: str | None = Field(default=None, max_length=100, description="sealed while open")
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CallbackTaskRow(SQLModel, table=True):
    __tablename__ = "notifier_callback_task"

    task_id: str = Field(primary_key=True, max_length=120)
    request_id: str = Field(max_length=100, unique=True)
    number: str = Field(max_length=100, description="sealed while pending; empty once closed")
    deadline: datetime = Field(sa_column=_ts(index=True))
    state: str = Field(max_length=16, index=True)
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    recorded_by: str | None = Field(default=None, max_length=100)


class OutboxRow(SQLModel, table=True):
    """Messages to deliver at least once: events for the ledger's streams, and webhook notices."""

    __tablename__ = "notifier_outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=600, unique=True)
    target: str = Field(max_length=16)
    destination: str = Field(max_length=500)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_ts(index=True))
    delivered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    failed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    then_item: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="JSON of the follow-up OutboxItem"
    )
    last_error: str | None = Field(default=None, max_length=500)


class CredentialRow(SQLModel, table=True):
    __tablename__ = "notifier_credential"

    principal_id: str = Field(primary_key=True, max_length=100)
    kind: str = Field(max_length=16)
    roles: str = Field(max_length=200, description="comma-separated")
    secret_hash: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=_ts())
    disabled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class SessionRow(SQLModel, table=True):
    __tablename__ = "notifier_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    principal_id: str = Field(max_length=100, index=True)
    expires_at: datetime = Field(sa_column=_ts())
