"""From the notifier's records to the contract events the ledger appends, as outbox items."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from ledger_contracts import encode_event
from ledger_contracts.events import (
    CallbackConfirmed,
    CallbackData,
    CallbackFailed,
    DisclosureData,
    DisclosureRecorded,
    Envelope,
    LegalBasis,
    PhoneDecisionData,
    PhoneDisclosureDecided,
    PhoneDisclosureRequested,
    PhoneRequestData,
    Recipient,
    RegistryNumberData,
    RegistryNumberRevoked,
    RegistryNumberVerified,
    RegistryPartyChanged,
    RegistryPartyData,
    RegistryPersonChanged,
    RegistryPersonData,
    RegistryRevocationData,
    RegistryTopic,
    StatuteRef,
)
from ledger_contracts.formats import EVENT_ID_PATTERN, derived_event_id
from ledger_contracts.register import SpecialCategoryGround
from ledger_contracts.statutes import parse_statute
from ledger_contracts.streams import EVENT_FIELD
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import (
    Art9Ground,
    Channel,
    DataCategory,
    GdprBasis,
    Law,
    NumberCheck,
    Purpose,
    RecipientCategory,
)

from ..core.callbacks import CallbackTask, TaskState
from ..core.policy import PhoneRequest
from ..core.registry import KnownPerson, Party, VerifiedNumber
from .ports import OutboxItem, StoredDecision

__all__ = ["DisclosureTo", "EventFactory", "event_uuid", "number_check", "outbox_item"]

_UUID = re.compile(EVENT_ID_PATTERN)
# The rule every phone disclosure follows (seed 003).
ART_8_LID_3_REF = StatuteRef(law=Law.PRIVACYREGLEMENT_WERKKRACHTCENTRALE, article="8 lid 3")


def event_uuid(value: str, kind: str) -> str:
    """The notifier's own id as the UUID the contract asks: itself when it is one (with or without
    hyphens), else a UUID derived from it, so the same id always gives the same event id."""
    try:
        canonical = str(uuid.UUID(hex=value))
    except ValueError:
        return derived_event_id(kind, value)
    return canonical if _UUID.match(canonical) else derived_event_id(kind, value)


def number_check(
    number: str | None, person: KnownPerson | None, at: datetime
) -> tuple[NumberCheck, datetime | None]:
    """How a number compared with the person's verified numbers, and which verification it matched.
    The number itself never leaves the notifier in an event."""
    if number is None:
        return NumberCheck.WITHHELD, None
    for n in person.valid_numbers(at) if person else []:
        if n.number == number:
            return NumberCheck.VERIFIED, n.verified_at
    return NumberCheck.NOT_VERIFIED, None


def outbox_item(event: Envelope, organisation: str | None = None) -> OutboxItem:
    """An event for the ledger's streams, as a CloudEvent from `organisation`'s system when given;
    its key makes enqueuing it twice deliver it once."""
    stream, fields = encode_event(event, organisation=organisation)  # type: ignore[arg-type]
    return OutboxItem(f"stream:{event.event_id}", "stream", stream, fields[EVENT_FIELD].decode())


@dataclass(frozen=True)
class DisclosureTo:
    """Who receives the data by phone and on which legal basis, as the disclosure record says it."""

    party_id: str
    category: RecipientCategory
    name: str
    gdpr_basis: GdprBasis
    statute: str | None
    topic_label: str
    art9_ground: str | None = None  # GDPR art. 9(2) letter, when health data are told
    art9_statute: str | None = None

    @classmethod
    def registered(cls, party: Party, topic_id: str, article_9: bool = False) -> DisclosureTo:
        """From the registry: an allow by policy or callback always has its party and topic there,
        and for health data the topic's art. 9 ground (the policy denies without one)."""
        topic = party.topic(topic_id)
        if topic is None:
            raise ValueError(f"party {party.party_id} has no topic {topic_id}")
        if article_9 and not topic.art9_ground:
            raise ValueError(f"topic {topic_id} of party {party.party_id} names no art. 9 ground")
        return cls(
            party.party_id,
            RecipientCategory(party.category),
            party.name[:500],
            GdprBasis(topic.gdpr_basis),
            topic.statute,
            topic.label,
            topic.art9_ground if article_9 else None,
            topic.art9_statute if article_9 else None,
        )

    def special_category_ground(self) -> SpecialCategoryGround | None:
        return special_ground(self.art9_ground, self.art9_statute)


def special_ground(letter: str | None, statute: str | None) -> SpecialCategoryGround | None:
    """A GDPR art. 9(2) ground as the contract writes it; None without a letter."""
    if not letter:
        return None
    law = parse_statute(statute) if statute else None
    return SpecialCategoryGround(gdpr_article_9_2=Art9Ground(letter), statute=law)


@dataclass(frozen=True)
class EventFactory:
    controller: str  # the organisation whose regulation this is; its chain on the ledger
    processing_activity: str  # id in the processing register under which phone information is given
    producer: str = "notifier"
    webhooks: tuple[str, ...] = ()
    organisation: str | None = None  # `oin:…`: the events go to the ledger as CloudEvents

    def _env(self, event_id: str, at: datetime) -> dict[str, object]:
        return {
            "event_id": event_id,
            "occurred_at": at,
            "producer": self.producer,
            "controller": self.controller,
            "processing_activity": self.processing_activity,
        }

    def _item(self, event: Envelope) -> OutboxItem:
        return outbox_item(event, self.organisation)

    def requested(self, r: PhoneRequest, person: KnownPerson | None = None) -> OutboxItem:
        """The request as the ledger records it: how the numbers compared, never the numbers."""
        calling, calling_match = number_check(r.calling_number, person, r.at)
        given, given_match = number_check(r.given_number, person, r.at)
        data = PhoneRequestData(
            request_id=event_uuid(r.request_id, "phone-request"),
            subject=SubjectRef(pseudonym=r.subject),
            caller_party_id=r.party_id,
            caller_person_id=r.person_id,
            calling_number=calling,
            given_number=given,
            matched_verification=calling_match or given_match,
            topic=r.topic,
            data_categories=sorted(DataCategory(c) for c in r.data_categories),
            requested_by=r.requested_by,
            caller_name=r.caller_name,
        )
        event_id = derived_event_id("phone-requested", r.request_id)
        return self._item(PhoneDisclosureRequested(**self._env(event_id, r.at), data=data))

    def decided(
        self,
        r: PhoneRequest,
        d: StoredDecision,
        task: CallbackTask | None,
        person: KnownPerson | None = None,
        to: DisclosureTo | None = None,
    ) -> list[OutboxItem]:
        """The decision; for an allow also the disclosure by phone; and a webhook notice for each hook."""
        _, callback_verification = number_check(d.callback_number, person, r.at)
        decision_id = event_uuid(d.decision_id, "phone-decision")
        data = PhoneDecisionData(
            request_id=event_uuid(r.request_id, "phone-request"),
            decision_id=decision_id,
            subject=SubjectRef(pseudonym=r.subject),
            decision=d.verdict,
            basis=d.basis,
            reason=d.reason,
            policy_version=d.policy_version,
            decided_by=d.decided_by,
            callback_verification=callback_verification,
            callback_deadline=task.deadline if task and d.verdict == "call-back" else None,
            note=d.note,
            special_category_ground=to.special_category_ground() if to and d.verdict == "allow" else None,
        )
        items = [self._item(PhoneDisclosureDecided(**self._env(decision_id, d.decided_at), data=data))]
        notice = json.dumps(
            {
                "request_id": r.request_id,
                "decision_id": d.decision_id,
                "decision": d.verdict,
                "reason": d.reason,
                "basis": d.basis,
                "policy_version": d.policy_version,
                "requested_by": r.requested_by,
                "decided_at": d.decided_at.isoformat(),
            },
            sort_keys=True,
        )
        items += [
            OutboxItem(f"webhook:{d.decision_id}:{url}", "webhook", url, notice) for url in self.webhooks
        ]
        return items

    def disclosed(self, r: PhoneRequest, d: StoredDecision, to: DisclosureTo) -> OutboxItem:
        # Where the register names no law (a manager's override for a party outside it), the rule
        # followed is the regulation itself; the decision event says it was an override.
        statute = parse_statute(to.statute) if to.statute else ART_8_LID_3_REF
        data = DisclosureData(
            subject=SubjectRef(pseudonym=r.subject),
            recipient=Recipient(party_id=to.party_id, category=to.category, name=to.name),
            data_categories=sorted(DataCategory(c) for c in r.data_categories),
            channel=Channel.PHONE,
            purpose=Purpose.TELEFONISCHE_INLICHTINGEN,
            legal_basis=LegalBasis(
                gdpr_article_6_1=to.gdpr_basis,
                statute=statute,
                regulation=ART_8_LID_3_REF,
                special_category_ground=to.special_category_ground(),
            ),
            disclosed_by=r.requested_by,
            details=f"Onderwerp: {to.topic_label}",
        )
        event_id = derived_event_id("phone-disclosure", d.decision_id)
        return self._item(DisclosureRecorded(**self._env(event_id, d.decided_at), data=data))

    def callback_closed(self, r: PhoneRequest, task: CallbackTask) -> OutboxItem:
        cause = {TaskState.CONFIRMED: "confirmed", TaskState.FAILED: "not-confirmed"}.get(
            task.state, "deadline-passed"
        )
        data = CallbackData(
            request_id=event_uuid(r.request_id, "phone-request"),
            task_id=event_uuid(task.task_id, "callback-task"),
            subject=SubjectRef(pseudonym=r.subject),
            recorded_by=task.recorded_by or "notifier",
            cause=cause,
        )
        at = task.closed_at or task.deadline
        cls = CallbackConfirmed if task.state is TaskState.CONFIRMED else CallbackFailed
        event_id = derived_event_id("callback-closed", task.task_id, str(task.state))
        return self._item(cls(**self._env(event_id, at), data=data))

    # --- registry --------------------------------------------------------------------------

    def party_changed(self, p: Party, by: str, at: datetime, change_id: str) -> OutboxItem:
        data = RegistryPartyData(
            party_id=p.party_id,
            name=p.name,
            category=RecipientCategory(p.category),
            topics=[
                RegistryTopic(
                    topic=t.topic_id,
                    label=t.label,
                    legal_basis=LegalBasis(
                        gdpr_article_6_1=GdprBasis(t.gdpr_basis),
                        statute=parse_statute(t.statute) if t.statute else None,
                        special_category_ground=special_ground(t.art9_ground, t.art9_statute),
                    ),
                )
                for t in p.topics
            ],
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            always_call_back=p.always_call_back,
            changed_by=by,
        )
        return self._item(
            RegistryPartyChanged(
                **self._env(derived_event_id("registry.party", p.party_id, change_id), at), data=data
            )
        )

    def person_changed(self, p: KnownPerson, by: str, at: datetime, change_id: str) -> OutboxItem:
        data = RegistryPersonData(
            person_id=p.person_id,
            party_id=p.party_id,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            changed_by=by,
        )
        return self._item(
            RegistryPersonChanged(
                **self._env(derived_event_id("registry.person", p.person_id, change_id), at), data=data
            )
        )

    def number_verified(self, p: KnownPerson, n: VerifiedNumber, change_id: str) -> OutboxItem:
        data = RegistryNumberData(
            person_id=p.person_id,
            party_id=p.party_id,
            number=n.number,
            verified_by=n.verified_by,
            verified_at=n.verified_at,
            valid_until=n.valid_until,
        )
        event_id = derived_event_id("registry.number", p.person_id, change_id)
        return self._item(RegistryNumberVerified(**self._env(event_id, n.verified_at), data=data))

    def number_revoked(
        self, p: KnownPerson, number: str, by: str, at: datetime, change_id: str
    ) -> OutboxItem:
        data = RegistryRevocationData(
            person_id=p.person_id, party_id=p.party_id, number=number, revoked_by=by
        )
        event_id = derived_event_id("registry.number", p.person_id, change_id)
        return self._item(RegistryNumberRevoked(**self._env(event_id, at), data=data))
