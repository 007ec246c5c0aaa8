"""The notifier's store: registry, requests and decisions, callback tasks, outbox, credentials
(the outbox in outbox.py, credentials in credentials.py, the registry's rows in registry_rows.py)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from ledger_contracts.vocabulary import DataCategory
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from ...app.ports import OutboxItem, StoredDecision, StoredRequest
from ...core.callbacks import CallbackTask, TaskState
from ...core.policy import PhoneRequest
from ...core.registry import KnownPerson, Party
from .credentials import CredentialStore
from .models import (
    CallbackTaskRow,
    DecisionRow,
    KnownPersonRow,
    OutboxRow,
    PartyRow,
    PhoneRequestRow,
)
from .number_seal import CALLER_NAME, DECISION_NOTE, OUTBOX_PAYLOAD, NumberSeal
from .outbox import OutboxMessage, OutboxStore, item_json
from .registry_rows import RegistryRows
from .times import aware, utc

__all__ = ["OutboxMessage", "SqlNotifierStore", "SqlNotifierTx"]


class SqlNotifierTx(RegistryRows):
    def __init__(self, session: Session, numbers: NumberSeal) -> None:
        self.numbers = numbers
        self.s = session

    # --- requests, decisions, tasks ----------------------------------------------------------

    def request(self, request_id: str, lock: bool = False) -> StoredRequest | None:
        query = select(PhoneRequestRow).where(PhoneRequestRow.request_id == request_id)
        if lock:
            query = query.with_for_update()
        row = self.s.exec(query).first()
        return self._stored(row) if row else None

    def request_for_task(self, task_id: str) -> StoredRequest | None:
        task = self.s.exec(
            select(CallbackTaskRow).where(CallbackTaskRow.task_id == task_id).with_for_update()
        ).first()
        return self.request(task.request_id) if task else None

    def _stored(self, row: PhoneRequestRow) -> StoredRequest:
        decisions = self.s.exec(
            select(DecisionRow).where(DecisionRow.request_id == row.request_id).order_by(col(DecisionRow.seq))
        ).all()
        task = self.s.exec(
            select(CallbackTaskRow).where(CallbackTaskRow.request_id == row.request_id)
        ).first()
        request = PhoneRequest(
            row.request_id,
            row.subject,
            row.subject_known,
            row.party_id,
            row.person_id,
            row.calling_number,
            row.given_number,
            row.topic,
            frozenset(c for c in row.data_categories.split(",") if c),
            row.special_categories,
            row.requested_by,
            aware(row.requested_at),
            article_9=any(DataCategory(c).article_9 for c in row.data_categories.split(",") if c),
            caller_name=self.numbers.open(row.caller_name, CALLER_NAME),
        )
        return StoredRequest(
            request,
            row.fingerprint,
            tuple(
                StoredDecision(
                    d.decision_id,
                    d.request_id,
                    d.seq,
                    d.verdict,
                    d.reason,
                    d.basis,
                    d.policy_version,
                    d.decided_by,
                    aware(d.decided_at),
                    self.numbers.open(d.callback_number),
                    self.numbers.open(d.note, DECISION_NOTE),
                )
                for d in decisions
            ),
            CallbackTask(
                task.task_id,
                task.request_id,
                self.numbers.open(task.number) or "",
                aware(task.deadline),
                TaskState(task.state),
                utc(task.closed_at),
                task.recorded_by,
            )
            if task
            else None,
        )

    def add_request(self, r: PhoneRequest, fingerprint: str) -> None:
        self.s.add(
            PhoneRequestRow(
                request_id=r.request_id,
                subject=r.subject,
                subject_known=r.subject_known,
                party_id=r.party_id,
                person_id=r.person_id,
                calling_number=None,  # a caller's numbers are not kept beyond the decision
                given_number=None,
                topic=r.topic,
                data_categories=",".join(sorted(r.data_categories)),
                caller_name=self.numbers.seal(r.caller_name, CALLER_NAME),
                special_categories=r.special_categories,
                requested_by=r.requested_by,
                requested_at=r.at,
                fingerprint=fingerprint,
            )
        )
        self.s.flush()

    def add_decision(self, d: StoredDecision) -> None:
        self.s.add(
            DecisionRow(
                decision_id=d.decision_id,
                request_id=d.request_id,
                seq=d.seq,
                verdict=str(d.verdict),
                reason=str(d.reason),
                basis=d.basis,
                policy_version=d.policy_version,
                decided_by=d.decided_by,
                decided_at=d.decided_at,
                callback_number=self.numbers.seal(d.callback_number),
                note=self.numbers.seal(d.note, DECISION_NOTE),
            )
        )
        self.s.flush()

    def put_task(self, t: CallbackTask) -> None:
        """A closed task keeps no number: the callback number is kept only while it is to be called."""
        closed = t.state is not TaskState.PENDING
        if closed:
            self.s.exec(
                update(DecisionRow)
                .where(col(DecisionRow.request_id) == t.request_id)
                .values(callback_number=None)
            )
        self.s.merge(
            CallbackTaskRow(
                task_id=t.task_id,
                request_id=t.request_id,
                number="" if closed else (self.numbers.seal(t.number) or ""),
                deadline=t.deadline,
                state=str(t.state),
                closed_at=t.closed_at,
                recorded_by=t.recorded_by,
            )
        )
        self.s.flush()

    def due_tasks(self, now: datetime) -> list[str]:
        return list(
            self.s.exec(
                select(CallbackTaskRow.task_id).where(
                    CallbackTaskRow.state == TaskState.PENDING.value, col(CallbackTaskRow.deadline) <= now
                )
            ).all()
        )

    def enqueue(self, items: list[OutboxItem]) -> None:
        now = datetime.now(UTC)
        known = set(
            self.s.exec(select(OutboxRow.key).where(col(OutboxRow.key).in_([i.key for i in items]))).all()
        )
        for item in items:
            if item.key not in known:
                self.s.add(
                    OutboxRow(
                        key=item.key,
                        target=item.target,
                        destination=item.destination,
                        payload=self.numbers.seal(item.payload, OUTBOX_PAYLOAD) or "",
                        created_at=now,
                        next_attempt_at=now,
                        then_item=self.numbers.seal(json.dumps(item_json(item.then)), OUTBOX_PAYLOAD)
                        if item.then
                        else None,
                    )
                )
        self.s.flush()


class SqlNotifierStore(OutboxStore, CredentialStore):
    def __init__(self, engine: Engine, number_key: bytes | None = None) -> None:
        """`number_key` seals callback numbers while their callback is open; without one a random key
        is made for this process (an open callback's number then does not outlive a restart)."""
        self.engine = engine
        self.numbers = NumberSeal(number_key or secrets.token_bytes(32))

    @contextmanager
    def transaction(self) -> Iterator[SqlNotifierTx]:
        with Session(self.engine) as session, session.begin():
            yield SqlNotifierTx(session, self.numbers)

    def parties(self) -> list[Party]:
        with self.transaction() as tx:
            ids = tx.s.exec(select(PartyRow.party_id).order_by(col(PartyRow.party_id))).all()
            return [p for i in ids if (p := tx.party(i))]

    def persons(self, party_id: str | None = None) -> list[KnownPerson]:
        with self.transaction() as tx:
            query = select(KnownPersonRow.person_id).order_by(col(KnownPersonRow.person_id))
            if party_id:
                query = query.where(KnownPersonRow.party_id == party_id)
            return [p for i in tx.s.exec(query).all() if (p := tx.person(i))]

    def recent(self, requested_by: str | None, limit: int) -> Iterator[StoredRequest]:
        with self.transaction() as tx:
            query = select(PhoneRequestRow).order_by(col(PhoneRequestRow.requested_at).desc()).limit(limit)
            if requested_by:
                query = query.where(PhoneRequestRow.requested_by == requested_by)
            return iter([tx._stored(r) for r in tx.s.exec(query).all()])

    def open_callbacks(self, requested_by: str | None) -> list[StoredRequest]:
        with self.transaction() as tx:
            query = (
                select(PhoneRequestRow)
                .join(CallbackTaskRow, col(CallbackTaskRow.request_id) == col(PhoneRequestRow.request_id))
                .where(CallbackTaskRow.state == TaskState.PENDING.value)
                .order_by(col(CallbackTaskRow.deadline))
            )
            if requested_by:
                query = query.where(PhoneRequestRow.requested_by == requested_by)
            return [tx._stored(r) for r in tx.s.exec(query).all()]
