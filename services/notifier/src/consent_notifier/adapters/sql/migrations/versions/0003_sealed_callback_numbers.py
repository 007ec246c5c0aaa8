"""callback numbers stored sealed while the callback is open: wider columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifier_decision", schema=None) as batch_op:
        batch_op.alter_column("callback_number", type_=sa.String(length=100), existing_nullable=True)
    with op.batch_alter_table("notifier_callback_task", schema=None) as batch_op:
        batch_op.alter_column("number", type_=sa.String(length=100), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("notifier_callback_task", schema=None) as batch_op:
        batch_op.alter_column("number", type_=sa.String(length=20), existing_nullable=False)
    with op.batch_alter_table("notifier_decision", schema=None) as batch_op:
        batch_op.alter_column("callback_number", type_=sa.String(length=20), existing_nullable=True)
