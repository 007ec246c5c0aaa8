"""From the notifier's records to the contract events the ledger appends, as outbox items."""

from __future__ import annotations

import json
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
)
from ledger_contracts.streams import EVENT_FIELD
from ledger_contracts.subjects import SubjectRef
from ledger_contracts.vocabulary import Channel, DataCategory, GdprBasis, RecipientCategory

from ..core.art8 import REGULATION
from ..core.callbacks import CallbackTask, TaskState
from ..core.policy import PhoneRequest
from ..core.registry import KnownPerson, Party, VerifiedNumber
from .ports import OutboxItem, StoredDecision

__all__ = ["DisclosureTo", "EventFactory", "outbox_item"]


def outbox_item(event: Envelope) -> OutboxItem:
    """An event for the ledger's streams; its key makes enqueuing it twice deliver it once."""
    stream, fields = encode_event(event)  # type: ignore[arg-type]
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

    @classmethod
    def registered(cls, party: Party, topic_id: str) -> DisclosureTo:
        """From the registry: an allow by policy or callback always has its party and topic there."""
        topic = party.topic(topic_id)
        if topic is None:
            raise ValueError(f"party {party.party_id} has no topic {topic_id}")
        return cls(
            party.party_id,
            RecipientCategory(party.category),
            party.name[:500],
            GdprBasis(topic.gdpr_basis),
            topic.statute,
            topic.label,
        )


@dataclass(frozen=True)
class EventFactory:
    controller: str  # the organisation whose regulation this is; its chain on the ledger
    processing_activity: str  # id in the processing register under which phone information is given
    producer: str = "notifier"
    webhooks: tuple[str, ...] = ()

    def _env(self, event_id: str, at: datetime) -> dict[str, object]:
        return {
            "event_id": event_id,
            "occurred_at": at,
            "producer": self.producer,
            "controller": self.controller,
            "processing_activity": self.processing_activity,
        }

    def _item(self, event: Envelope) -> OutboxItem:
        return outbox_item(event)

    def requested(self, r: PhoneRequest) -> OutboxItem:
        data = PhoneRequestData(
            request_id=r.request_id,
            subject=SubjectRef(pseudonym=r.subject),
            caller_party_id=r.party_id,
            caller_person_id=r.person_id,
            calling_number=r.calling_number,
            given_number=r.given_number,
            topic=r.topic,
            data_categories=sorted(DataCategory(c) for c in r.data_categories),
            requested_by=r.requested_by,
        )
        return self._item(PhoneDisclosureRequested(**self._env(f"{r.request_id}.requested", r.at), data=data))

    def decided(self, r: PhoneRequest, d: StoredDecision, task: CallbackTask | None) -> list[OutboxItem]:
        """The decision; for an allow also the disclosure by phone; and a webhook notice for each hook."""
        data = PhoneDecisionData(
            request_id=r.request_id,
            decision_id=d.decision_id,
            subject=SubjectRef(pseudonym=r.subject),
            decision=d.verdict,  # type: ignore[arg-type]
            basis=d.basis,  # type: ignore[arg-type]
            reason=d.reason,
            policy_version=d.policy_version,
            decided_by=d.decided_by,
            callback_number=d.callback_number,
            callback_deadline=task.deadline if task and d.verdict == "call-back" else None,
            note=d.note,
        )
        items = [self._item(PhoneDisclosureDecided(**self._env(d.decision_id, d.decided_at), data=data))]
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
        statute = "; ".join(filter(None, [to.statute, REGULATION]))
        if d.basis == "management-override":
            statute += " (directiebesluit)"
        data = DisclosureData(
            subject=SubjectRef(pseudonym=r.subject),
            recipient=Recipient(party_id=to.party_id, category=to.category, name=to.name),
            data_categories=sorted(DataCategory(c) for c in r.data_categories),
            channel=Channel.PHONE,
            purpose=f"Telefonische inlichtingen: {to.topic_label}",
            legal_basis=LegalBasis(gdpr_article_6_1=to.gdpr_basis, statute=statute),
            disclosed_by=r.requested_by,
        )
        return self._item(
            DisclosureRecorded(**self._env(f"{d.decision_id}.disclosure", d.decided_at), data=data)
        )

    def callback_closed(self, r: PhoneRequest, task: CallbackTask) -> OutboxItem:
        cause = {TaskState.CONFIRMED: "confirmed", TaskState.FAILED: "not-confirmed"}.get(
            task.state, "deadline-passed"
        )
        data = CallbackData(
            request_id=r.request_id,
            task_id=task.task_id,
            subject=SubjectRef(pseudonym=r.subject),
            recorded_by=task.recorded_by or "notifier",
            cause=cause,  # type: ignore[arg-type]
        )
        at = task.closed_at or task.deadline
        cls = CallbackConfirmed if task.state is TaskState.CONFIRMED else CallbackFailed
        return self._item(cls(**self._env(f"{task.task_id}.{task.state}", at), data=data))

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
                    legal_basis=LegalBasis(gdpr_article_6_1=GdprBasis(t.gdpr_basis), statute=t.statute),
                )
                for t in p.topics
            ],
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            always_call_back=p.always_call_back,
            changed_by=by,
        )
        return self._item(
            RegistryPartyChanged(**self._env(f"registry.party.{p.party_id}.{change_id}", at), data=data)
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
            RegistryPersonChanged(**self._env(f"registry.person.{p.person_id}.{change_id}", at), data=data)
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
        event_id = f"registry.number.{p.person_id}.{change_id}"
        return self._item(RegistryNumberVerified(**self._env(event_id, n.verified_at), data=data))

    def number_revoked(
        self, p: KnownPerson, number: str, by: str, at: datetime, change_id: str
    ) -> OutboxItem:
        data = RegistryRevocationData(
            person_id=p.person_id, party_id=p.party_id, number=number, revoked_by=by
        )
        event_id = f"registry.number.{p.person_id}.{change_id}"
        return self._item(RegistryNumberRevoked(**self._env(event_id, at), data=data))
