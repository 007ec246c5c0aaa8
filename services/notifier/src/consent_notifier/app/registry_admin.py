"""Use cases of the administrator (beheerder): the known-party registry. Every change is an event."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from ledger_contracts.vocabulary import Art9Ground, GdprBasis, RecipientCategory

from ..core.art8 import ART_8_LID_3
from ..core.registry import KnownPerson, Party, VerifiedNumber
from ..core.roles import Permission
from .actors import Actor
from .errors import InputError, NotFound
from .events import EventFactory
from .inputs import code, person_code, phone_number
from .ports import Clock, NotifierStore

__all__ = ["RegistryAdmin"]


def _change_id() -> str:
    return uuid.uuid4().hex[:16]


class RegistryAdmin:
    def __init__(self, store: NotifierStore, events: EventFactory, clock: Clock) -> None:
        self.store, self.events, self.clock = store, events, clock

    def seed(self, actor: Actor) -> list[str]:
        """Add the parties of art. 8 lid 3 that are not in the registry yet; returns their ids."""
        actor.require(Permission.EDIT_REGISTRY)
        added = []
        with self.store.transaction() as tx:
            for party in ART_8_LID_3:
                if tx.party(party.party_id) is None:
                    tx.put_party(party)
                    tx.enqueue(
                        [self.events.party_changed(party, actor.principal_id, self.clock.now(), _change_id())]
                    )
                    added.append(party.party_id)
        return added

    def put_party(self, party: Party, actor: Actor) -> Party:
        actor.require(Permission.EDIT_REGISTRY)
        code(party.party_id, "party_id")
        for t in party.topics:
            code(t.topic_id, "topic")
        try:
            RecipientCategory(party.category)
            for t in party.topics:
                GdprBasis(t.gdpr_basis)
                if t.art9_ground is not None:
                    Art9Ground(t.art9_ground)
        except ValueError:
            raise InputError(
                "party: category must be a recipient category, each topic's gdpr_basis a letter a-f and "
                "its art9_ground a letter a-j",
                "party",
            ) from None
        with self.store.transaction() as tx:
            tx.put_party(party)
            tx.enqueue([self.events.party_changed(party, actor.principal_id, self.clock.now(), _change_id())])
        return party

    def set_party_validity(
        self, party_id: str, valid_from: datetime | None, valid_until: datetime | None, actor: Actor
    ) -> Party:
        actor.require(Permission.EDIT_REGISTRY)
        with self.store.transaction() as tx:
            party = tx.party(party_id)
            if party is None:
                raise NotFound("no party with this id", "party_id")
            party = replace(party, valid_from=valid_from, valid_until=valid_until)
            tx.put_party(party)
            tx.enqueue([self.events.party_changed(party, actor.principal_id, self.clock.now(), _change_id())])
        return party

    def end_person(self, person_id: str, actor: Actor) -> KnownPerson:
        """A known person is one no more from now (left the party, or was entered by mistake): no
        call is answered for them and no number of theirs is called back; the ledger records it."""
        actor.require(Permission.EDIT_REGISTRY)
        with self.store.transaction() as tx:
            person = tx.person(person_id)
            if person is None:
                raise NotFound("no person with this id", "person_id")
            now = self.clock.now()
            if person.valid_until is not None and person.valid_until <= now:
                raise InputError("the person was ended before", "person_id")
            ended = replace(person, valid_until=now)
            tx.put_person(ended)
            tx.enqueue([self.events.person_changed(ended, actor.principal_id, now, _change_id())])
        return ended

    def put_person(
        self,
        person_id: str,
        party_id: str,
        display_name: str,
        actor: Actor,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> KnownPerson:
        actor.require(Permission.EDIT_REGISTRY)
        person_code(person_id, "person_id")
        display_name = (display_name or "").strip()
        if not display_name or len(display_name) > 200:
            raise InputError("display_name is required (at most 200 characters)", "display_name")
        with self.store.transaction() as tx:
            if tx.party(party_id) is None:
                raise NotFound("no party with this id", "party_id")
            existing = tx.person(person_id)
            if existing is not None and existing.party_id != party_id:
                raise InputError("the person belongs to another party", "party_id")
            person = KnownPerson(person_id, party_id, display_name, valid_from, valid_until)
            tx.put_person(person)
            tx.enqueue(
                [self.events.person_changed(person, actor.principal_id, self.clock.now(), _change_id())]
            )
        return person

    def verify_number(
        self,
        person_id: str,
        number: str,
        actor: Actor,
        valid_until: datetime | None = None,
        verified_at: datetime | None = None,
    ) -> VerifiedNumber:
        """The administrator verified `number` for the person (who, when, until when are recorded).
        `verified_at` imports an earlier verification from another registry; one whose end has
        passed is recorded as history and counts as expired."""
        actor.require(Permission.EDIT_REGISTRY)
        e164 = phone_number(number, "number", required=True) or ""
        now = self.clock.now()
        at = verified_at or now
        if at > now:
            raise InputError("verified_at may not lie in the future", "verified_at")
        if valid_until is not None and valid_until <= at:
            raise InputError("valid_until must lie after the verification", "valid_until")
        verified = VerifiedNumber(e164, actor.principal_id, at, valid_until)
        with self.store.transaction() as tx:
            person = tx.person(person_id)
            if person is None:
                raise NotFound("no person with this id", "person_id")
            tx.add_number(person_id, verified)
            tx.enqueue([self.events.number_verified(person, verified, _change_id())])
        return verified

    def revoke_number(self, person_id: str, number: str, actor: Actor) -> None:
        actor.require(Permission.EDIT_REGISTRY)
        e164 = phone_number(number, "number", required=True) or ""
        now = self.clock.now()
        with self.store.transaction() as tx:
            person = tx.person(person_id)
            if person is None:
                raise NotFound("no person with this id", "person_id")
            if not tx.revoke_number(person_id, e164, now):
                raise NotFound("that number is not verified for this person", "number")
            tx.enqueue([self.events.number_revoked(person, e164, actor.principal_id, now, _change_id())])
