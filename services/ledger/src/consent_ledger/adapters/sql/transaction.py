"""One append's transaction (app.ports.LedgerTransaction): the reads an append needs and its writes,
in one database transaction with the chain heads locked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from ...app.ports import ConsentKey, HandleRow, IndexRow, MilestoneRow
from ...core.consent_state import ConsentFact
from ...core.entries import AppendedEntry, ChainHead
from ...core.merkle import NodeKey, node_position
from .bulk import (
    insert_rows,
    insert_statement,
    member_of,
    upsert_rows,
    vars_of,
)
from .privacy_rows import PrivacyRows, registers_in_force
from .tables import (
    ACCEPTED,
    CONSENT,
    ENTRY,
    HANDLE,
    HEAD,
    HEAD_COLUMNS,
    INDEX,
    KEY,
    MILESTONE,
    NODE,
    REGISTERED,
    fixed_utc,
    parse_fixed_utc,
)

__all__ = ["SqlTransaction", "wrapped_keys", "registers_in_force", "head_of", "fact_of"]


class SqlTransaction(PrivacyRows):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"

    def known_macs(self, event_ids: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for among in member_of(self._conn, INDEX.c.event_id, event_ids):
            q = select(INDEX.c.event_id, INDEX.c.content_mac).where(among)
            for eid, mac in self._conn.execute(q):
                out.setdefault(eid, set()).add(mac)
        return out

    def lock_heads(self, chains: Iterable[str]) -> dict[str, ChainHead]:
        wanted = sorted(set(chains))  # fixed order: no lock-order deadlock between writers
        q = select(*HEAD_COLUMNS).where(HEAD.c.chain.in_(wanted))
        if self._pg:
            q = q.order_by(HEAD.c.chain).with_for_update()
        found = {row[0]: head_of(row) for row in self._conn.execute(q)}
        return {c: found.get(c) or ChainHead.genesis(c) for c in wanted}

    def wrapped_keys(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        return wrapped_keys(self._conn, key_ids)

    def consent_facts(self, keys: Iterable[ConsentKey]) -> dict[ConsentKey, ConsentFact]:
        out = {}
        by_scope: dict[tuple[str, str], list[str]] = {}
        for subject, purpose, chain in set(keys):
            by_scope.setdefault((purpose, chain), []).append(subject)
        # `subject IN (...) AND purpose = ? AND chain = ?`: the primary key answers it on both
        # databases (SQLite scans the table for a list of tuples)
        for (purpose, chain), subjects in sorted(by_scope.items()):
            for among in member_of(self._conn, CONSENT.c.subject, sorted(subjects)):
                q = select(CONSENT).where(among, CONSENT.c.purpose == purpose, CONSENT.c.chain == chain)
                for row in self._conn.execute(q).mappings():
                    out[(row["subject"], row["purpose"], row["chain"])] = fact_of(row)
        return out

    def write(
        self,
        entries: Sequence[AppendedEntry],
        index: Sequence[IndexRow],
        heads: Sequence[ChainHead],
        new_keys: Mapping[str, bytes],
        consent: Mapping[ConsentKey, tuple[ConsentFact, AppendedEntry]],
        nodes: Sequence[tuple[str, NodeKey, bytes]] = (),
        subjects: Sequence[str | None] = (),
        key_ids: Sequence[str | None] = (),
    ) -> None:
        conn = self._conn
        none = [None] * len(entries)
        rows = [
            _entry_row(e, s, k) for e, s, k in zip(entries, subjects or none, key_ids or none, strict=True)
        ]
        node_rows = [{"chain": c, "pos": node_position(*key), "hash": h} for c, key, h in nodes]
        index_rows = [vars_of(r) for r in index]
        insert_rows(conn, ENTRY, rows)
        insert_rows(conn, NODE, node_rows)
        insert_rows(conn, INDEX, index_rows)
        insert_rows(conn, KEY, [{"key_id": k, "wrapped": w} for k, w in new_keys.items()])
        stmt = insert_statement(conn, HEAD)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[HEAD.c.chain],
                set_={c: getattr(stmt.excluded, c) for c in ("length", "head_hash", "frontier")},
            ),
            [
                {
                    "chain": h.chain,
                    "length": h.length,
                    "head_hash": h.head_hash,
                    "frontier": b"".join(h.frontier),
                }
                for h in heads
            ],
        )
        if consent:
            stmt = insert_statement(conn, CONSENT)
            cols = ("event_type", "occurred_at", "event_id", "valid_until", "seq")
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[CONSENT.c.subject, CONSENT.c.purpose, CONSENT.c.chain],
                    set_={c: getattr(stmt.excluded, c) for c in cols},
                ),
                [_consent_row(k, f, e) for k, (f, e) in consent.items()],
            )

    def put_accepted(self, facts: Sequence[tuple[str, str]], at: datetime) -> None:
        made = fixed_utc(at)
        rows = [{"stream": s, "payload": p, "made_at": made} for s, p in facts]
        self._conn.execute(ACCEPTED.insert(), rows)  # a few a batch; the key is made by the database

    def handles(self, triples: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        out = {}
        by_scope: dict[tuple[str, str], list[str]] = {}
        for pseudonym, controller, activity in set(triples):
            by_scope.setdefault((controller, activity), []).append(pseudonym)
        cols = (HANDLE.c.pseudonym, HANDLE.c.controller, HANDLE.c.activity, HANDLE.c.handle)
        for (controller, activity), pseudonyms in sorted(by_scope.items()):  # by the primary key, as above
            for among in member_of(self._conn, HANDLE.c.pseudonym, sorted(pseudonyms)):
                q = select(*cols).where(
                    among,
                    HANDLE.c.controller == controller,
                    HANDLE.c.activity == activity,
                )
                for p, c, a, h in self._conn.execute(q):
                    out[(p, c, a)] = h
        return out

    def put_handles(self, rows: Sequence[HandleRow]) -> None:
        values = [
            {
                "pseudonym": r.pseudonym,
                "controller": r.controller,
                "activity": r.activity,
                "handle": r.handle,
                "created_at": fixed_utc(r.created_at),
            }
            for r in rows
        ]
        insert_rows(self._conn, HANDLE, values)

    def register_subjects(self, rows: Sequence[HandleRow]) -> None:
        unique = {(r.pseudonym, r.controller, r.activity): fixed_utc(r.created_at) for r in rows}
        values = [
            {"pseudonym": p, "controller": c, "activity": a, "since": at}
            for (p, c, a), at in sorted(unique.items())
        ]
        upsert_rows(self._conn, REGISTERED, values, "DO NOTHING")

    def reach_milestones(self, rows: Sequence[MilestoneRow]) -> None:
        latest: dict[tuple[str, str, str, str], str] = {}
        for r in rows:
            key, at = (r.pseudonym, r.controller, r.activity, r.milestone), fixed_utc(r.occurred_at)
            latest[key] = max(at, latest.get(key, at))
        values = [
            {"pseudonym": p, "controller": c, "activity": a, "milestone": m, "occurred_at": at}
            for (p, c, a, m), at in sorted(latest.items())
        ]
        conflict = (
            "(pseudonym, controller, activity, milestone) DO UPDATE SET occurred_at = "
            "excluded.occurred_at WHERE excluded.occurred_at > retention_milestone.occurred_at"
        )
        upsert_rows(self._conn, MILESTONE, values, conflict)


def wrapped_keys(conn: Connection, key_ids: Iterable[str]) -> dict[str, bytes]:
    """key id -> wrapped data key, for those stored."""
    out = {}
    for among in member_of(conn, KEY.c.key_id, key_ids):
        for kid, wrapped in conn.execute(select(KEY.c.key_id, KEY.c.wrapped).where(among)):
            out[kid] = bytes(wrapped)
    return out


def head_of(row: Sequence[Any]) -> ChainHead:
    return ChainHead.stored(*row)


def _entry_row(e: AppendedEntry, subject: str | None, key_id: str | None = None) -> dict[str, Any]:
    """The entry's row; `subject` (the pseudonym) and its key's handle are kept beside the body,
    never inside it."""
    event = e.document.get("event") or {}
    return {
        "chain": e.chain,
        "seq": e.seq,
        "entry_hash": e.entry_hash,
        "body": e.body,
        "kind": e.document["kind"],
        "event_id": event.get("event_id"),
        "subject": subject,
        "key_id": key_id,
        "recorded_at": e.document["recorded_at"],
    }


def _consent_row(key: ConsentKey, fact: ConsentFact, entry: AppendedEntry) -> dict[str, Any]:
    return {
        "subject": key[0],
        "purpose": key[1],
        "event_type": fact.event_type,
        "occurred_at": fixed_utc(fact.occurred_at),
        "event_id": fact.event_id,
        "valid_until": fixed_utc(fact.valid_until) if fact.valid_until else None,
        "chain": entry.chain,
        "seq": entry.seq,
    }


def fact_of(row: RowMapping | Mapping[str, Any]) -> ConsentFact:
    until = row["valid_until"]
    return ConsentFact(
        row["event_type"],
        parse_fixed_utc(row["occurred_at"]),
        row["event_id"],
        parse_fixed_utc(until) if until else None,
    )
