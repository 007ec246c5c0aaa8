"""The known-party registry's rows in a notifier transaction: parties with their topics, known
persons with their verified numbers, and the facts a phone decision rests on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ...core.policy import Facts
from ...core.registry import KnownPerson, Party, Topic, VerifiedNumber
from .models import (
    DecisionRow,
    KnownPersonRow,
    PartyRow,
    PartyTopicRow,
    PhoneRequestRow,
    VerifiedNumberRow,
)
from .number_seal import NumberSeal
from .times import aware, utc

__all__ = ["RegistryRows"]


class RegistryRows:
    """Part of SqlNotifierTx: the registry over its session `s`, numbers sealed by `numbers`."""

    s: Session
    numbers: NumberSeal

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
            utc(row.valid_from),
            utc(row.valid_until),
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
            utc(row.valid_from),
            utc(row.valid_until),
            tuple(
                VerifiedNumber(
                    n.number, n.verified_by, aware(n.verified_at), utc(n.valid_until), utc(n.revoked_at)
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
