"""The notifier API's request and answer bodies, and how a stored request and a party are shown."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ledger_contracts.vocabulary import Art9Ground, GdprBasis, RecipientCategory
from pydantic import AwareDatetime, BaseModel, Field

from ...app.actors import Actor
from ...app.ports import StoredRequest
from ...core.reasons import explain
from ...core.registry import Party
from ...core.roles import Permission, allowed

__all__ = [
    "CallbackOut",
    "DecisionOut",
    "DecisionStep",
    "NumberIn",
    "OutcomeIn",
    "OverrideIn",
    "PartyIo",
    "PersonIn",
    "PhoneRequestIn",
    "TopicIo",
    "decision_out",
    "party_io",
]


class PhoneRequestIn(BaseModel):
    request_id: str | None = Field(default=None, description="Client-chosen; a resubmission is harmless")
    subject: str = Field(description="BSN or pseudonym of the person asked about; never stored raw")
    party_id: str
    person_id: str | None = None
    calling_number: str | None = Field(default=None, description="The number the call came from")
    given_number: str | None = Field(default=None, description="A callback number the caller gave")
    topic: str
    data_categories: list[str] = Field(min_length=1)
    caller_name: str | None = Field(
        default=None, max_length=200, description="Who called, as they said it, when no known person; sealed"
    )


class CallbackOut(BaseModel):
    task_id: str
    number: str
    deadline: datetime
    state: str


class DecisionStep(BaseModel):
    decision_id: str
    decision: str
    reason: str
    basis: str
    decided_by: str
    decided_at: datetime
    note: str | None = Field(None, description="A manager's written reason; shown to management only")


class DecisionOut(BaseModel):
    request_id: str
    decision: Literal["allow", "deny", "call-back"]
    reason: str
    explanation: str
    basis: str
    policy_version: str
    decided_at: datetime
    party_id: str
    topic: str
    subject: str = Field(description="The subject's pseudonym")
    requested_by: str
    data_categories: list[str]
    caller_name: str | None = Field(None, description="Shown to the employee who asked and management")
    callback: CallbackOut | None
    history: list[DecisionStep]


class OutcomeIn(BaseModel):
    outcome: Literal["confirmed", "failed"]


class OverrideIn(BaseModel):
    note: str = Field(description="The management's written reason")
    recipient_category: RecipientCategory | None = Field(
        None, description="Needed when the party is not in the registry or the topic is not allowed for it"
    )
    recipient_name: str | None = Field(None, max_length=500)
    gdpr_basis: GdprBasis | None = Field(None, description="GDPR art. 6(1) letter; needed as above")
    gdpr_article_9_2: Art9Ground | None = Field(
        None, description="GDPR art. 9(2) letter, when health data are told and the topic names no ground"
    )
    art9_statute: str | None = Field(None, max_length=200, description="The law that gives that ground")


class TopicIo(BaseModel):
    topic: str
    label: str
    gdpr_basis: Literal["a", "b", "c", "d", "e", "f"]
    statute: str | None = None
    art9_ground: Art9Ground | None = Field(
        None, description="GDPR art. 9(2) letter under which health data may be told on this topic"
    )
    art9_statute: str | None = Field(None, description="The law that gives that ground")


class PartyIo(BaseModel):
    party_id: str
    name: str
    category: str
    topics: list[TopicIo]
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    always_call_back: bool = False


class PersonIn(BaseModel):
    person_id: str
    display_name: str
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class NumberIn(BaseModel):
    number: str
    valid_until: AwareDatetime | None = None
    verified_at: AwareDatetime | None = Field(
        default=None, description="An earlier verification imported with its history; default now"
    )


def decision_out(s: StoredRequest, actor: Actor) -> DecisionOut:
    """The decision as `actor` may read it: a manager's note for management only."""
    d, t = s.current, s.task
    management = allowed(actor.roles, Permission.OVERRIDE)
    return DecisionOut(
        request_id=s.request.request_id,
        decision=d.verdict,
        reason=d.reason,
        explanation=explain(d.reason),
        basis=d.basis,
        policy_version=d.policy_version,
        decided_at=d.decided_at,
        party_id=s.request.party_id,
        topic=s.request.topic,
        subject=s.request.subject,
        requested_by=s.request.requested_by,
        data_categories=sorted(s.request.data_categories),
        caller_name=s.request.caller_name,
        callback=CallbackOut(task_id=t.task_id, number=t.number, deadline=t.deadline, state=t.state)
        if t
        else None,
        history=[
            DecisionStep(
                decision_id=x.decision_id,
                decision=x.verdict,
                reason=x.reason,
                basis=x.basis,
                decided_by=x.decided_by,
                decided_at=x.decided_at,
                note=x.note if management else None,
            )
            for x in s.decisions
        ],
    )


def party_io(p: Party) -> PartyIo:
    return PartyIo(
        party_id=p.party_id,
        name=p.name,
        category=p.category,
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        always_call_back=p.always_call_back,
        topics=[
            TopicIo(
                topic=t.topic_id,
                label=t.label,
                gdpr_basis=t.gdpr_basis,
                statute=t.statute,
                art9_ground=Art9Ground(t.art9_ground) if t.art9_ground else None,
                art9_statute=t.art9_statute,
            )
            for t in p.topics
        ],
    )
