"""the name a caller gave who is no known person, sealed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifier_phone_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caller_name", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifier_phone_request", schema=None) as batch_op:
        batch_op.drop_column("caller_name")
