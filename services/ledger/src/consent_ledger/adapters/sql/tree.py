"""The Merkle tree's nodes, entries and signed checkpoints as app.checkpoints reads and writes them."""

from __future__ import annotations

from sqlalchemy import select

from ...app.checkpoints import StoredCheckpoint
from ...core.entries import ChainHead
from ...core.merkle import NodeKey, node_position
from ...core.verify import StoredEntry
from .bulk import (
    insert_statement,
)
from .store import SqlLedgerStore
from .tables import (
    CHECKPOINT,
    COSIGNATURE,
    ENTRY,
    NODE,
)

__all__ = ["SqlTreeStore"]


class SqlTreeStore:
    """The Merkle nodes, checkpoints and cosignatures of every chain (app.checkpoints' port)."""

    def __init__(self, store: SqlLedgerStore) -> None:
        self._store = store

    def heads(self) -> list[ChainHead]:
        return self._store.heads()

    def nodes(self, chain: str, keys: list[NodeKey]) -> dict[NodeKey, bytes]:
        wanted = {node_position(*key): key for key in keys}
        q = select(NODE.c.pos, NODE.c.hash).where(NODE.c.chain == chain, NODE.c.pos.in_(sorted(wanted)))
        rows = self._store.read(lambda conn: conn.execute(q).all())
        return {wanted[pos]: bytes(h) for pos, h in rows}

    def entry(self, chain: str, seq: int) -> StoredEntry | None:
        q = select(ENTRY.c.body, ENTRY.c.entry_hash).where(ENTRY.c.chain == chain, ENTRY.c.seq == seq)
        row = self._store.read(lambda conn: conn.execute(q).first())
        return StoredEntry(bytes(row[0]), bytes(row[1])) if row else None

    def checkpoint(self, chain: str, size: int | None = None) -> StoredCheckpoint | None:
        """The one at `size`, or the latest."""
        q = select(CHECKPOINT).where(CHECKPOINT.c.chain == chain)
        q = q.where(CHECKPOINT.c.size == size) if size is not None else q.order_by(CHECKPOINT.c.size.desc())
        row = self._store.read(lambda conn: conn.execute(q.limit(1)).mappings().first())
        if row is None:
            return None
        return StoredCheckpoint(
            row["chain"], row["size"], bytes(row["root_hash"]), row["note"], row["issued_at"]
        )

    def put_checkpoint(self, stored: StoredCheckpoint, replace: bool = False) -> None:
        if replace:
            with self._store.engine.begin() as conn:
                conn.execute(
                    CHECKPOINT.update()
                    .where(CHECKPOINT.c.chain == stored.chain, CHECKPOINT.c.size == stored.size)
                    .values(note=stored.note, issued_at=stored.issued_at)
                )
            return
        with self._store.engine.begin() as conn:
            stmt = insert_statement(conn, CHECKPOINT)
            conn.execute(
                stmt.on_conflict_do_nothing(index_elements=[CHECKPOINT.c.chain, CHECKPOINT.c.size]),
                [
                    {
                        "chain": stored.chain,
                        "size": stored.size,
                        "root_hash": stored.root_hash,
                        "note": stored.note,
                        "issued_at": stored.issued_at,
                    }
                ],
            )

    def cosignatures(self, chain: str, size: int) -> list[str]:
        q = (
            select(COSIGNATURE.c.line)
            .where(COSIGNATURE.c.chain == chain, COSIGNATURE.c.size == size)
            .order_by(COSIGNATURE.c.received_at, COSIGNATURE.c.key_id)
        )
        return list(self._store.read(lambda conn: conn.execute(q).scalars().all()))

    def put_cosignature(self, chain: str, size: int, witness: str, key_id: str, line: str, at: str) -> None:
        """A later cosignature by the same witness key on the same checkpoint replaces the earlier."""
        with self._store.engine.begin() as conn:
            stmt = insert_statement(conn, COSIGNATURE)
            keys = [COSIGNATURE.c.chain, COSIGNATURE.c.size, COSIGNATURE.c.key_id]
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=keys,
                    set_={"line": stmt.excluded.line, "received_at": stmt.excluded.received_at},
                ),
                [
                    {
                        "chain": chain,
                        "size": size,
                        "key_id": key_id,
                        "witness": witness,
                        "line": line,
                        "received_at": at,
                    }
                ],
            )
