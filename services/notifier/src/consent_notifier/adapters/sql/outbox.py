"""The outbox as the relay reads it: messages due, delivered, retried and counted (at-least-once
delivery, adapters/outbox.py). A payload (a caller's name, a manager's note, a recipient's name
may be in it) is kept sealed (adapters/sql/number_seal.py), opened only to be sent, and emptied once
delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, update
from sqlmodel import col, select

from ...app.ports import OutboxItem
from .models import (
    OutboxRow,
)
from .number_seal import OUTBOX_PAYLOAD, NumberSeal
from .times import aware

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .store import SqlNotifierTx

__all__ = ["OutboxMessage", "OutboxState", "OutboxStore", "item_json"]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    target: str
    destination: str
    payload: str
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxState:
    """A message not delivered yet, as an operator sees it: where to, how it went; never its payload."""

    id: int
    target: str
    destination: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    failed_at: datetime | None
    last_error: str | None


def item_json(item: OutboxItem) -> dict[str, str]:
    if item.then is not None:
        raise ValueError("a follow-up cannot have a follow-up of its own")
    return {"key": item.key, "target": item.target, "destination": item.destination, "payload": item.payload}


class OutboxStore:
    """Part of SqlNotifierStore: the outbox, each read in its own transaction."""

    numbers: NumberSeal

    def transaction(self) -> AbstractContextManager[SqlNotifierTx]:
        raise NotImplementedError

    # --- outbox ------------------------------------------------------------------------------

    def outbox_due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        with self.transaction() as tx:
            rows = tx.s.exec(
                select(OutboxRow)
                .where(
                    col(OutboxRow.delivered_at).is_(None),
                    col(OutboxRow.failed_at).is_(None),
                    col(OutboxRow.next_attempt_at) <= now,
                )
                .order_by(col(OutboxRow.id))
                .limit(limit)
            ).all()
            out = []
            for r in rows:
                payload = self.numbers.open(r.payload, OUTBOX_PAYLOAD)
                if payload is None:  # sealed under a key this process does not have: never sent
                    r.failed_at, r.last_error = now, "sealed under another key"
                    continue
                out.append(OutboxMessage(r.id or 0, r.target, r.destination, payload, r.attempts))
            return out

    def outbox_delivered(self, ids: list[int], at: datetime) -> None:
        """Mark delivered and empty the payload (the row stays as the key's tombstone, so the same
        message enqueued again is still known and not sent twice); in the same transaction,
        enqueue each one's follow-up."""
        if ids:
            with self.transaction() as tx:
                follow = tx.s.exec(
                    select(OutboxRow.then_item).where(
                        col(OutboxRow.id).in_(ids), col(OutboxRow.then_item).is_not(None)
                    )
                ).all()
                opened = [self.numbers.open(f, OUTBOX_PAYLOAD) for f in follow if f]
                tx.s.exec(
                    update(OutboxRow)
                    .where(col(OutboxRow.id).in_(ids))
                    .values(delivered_at=at, payload="", then_item=None)
                )
                if opened:
                    tx.enqueue([OutboxItem(**json.loads(f)) for f in opened if f])

    def outbox_retry(self, msg_id: int, error: str, next_at: datetime | None, at: datetime) -> None:
        """Schedule another attempt at `next_at`, or give up (failed) when it is None."""
        values: dict[str, object] = {"attempts": OutboxRow.attempts + 1, "last_error": error[:500]}
        values.update({"next_attempt_at": next_at} if next_at else {"failed_at": at})
        with self.transaction() as tx:
            tx.s.exec(update(OutboxRow).where(col(OutboxRow.id) == msg_id).values(**values))

    def outbox_counts(self) -> tuple[int, int]:
        """(pending, failed)."""
        with self.transaction() as tx:
            pending = tx.s.exec(
                select(func.count())
                .select_from(OutboxRow)
                .where(col(OutboxRow.delivered_at).is_(None), col(OutboxRow.failed_at).is_(None))
            ).one()
            failed = tx.s.exec(
                select(func.count()).select_from(OutboxRow).where(col(OutboxRow.failed_at).is_not(None))
            ).one()
            return int(pending), int(failed)

    def outbox_undelivered(self, failed_only: bool = False) -> list[OutboxState]:
        """The messages waiting or given up, oldest first (delivered ones are tombstones)."""
        q = select(OutboxRow).where(col(OutboxRow.delivered_at).is_(None)).order_by(col(OutboxRow.id))
        if failed_only:
            q = q.where(col(OutboxRow.failed_at).is_not(None))
        with self.transaction() as tx:
            return [
                OutboxState(
                    r.id or 0,
                    r.target,
                    r.destination,
                    r.attempts,
                    aware(r.created_at),
                    aware(r.next_attempt_at),
                    aware(r.failed_at) if r.failed_at else None,
                    r.last_error,
                )
                for r in tx.s.exec(q).all()
            ]

    def outbox_again(self, ids: list[int] | None, at: datetime) -> list[int]:
        """Deliver given-up messages again (those of `ids`, or all when None): due at `at`, with
        their attempts counted from 0. Returns the ids taken; a waiting or delivered one is not."""
        with self.transaction() as tx:
            q = select(OutboxRow.id).where(
                col(OutboxRow.failed_at).is_not(None), col(OutboxRow.delivered_at).is_(None)
            )
            if ids is not None:
                q = q.where(col(OutboxRow.id).in_(ids))
            taken = [i for i in tx.s.exec(q).all() if i is not None]
            if taken:
                tx.s.exec(
                    update(OutboxRow)
                    .where(col(OutboxRow.id).in_(taken))
                    .values(failed_at=None, attempts=0, next_attempt_at=at)
                )
            return sorted(taken)
