"""who is registered with a controller, from authoritative records only (app.registration)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# as app.registration says on the day of this migration; a migration never imports the app
_TYPES = {
    "case.started",
    "case.ended",
    "case.refused",
    "case.aborted",
    "contact.recorded",
    "complaint.closed",
    "disclosure.recorded",
}
_INTERNAL = {"notifier", "ledger-expiry", "ledger-operations"}


def upgrade() -> None:
    table = op.create_table(
        "registered_subject",
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("controller", sa.String(length=128), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("since", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "controller", "activity"),
    )
    # From the entries already held: the clear part of each event names its type and producer.
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT chain, subject, body, recorded_at FROM ledger_entry "
            "WHERE subject IS NOT NULL AND kind = 'event' ORDER BY chain, seq"
        )
    )
    first: dict[tuple[str, str, str], str] = {}
    for chain, subject, body, recorded_at in rows:
        event = json.loads(bytes(body))["event"]
        if event.get("event_type") in _TYPES and event.get("producer") not in _INTERNAL:
            first.setdefault((subject, chain, event.get("processing_activity") or ""), recorded_at)
    if first:
        op.bulk_insert(
            table,
            [
                {"pseudonym": p, "controller": c, "activity": a, "since": at}
                for (p, c, a), at in sorted(first.items())
            ],
        )


def downgrade() -> None:
    op.drop_table("registered_subject")
