"""outbox follow-up: a message enqueued once another is delivered

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifier_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("then_item", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifier_outbox", schema=None) as batch_op:
        batch_op.drop_column("then_item")
