"""a hold names the request it serves: the restriction that stands in for an erasure refused for a
legal hold, carried out when the hold ends (app.subject_rights); an erasure record counts the
disclosures among the entries it made unreadable (unknown for those made before)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("erasure_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disclosures", sa.Integer(), nullable=True))
    with op.batch_alter_table("subject_hold", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))
    # From the entries already held: a hold's request id is a clear field of its entry.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT body FROM ledger_entry WHERE subject IS NOT NULL AND kind = 'event' ORDER BY chain, seq"
        )
    )
    named: dict[str, str] = {}
    for (body,) in rows:
        event = json.loads(bytes(body))["event"]
        data = event.get("data") or {}
        if event.get("event_type") == "subject.hold-changed" and data.get("request_id"):
            named.setdefault(data["hold_id"], data["request_id"])
    for hold_id, request_id in sorted(named.items()):
        conn.execute(
            sa.text("UPDATE subject_hold SET request_id = :r WHERE hold_id = :h"),
            {"r": request_id, "h": hold_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("erasure_record", schema=None) as batch_op:
        batch_op.drop_column("disclosures")
    with op.batch_alter_table("subject_hold", schema=None) as batch_op:
        batch_op.drop_column("request_id")
