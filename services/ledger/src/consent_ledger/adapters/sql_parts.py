"""Reading a chain's entries by seq range in the verifier's worker processes
(app.parallel_verify): each worker opens its own connection to the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..app.parallel_verify import Run
from .sql_engine import make_read_engine
from .sql_store import ENTRY

__all__ = ["PART_ENTRIES", "SqlParts", "plan_parts"]

PART_ENTRIES = 1 << 12  # entries a worker reads and checks at once (a power of two: whole subtrees)
SqlPart = tuple[str, int | None, int | None]  # chain, first seq (None: any below), end (None: any above)

_engines: dict[str, Engine] = {}  # one per worker process and URL


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


@dataclass(frozen=True, slots=True)
class SqlParts:
    url: str

    def read(self, part: SqlPart) -> Iterator[Run]:
        chain, lo, hi = part
        engine = _engines.get(self.url)
        if engine is None:
            engine = _engines[self.url] = make_read_engine(self.url)
        q = select(ENTRY.c.body, ENTRY.c.entry_hash).where(ENTRY.c.chain == chain)
        if lo is not None:
            q = q.where(ENTRY.c.seq >= lo)
        if hi is not None:
            q = q.where(ENTRY.c.seq < hi)
        with engine.connect() as conn:
            rows = conn.execute(q.order_by(ENTRY.c.seq)).all()
        if rows:
            yield Run(chain, lo or 0, [bytes(b) for b, _ in rows], [bytes(h) for _, h in rows])
