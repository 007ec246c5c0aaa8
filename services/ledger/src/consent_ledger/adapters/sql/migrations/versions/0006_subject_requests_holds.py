"""data subject requests with their deadlines; legal holds and restrictions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_request",
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("right", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.String(length=10), nullable=False),
        sa.Column("received_seq", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("decided_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index("ix_subject_request_pseudonym", "subject_request", ["pseudonym"])
    op.create_index("ix_subject_request_due_on", "subject_request", ["due_on"])
    op.create_table(
        "subject_hold",
        sa.Column("hold_id", sa.String(length=128), nullable=False),
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("until", sa.String(length=10), nullable=True),
        sa.Column("placed_at", sa.String(length=40), nullable=False),
        sa.Column("lifted_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("hold_id"),
    )
    op.create_index("ix_subject_hold_pseudonym", "subject_hold", ["pseudonym"])


def downgrade() -> None:
    op.drop_table("subject_hold")
    op.drop_table("subject_request")
