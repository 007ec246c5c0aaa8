"""dead letters are kept in the database beside the dead-letter stream, so that a Redis loss loses
none of them (issue 29 item 7)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letter",
        sa.Column("dead_letter_id", sa.String(length=64), primary_key=True),
        sa.Column("source", sa.String(length=200), nullable=False, unique=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("refused_at", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
    )
    op.create_index("ix_dead_letter_reason", "dead_letter", ["reason"])


def downgrade() -> None:
    op.drop_index("ix_dead_letter_reason", table_name="dead_letter")
    op.drop_table("dead_letter")
