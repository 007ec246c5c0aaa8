"""The entries an LDV export reads (app.ldv): events, in chain order, paged by key, with the subject's
pseudonym where it has not been erased."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import literal, select, tuple_

from ..app.ldv import LdvEntry
from .sql_store import SqlLedgerStore
from .sql_tables import ENTRY

__all__ = ["ldv_entries"]


def ldv_entries(
    store: SqlLedgerStore, chain: str | None = None, after: tuple[str, int] | None = None, page: int = 2000
) -> Iterator[LdvEntry]:
    """Every event entry (of `chain`, or of all chains), after the (chain, seq) `after` when given."""
    position = after or ("", -1)
    while True:
        q = (
            select(ENTRY.c.chain, ENTRY.c.seq, ENTRY.c.body, ENTRY.c.recorded_at, ENTRY.c.subject)
            .where(ENTRY.c.kind == "event")
            .where(tuple_(ENTRY.c.chain, ENTRY.c.seq) > tuple_(literal(position[0]), literal(position[1])))
            .order_by(ENTRY.c.chain, ENTRY.c.seq)
            .limit(page)
        )
        if chain is not None:
            q = q.where(ENTRY.c.chain == chain)
        rows = store.read(lambda conn: conn.execute(q).all())  # noqa: B023 - run at once, in this pass
        for c, seq, body, recorded_at, subject in rows:
            yield LdvEntry(c, seq, json.loads(bytes(body))["event"], recorded_at, subject)
        if len(rows) < page:
            return
        position = (rows[-1][0], rows[-1][1])
