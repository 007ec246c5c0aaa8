"""SQLModel tables. Migrations in adapters/sql/migrations/ must match these."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, Text, text
from sqlmodel import Field, SQLModel

__all__ = [
    "AcceptedFactRow",
    "ApiClientRow",
    "ErasureRecordRow",
    "ProcessingRegisterRow",
    "RegisterViolationRow",
    "RegisteredSubjectRow",
    "RetentionMilestoneRow",
    "SubjectHandleRow",
    "ChainHeadRow",
    "CheckpointRow",
    "CosignatureRow",
    "ConsentStateRow",
    "EventIndexRow",
    "LedgerEntryRow",
    "MerkleNodeRow",
    "ProducerRow",
    "SubjectKeyRow",
]


class LedgerEntryRow(SQLModel, table=True):
    __tablename__ = "ledger_entry"

    chain: str = Field(primary_key=True, max_length=128)
    seq: int = Field(primary_key=True)
    entry_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kind: str = Field(max_length=32)
    event_id: str | None = Field(default=None, max_length=128, index=True)
    subject: str | None = Field(default=None, max_length=80, index=True)
    recorded_at: str = Field(max_length=40)
    key_id: str | None = Field(
        default=None, max_length=80, index=True, description="the data key (handle) it is sealed under"
    )


class ChainHeadRow(SQLModel, table=True):
    __tablename__ = "chain_head"

    chain: str = Field(primary_key=True, max_length=128)
    length: int
    head_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    frontier: bytes = Field(
        default=b"",
        sa_column=Column(LargeBinary, nullable=False, server_default=text("''")),
        description="the Merkle tree's peaks at `length`, 32 bytes each, leftmost first",
    )


class MerkleNodeRow(SQLModel, table=True):
    """A complete node of a chain's RFC 9162 tree (leaves are level 0); written once, never
    changed. `pos` = level << 48 | index (core.merkle.node_position)."""

    __tablename__ = "merkle_node"

    chain: str = Field(primary_key=True, max_length=128)
    pos: int = Field(primary_key=True, sa_type=BigInteger)
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    """A signed checkpoint (C2SP tlog-checkpoint) of one chain at one size."""

    __tablename__ = "checkpoint"

    chain: str = Field(primary_key=True, max_length=128)
    size: int = Field(primary_key=True, sa_type=BigInteger)
    root_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_type=Text, description="the signed note as issued")
    issued_at: str = Field(max_length=40)


class CosignatureRow(SQLModel, table=True):
    """A witness's cosignature line (C2SP tlog-cosignature) on one checkpoint."""

    __tablename__ = "cosignature"

    chain: str = Field(primary_key=True, max_length=128)
    size: int = Field(primary_key=True, sa_type=BigInteger)
    key_id: str = Field(primary_key=True, max_length=8, description="hex of the 4-byte key id")
    witness: str = Field(max_length=200)
    line: str = Field(sa_type=Text)
    received_at: str = Field(max_length=40)


class EventIndexRow(SQLModel, table=True):
    """One row per (event id, content) the ledger has recorded."""

    __tablename__ = "event_index"

    event_id: str = Field(primary_key=True, max_length=128)
    content_mac: str = Field(primary_key=True, max_length=64)
    chain: str = Field(max_length=128)
    seq: int
    kind: str = Field(max_length=32)


class SubjectKeyRow(SQLModel, table=True):
    """A subject's data key, wrapped under the key-encryption key. Deleted on erasure."""

    __tablename__ = "subject_key"

    key_id: str = Field(primary_key=True, max_length=80)
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ConsentStateRow(SQLModel, table=True):
    """Projection: the latest consent event by event time per (subject, purpose, controller); the
    controller is the chain (one chain per controller), and consent is given to one controller."""

    __tablename__ = "consent_state"

    subject: str = Field(primary_key=True, max_length=80)
    purpose: str = Field(primary_key=True, max_length=64)
    chain: str = Field(primary_key=True, max_length=128)
    event_type: str = Field(max_length=64)
    occurred_at: str = Field(max_length=40, description="fixed-width UTC, sortable")
    event_id: str = Field(max_length=128)
    valid_until: str | None = Field(default=None, max_length=40, index=True)
    seq: int


class ApiClientRow(SQLModel, table=True):
    """A system that asks about consent (newsletter system, website, auditor's tool), with its scopes.
    Only the SHA-256 of its random token is kept."""

    __tablename__ = "api_client"

    client_id: str = Field(primary_key=True, max_length=64)
    token_sha256: str = Field(max_length=64, unique=True)
    scopes: str = Field(max_length=200, description="space-separated")
    created_at: str = Field(max_length=40)
    disabled_at: str | None = Field(default=None, max_length=40)
    controllers: str = Field(
        default="",
        sa_column_kwargs={"server_default": ""},
        max_length=1000,
        description="space-separated controller codes the client asks for",
    )


class ProducerRow(SQLModel, table=True):
    """A registered producer: its public key and what it may publish (app.producers)."""

    __tablename__ = "producer"

    producer_id: str = Field(primary_key=True, max_length=64)
    public_key: str = Field(max_length=100, description="ed25519:<base64url>")
    event_types: str = Field(max_length=500, description="space-separated patterns")
    controllers: str = Field(max_length=500, description="space-separated codes, or *")
    created_at: str = Field(max_length=40)
    disabled_at: str | None = Field(default=None, max_length=40)


class SubjectHandleRow(SQLModel, table=True):
    """Which data key (its random handle) a subject's data under one activity are sealed under.
    Deleted on erasure: then nothing leads from the person to the handle or its entries."""

    __tablename__ = "subject_handle"

    pseudonym: str = Field(primary_key=True, max_length=80)
    controller: str = Field(primary_key=True, max_length=128)
    activity: str = Field(primary_key=True, max_length=64)
    handle: str = Field(max_length=80, index=True)
    created_at: str = Field(max_length=40)


class RegisteredSubjectRow(SQLModel, table=True):
    """A subject registered with a controller under an activity by an authoritative record
    (app.registration), from the time of the first. Deleted with the handle on erasure."""

    __tablename__ = "registered_subject"

    pseudonym: str = Field(primary_key=True, max_length=80)
    controller: str = Field(primary_key=True, max_length=128)
    activity: str = Field(primary_key=True, max_length=64)
    since: str = Field(max_length=40)


class RetentionMilestoneRow(SQLModel, table=True):
    """The latest time a subject reached a milestone under an activity ('*': the whole controller,
    for last contact). Deleted with the handle on erasure."""

    __tablename__ = "retention_milestone"

    pseudonym: str = Field(primary_key=True, max_length=80)
    controller: str = Field(primary_key=True, max_length=128)
    activity: str = Field(primary_key=True, max_length=64)
    milestone: str = Field(primary_key=True, max_length=40)
    occurred_at: str = Field(max_length=40, description="fixed-width UTC, sortable")


class ProcessingRegisterRow(SQLModel, table=True):
    """A register version as published on its controller's chain (entry chain/seq); the latest
    entry per chain is the one in force."""

    __tablename__ = "processing_register"

    chain: str = Field(primary_key=True, max_length=128)
    seq: int = Field(primary_key=True)
    version: str = Field(max_length=64)
    document: str = Field(sa_type=Text, description="the register as JSON")
    recorded_at: str = Field(max_length=40)


class RegisterViolationRow(SQLModel, table=True):
    """One violation of the register written on an entry (the entry holds the verdict; this lists it)."""

    __tablename__ = "register_violation"

    chain: str = Field(primary_key=True, max_length=128)
    seq: int = Field(primary_key=True)
    reason: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(max_length=128)
    event_type: str = Field(max_length=64)
    activity: str = Field(max_length=64)
    register_version: str = Field(max_length=64)
    recorded_at: str = Field(max_length=40, index=True)


class ErasureRecordRow(SQLModel, table=True):
    """Proof for the person that their data under an activity were destroyed (the access report
    says what, when and under which rule): it points at the erasure entry, never at erased ones."""

    __tablename__ = "erasure_record"

    chain: str = Field(primary_key=True, max_length=128)
    seq: int = Field(primary_key=True)
    pseudonym: str = Field(max_length=80, index=True)
    activity: str = Field(max_length=64)
    cause: str = Field(max_length=20)
    rule: str = Field(max_length=80)
    due_on: str | None = Field(default=None, max_length=10)
    erased_at: str = Field(max_length=40)
    disclosures: int | None = Field(
        default=None, description="disclosures among the entries made unreadable; none: not known"
    )


class SubjectRequestRow(SQLModel, table=True):
    """A data subject's request (GDPR art. 15-18) and its decision, from the subject.request-*
    entries: tracked against its one-month deadline (seed 003 art. 11 and 12)."""

    __tablename__ = "subject_request"

    request_id: str = Field(primary_key=True, max_length=128)
    chain: str = Field(max_length=128)
    pseudonym: str = Field(max_length=80, index=True)
    right: str = Field(max_length=20)
    received_on: str = Field(max_length=10)
    due_on: str = Field(max_length=10, index=True)
    received_seq: int
    decided_at: str | None = Field(default=None, max_length=40)
    outcome: str | None = Field(default=None, max_length=20)
    decided_seq: int | None = Field(default=None)


class SubjectHoldRow(SQLModel, table=True):
    """A legal hold or a restriction on a subject at a controller, from subject.hold-changed."""

    __tablename__ = "subject_hold"

    hold_id: str = Field(primary_key=True, max_length=128)
    chain: str = Field(max_length=128)
    pseudonym: str = Field(max_length=80, index=True)
    kind: str = Field(max_length=20)
    until: str | None = Field(default=None, max_length=10)
    placed_at: str = Field(max_length=40)
    lifted_at: str | None = Field(default=None, max_length=40)
    request_id: str | None = Field(default=None, max_length=128, description="the request it serves")


class AcceptedFactRow(SQLModel, table=True):
    """An accepted fact waiting to be published to the notifier (app.accepted_facts): written in
    the transaction of the entry it states, deleted once it is on its stream."""

    __tablename__ = "accepted_fact"

    fact_id: int | None = Field(
        default=None, primary_key=True, sa_type=BigInteger().with_variant(Integer, "sqlite")
    )
    stream: str = Field(max_length=128)
    payload: str = Field(sa_type=Text, description="the fact as JSON (ledger_contracts.accepted)")
    made_at: str = Field(max_length=40)


class DeadLetterRow(SQLModel, table=True):
    """A refused stream entry (docs/operations.md, dead letters): what the dead-letter stream also
    carries, kept here so that a Redis loss loses none (issue 29 item 7). `fields` holds the masked
    structure, reason and the body sealed under the dead-letter key, as on the stream."""

    __tablename__ = "dead_letter"

    dead_letter_id: str = Field(primary_key=True, max_length=64, description="its id on the stream")
    source: str = Field(max_length=200, unique=True, description="<stream>/<entry id> it was refused from")
    reason: str = Field(max_length=64, index=True)
    refused_at: str = Field(max_length=40)
    fields: str = Field(sa_type=Text, description="the dead letter's fields as JSON")
