"""The notifier's store: registry, requests and decisions, callback tasks, outbox, credentials."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger_contracts.vocabulary import DataCategory
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from ..app.ports import Credential, OutboxItem, StoredDecision, StoredRequest
from ..core.callbacks import CallbackTask, TaskState
from ..core.policy import Facts, PhoneRequest
from ..core.registry import KnownPerson, Party, Topic, VerifiedNumber
from .number_seal import CALLER_NAME, NumberSeal
from .sql_models import (
    CallbackTaskRow,
    CredentialRow,
    DecisionRow,
    KnownPersonRow,
    OutboxRow,
    PartyRow,
    PartyTopicRow,
    PhoneRequestRow,
    SessionRow,
    VerifiedNumberRow,
)

__all__ = ["OutboxMessage", "SqlNotifierStore", "SqlNotifierTx"]


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _u(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    target: str
    destination: str
    payload: str
    attempts: int


class SqlNotifierTx:
    def __init__(self, session: Session, numbers: NumberSeal) -> None:
        self.numbers = numbers
        self.s = session

    # --- registry ----------------------------------------------------------------------------

    def party(self, party_id: str) -> Party | None:
        row = self.s.get(PartyRow, party_id)
        if row is None:
            return None
        topics = self.s.exec(
            select(PartyTopicRow)
            .where(PartyTopicRow.party_id == party_id)
            .order_by(col(PartyTopicRow.topic_id))
        ).all()
        return Party(
            row.party_id,
            row.name,
            row.category,
            tuple(
                Topic(t.topic_id, t.label, t.gdpr_basis, t.statute, t.art9_ground, t.art9_statute)
                for t in topics
            ),
            _utc(row.valid_from),
            _utc(row.valid_until),
            row.always_call_back,
        )

    def put_party(self, party: Party) -> None:
        self.s.merge(
            PartyRow(
                party_id=party.party_id,
                name=party.name,
                category=party.category,
                valid_from=party.valid_from,
                valid_until=party.valid_until,
                always_call_back=party.always_call_back,
            )
        )
        for old in self.s.exec(select(PartyTopicRow).where(PartyTopicRow.party_id == party.party_id)).all():
            self.s.delete(old)
        self.s.flush()
        for t in party.topics:
            self.s.add(
                PartyTopicRow(
                    party_id=party.party_id,
                    topic_id=t.topic_id,
                    label=t.label,
                    gdpr_basis=t.gdpr_basis,
                    statute=t.statute,
                    art9_ground=t.art9_ground,
                    art9_statute=t.art9_statute,
                )
            )
        self.s.flush()

    def person(self, person_id: str) -> KnownPerson | None:
        row = self.s.get(KnownPersonRow, person_id)
        if row is None:
            return None
        numbers = self.s.exec(
            select(VerifiedNumberRow)
            .where(VerifiedNumberRow.person_id == person_id)
            .order_by(col(VerifiedNumberRow.id))
        ).all()
        return KnownPerson(
            row.person_id,
            row.party_id,
            row.display_name,
            _utc(row.valid_from),
            _utc(row.valid_until),
            tuple(
                VerifiedNumber(
                    n.number, n.verified_by, _u(n.verified_at), _utc(n.valid_until), _utc(n.revoked_at)
                )
                for n in numbers
            ),
        )

    def put_person(self, person: KnownPerson) -> None:
        self.s.merge(
            KnownPersonRow(
                person_id=person.person_id,
                party_id=person.party_id,
                display_name=person.display_name,
                valid_from=person.valid_from,
                valid_until=person.valid_until,
            )
        )
        self.s.flush()

    def add_number(self, person_id: str, number: VerifiedNumber) -> None:
        self.s.add(
            VerifiedNumberRow(
                person_id=person_id,
                number=number.number,
                verified_by=number.verified_by,
                verified_at=number.verified_at,
                valid_until=number.valid_until,
            )
        )
        self.s.flush()

    def revoke_number(self, person_id: str, number: str, at: datetime) -> bool:
        result = self.s.exec(
            update(VerifiedNumberRow)
            .where(
                col(VerifiedNumberRow.person_id) == person_id,
                col(VerifiedNumberRow.number) == number,
                col(VerifiedNumberRow.revoked_at).is_(None),
            )
            .values(revoked_at=at)
        )
        return bool(result.rowcount)

    def facts(self, party_id: str, person_id: str | None, at: datetime) -> Facts:
        party = self.party(party_id)
        person = self.person(person_id) if person_id else None
        if person is not None and person.party_id != party_id:
            person = None
        earlier = False
        if person is not None:
            earlier = (
                self.s.exec(
                    select(func.count())
                    .select_from(DecisionRow)
                    .join(PhoneRequestRow, col(PhoneRequestRow.request_id) == col(DecisionRow.request_id))
                    .where(
                        PhoneRequestRow.person_id == person.person_id,
                        PhoneRequestRow.party_id == party_id,
                        DecisionRow.verdict == "allow",
                        col(DecisionRow.basis).in_(["policy", "callback"]),
                    )
                ).one()
                > 0
            )
        return Facts(party, person, earlier)

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
            _u(row.requested_at),
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
                    _u(d.decided_at),
                    self.numbers.open(d.callback_number),
                    d.note,
                )
                for d in decisions
            ),
            CallbackTask(
                task.task_id,
                task.request_id,
                self.numbers.open(task.number) or "",
                _u(task.deadline),
                TaskState(task.state),
                _utc(task.closed_at),
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
                note=d.note,
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
                        payload=item.payload,
                        created_at=now,
                        next_attempt_at=now,
                        then_item=json.dumps(_item_json(item.then)) if item.then else None,
                    )
                )
        self.s.flush()


def _item_json(item: OutboxItem) -> dict[str, str]:
    if item.then is not None:
        raise ValueError("a follow-up cannot have a follow-up of its own")
    return {"key": item.key, "target": item.target, "destination": item.destination, "payload": item.payload}


class SqlNotifierStore:
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
            return [OutboxMessage(r.id or 0, r.target, r.destination, r.payload, r.attempts) for r in rows]

    def outbox_delivered(self, ids: list[int], at: datetime) -> None:
        """Mark delivered and, in the same transaction, enqueue each one's follow-up."""
        if ids:
            with self.transaction() as tx:
                tx.s.exec(update(OutboxRow).where(col(OutboxRow.id).in_(ids)).values(delivered_at=at))
                follow = tx.s.exec(
                    select(OutboxRow.then_item).where(
                        col(OutboxRow.id).in_(ids), col(OutboxRow.then_item).is_not(None)
                    )
                ).all()
                if follow:
                    tx.enqueue([OutboxItem(**json.loads(f)) for f in follow if f])

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

    # --- credentials -------------------------------------------------------------------------

    def credential(self, principal_id: str) -> Credential | None:
        with self.transaction() as tx:
            row = tx.s.get(CredentialRow, principal_id)
            if row is None:
                return None
            return Credential(
                row.principal_id,
                row.kind,
                frozenset(r for r in row.roles.split(",") if r),
                row.secret_hash,
                _u(row.created_at),
                _utc(row.disabled_at),
            )

    def put_credential(self, c: Credential) -> None:
        with self.transaction() as tx:
            tx.s.merge(
                CredentialRow(
                    principal_id=c.principal_id,
                    kind=c.kind,
                    roles=",".join(sorted(c.roles)),
                    secret_hash=c.secret_hash,
                    created_at=c.created_at,
                    disabled_at=c.disabled_at,
                )
            )

    def add_session(self, token_hash: str, principal_id: str, expires_at: datetime) -> None:
        with self.transaction() as tx:
            tx.s.add(SessionRow(token_hash=token_hash, principal_id=principal_id, expires_at=expires_at))

    def session(self, token_hash: str) -> tuple[str, datetime] | None:
        with self.transaction() as tx:
            row = tx.s.get(SessionRow, token_hash)
            return (row.principal_id, _u(row.expires_at)) if row else None

    def end_session(self, token_hash: str) -> None:
        with self.transaction() as tx:
            row = tx.s.get(SessionRow, token_hash)
            if row:
                tx.s.delete(row)
