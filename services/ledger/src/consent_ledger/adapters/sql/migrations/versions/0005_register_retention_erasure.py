"""processing register versions, violations, per-activity subject keys (handles), retention
milestones and erasure records

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 23:30:00

Keys made before this revision are one per subject (key id = pseudonym). They become the handle of
every (controller, activity) the subject's entries name, so a retention run destroys such a key
only when all of those are due.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=80), nullable=True))
        batch.create_index("ix_ledger_entry_key_id", ["key_id"])
    op.create_table(
        "subject_handle",
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("controller", sa.String(length=128), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "controller", "activity"),
    )
    op.create_index("ix_subject_handle_handle", "subject_handle", ["handle"])
    op.create_table(
        "retention_milestone",
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("controller", sa.String(length=128), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("milestone", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "controller", "activity", "milestone"),
    )
    op.create_table(
        "processing_register",
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq"),
    )
    op.create_table(
        "register_violation",
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("register_version", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq", "reason"),
    )
    op.create_index("ix_register_violation_recorded_at", "register_violation", ["recorded_at"])
    op.create_table(
        "erasure_record",
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.String(length=10), nullable=True),
        sa.Column("erased_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq"),
    )
    op.create_index("ix_erasure_record_pseudonym", "erasure_record", ["pseudonym"])
    _adopt_subject_keys()


def _adopt_subject_keys() -> None:
    """Entries written before: the pseudonym is the key id; each (controller, activity) it was used
    under gets it as its handle."""
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE ledger_entry SET key_id = subject WHERE subject IS NOT NULL"))
    seen: dict[tuple[str, str, str], str] = {}
    rows = conn.execute(
        sa.text(
            "SELECT chain, subject, body, recorded_at FROM ledger_entry "
            "WHERE subject IS NOT NULL ORDER BY chain, seq"
        )
    )
    for chain, subject, body, recorded_at in rows:
        event = json.loads(bytes(body)).get("event") or {}
        key = (subject, chain, event.get("processing_activity", ""))
        seen.setdefault(key, recorded_at)
    if seen:
        conn.execute(
            sa.text(
                "INSERT INTO subject_handle (pseudonym, controller, activity, handle, created_at) "
                "VALUES (:p, :c, :a, :p, :t)"
            ),
            [{"p": p, "c": c, "a": a, "t": t} for (p, c, a), t in seen.items()],
        )


def downgrade() -> None:
    op.drop_table("erasure_record")
    op.drop_table("register_violation")
    op.drop_table("processing_register")
    op.drop_table("retention_milestone")
    op.drop_table("subject_handle")
    with op.batch_alter_table("ledger_entry") as batch:
        batch.drop_index("ix_ledger_entry_key_id")
        batch.drop_column("key_id")
