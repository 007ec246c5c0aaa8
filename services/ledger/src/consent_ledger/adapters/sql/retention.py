"""The retention run's reads (app.retention.RetentionStore) and the violation list, over SQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ...app.retention import Scope
from .store import SqlLedgerStore
from .tables import ENTRY, HANDLE, HOLD, MILESTONE, VIOLATION, parse_fixed_utc
from .transaction import registers_in_force

__all__ = ["SqlRetentionStore"]


class SqlRetentionStore:
    def __init__(self, store: SqlLedgerStore) -> None:
        self._store = store

    def scopes(self, pseudonym: str | None = None) -> list[Scope]:
        """Every (subject, controller, activity) with its key handle; or one subject's."""
        q = select(HANDLE.c.pseudonym, HANDLE.c.controller, HANDLE.c.activity, HANDLE.c.handle)
        if pseudonym is not None:
            q = q.where(HANDLE.c.pseudonym == pseudonym)
        with self._store.engine.connect() as conn:
            return [Scope(*row) for row in conn.execute(q)]

    def milestones(self) -> dict[tuple[str, str, str], dict[str, datetime]]:
        out: dict[tuple[str, str, str], dict[str, datetime]] = {}
        q = select(MILESTONE)
        with self._store.engine.connect() as conn:
            for p, c, a, m, at in conn.execute(q):
                out.setdefault((p, c, a), {})[m] = parse_fixed_utc(at)
        return out

    def registers_in_force(self) -> dict[str, tuple[str, str]]:
        with self._store.engine.connect() as conn:
            return registers_in_force(conn)

    def sealed_count(self, handle: str) -> int:
        q = select(func.count()).select_from(ENTRY).where(ENTRY.c.key_id == handle)
        with self._store.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def purge_destroyed_keys(self) -> None:
        self._store.purge_destroyed_keys()

    def held(self, on: date) -> set[tuple[str, str]]:
        q = select(HOLD.c.pseudonym, HOLD.c.chain).where(
            HOLD.c.kind == "legal-hold", HOLD.c.lifted_at.is_(None), HOLD.c.until >= on.isoformat()
        )
        with self._store.engine.connect() as conn:
            return {(p, c) for p, c in conn.execute(q)}

    def violations(self, since: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Newest first; `since` is a fixed-width or RFC 3339 UTC time."""
        q = select(VIOLATION).order_by(VIOLATION.c.recorded_at.desc(), VIOLATION.c.seq.desc()).limit(limit)
        if since:
            q = q.where(VIOLATION.c.recorded_at >= since)
        with self._store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
