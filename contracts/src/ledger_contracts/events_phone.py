"""The phone rule (regulation art. 8 lid 3): requests, decisions, callbacks, and the notifier's
known-party registry."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import (
    Envelope,
    StrictModel,
    Text,
)
from .events_disclosure import LegalBasis
from .formats import E164, ActorId, Code, EventId, PolicyVersion
from .privacy import clear, personal
from .register import SpecialCategoryGround
from .subjects import SubjectRef
from .vocabulary import (
    DataCategory,
    NumberCheck,
    RecipientCategory,
)

__all__ = [
    "CallbackConfirmed",
    "CallbackData",
    "CallbackFailed",
    "PhoneDecisionData",
    "PhoneDisclosureDecided",
    "PhoneDisclosureRequested",
    "PhoneRequestData",
    "RegistryNumberData",
    "RegistryNumberRevoked",
    "RegistryNumberVerified",
    "RegistryPartyChanged",
    "RegistryPartyData",
    "RegistryPersonChanged",
    "RegistryPersonData",
    "RegistryRevocationData",
    "RegistryTopic",
]


# --- phone (regulation art. 8 lid 3) ---------------------------------------------------------
# No telephone number goes on the chain: a request says how the numbers compared with the registry
# and which verification they matched (the known person and the verification's time).


class PhoneRequestData(StrictModel):
    request_id: EventId = clear()
    subject: SubjectRef
    caller_party_id: Code = clear()
    caller_person_id: ActorId | None = clear(None, description="Registry id of the known person claimed")
    calling_number: NumberCheck = clear(description="How the number the call came from compared")
    given_number: NumberCheck = clear(
        NumberCheck.WITHHELD, description="How a number the caller asked to be called back on compared"
    )
    matched_verification: AwareDatetime | None = clear(
        None, description="verified_at of the registry number that a verified number matched"
    )
    topic: Code = clear()
    data_categories: list[DataCategory] = clear(min_length=1, max_length=32)
    requested_by: ActorId = clear(description="Employee taking the call")
    caller_name: Text | None = personal(
        None, description="The caller's name as they gave it, when they are no known person; sealed"
    )


class PhoneDecisionData(StrictModel):
    request_id: EventId = clear()
    decision_id: EventId = clear()
    subject: SubjectRef
    decision: Literal["allow", "deny", "call-back"] = clear()
    basis: Literal["policy", "callback", "management-override"] = clear(
        description="The policy, a callback outcome, or a management override (art. 8 lid 3, last sentence)"
    )
    reason: Code = clear(description="Machine-readable reason, e.g. 'topic-not-allowed'")
    policy_version: PolicyVersion = clear()
    decided_by: ActorId = clear(description="Employee or manager; the policy itself is 'policy'")
    callback_verification: AwareDatetime | None = clear(
        None, description="verified_at of the registry number to call back on"
    )
    callback_deadline: AwareDatetime | None = clear(None)
    note: Text | None = personal(None, description="A manager's written reason; sealed")
    special_category_ground: SpecialCategoryGround | None = Field(
        default=None, description="GDPR art. 9(2) ground of an allow for health data"
    )


class CallbackData(StrictModel):
    request_id: EventId = clear()
    task_id: EventId = clear()
    subject: SubjectRef
    recorded_by: ActorId = clear()
    cause: Literal["confirmed", "not-confirmed", "deadline-passed"] = clear()
    reason: Text | None = personal(None, description="Free text; sealed")


class PhoneDisclosureRequested(Envelope):
    event_type: Literal["phone.disclosure-requested"] = clear("phone.disclosure-requested")
    data: PhoneRequestData


class PhoneDisclosureDecided(Envelope):
    event_type: Literal["phone.disclosure-decided"] = clear("phone.disclosure-decided")
    data: PhoneDecisionData


class CallbackConfirmed(Envelope):
    event_type: Literal["phone.callback-confirmed"] = clear("phone.callback-confirmed")
    data: CallbackData


class CallbackFailed(Envelope):
    event_type: Literal["phone.callback-failed"] = clear("phone.callback-failed")
    data: CallbackData


# --- known-party registry (regulation art. 8 lid 3), owned by the notifier -------------------
# These events have no data subject: their personal fields are sealed under a key of the known
# person (person and number events) or of the party (party events).


class RegistryTopic(StrictModel):
    topic: Code = clear()
    label: Text = personal(description="Display label; sealed")
    legal_basis: LegalBasis


class RegistryPartyData(StrictModel):
    party_id: Code = clear()
    name: Text = personal(description="Organisation name; sealed")
    category: RecipientCategory = clear()
    topics: list[RegistryTopic] = Field(max_length=64)
    valid_from: AwareDatetime | None = clear(None)
    valid_until: AwareDatetime | None = clear(None)
    always_call_back: bool = clear(False)
    changed_by: ActorId = clear()


class RegistryPersonData(StrictModel):
    person_id: ActorId = clear()
    party_id: Code = clear()
    valid_from: AwareDatetime | None = clear(None)
    valid_until: AwareDatetime | None = clear(None)
    changed_by: ActorId = clear()


class RegistryNumberData(StrictModel):
    person_id: ActorId = clear()
    party_id: Code = clear()
    number: E164 = personal(description="The verified number; sealed")
    verified_by: ActorId = clear()
    verified_at: AwareDatetime = clear(description="Names this verification in phone requests and decisions")
    valid_until: AwareDatetime | None = clear(None)


class RegistryRevocationData(StrictModel):
    person_id: ActorId = clear()
    party_id: Code = clear()
    number: E164 = personal(description="The revoked number; sealed")
    revoked_by: ActorId = clear()


class RegistryPartyChanged(Envelope):
    event_type: Literal["registry.party-changed"] = clear("registry.party-changed")
    data: RegistryPartyData


class RegistryPersonChanged(Envelope):
    event_type: Literal["registry.person-changed"] = clear("registry.person-changed")
    data: RegistryPersonData


class RegistryNumberVerified(Envelope):
    event_type: Literal["registry.number-verified"] = clear("registry.number-verified")
    data: RegistryNumberData


class RegistryNumberRevoked(Envelope):
    event_type: Literal["registry.number-revoked"] = clear("registry.number-revoked")
    data: RegistryRevocationData
