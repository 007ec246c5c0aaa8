"""Reading a chain's entries by seq range in the verifier's worker processes
(app.parallel_verify): each worker opens its own connection to the database.

The rows come through the database driver itself, not SQLAlchemy: on PostgreSQL in binary, so a
body arrives as its bytes rather than as hex text to decode (issue 16: text decoding held
verification from the database at about 280,000 entries/s)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...app.parallel_verify import Run
from .urls import INDEX_PATHS_OPTIONS, sqlite_path

__all__ = ["PART_ENTRIES", "SqlParts", "plan_parts", "read_connection"]

PART_ENTRIES = 1 << 12  # entries a worker reads and checks at once (a power of two: whole subtrees)
SqlPart = tuple[str, int | None, int | None]  # chain, first seq (None: any below), end (None: any above)

# by the ledger_entry primary key (chain, seq): a range read whatever the statistics say
_SELECT = "SELECT body, entry_hash FROM ledger_entry WHERE chain = {p}"

_connections: dict[tuple[int, str], Any] = {}  # one per worker process and URL (a fork gets none)


def plan_parts(lengths: dict[str, int], part: int | None = None) -> list[SqlPart]:
    """Every row of every chain, in parts of `part` (PART_ENTRIES) seqs by the head's length; the
    first part of a chain is open below and the last open above, so a row outside 0..length-1 is
    read too."""
    part = part or PART_ENTRIES
    out: list[SqlPart] = []
    for chain, length in lengths.items():
        starts = list(range(0, max(length, 1), part))
        for i, lo in enumerate(starts):
            out.append((chain, lo if i else None, starts[i + 1] if i + 1 < len(starts) else None))
    return out


def _connect(url: str) -> Any:
    """A read-only connection of the driver the URL names (SQLAlchemy's URL forms)."""
    scheme, _, rest = url.partition("://")
    if scheme.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True, timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn
    import psycopg

    return psycopg.connect(
        f"postgresql://{rest}",
        autocommit=True,
        options=f"{INDEX_PATHS_OPTIONS} -c default_transaction_read_only=on",
    )


def read_connection(url: str) -> Any:
    """This process's read-only connection to `url`, opened on first use."""
    key = (os.getpid(), url)
    conn = _connections.get(key)
    if conn is None:
        conn = _connections[key] = _connect(url)
    return conn


@dataclass(frozen=True, slots=True)
class SqlParts:
    url: str

    def read(self, part: SqlPart) -> Iterator[Run]:
        chain, lo, hi = part
        conn = read_connection(self.url)
        postgres = not self.url.startswith("sqlite")
        p = "%s" if postgres else "?"
        params: list[str | int] = [chain]
        sql = _SELECT.format(p=p)
        if lo is not None:
            sql, params = f"{sql} AND seq >= {p}", [*params, lo]
        if hi is not None:
            sql, params = f"{sql} AND seq < {p}", [*params, hi]
        sql += " ORDER BY seq"
        if postgres:
            with conn.cursor(binary=True) as cur:
                rows = cur.execute(sql, params).fetchall()
        else:
            rows = conn.execute(sql, params).fetchall()
        if rows:
            yield Run(chain, lo or 0, [b for b, _ in rows], [h for _, h in rows])
