"""ledger foundation

Revision ID: 0001
Revises:
Create Date: 2026-11-23 03:36:53.581623
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_head",
        sa.Column("chain", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.create_table(
        "consent_state",
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("valid_until", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("chain", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "purpose"),
    )
    op.create_table(
        "event_index",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("content_mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chain", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "content_mac"),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("chain", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_subject"), ["subject"], unique=False)

    op.create_table(
        "subject_key",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )


def downgrade() -> None:
    op.drop_table("subject_key")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_subject"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_event_id"))

    op.drop_table("ledger_entry")
    op.drop_table("event_index")
    op.drop_table("consent_state")
    op.drop_table("chain_head")
