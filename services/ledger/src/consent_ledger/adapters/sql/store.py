"""The SQL store: the ledger's reads and its transactions over SQLModel tables (SQLite or
PostgreSQL); the hot consent reads on their own autocommit pool."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from ledger_contracts import CONSENT_EVENT_TYPES
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from ...app.consent_query import HistoryEntry
from ...app.expiry import DueExpiry
from ...core.consent_state import GRANTING, ConsentFact
from ...core.entries import ChainHead
from ...core.verify import StoredEntry
from .errors import translated
from .tables import (
    CONSENT,
    ENTRY,
    HEAD,
    HEAD_COLUMNS,
    HOLD,
    INDEX_PATHS_ONLY,
    KEY,
    REGISTERED,
    fixed_utc,
    parse_fixed_utc,
    parse_rfc3339,
)
from .transaction import SqlTransaction, fact_of, head_of

__all__ = ["SqlLedgerStore"]


T = TypeVar("T")
log = logging.getLogger("consent_ledger.store")


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
        """One transaction, committed at the end; the database's errors in it, and at its commit,
        raised as the ledger's family (errors.translated), anything else as it is."""
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(INDEX_PATHS_ONLY)
                yield SqlTransaction(conn)
        except Exception as exc:
            family = translated(exc)
            if family is None or family is exc:
                raise
            raise family from exc

    def heads(self) -> list[ChainHead]:
        with self.engine.connect() as conn:
            return [head_of(row) for row in conn.execute(select(*HEAD_COLUMNS).order_by(HEAD.c.chain))]

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

    def consent_fact(
        self, subject: str, purpose: str, controller: str
    ) -> tuple[ConsentFact, str, int] | None:
        q = select(CONSENT).where(
            CONSENT.c.subject == subject, CONSENT.c.purpose == purpose, CONSENT.c.chain == controller
        )
        row = self.read(lambda conn: conn.execute(q).mappings().first())
        return (fact_of(row), row["chain"], row["seq"]) if row else None

    def grant_candidates(
        self, subjects: list[str], purpose: str, now: datetime, controller: str
    ) -> dict[str, ConsentFact]:
        """The current facts of those subjects that may be allowed at `now`: a grant, or a fact
        dated after `now` (what stood before it is in the history). Any other subject's current
        fact already says no. One query with the subjects as one text parameter, not 10,000 bind
        parameters: on PostgreSQL a comma-joined string split by the server (adapting a Python
        list to an array costs more than the lookup; a pseudonym has no comma), on SQLite JSON."""
        grants = ", ".join(f"'{kind}'" for kind in sorted(GRANTING))  # our own constants
        where = f"purpose = :p AND chain = :c AND (event_type IN ({grants}) OR occurred_at > :now)"
        among, listed = self._among_listed("subject", subjects)
        q = text(
            f"SELECT subject, event_type, occurred_at, event_id, valid_until FROM consent_state "
            f"WHERE {where} AND {among}"
        )
        params = {"p": purpose, "c": controller, "s": listed, "now": fixed_utc(now)}
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

    def consent_history(self, subject: str, controller: str) -> list[HistoryEntry]:
        """The subject's consent events and notices on `controller`'s chain, from the entries
        themselves (not a projection)."""
        q = (
            select(ENTRY.c.chain, ENTRY.c.seq, ENTRY.c.body)
            .where(ENTRY.c.subject == subject, ENTRY.c.kind == "event", ENTRY.c.chain == controller)
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
                fact_of(r),
                r["chain"],
                json.loads(bytes(r["body"]))["event"]["processing_activity"],
            )
            for r in rows
        ]

    def restricted(self, subjects: list[str], controller: str | None = None) -> set[str]:
        """Those of `subjects` whose processing is restricted now (GDPR art. 18) at `controller`
        (None: at any): one query, the subjects as one parameter (10,000 bind parameters cost more
        than the lookup)."""
        among, listed = self._among_listed("pseudonym", sorted(set(subjects)))
        at = "" if controller is None else "AND chain = :c "
        q = text(
            f"SELECT pseudonym FROM {HOLD.name} WHERE kind = 'restriction' AND lifted_at IS NULL "
            f"{at}AND {among}"
        )
        params = {"s": listed} if controller is None else {"s": listed, "c": controller}
        return self.read(lambda conn: set(conn.execute(q, params).scalars()))

    def is_registered(self, pseudonym: str, controller: str) -> bool:
        """True when an authoritative record registered this subject with the controller
        (app.registration); the notifier's own records never do."""
        q = select(REGISTERED.c.since).where(
            REGISTERED.c.pseudonym == pseudonym, REGISTERED.c.controller == controller
        )
        return self.read(lambda conn: conn.execute(q.limit(1)).first() is not None)

    def purge_destroyed_keys(self) -> None:
        """After keys were deleted, make it physical (DESIGN.md invariant 14). SQLite runs with
        `secure_delete` (sql_engine), so a deleted row's bytes are zeroed in the pages written; a WAL
        checkpoint that truncates then writes those pages into the main file and empties the WAL,
        which held the key's earlier page images. PostgreSQL keeps a deleted row as a dead tuple
        until vacuumed, and plain VACUUM may leave its bytes in the page's free space: `VACUUM FULL`
        rewrites the small key table into a new file, and a CHECKPOINT lets the server remove the
        old one (it needs the role pg_checkpoint or a superuser; without, the old file goes at the
        next checkpoint, within checkpoint_timeout). What WAL archives and backups may keep is in
        docs/operations.md."""
        if self.engine.dialect.name == "sqlite":
            raw = self.engine.raw_connection()  # outside a transaction: a checkpoint cannot run in one
            try:
                busy, _, _ = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                raw.close()
            if busy:
                log.warning("WAL checkpoint after erasure was blocked by a reader; it runs again next time")
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM FULL {KEY.name}")
            try:
                conn.exec_driver_sql("CHECKPOINT")
            except DBAPIError:
                log.warning(
                    "CHECKPOINT refused (grant the ledger's role pg_checkpoint): the old key file "
                    "goes at the server's next checkpoint"
                )

    def wrapped_page(self, after: str, limit: int) -> list[tuple[str, bytes]]:
        """Stored data keys in key-id order after `after` (app.rewrap)."""
        q = (
            select(KEY.c.key_id, KEY.c.wrapped)
            .where(KEY.c.key_id > after)
            .order_by(KEY.c.key_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(kid, bytes(w)) for kid, w in conn.execute(q)]

    def replace_wrapped(self, rows: Sequence[tuple[str, bytes, bytes]]) -> int:
        """Each key re-wrapped only while it is still as read (an erasure may have deleted it)."""
        replaced = 0
        with self.engine.begin() as conn:
            for key_id, old, new in rows:
                done = conn.execute(
                    KEY.update().where(KEY.c.key_id == key_id, KEY.c.wrapped == old).values(wrapped=new)
                )
                replaced += done.rowcount
        return replaced

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
