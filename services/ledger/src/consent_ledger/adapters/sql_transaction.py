"""One append's transaction (app.ports.LedgerTransaction): the reads an append needs and its writes,
in one database transaction with the chain heads locked."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select, tuple_

from ..app.ports import ConsentKey, HandleRow, IndexRow, MilestoneRow, RightsRow, ViolationRow
from ..core.consent_state import ConsentFact
from ..core.entries import AppendedEntry, ChainHead
from ..core.merkle import NodeKey, node_position
from .sql_bulk import (
    chunks,
    insert_rows,
    insert_statement,
    member_of,
    upsert_rows,
)
from .sql_tables import (
    CONSENT,
    ENTRY,
    ERASURE,
    HANDLE,
    HEAD,
    HEAD_COLUMNS,
    HOLD,
    INDEX,
    KEY,
    MILESTONE,
    NODE,
    REGISTER,
    REGISTERED,
    REQUEST,
    VIOLATION,
    fixed_utc,
    parse_fixed_utc,
)

__all__ = ["SqlTransaction", "wrapped_keys", "registers_in_force", "head_of", "vars_of", "fact_of"]


class SqlTransaction:
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
        by_purpose: dict[str, list[str]] = {}
        for subject, purpose in set(keys):
            by_purpose.setdefault(purpose, []).append(subject)
        # `subject IN (...) AND purpose = ?`: the primary key answers it on both databases (SQLite
        # scans the table for a list of (subject, purpose) pairs)
        for purpose, subjects in sorted(by_purpose.items()):
            for among in member_of(self._conn, CONSENT.c.subject, sorted(subjects)):
                q = select(CONSENT).where(among, CONSENT.c.purpose == purpose)
                for row in self._conn.execute(q).mappings():
                    out[(row["subject"], row["purpose"])] = fact_of(row)
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
            cols = ("event_type", "occurred_at", "event_id", "valid_until", "chain", "seq")
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[CONSENT.c.subject, CONSENT.c.purpose],
                    set_={c: getattr(stmt.excluded, c) for c in cols},
                ),
                [_consent_row(k, f, e) for k, (f, e) in consent.items()],
            )

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

    def registers(self, chains: Iterable[str]) -> dict[str, tuple[str, str]]:
        return registers_in_force(self._conn, chains)

    def put_register(self, chain: str, seq: int, version: str, document: dict[str, Any], at: str) -> None:
        self._conn.execute(
            REGISTER.insert(),
            [
                {
                    "chain": chain,
                    "seq": seq,
                    "version": version,
                    "document": json.dumps(document, ensure_ascii=False),
                    "recorded_at": at,
                }
            ],
        )

    def destroy(self, handle: str, scopes: Sequence[Any], erasure_entries: Sequence[AppendedEntry]) -> None:
        """Erasure (app.retention): the key goes, and with it everything that leads from the person
        to the handle or its entries; an erasure record points the person at the erasure entries."""
        conn = self._conn
        sealed = ENTRY.c.key_id == handle
        pseudonyms = {s.pseudonym for s in scopes}
        places = conn.execute(select(ENTRY.c.chain, ENTRY.c.seq).where(sealed)).all()
        for chunk in chunks(places):
            conn.execute(
                CONSENT.delete().where(
                    CONSENT.c.subject.in_(sorted(pseudonyms)),
                    tuple_(CONSENT.c.chain, CONSENT.c.seq).in_(chunk),
                )
            )
        conn.execute(ENTRY.update().where(sealed).values(subject=None, key_id=None))
        conn.execute(KEY.delete().where(KEY.c.key_id == handle))
        conn.execute(HANDLE.delete().where(HANDLE.c.handle == handle))
        for s in scopes:
            conn.execute(
                REGISTERED.delete().where(
                    REGISTERED.c.pseudonym == s.pseudonym,
                    REGISTERED.c.controller == s.controller,
                    REGISTERED.c.activity == s.activity,
                )
            )
            conn.execute(
                MILESTONE.delete().where(
                    MILESTONE.c.pseudonym == s.pseudonym,
                    MILESTONE.c.controller == s.controller,
                    MILESTONE.c.activity == s.activity,
                )
            )
            left = conn.execute(
                select(HANDLE.c.handle)
                .where(HANDLE.c.pseudonym == s.pseudonym, HANDLE.c.controller == s.controller)
                .limit(1)
            ).first()
            if left is None:  # nothing of the subject stays at this controller: nor their last contact
                conn.execute(
                    MILESTONE.delete().where(
                        MILESTONE.c.pseudonym == s.pseudonym, MILESTONE.c.controller == s.controller
                    )
                )
        rows = []
        for scope, entry in zip(scopes, erasure_entries, strict=True):
            data = entry.document["event"]["data"]
            rule = data.get("rule") or {}
            rows.append(
                {
                    "chain": entry.chain,
                    "seq": entry.seq,
                    "pseudonym": scope.pseudonym,
                    "activity": scope.activity,
                    "cause": data["cause"],
                    "rule": f"{rule.get('milestone') or 'request'}+{rule.get('duration') or ''}".rstrip("+"),
                    "due_on": data.get("due_on"),
                    "erased_at": entry.document["recorded_at"],
                }
            )
        conn.execute(ERASURE.insert(), rows)

    def put_violations(self, rows: Sequence[ViolationRow]) -> None:
        if rows:
            self._conn.execute(VIOLATION.insert(), [vars_of(r) for r in rows])  # type: ignore[arg-type]

    def track_rights(self, rows: Sequence[RightsRow]) -> None:
        conn = self._conn
        for r in rows:
            d = r.data
            if r.event_type == "subject.request-received":
                if conn.execute(
                    select(REQUEST.c.request_id).where(REQUEST.c.request_id == d["request_id"])
                ).first():
                    continue  # the same request told twice: the first entry stands
                conn.execute(
                    REQUEST.insert().values(
                        request_id=d["request_id"],
                        chain=r.chain,
                        pseudonym=r.pseudonym,
                        right=d["right"],
                        received_on=d["received_on"],
                        due_on=d["due_on"],
                        received_seq=r.seq,
                    )
                )
            elif r.event_type == "subject.request-decided":
                conn.execute(
                    REQUEST.update()
                    .where(REQUEST.c.request_id == d["request_id"], REQUEST.c.decided_at.is_(None))
                    .values(decided_at=r.recorded_at, outcome=d["outcome"], decided_seq=r.seq)
                )
            elif d["state"] == "placed":
                if conn.execute(select(HOLD.c.hold_id).where(HOLD.c.hold_id == d["hold_id"])).first():
                    continue
                conn.execute(
                    HOLD.insert().values(
                        hold_id=d["hold_id"],
                        chain=r.chain,
                        pseudonym=r.pseudonym,
                        kind=d["kind"],
                        until=d.get("until"),
                        placed_at=r.recorded_at,
                    )
                )
            else:
                conn.execute(
                    HOLD.update()
                    .where(HOLD.c.hold_id == d["hold_id"], HOLD.c.lifted_at.is_(None))
                    .values(lifted_at=r.recorded_at)
                )


def wrapped_keys(conn: Connection, key_ids: Iterable[str]) -> dict[str, bytes]:
    """key id -> wrapped data key, for those stored."""
    out = {}
    for among in member_of(conn, KEY.c.key_id, key_ids):
        for kid, wrapped in conn.execute(select(KEY.c.key_id, KEY.c.wrapped).where(among)):
            out[kid] = bytes(wrapped)
    return out


def registers_in_force(conn: Connection, chains: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """chain -> (version, document JSON) of the latest register published on it."""
    latest = select(REGISTER.c.chain, func.max(REGISTER.c.seq).label("seq")).group_by(REGISTER.c.chain)
    if chains is not None:
        latest = latest.where(REGISTER.c.chain.in_(sorted(set(chains))))
    sub = latest.subquery()
    q = select(REGISTER.c.chain, REGISTER.c.version, REGISTER.c.document).join(
        sub, (REGISTER.c.chain == sub.c.chain) & (REGISTER.c.seq == sub.c.seq)
    )
    return {chain: (version, doc) for chain, version, doc in conn.execute(q)}


def head_of(row: Sequence[Any]) -> ChainHead:
    return ChainHead.stored(*row)


def vars_of(row: IndexRow) -> dict[str, Any]:
    return {s: getattr(row, s) for s in row.__slots__}


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
