"""The entries an LDV export reads (app.ldv): events, in chain order, paged by key, with the subject's
pseudonym where it has not been erased and the traceparent sealed with the subject's data, opened
with the key-encryption keys while the data key lives."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import literal, select, tuple_

from ...app.ldv import LDV_EVENT_TYPES, LdvEntry, opened_traceparent
from ...core.sealing import unwrap_key
from .store import SqlLedgerStore
from .tables import ENTRY
from .transaction import wrapped_keys

__all__ = ["ldv_entries"]


def ldv_entries(
    store: SqlLedgerStore,
    chain: str | None = None,
    after: tuple[str, int] | None = None,
    page: int = 2000,
    keks: Sequence[bytes] = (),
) -> Iterator[LdvEntry]:
    """Every event entry (of `chain`, or of all chains), after the (chain, seq) `after` when given.
    `keks`: the key-encryption key and any previous ones; without, no traceparent is opened."""
    position = after or ("", -1)
    while True:
        q = (
            select(
                ENTRY.c.chain,
                ENTRY.c.seq,
                ENTRY.c.body,
                ENTRY.c.recorded_at,
                ENTRY.c.subject,
                ENTRY.c.key_id,
            )
            .where(ENTRY.c.kind == "event")
            .where(tuple_(ENTRY.c.chain, ENTRY.c.seq) > tuple_(literal(position[0]), literal(position[1])))
            .order_by(ENTRY.c.chain, ENTRY.c.seq)
            .limit(page)
        )
        if chain is not None:
            q = q.where(ENTRY.c.chain == chain)
        rows = store.read(lambda conn: conn.execute(q).all())  # noqa: B023 - run at once, in this pass
        bodies = [json.loads(bytes(r[2])) for r in rows]
        keys = _data_keys(store, keks, [r[5] for r, b in zip(rows, bodies, strict=True) if _traced(b)])
        for (c, seq, _body, recorded_at, subject, key_id), body in zip(rows, bodies, strict=True):
            trace = opened_traceparent(body["event"], body.get("sealed"), keys.get(key_id or ""))
            yield LdvEntry(c, seq, body["event"], recorded_at, subject, trace)
        if len(rows) < page:
            return
        position = (rows[-1][0], rows[-1][1])


def _traced(body: dict[str, Any]) -> bool:
    """An entry whose record is an LDV record and whose sealed part may hold a traceparent."""
    return "sealed" in body and str(body["event"].get("event_type", "")).startswith(LDV_EVENT_TYPES)


def _data_keys(store: SqlLedgerStore, keks: Sequence[bytes], key_ids: list[str | None]) -> dict[str, bytes]:
    """The data keys of `key_ids` that still exist, unwrapped. A destroyed key is absent, and so is
    one that no configured key-encryption key opens: its record then carries the event's own trace,
    as an erased one does (the access report, which must open everything, refuses instead)."""
    wanted = sorted({k for k in key_ids if k})
    if not keks or not wanted:
        return {}
    wrapped = store.read(lambda conn: wrapped_keys(conn, wanted))
    out: dict[str, bytes] = {}
    for key_id, w in wrapped.items():
        try:
            out[key_id] = unwrap_key(keks[0], w, key_id, keks[1:])
        except InvalidTag:  # wrapped by a key-encryption key this process is not given
            continue
    return out
