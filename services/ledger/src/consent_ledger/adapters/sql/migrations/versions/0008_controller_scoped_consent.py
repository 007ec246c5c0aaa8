"""consent per controller: the consent projection keyed by (subject, purpose, chain) and rebuilt
from the entries; API clients tied to controllers; the outbox of accepted facts for the notifier

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:00:00
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# as ledger_contracts says on the day of this migration; a migration never imports the app
_CONSENT_TYPES = {
    "consent.given",
    "consent.refused",
    "consent.withdrawn",
    "consent.revoked",
    "consent.expired",
    "consent.renewed",
}


def _fixed_utc(value: str) -> str:
    return (
        datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )


def _projection() -> list[dict[str, object]]:
    """The latest consent event by (occurred_at, event_id) per (subject, purpose, chain), from the
    entries themselves: the old projection kept one row per (subject, purpose) across controllers."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT chain, seq, subject, body FROM ledger_entry "
            "WHERE subject IS NOT NULL AND kind = 'event' ORDER BY chain, seq"
        )
    )
    best: dict[tuple[str, str, str], dict[str, object]] = {}
    for chain, seq, subject, body in rows:
        event = json.loads(bytes(body))["event"]
        if event.get("event_type") not in _CONSENT_TYPES:
            continue
        data = event.get("data") or {}
        until = data.get("valid_until")
        row = {
            "subject": subject,
            "purpose": data["purpose"],
            "chain": chain,
            "event_type": event["event_type"],
            "occurred_at": _fixed_utc(event["occurred_at"]),
            "event_id": event["event_id"],
            "valid_until": _fixed_utc(until) if until else None,
            "seq": seq,
        }
        key = (subject, data["purpose"], chain)
        old = best.get(key)
        if old is None or (row["occurred_at"], row["event_id"]) > (old["occurred_at"], old["event_id"]):
            best[key] = row
    return [best[k] for k in sorted(best)]


def upgrade() -> None:
    rows = _projection()
    op.drop_index("ix_consent_state_valid_until", table_name="consent_state")
    op.drop_table("consent_state")
    table = op.create_table(
        "consent_state",
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("valid_until", sa.String(length=40), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "purpose", "chain"),
    )
    op.create_index("ix_consent_state_valid_until", "consent_state", ["valid_until"], unique=False)
    if rows:
        op.bulk_insert(table, rows)
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("controllers", sa.String(length=1000), nullable=False, server_default="")
        )
    op.create_table(
        "accepted_fact",
        sa.Column("fact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("made_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("fact_id"),
    )


def downgrade() -> None:
    op.drop_table("accepted_fact")
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_column("controllers")
    raise NotImplementedError("the consent projection is not narrowed back to one controller")
