"""RFC 9162 Merkle tree per chain (nodes, frontier), signed checkpoints and cosignatures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00

Chains recorded before this revision get their tree built here, from their entries' bodies.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("frontier", sa.LargeBinary(), nullable=False, server_default=sa.text("''"))
        )
    op.create_table(
        "merkle_node",
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("chain", "pos"),
    )
    op.create_table(
        "checkpoint",
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain", "size"),
    )
    op.create_table(
        "cosignature",
        sa.Column("chain", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("received_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("chain", "size", "key_id"),
    )
    _build_existing_trees()


def _build_existing_trees() -> None:
    """The tree of every chain that already has entries, exactly as the append path grows it."""
    from consent_ledger.core.merkle import Frontier, leaf_of, node_position

    conn = op.get_bind()
    node = sa.table("merkle_node", sa.column("chain"), sa.column("pos"), sa.column("hash"))
    head = sa.table("chain_head", sa.column("chain"), sa.column("frontier"))
    chains = [c for (c,) in conn.execute(sa.text("SELECT chain FROM chain_head ORDER BY chain"))]
    for chain in chains:
        frontier, after = Frontier(), -1
        while True:
            rows = conn.execute(
                sa.text(
                    "SELECT seq, body FROM ledger_entry WHERE chain = :c AND seq > :a ORDER BY seq LIMIT 5000"
                ),
                {"c": chain, "a": after},
            ).all()
            if not rows:
                break
            frontier, made = frontier.extend(leaf_of(bytes(body)) for _, body in rows)
            conn.execute(
                node.insert(),
                [{"chain": chain, "pos": node_position(*key), "hash": h} for key, h in made],
            )
            after = rows[-1][0]
        conn.execute(head.update().where(head.c.chain == chain).values(frontier=b"".join(frontier.peaks)))


def downgrade() -> None:
    op.drop_table("cosignature")
    op.drop_table("checkpoint")
    op.drop_table("merkle_node")
    with op.batch_alter_table("chain_head", schema=None) as batch_op:
        batch_op.drop_column("frontier")
