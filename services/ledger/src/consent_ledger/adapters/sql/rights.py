"""The subject-rights reads (app.subject_rights.RightsStore) and the request list, over SQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ...app.access_report import ErasedScope
from ...app.retention import Scope
from ...app.rights_model import Hold, TrackedRequest
from .retention import SqlRetentionStore
from .tables import ENTRY, ERASURE, HOLD, MILESTONE, REQUEST, parse_fixed_utc
from .transaction import wrapped_keys

__all__ = ["SqlRightsStore"]


def _request(row: Any) -> TrackedRequest:
    return TrackedRequest(
        row.request_id,
        row.chain,
        row.pseudonym,
        row.right,
        date.fromisoformat(row.received_on),
        date.fromisoformat(row.due_on),
        row.decided_at,
        row.outcome,
        row.received_seq,
        row.decided_seq,
    )


def _hold(row: Any) -> Hold:
    until = date.fromisoformat(row.until) if row.until else None
    return Hold(row.hold_id, row.chain, row.pseudonym, row.kind, until, row.placed_at, row.request_id)


class SqlRightsStore(SqlRetentionStore):
    """The retention reads, and those of one subject's requests, holds and entries."""

    def scopes_of(self, pseudonym: str) -> list[Scope]:
        return self.scopes(pseudonym)

    def milestones_of(self, pseudonym: str) -> dict[tuple[str, str], dict[str, datetime]]:
        q = select(
            MILESTONE.c.controller, MILESTONE.c.activity, MILESTONE.c.milestone, MILESTONE.c.occurred_at
        )
        out: dict[tuple[str, str], dict[str, datetime]] = {}
        with self._store.engine.connect() as conn:
            for c, a, m, at in conn.execute(q.where(MILESTONE.c.pseudonym == pseudonym)):
                out.setdefault((c, a), {})[m] = parse_fixed_utc(at)
        return out

    def holds(self, pseudonym: str) -> list[Hold]:
        q = select(HOLD).where(HOLD.c.pseudonym == pseudonym, HOLD.c.lifted_at.is_(None))
        with self._store.engine.connect() as conn:
            return [_hold(r) for r in conn.execute(q.order_by(HOLD.c.placed_at))]

    def hold(self, hold_id: str) -> Hold | None:
        q = select(HOLD).where(HOLD.c.hold_id == hold_id, HOLD.c.lifted_at.is_(None))
        with self._store.engine.connect() as conn:
            row = conn.execute(q).first()
        return _hold(row) if row else None

    def all_holds(self, controllers: frozenset[str] | None = None) -> list[Hold]:
        """Every hold and restriction not lifted, by the day it was placed; at `controllers` only
        when given (a legal hold whose end date passed is listed, and stops nothing)."""
        q = select(HOLD).where(HOLD.c.lifted_at.is_(None))
        if controllers is not None:
            q = q.where(HOLD.c.chain.in_(sorted(controllers)))
        with self._store.engine.connect() as conn:
            return [_hold(r) for r in conn.execute(q.order_by(HOLD.c.placed_at, HOLD.c.hold_id))]

    def erasures_waiting(self) -> list[Hold]:
        """The restrictions that stand in for an erasure refused for a legal hold: placed for an
        erasure request and not lifted."""
        q = (
            select(HOLD)
            .join(REQUEST, REQUEST.c.request_id == HOLD.c.request_id)
            .where(HOLD.c.kind == "restriction", HOLD.c.lifted_at.is_(None), REQUEST.c.right == "erasure")
            .order_by(HOLD.c.placed_at, HOLD.c.hold_id)
        )
        with self._store.engine.connect() as conn:
            return [_hold(r) for r in conn.execute(q)]

    def request(self, request_id: str) -> TrackedRequest | None:
        with self._store.engine.connect() as conn:
            row = conn.execute(select(REQUEST).where(REQUEST.c.request_id == request_id)).first()
        return _request(row) if row else None

    def requests(
        self, open_only: bool = False, overdue_on: date | None = None, pseudonym: str | None = None
    ) -> list[TrackedRequest]:
        q = select(REQUEST).order_by(REQUEST.c.due_on, REQUEST.c.request_id)
        if open_only or overdue_on:
            q = q.where(REQUEST.c.decided_at.is_(None))
        if overdue_on:
            q = q.where(REQUEST.c.due_on < overdue_on.isoformat())
        if pseudonym:
            q = q.where(REQUEST.c.pseudonym == pseudonym)
        with self._store.engine.connect() as conn:
            return [_request(r) for r in conn.execute(q)]

    def overdue_count(self, today: date) -> int:
        q = (
            select(func.count())
            .select_from(REQUEST)
            .where(REQUEST.c.decided_at.is_(None), REQUEST.c.due_on < today.isoformat())
        )
        with self._store.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def subject_entries(self, pseudonym: str) -> list[tuple[str, int, bytes, str | None]]:
        q = (
            select(ENTRY.c.chain, ENTRY.c.seq, ENTRY.c.body, ENTRY.c.key_id)
            .where(ENTRY.c.subject == pseudonym)
            .order_by(ENTRY.c.recorded_at, ENTRY.c.chain, ENTRY.c.seq)
        )
        with self._store.engine.connect() as conn:
            return [(c, s, bytes(b), k) for c, s, b, k in conn.execute(q)]

    def wrapped_keys(self, key_ids: list[str]) -> dict[str, bytes]:
        with self._store.engine.connect() as conn:
            return wrapped_keys(conn, key_ids)

    def erasures_of(self, pseudonym: str) -> list[ErasedScope]:
        q = select(ERASURE).where(ERASURE.c.pseudonym == pseudonym).order_by(ERASURE.c.erased_at)
        with self._store.engine.connect() as conn:
            return [
                ErasedScope(r.chain, r.seq, r.activity, r.cause, r.rule, r.due_on, r.erased_at, r.disclosures)
                for r in conn.execute(q)
            ]

    def entry_about(self, event_id: str) -> tuple[str, int, str, str | None] | None:
        q = select(ENTRY.c.chain, ENTRY.c.seq, ENTRY.c.body, ENTRY.c.subject).where(
            ENTRY.c.event_id == event_id, ENTRY.c.kind == "event", ENTRY.c.key_id.is_not(None)
        )
        with self._store.engine.connect() as conn:
            row = conn.execute(q.limit(1)).first()
        if row is None:
            return None
        activity = json.loads(row.body)["event"]["processing_activity"]
        return row.chain, row.seq, activity, row.subject
