"""The SQL store: implements the app's ports over SQLModel tables (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from ledger_contracts import CONSENT_EVENT_TYPES
from sqlalchemy import Connection, Engine, RowMapping, String, any_, bindparam, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ..app.checkpoints import StoredCheckpoint
from ..app.consent_query import HistoryEntry
from ..app.expiry import DueExpiry
from ..app.ports import ConsentKey, HandleRow, IndexRow, MilestoneRow, RightsRow, ViolationRow
from ..core.consent_state import GRANTING, ConsentFact
from ..core.entries import AppendedEntry, ChainHead
from ..core.merkle import NodeKey, node_position
from ..core.verify import StoredEntry
from .sql_models import (
    ChainHeadRow,
    CheckpointRow,
    ConsentStateRow,
    CosignatureRow,
    ErasureRecordRow,
    EventIndexRow,
    LedgerEntryRow,
    MerkleNodeRow,
    ProcessingRegisterRow,
    RegisteredSubjectRow,
    RegisterViolationRow,
    RetentionMilestoneRow,
    SubjectHandleRow,
    SubjectHoldRow,
    SubjectKeyRow,
    SubjectRequestRow,
)

__all__ = [
    "INDEX_PATHS_ONLY",
    "SqlLedgerStore",
    "SqlTransaction",
    "SqlTreeStore",
    "fixed_utc",
    "parse_fixed_utc",
]

ENTRY = LedgerEntryRow.__table__  # type: ignore[attr-defined]
HEAD = ChainHeadRow.__table__  # type: ignore[attr-defined]
INDEX = EventIndexRow.__table__  # type: ignore[attr-defined]
KEY = SubjectKeyRow.__table__  # type: ignore[attr-defined]
CONSENT = ConsentStateRow.__table__  # type: ignore[attr-defined]
NODE = MerkleNodeRow.__table__  # type: ignore[attr-defined]
CHECKPOINT = CheckpointRow.__table__  # type: ignore[attr-defined]
COSIGNATURE = CosignatureRow.__table__  # type: ignore[attr-defined]
ERASURE = ErasureRecordRow.__table__  # type: ignore[attr-defined]
HANDLE = SubjectHandleRow.__table__  # type: ignore[attr-defined]
MILESTONE = RetentionMilestoneRow.__table__  # type: ignore[attr-defined]
REGISTER = ProcessingRegisterRow.__table__  # type: ignore[attr-defined]
VIOLATION = RegisterViolationRow.__table__  # type: ignore[attr-defined]
REQUEST = SubjectRequestRow.__table__  # type: ignore[attr-defined]
HOLD = SubjectHoldRow.__table__  # type: ignore[attr-defined]
REGISTERED = RegisteredSubjectRow.__table__  # type: ignore[attr-defined]
HEAD_COLUMNS = (HEAD.c.chain, HEAD.c.length, HEAD.c.head_hash, HEAD.c.frontier)
_CHUNK = 500  # bound for IN (...) lists
# For the rest of a PostgreSQL transaction: plan every statement afresh (no generic plan kept from a
# time with other settings) and never by a sequential scan where an index can answer. Without
# statistics (autovacuum off, a table never analysed) the planner takes `event_id IN (...500 ids...)`
# for a scan of the whole table, and every append would cost O(ledger size); every query of the
# append has an index that answers it (tests/integration/test_query_plans.py).
_SETTINGS = (("enable_seqscan", "off"), ("plan_cache_mode", "force_custom_plan"))
INDEX_PATHS_ONLY = "SELECT " + ", ".join(f"set_config('{k}', '{v}', true)" for k, v in _SETTINGS)


def fixed_utc(moment: datetime) -> str:
    """Fixed-width UTC text that sorts like time: 2026-03-01T09:00:00.000000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_fixed_utc(value: str) -> datetime:
    """The stored form, always `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    return datetime.fromisoformat(value)


def parse_rfc3339(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _among(conn: Connection, column: Any, values: Iterable[str]) -> Iterator[Any]:
    """`column` among `values`, as conditions to query one after another. On PostgreSQL one
    `column = ANY(:array)`: a single parameter, so the statement is the same text whatever the batch
    (SQLAlchemy's and psycopg's caches hold it; an IN list of 500 placeholders was rendered and
    parsed anew for every batch); the connection's settings keep it on the index. On SQLite IN lists
    of at most _CHUNK."""
    items = list(values)
    if not items:
        return
    if conn.dialect.name == "postgresql":
        yield column == any_(bindparam(None, items, type_=postgresql.ARRAY(String)))
        return
    for chunk in _chunks(items):
        yield column.in_(chunk)


def _driver(conn: Connection) -> Any:
    """The driver's own connection under a SQLAlchemy one (psycopg's, for COPY)."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    return raw


_COPY_TYPES = {"INTEGER": "int4", "BIGINT": "int8", "BLOB": "bytea", "BYTEA": "bytea"}


_copy_types: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # per table and columns, made once


def _types_for(conn: Connection, table: Any, names: tuple[str, ...]) -> list[str]:
    key = (table.name, names)
    if key not in _copy_types:
        compiled = (str(table.c[n].type.compile(conn.dialect)).upper() for n in names)
        _copy_types[key] = [_COPY_TYPES.get(t, "text") for t in compiled]  # VARCHAR(n), TEXT: text
    return _copy_types[key]


def _copy(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """The rows into `table` by one binary COPY on the transaction's own connection (PostgreSQL): the
    bulk of every append, several times cheaper than a parameter set per row. A refused row fails the
    whole COPY, as a refused INSERT fails the batch."""
    if not rows:
        return
    names = tuple(rows[0])
    types = _types_for(conn, table, names)
    raw = _driver(conn)
    columns = ", ".join(names)
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row([row[n] for n in names])


def _insert_rows(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Plain inserts of a batch's rows: binary COPY on PostgreSQL, one executemany on SQLite."""
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    elif rows:
        conn.execute(table.insert(), rows)


def _upsert(conn: Connection, table: Any, rows: Sequence[Mapping[str, Any]], conflict: str) -> None:
    """The rows into `table`, ON CONFLICT `conflict` (the same clause on both databases). On
    PostgreSQL one INSERT ... SELECT FROM unnest(one array per column): one statement for the batch,
    where a parameter set per row cost a statement each (issue 16: a batch of new subjects appended
    at a third of the rate of known ones); on SQLite one executemany. The rows must not repeat a
    key: one statement cannot change a row twice."""
    if not rows:
        return
    names = tuple(rows[0])
    head = f"INSERT INTO {table.name} ({', '.join(names)})"
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(
            f"{head} VALUES ({marks}) ON CONFLICT {conflict}", [tuple(r[n] for n in names) for r in rows]
        )
        return
    arrays = ", ".join(f"%s::{t}[]" for t in _types_for(conn, table, names))
    with _driver(conn).cursor() as cur:
        cur.execute(
            f"{head} SELECT * FROM unnest({arrays}) ON CONFLICT {conflict}",
            [[r[n] for r in rows] for n in names],
        )


def _insert(conn: Connection, table: Any) -> Any:
    """INSERT with ON CONFLICT, in the connection's dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


class SqlTransaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"

    def known_macs(self, event_ids: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for among in _among(self._conn, INDEX.c.event_id, event_ids):
            q = select(INDEX.c.event_id, INDEX.c.content_mac).where(among)
            for eid, mac in self._conn.execute(q):
                out.setdefault(eid, set()).add(mac)
        return out

    def lock_heads(self, chains: Iterable[str]) -> dict[str, ChainHead]:
        wanted = sorted(set(chains))  # fixed order: no lock-order deadlock between writers
        q = select(*HEAD_COLUMNS).where(HEAD.c.chain.in_(wanted))
        if self._pg:
            q = q.order_by(HEAD.c.chain).with_for_update()
        found = {row[0]: _head(row) for row in self._conn.execute(q)}
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
            for among in _among(self._conn, CONSENT.c.subject, sorted(subjects)):
                q = select(CONSENT).where(among, CONSENT.c.purpose == purpose)
                for row in self._conn.execute(q).mappings():
                    out[(row["subject"], row["purpose"])] = _fact(row)
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
        _insert_rows(conn, ENTRY, rows)
        _insert_rows(conn, NODE, node_rows)
        _insert_rows(conn, INDEX, index_rows)
        _insert_rows(conn, KEY, [{"key_id": k, "wrapped": w} for k, w in new_keys.items()])
        stmt = _insert(conn, HEAD)
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
            stmt = _insert(conn, CONSENT)
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
            for among in _among(self._conn, HANDLE.c.pseudonym, sorted(pseudonyms)):
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
        _insert_rows(self._conn, HANDLE, values)

    def register_subjects(self, rows: Sequence[HandleRow]) -> None:
        unique = {(r.pseudonym, r.controller, r.activity): fixed_utc(r.created_at) for r in rows}
        values = [
            {"pseudonym": p, "controller": c, "activity": a, "since": at}
            for (p, c, a), at in sorted(unique.items())
        ]
        _upsert(self._conn, REGISTERED, values, "DO NOTHING")

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
        _upsert(self._conn, MILESTONE, values, conflict)

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
        for chunk in _chunks(places):
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
    for among in _among(conn, KEY.c.key_id, key_ids):
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


def _head(row: Sequence[Any]) -> ChainHead:
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


def _fact(row: RowMapping | Mapping[str, Any]) -> ConsentFact:
    until = row["valid_until"]
    return ConsentFact(
        row["event_type"],
        parse_fixed_utc(row["occurred_at"]),
        row["event_id"],
        parse_fixed_utc(until) if until else None,
    )


T = TypeVar("T")


class SqlLedgerStore:
    """Transactions over `engine`; the consent questions over `reader` (autocommit, see
    make_read_engine), which is the same engine when none is given."""

    def __init__(self, engine: Engine, reader: Engine | None = None) -> None:
        self.engine = engine
        self.reader = reader or engine

    def dispose(self) -> None:
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    def read(self, query: Callable[[Connection], T]) -> T:
        """Run a read; on a dropped connection (the database restarted) once more on a fresh one."""
        try:
            with self.reader.connect() as conn:
                return query(conn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self.reader.connect() as conn:
            return query(conn)

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(INDEX_PATHS_ONLY)
            yield SqlTransaction(conn)

    def heads(self) -> list[ChainHead]:
        with self.engine.connect() as conn:
            return [_head(row) for row in conn.execute(select(*HEAD_COLUMNS).order_by(HEAD.c.chain))]

    def chains(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(ENTRY.c.chain).distinct().order_by(ENTRY.c.chain)).scalars())

    def count_entries(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ENTRY)).scalar_one())

    def iter_entries(self, chain: str, page: int = 5000) -> Iterator[StoredEntry]:
        """All entries of a chain in stored (seq column) order, paged by keyset; read through the
        autocommit pool, so it takes no write lock. Close the iterator when leaving it early."""
        after = -1
        with self.reader.connect() as conn:
            while True:
                q = (
                    select(ENTRY.c.seq, ENTRY.c.body, ENTRY.c.entry_hash)
                    .where(ENTRY.c.chain == chain, ENTRY.c.seq > after)
                    .order_by(ENTRY.c.seq)
                    .limit(page)
                )
                rows = conn.execute(q).all()
                if not rows:
                    return
                for _seq, body, h in rows:
                    yield StoredEntry(bytes(body), bytes(h))
                after = rows[-1][0]

    def consent_fact(self, subject: str, purpose: str) -> tuple[ConsentFact, str, int] | None:
        q = select(CONSENT).where(CONSENT.c.subject == subject, CONSENT.c.purpose == purpose)
        row = self.read(lambda conn: conn.execute(q).mappings().first())
        return (_fact(row), row["chain"], row["seq"]) if row else None

    def grant_candidates(self, subjects: list[str], purpose: str, now: datetime) -> dict[str, ConsentFact]:
        """The current facts of those subjects that may be allowed at `now`: a grant, or a fact
        dated after `now` (what stood before it is in the history). Any other subject's current
        fact already says no. One query with the subjects as one text parameter, not 10,000 bind
        parameters: on PostgreSQL a comma-joined string split by the server (adapting a Python
        list to an array costs more than the lookup; a pseudonym has no comma), on SQLite JSON."""
        grants = ", ".join(f"'{kind}'" for kind in sorted(GRANTING))  # our own constants
        where = f"purpose = :p AND (event_type IN ({grants}) OR occurred_at > :now)"
        among, listed = self._among_listed("subject", subjects)
        q = text(
            f"SELECT subject, event_type, occurred_at, event_id, valid_until FROM consent_state "
            f"WHERE {where} AND {among}"
        )
        params = {"p": purpose, "s": listed, "now": fixed_utc(now)}
        rows = self.read(lambda conn: conn.execute(q, params).all())
        return {
            subject: ConsentFact(
                kind, parse_fixed_utc(at), event_id, parse_fixed_utc(until) if until else None
            )
            for subject, kind, at, event_id, until in rows
        }

    def _among_listed(self, column: str, values: list[str]) -> tuple[str, str]:
        """`column` among `values` (pseudonyms: no comma in them) as one text parameter `:s`, for
        lists of up to 10,000: on PostgreSQL comma-joined and split by the server, on SQLite JSON."""
        if self.engine.dialect.name == "postgresql":
            return f"{column} = ANY(string_to_array(:s, ','))", ",".join(values)
        return f"{column} IN (SELECT value FROM json_each(:s))", json.dumps(values)

    def consent_history(self, subject: str) -> list[HistoryEntry]:
        """The subject's consent events and notices, from the entries themselves (not a projection)."""
        q = (
            select(ENTRY.c.chain, ENTRY.c.seq, ENTRY.c.body)
            .where(ENTRY.c.subject == subject, ENTRY.c.kind == "event")
            .order_by(ENTRY.c.recorded_at, ENTRY.c.chain, ENTRY.c.seq)
        )
        out = []
        with self.engine.connect() as conn:
            for chain, seq, body in conn.execute(q):
                doc = json.loads(bytes(body))
                event = doc["event"]
                kind = event["event_type"]
                if not kind.startswith("consent."):
                    continue
                data = event["data"]
                fact = None
                if kind in CONSENT_EVENT_TYPES:
                    until = data.get("valid_until")
                    fact = ConsentFact(
                        kind,
                        parse_rfc3339(event["occurred_at"]),
                        event["event_id"],
                        parse_rfc3339(until) if until else None,
                    )
                out.append(HistoryEntry(chain, seq, doc["recorded_at"], event, fact, data["purpose"]))
        return out

    def expiring(self, now: datetime, limit: int = 500) -> list[DueExpiry]:
        """Grants whose valid-until has passed while they still stand."""
        q = (
            select(CONSENT, ENTRY.c.body)
            .join(ENTRY, (ENTRY.c.chain == CONSENT.c.chain) & (ENTRY.c.seq == CONSENT.c.seq))
            .where(
                CONSENT.c.event_type.in_(sorted(GRANTING)),
                CONSENT.c.valid_until.is_not(None),
                CONSENT.c.valid_until <= fixed_utc(now),
            )
            .order_by(CONSENT.c.valid_until)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [
            DueExpiry(
                r["subject"],
                r["purpose"],
                _fact(r),
                r["chain"],
                json.loads(bytes(r["body"]))["event"]["processing_activity"],
            )
            for r in rows
        ]

    def restricted(self, subjects: list[str]) -> set[str]:
        """Those of `subjects` whose processing is restricted now (GDPR art. 18): one query, the
        subjects as one parameter (10,000 bind parameters cost more than the lookup)."""
        among, listed = self._among_listed("pseudonym", sorted(set(subjects)))
        q = text(
            f"SELECT pseudonym FROM {HOLD.name} WHERE kind = 'restriction' AND lifted_at IS NULL AND {among}"
        )
        return self.read(lambda conn: set(conn.execute(q, {"s": listed}).scalars()))

    def is_registered(self, pseudonym: str, controller: str) -> bool:
        """True when an authoritative record registered this subject with the controller
        (app.registration); the notifier's own records never do."""
        q = select(REGISTERED.c.since).where(
            REGISTERED.c.pseudonym == pseudonym, REGISTERED.c.controller == controller
        )
        return self.read(lambda conn: conn.execute(q.limit(1)).first() is not None)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def answers(self) -> bool:
        """Whether the database answers now."""
        try:
            self.ping()
        except Exception:  # noqa: BLE001 - the answer is no
            return False
        return True


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

    def put_checkpoint(self, stored: StoredCheckpoint) -> None:
        with self._store.engine.begin() as conn:
            stmt = _insert(conn, CHECKPOINT)
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
            stmt = _insert(conn, COSIGNATURE)
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
