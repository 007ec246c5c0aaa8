"""Versioned event contracts: one envelope, one model per event type.

Every event shares the envelope fields; `data` holds what the event type says.
Event types and their `data` models are listed in `EVENT_TYPES`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from .subjects import SubjectRef
from .vocabulary import (
    Channel,
    ConsentMethod,
    ConsentPurpose,
    DataCategory,
    ExpressedBy,
    GdprBasis,
    RecipientCategory,
)

__all__ = [
    "CallbackConfirmed",
    "CallbackFailed",
    "CONSENT_EVENT_TYPES",
    "ConsentExpired",
    "ConsentGiven",
    "ConsentRecipientNotified",
    "ConsentRefused",
    "ConsentRenewed",
    "ConsentRevoked",
    "ConsentWithdrawn",
    "DisclosureRecorded",
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "Event",
    "LegalBasis",
    "PhoneDisclosureDecided",
    "PhoneDisclosureRequested",
    "Recipient",
    "RegistryNumberRevoked",
    "RegistryNumberVerified",
    "RegistryPartyChanged",
    "RegistryPersonChanged",
    "SCHEMA_VERSION",
]

SCHEMA_VERSION = 1

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
# W3C Trace Context, section 3.2 (version 00).
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(_Strict):
    """Fields every event carries."""

    event_id: Identifier = Field(description="Chosen by the producer; the idempotency key")
    schema_version: Literal[1] = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(description="When it happened, with a UTC offset")
    producer: Identifier = Field(description="Service id of the publisher")
    controller: Identifier = Field(
        description="Controller organisation (verwerkingsverantwoordelijke); one chain each"
    )
    processing_activity: Identifier = Field(
        description="Id of the processing activity in the processing register (art. 30)"
    )
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)


# --- disclosure -----------------------------------------------------------------------------


class Recipient(_Strict):
    party_id: Identifier = Field(description="The receiving organisation, e.g. 'uwv'")
    category: RecipientCategory
    name: Text | None = Field(default=None, description="Organisation name, never a person")


class LegalBasis(_Strict):
    gdpr_article_6_1: GdprBasis = Field(description="Letter of GDPR art. 6(1)")
    statute: Text | None = Field(
        default=None, description="The law it rests on, e.g. 'Participatiewet art. 53a'"
    )

    @model_validator(mode="after")
    def _statute_when_required(self) -> Self:
        needs_law = {GdprBasis.LEGAL_OBLIGATION, GdprBasis.PUBLIC_TASK}
        if self.gdpr_article_6_1 in needs_law and self.statute is None:
            raise ValueError("a legal obligation or public task (6(1)(c)/(e)) must name its statute")
        return self


class DisclosureData(_Strict):
    subject: SubjectRef
    recipient: Recipient
    data_categories: list[DataCategory] = Field(min_length=1, max_length=32)
    channel: Channel
    purpose: Text
    legal_basis: LegalBasis
    disclosed_by: Identifier = Field(description="Employee id (personal user id, art. 7)")
    details: Annotated[str, Field(max_length=4000)] | None = Field(
        default=None, description="Free text; personal, stored encrypted per subject"
    )


class DisclosureRecorded(Envelope):
    event_type: Literal["disclosure.recorded"] = "disclosure.recorded"
    data: DisclosureData


# --- consent --------------------------------------------------------------------------------


class ConsentData(_Strict):
    subject: SubjectRef
    purpose: ConsentPurpose
    expressed_by: ExpressedBy = ExpressedBy.SELF
    method: ConsentMethod
    notice_version: Identifier = Field(description="Version of the notice or form shown")
    form_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    evidence_ref: Identifier | None = None
    valid_until: AwareDatetime | None = None


class ConsentChangeData(_Strict):
    subject: SubjectRef
    purpose: ConsentPurpose
    reason: Text | None = None


class ConsentGiven(Envelope):
    event_type: Literal["consent.given"] = "consent.given"
    data: ConsentData


class ConsentRefused(Envelope):
    event_type: Literal["consent.refused"] = "consent.refused"
    data: ConsentData


class ConsentWithdrawn(Envelope):
    event_type: Literal["consent.withdrawn"] = "consent.withdrawn"
    data: ConsentChangeData


class ConsentExpired(Envelope):
    """Published by the ledger's expiry scheduler at the consent's valid-until; the event id is
    'expiry.<id of the grant that expired>', so publishing it twice records it once."""

    event_type: Literal["consent.expired"] = "consent.expired"
    data: ConsentChangeData


class ConsentRevocationData(_Strict):
    subject: SubjectRef
    purpose: ConsentPurpose
    revoked_by: Identifier = Field(
        description="The party that revoked it, not the person (DPV ConsentRevoked)"
    )
    reason: Text | None = None


class ConsentRevoked(Envelope):
    event_type: Literal["consent.revoked"] = "consent.revoked"
    data: ConsentRevocationData


class ConsentRenewed(Envelope):
    """A new expression of the same consent, with its own evidence (DPV RenewedConsentGiven)."""

    event_type: Literal["consent.renewed"] = "consent.renewed"
    data: ConsentData


class ConsentNoticeData(_Strict):
    """GDPR art. 19: a party that relied on a consent was told it no longer holds."""

    subject: SubjectRef
    purpose: ConsentPurpose
    cause: Literal["withdrawn", "revoked", "expired"]
    consent_event_id: Identifier = Field(description="The withdrawal, revocation or expiry event")
    recipient: Recipient
    via: Literal["webhook", "stream"]
    destination: Text = Field(description="The webhook address or broker stream it was delivered to")


class ConsentRecipientNotified(Envelope):
    event_type: Literal["consent.recipient-notified"] = "consent.recipient-notified"
    data: ConsentNoticeData


# --- phone (regulation art. 8 lid 3) ---------------------------------------------------------

E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]


class PhoneRequestData(_Strict):
    request_id: Identifier
    subject: SubjectRef
    caller_party_id: Identifier
    caller_person_id: Identifier | None = None
    calling_number: E164 | None = Field(default=None, description="The number the call came from")
    given_number: E164 | None = Field(
        default=None, description="A number the caller asked to be called back on; used only if verified"
    )
    topic: Identifier
    data_categories: list[DataCategory] = Field(min_length=1, max_length=32)
    requested_by: Identifier = Field(description="Employee taking the call")


class PhoneDecisionData(_Strict):
    request_id: Identifier
    decision_id: Identifier
    subject: SubjectRef
    decision: Literal["allow", "deny", "call-back"]
    basis: Literal["policy", "callback", "management-override"] = Field(
        description="The policy, a callback outcome, or a management override (art. 8 lid 3, last sentence)"
    )
    reason: Identifier = Field(description="Machine-readable reason, e.g. 'topic-not-allowed'")
    policy_version: Identifier
    decided_by: Identifier = Field(description="Employee or manager; the policy itself is 'policy'")
    callback_number: E164 | None = Field(default=None, description="Verified number only")
    callback_deadline: AwareDatetime | None = None
    note: Text | None = Field(default=None, description="A manager's written reason; stored sealed")


class CallbackData(_Strict):
    request_id: Identifier
    task_id: Identifier
    subject: SubjectRef
    recorded_by: Identifier
    cause: Literal["confirmed", "not-confirmed", "deadline-passed"]
    reason: Text | None = None


class PhoneDisclosureRequested(Envelope):
    event_type: Literal["phone.disclosure-requested"] = "phone.disclosure-requested"
    data: PhoneRequestData


class PhoneDisclosureDecided(Envelope):
    event_type: Literal["phone.disclosure-decided"] = "phone.disclosure-decided"
    data: PhoneDecisionData


class CallbackConfirmed(Envelope):
    event_type: Literal["phone.callback-confirmed"] = "phone.callback-confirmed"
    data: CallbackData


class CallbackFailed(Envelope):
    event_type: Literal["phone.callback-failed"] = "phone.callback-failed"
    data: CallbackData


# --- known-party registry (regulation art. 8 lid 3), owned by the notifier -------------------


class RegistryTopic(_Strict):
    topic: Identifier
    label: Text
    legal_basis: LegalBasis


class RegistryPartyData(_Strict):
    party_id: Identifier
    name: Text
    category: RecipientCategory
    topics: list[RegistryTopic] = Field(max_length=64)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    always_call_back: bool = False
    changed_by: Identifier


class RegistryPersonData(_Strict):
    person_id: Identifier
    party_id: Identifier
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    changed_by: Identifier


class RegistryNumberData(_Strict):
    person_id: Identifier
    party_id: Identifier
    number: E164
    verified_by: Identifier
    verified_at: AwareDatetime
    valid_until: AwareDatetime | None = None


class RegistryRevocationData(_Strict):
    person_id: Identifier
    party_id: Identifier
    number: E164
    revoked_by: Identifier


class RegistryPartyChanged(Envelope):
    event_type: Literal["registry.party-changed"] = "registry.party-changed"
    data: RegistryPartyData


class RegistryPersonChanged(Envelope):
    event_type: Literal["registry.person-changed"] = "registry.person-changed"
    data: RegistryPersonData


class RegistryNumberVerified(Envelope):
    event_type: Literal["registry.number-verified"] = "registry.number-verified"
    data: RegistryNumberData


class RegistryNumberRevoked(Envelope):
    event_type: Literal["registry.number-revoked"] = "registry.number-revoked"
    data: RegistryRevocationData


_ALL = (
    DisclosureRecorded,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    ConsentExpired,
    ConsentRevoked,
    ConsentRenewed,
    ConsentRecipientNotified,
    PhoneDisclosureRequested,
    PhoneDisclosureDecided,
    CallbackConfirmed,
    CallbackFailed,
    RegistryPartyChanged,
    RegistryPersonChanged,
    RegistryNumberVerified,
    RegistryNumberRevoked,
)

EVENT_TYPES: dict[str, type[Envelope]] = {cls.model_fields["event_type"].default: cls for cls in _ALL}

# The events that change a consent's state (DPV consent status), as opposed to notices about it.
CONSENT_EVENT_TYPES = frozenset(
    {
        "consent.given",
        "consent.refused",
        "consent.withdrawn",
        "consent.revoked",
        "consent.expired",
        "consent.renewed",
    }
)

Event = Annotated[
    DisclosureRecorded
    | ConsentGiven
    | ConsentRefused
    | ConsentWithdrawn
    | ConsentExpired
    | ConsentRevoked
    | ConsentRenewed
    | ConsentRecipientNotified
    | PhoneDisclosureRequested
    | PhoneDisclosureDecided
    | CallbackConfirmed
    | CallbackFailed
    | RegistryPartyChanged
    | RegistryPersonChanged
    | RegistryNumberVerified
    | RegistryNumberRevoked,
    Field(discriminator="event_type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
