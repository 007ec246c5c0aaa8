"""The ledger as `verify` reads it from the database: the chain heads, the latest checkpoints, Merkle
nodes and the entries in order, through the database driver alone on a read-only connection
(sql_parts), not SQLAlchemy, so that verifying a database starts as fast as verifying an export
(issue 16: SQLAlchemy and the settings were 0.4 s of the command's start)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..app.checkpoints import StoredCheckpoint
from ..core.entries import ChainHead
from ..core.merkle import NodeKey, node_position
from ..core.verify import StoredEntry
from .db_urls import in_memory, sqlite_path
from .sql_parts import read_connection

__all__ = ["AuditReads"]


class AuditReads:
    """Read-only queries on the ledger at `url` (a SQLAlchemy URL, as the settings give it); each
    by a primary key, as the writer's are."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._postgres = not url.startswith("sqlite")
        self._p = "%s" if self._postgres else "?"

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        conn = read_connection(self.url)
        sql = sql.replace("?", self._p)
        if self._postgres:
            with conn.cursor(binary=True) as cur:
                rows: list[Any] = cur.execute(sql, list(params)).fetchall()
                return rows
        found: list[Any] = conn.execute(sql, list(params)).fetchall()
        return found

    def exists(self) -> bool:
        """Whether the database holds a ledger (its schema version), creating nothing: a SQLite file
        that is not there is not opened, and one in memory belongs to another process."""
        if not self._postgres:
            path = sqlite_path(self.url)
            if in_memory(self.url) or not Path(path).is_file():
                return False
            found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        else:
            found = "SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL"
        return bool(self._rows(found))

    def heads(self) -> list[ChainHead]:
        rows = self._rows("SELECT chain, length, head_hash, frontier FROM chain_head ORDER BY chain")
        return [ChainHead.stored(*row) for row in rows]

    def chains(self) -> list[str]:
        """Every chain that has an entry, with or without a head."""
        return [c for (c,) in self._rows("SELECT DISTINCT chain FROM ledger_entry ORDER BY chain")]

    def checkpoint(self, chain: str) -> StoredCheckpoint | None:
        """The latest."""
        rows = self._rows(
            "SELECT chain, size, root_hash, note, issued_at FROM checkpoint WHERE chain = ? "
            "ORDER BY size DESC LIMIT 1",
            [chain],
        )
        if not rows:
            return None
        chain, size, root, note, issued_at = rows[0]
        return StoredCheckpoint(chain, size, bytes(root), note, str(issued_at))

    def nodes(self, chain: str, keys: list[NodeKey]) -> dict[NodeKey, bytes]:
        """The stored nodes among `keys` (a proof's few dozen at most)."""
        wanted = {node_position(*key): key for key in keys}
        if not wanted:
            return {}
        among = ", ".join("?" * len(wanted))
        rows = self._rows(
            f"SELECT pos, hash FROM merkle_node WHERE chain = ? AND pos IN ({among})",
            [chain, *sorted(wanted)],
        )
        return {wanted[pos]: bytes(h) for pos, h in rows}

    def iter_entries(self, chain: str, page: int = 5000) -> Iterator[StoredEntry]:
        """All entries of a chain in stored (seq column) order from seq 0 on, paged by keyset, as
        the store's own iter_entries reads them."""
        after = -1
        while True:
            rows = self._rows(
                "SELECT seq, body, entry_hash FROM ledger_entry WHERE chain = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                [chain, after, page],
            )
            for _, body, entry_hash in rows:
                yield StoredEntry(bytes(body), bytes(entry_hash))
            if len(rows) < page:
                return
            after = rows[-1][0]
