"""a topic's GDPR art. 9(2) ground, under which health data may be told by phone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifier_party_topic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("art9_ground", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("art9_statute", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifier_party_topic", schema=None) as batch_op:
        batch_op.drop_column("art9_statute")
        batch_op.drop_column("art9_ground")
