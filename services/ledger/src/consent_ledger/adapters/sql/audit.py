"""The ledger as `verify` reads it from the database: the chain heads, the latest checkpoints, Merkle
nodes and the entries in order, through the database driver alone on a read-only connection
(sql_parts), not SQLAlchemy, so that verifying a database starts as fast as verifying an export
(issue 16: SQLAlchemy and the settings were 0.4 s of the command's start)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from ...app.checkpoints import StoredCheckpoint, consistency_proof
from ...app.verify import ChainOnRecord
from ...core.entries import ChainHead
from ...core.merkle import NodeKey, node_position
from ...core.verify import StoredEntry
from ...errors import NoLedger
from .parts import SqlParts, plan_parts, read_connection
from .urls import in_memory, shown, sqlite_path

__all__ = ["AuditReads", "DatabaseSource"]


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


class DatabaseSource:
    """The ledger's database as app.verify reads it: what the heads record when it is opened (later
    appends are not yet its to check), the stored Merkle leaves and the consistency proofs. Raises
    NoLedger when the database holds no ledger."""

    def __init__(self, url: str) -> None:
        self.name, self._url, self._reads = shown(url), url, AuditReads(url)
        if not self._reads.exists():
            raise NoLedger(
                f"no ledger at {self.name}; start one with `consent-ledger up`, or set LEDGER_HOME"
            )
        heads = {h.chain: h for h in self._reads.heads()}
        self._chains = []
        for chain in sorted(set(heads) | set(self._reads.chains())):
            head, latest = heads.get(chain), self._reads.checkpoint(chain)
            self._chains.append(
                ChainOnRecord(
                    chain,
                    head.length if head else 0,
                    head.head_hash if head else None,
                    latest.note if latest else None,
                )
            )

    def chains(self) -> list[ChainOnRecord]:
        return list(self._chains)

    def entries(self) -> Mapping[str, Iterable[StoredEntry]]:
        return {c.chain: islice(self._reads.iter_entries(c.chain), c.length) for c in self._chains}

    def parts(self) -> tuple[SqlParts, Sequence[Any]] | None:
        if in_memory(self._url):  # workers are other processes: they cannot see it
            return None
        return SqlParts(self._url), plan_parts({c.chain: c.length for c in self._chains})

    def leaves(self, chain: str) -> Callable[[int], bytes | None]:
        return lambda p: self._reads.nodes(chain, [(0, p)]).get((0, p))

    def consistency(self, chain: str, old: int, new: int) -> list[bytes]:
        return consistency_proof(lambda keys: self._reads.nodes(chain, keys), old, new)
