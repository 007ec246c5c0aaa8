"""registered producers: public key and what each may publish

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "producer",
        sa.Column("producer_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("event_types", sa.String(length=500), nullable=False),
        sa.Column("controllers", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("disabled_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("producer_id"),
    )


def downgrade() -> None:
    op.drop_table("producer")
