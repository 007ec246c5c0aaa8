"""Versioned event contracts: one envelope, one model per event type.

Every event shares the envelope fields; `data` holds what the event type says.
Event types and their `data` models are listed in `EVENT_TYPES`. Every field carries its privacy
class (ledger_contracts.privacy): `clear` on the chain, `pseudonym` replaced, `personal` sealed.

Schema version 2 (this one) leaves no room for personal data outside the seal: ids are UUIDs,
purposes, laws and parties are codes, and names, numbers and free text are `personal`. Version 1
events are refused on the wire; entries recorded under version 1 stay readable.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from .formats import E164, ActorId, ChainName, Code, EventId, PolicyVersion, Sha256Hex, VersionId
from .legal import StatuteRef
from .privacy import clear, personal
from .refusals import Refusal
from .register import DURATION_PATTERN, ProcessingRegister, SpecialCategoryGround
from .subjects import SubjectRef
from .vocabulary import (
    Channel,
    ConsentMethod,
    ConsentPurpose,
    DataCategory,
    DecisionReason,
    DropReason,
    ExpressedBy,
    GdprBasis,
    Milestone,
    NumberCheck,
    Purpose,
    RecipientCategory,
    SubjectRight,
)

__all__ = [
    "CaseAborted",
    "CaseEnded",
    "CaseRefused",
    "CaseStarted",
    "ComplaintClosed",
    "ContactRecorded",
    "RegisterPublished",
    "SubjectCorrected",
    "SubjectErased",
    "SubjectHoldChanged",
    "SubjectRequestDecided",
    "SubjectRequestReceived",
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
    "DeadLetterDropped",
    "DropReason",
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
    "SUPPORTED_SCHEMA_VERSIONS",
    "StatuteRef",
]

SCHEMA_VERSION = 2
SUPPORTED_SCHEMA_VERSIONS = frozenset({SCHEMA_VERSION})  # on the wire; older entries stay readable

Text = Annotated[str, Field(min_length=1, max_length=500)]
# W3C Trace Context, section 3.2 (version 00).
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(_Strict):
    """Fields every event carries."""

    event_id: EventId = clear(description="A UUID chosen by the producer; the idempotency key")
    schema_version: Literal[2] = clear(SCHEMA_VERSION)
    occurred_at: AwareDatetime = clear(description="When it happened, with a UTC offset")
    producer: Code = clear(description="Registered id of the publishing service")
    controller: ChainName = clear(
        description="Controller organisation (verwerkingsverantwoordelijke); one chain each"
    )
    processing_activity: Code = clear(
        description="Id of the processing activity in the processing register (art. 30)"
    )
    traceparent: str | None = clear(None, pattern=TRACEPARENT_PATTERN)


# --- disclosure -----------------------------------------------------------------------------


class Recipient(_Strict):
    party_id: Code = clear(description="The receiving organisation, e.g. 'uwv'")
    category: RecipientCategory = clear()
    name: Text | None = personal(None, description="Organisation name as the recipient is known; sealed")
    country: str = clear(
        "NL", pattern=r"^[A-Z]{2}$", description="Where the recipient processes the data (ISO 3166-1 alpha-2)"
    )


class LegalBasis(_Strict):
    gdpr_article_6_1: GdprBasis = clear(description="Letter of GDPR art. 6(1)")
    statute: StatuteRef | None = Field(default=None, description="The law it rests on")
    regulation: StatuteRef | None = Field(
        default=None, description="The controller's own rule it follows, e.g. a privacy regulation"
    )
    special_category_ground: SpecialCategoryGround | None = Field(
        default=None, description="GDPR art. 9(2): the ground under which health data are disclosed"
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
    data_categories: list[DataCategory] = clear(min_length=1, max_length=32)
    channel: Channel = clear()
    purpose: Purpose = clear(description="Verwerkingsdoel, from the processing register")
    legal_basis: LegalBasis
    disclosed_by: ActorId = clear(description="Employee id (personal user id, art. 7)")
    details: Annotated[str, Field(min_length=1, max_length=4000)] | None = personal(
        None, description="Free text; sealed under the subject's key"
    )


class DisclosureRecorded(Envelope):
    event_type: Literal["disclosure.recorded"] = clear("disclosure.recorded")
    data: DisclosureData


# --- consent --------------------------------------------------------------------------------


class ConsentData(_Strict):
    subject: SubjectRef
    purpose: ConsentPurpose = clear()
    expressed_by: ExpressedBy = clear(ExpressedBy.SELF)
    method: ConsentMethod = clear()
    notice_version: VersionId = clear(description="Version of the notice or form shown")
    form_sha256: Sha256Hex | None = clear(None, description="SHA-256 of the signed form")
    evidence_ref: Text | None = personal(None, description="Where the evidence is kept; sealed")
    valid_until: AwareDatetime | None = clear(None)


class ConsentChangeData(_Strict):
    subject: SubjectRef
    purpose: ConsentPurpose = clear()
    reason: Text | None = personal(None, description="Free text; sealed")


class ConsentGiven(Envelope):
    event_type: Literal["consent.given"] = clear("consent.given")
    data: ConsentData


class ConsentRefused(Envelope):
    event_type: Literal["consent.refused"] = clear("consent.refused")
    data: ConsentData


class ConsentWithdrawn(Envelope):
    event_type: Literal["consent.withdrawn"] = clear("consent.withdrawn")
    data: ConsentChangeData


class ConsentExpired(Envelope):
    """Published by the ledger's expiry scheduler at the consent's valid-until; the event id is
    derived from the id of the grant that expired (uuid5), so publishing it twice records it once."""

    event_type: Literal["consent.expired"] = clear("consent.expired")
    data: ConsentChangeData


class ConsentRevocationData(_Strict):
    subject: SubjectRef
    purpose: ConsentPurpose = clear()
    revoked_by: Code = clear(description="The party that revoked it, not the person (DPV ConsentRevoked)")
    reason: Text | None = personal(None, description="Free text; sealed")


class ConsentRevoked(Envelope):
    event_type: Literal["consent.revoked"] = clear("consent.revoked")
    data: ConsentRevocationData


class ConsentRenewed(Envelope):
    """A new expression of the same consent, with its own evidence (DPV RenewedConsentGiven)."""

    event_type: Literal["consent.renewed"] = clear("consent.renewed")
    data: ConsentData


class ConsentNoticeData(_Strict):
    """GDPR art. 19: a party that relied on a consent was told it no longer holds."""

    subject: SubjectRef
    purpose: ConsentPurpose = clear()
    cause: Literal["withdrawn", "revoked", "expired"] = clear()
    consent_event_id: EventId = clear(description="The withdrawal, revocation or expiry event")
    recipient: Recipient
    via: Literal["webhook", "stream"] = clear()
    destination: Text = personal(description="The webhook address or broker stream it was delivered to")


class ConsentRecipientNotified(Envelope):
    event_type: Literal["consent.recipient-notified"] = clear("consent.recipient-notified")
    data: ConsentNoticeData


# --- phone (regulation art. 8 lid 3) ---------------------------------------------------------
# No telephone number goes on the chain: a request says how the numbers compared with the registry
# and which verification they matched (the known person and the verification's time).


class PhoneRequestData(_Strict):
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


class PhoneDecisionData(_Strict):
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


class CallbackData(_Strict):
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


class RegistryTopic(_Strict):
    topic: Code = clear()
    label: Text = personal(description="Display label; sealed")
    legal_basis: LegalBasis


class RegistryPartyData(_Strict):
    party_id: Code = clear()
    name: Text = personal(description="Organisation name; sealed")
    category: RecipientCategory = clear()
    topics: list[RegistryTopic] = Field(max_length=64)
    valid_from: AwareDatetime | None = clear(None)
    valid_until: AwareDatetime | None = clear(None)
    always_call_back: bool = clear(False)
    changed_by: ActorId = clear()


class RegistryPersonData(_Strict):
    person_id: ActorId = clear()
    party_id: Code = clear()
    valid_from: AwareDatetime | None = clear(None)
    valid_until: AwareDatetime | None = clear(None)
    changed_by: ActorId = clear()


class RegistryNumberData(_Strict):
    person_id: ActorId = clear()
    party_id: Code = clear()
    number: E164 = personal(description="The verified number; sealed")
    verified_by: ActorId = clear()
    verified_at: AwareDatetime = clear(description="Names this verification in phone requests and decisions")
    valid_until: AwareDatetime | None = clear(None)


class RegistryRevocationData(_Strict):
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


# --- operations ---------------------------------------------------------------------------


class DeadLetterDropData(_Strict):
    """An operator removed a dead letter without replaying it; the body stays unread."""

    source_stream: Literal[
        "ledger.events.disclosure", "ledger.events.consent", "ledger.events.phone", "ledger.events.operations"
    ] = clear()
    refusal: Refusal = clear(description="Why the ledger had refused it")
    refused_at: AwareDatetime = clear()
    event_id: EventId | None = clear(None, description="The refused event's id, when it was a UUID")
    drop_reason: DropReason = clear(description="Why it is dropped")
    dropped_by: ActorId = clear()


class DeadLetterDropped(Envelope):
    event_type: Literal["dead-letter.dropped"] = clear("dead-letter.dropped")
    data: DeadLetterDropData


# --- lifecycle: the milestones retention periods run from (processing register) ------------


class CaseData(_Strict):
    """A subject's case (traject, begeleiding) under the envelope's processing activity."""

    subject: SubjectRef
    case_id: EventId = clear(description="The producer's id of the case")
    recorded_by: ActorId = clear()
    reason: Text | None = personal(None, description="Free text; sealed")


class CaseStarted(Envelope):
    event_type: Literal["case.started"] = clear("case.started")
    data: CaseData


class CaseEnded(Envelope):
    """Guidance ended (begeleiding beeindigd)."""

    event_type: Literal["case.ended"] = clear("case.ended")
    data: CaseData


class CaseRefused(Envelope):
    """Guidance refused to the subject (begeleiding geweigerd)."""

    event_type: Literal["case.refused"] = clear("case.refused")
    data: CaseData


class CaseAborted(Envelope):
    """Support aborted (ondersteuning afgebroken)."""

    event_type: Literal["case.aborted"] = clear("case.aborted")
    data: CaseData


class ComplaintClosedData(_Strict):
    subject: SubjectRef
    complaint_id: EventId = clear()
    outcome: Literal["handled", "withdrawn", "aborted", "not-admissible"] = clear(
        description="Afgehandeld, ingetrokken, afgebroken or niet ontvankelijk"
    )
    financial_consequences: bool = clear(False, description="Met financiele consequenties")
    recorded_by: ActorId = clear()


class ComplaintClosed(Envelope):
    event_type: Literal["complaint.closed"] = clear("complaint.closed")
    data: ComplaintClosedData


class ContactData(_Strict):
    """Contact between the subject and the controller (privacy regulation art. 10)."""

    subject: SubjectRef
    channel: Channel = clear()
    initiated_by: Literal["subject", "controller"] = clear()
    recorded_by: ActorId = clear()


class ContactRecorded(Envelope):
    event_type: Literal["contact.recorded"] = clear("contact.recorded")
    data: ContactData


# --- the register and erasure, written by the ledger itself ------------------------------------


class RegisterPublishedData(_Strict):
    """A version of the controller's processing register came into force (ledger_contracts.register)."""

    register_version: Sha256Hex = clear(description="SHA-256 of the register's RFC 8785 bytes")
    document: ProcessingRegister
    published_by: ActorId = clear()


class RegisterPublished(Envelope):
    event_type: Literal["register.published"] = clear("register.published")
    data: RegisterPublishedData


class ErasureRule(_Strict):
    milestone: Milestone | None = clear(None, description="None when erased on request")
    duration: str | None = clear(None, pattern=DURATION_PATTERN)


class SubjectErasedData(_Strict):
    """The data key of one subject under one activity was destroyed: every entry sealed under it is
    unreadable from now on, and nothing links those entries to the person any more. The subject is
    named like in every entry, by a reference under the destroyed key."""

    subject: SubjectRef
    cause: Literal["retention", "request"] = clear()
    rule: ErasureRule = clear(description="The retention rule that ran out")
    register_version: Sha256Hex | None = clear(None, description="The register the rule was read from")
    milestone_on: date | None = clear(None, description="The day the period started")
    due_on: date | None = clear(None, description="The day the period ended")
    request_id: EventId | None = clear(None, description="The erasure request carried out (art. 17)")
    entries: int = clear(ge=0, description="How many entries were sealed under the destroyed key")
    erased_by: ActorId = clear()


class SubjectErased(Envelope):
    event_type: Literal["subject.erased"] = clear("subject.erased")
    data: SubjectErasedData


# --- the data subject's rights (GDPR art. 15-18; seed 003 art. 11 and 12) ---------------------
# Written by the ledger when an employee or a client with a subject scope acts on a request. The
# request and its decision are the controller's accountability (GDPR art. 5(2)): they are kept
# under the ledger's own activity and are not erased with the data they are about.


class SubjectRequestData(_Strict):
    request_id: EventId = clear()
    subject: SubjectRef
    right: SubjectRight = clear()
    received_on: date = clear(description="The day the request came in")
    due_on: date = clear(description="The decision is due: one month after receipt (GDPR art. 12(3))")
    received_by: ActorId = clear(description="Employee or API client that took the request")
    details: Text | None = personal(None, description="What the subject asked, in their words; sealed")


class SubjectRequestReceived(Envelope):
    event_type: Literal["subject.request-received"] = clear("subject.request-received")
    data: SubjectRequestData


class DecisionGround(_Strict):
    """What happened to the subject's data under one activity, and why."""

    controller: ChainName = clear()
    activity: Code = clear()
    outcome: Literal["erased", "kept", "restricted", "corrected", "reported"] = clear()
    reason: DecisionReason = clear()
    rule: ErasureRule | None = clear(None, description="The retention rule that still runs or ran out")
    statute: StatuteRef | None = Field(default=None, description="The law that obliges keeping the data")
    until: date | None = clear(None, description="The day the data go at the earliest, when known")


class SubjectRequestDecidedData(_Strict):
    request_id: EventId = clear()
    subject: SubjectRef
    right: SubjectRight = clear()
    outcome: Literal["granted", "partly-granted", "refused"] = clear()
    grounds: list[DecisionGround] = Field(default_factory=list, max_length=256)
    decided_by: ActorId = clear()
    note: Text | None = personal(None, description="The reasoning in words, for the subject; sealed")


class SubjectRequestDecided(Envelope):
    event_type: Literal["subject.request-decided"] = clear("subject.request-decided")
    data: SubjectRequestDecidedData


class SubjectHoldData(_Strict):
    """A legal hold (GDPR art. 17(3)(e): data needed for a legal claim) stops the retention run for
    the subject at the controller until its end date; a restriction (art. 18) stops every use but
    storage: consent answers about the subject are 'no' while it stands."""

    hold_id: EventId = clear()
    subject: SubjectRef
    kind: Literal["legal-hold", "restriction"] = clear()
    state: Literal["placed", "lifted"] = clear()
    until: date | None = clear(None, description="A legal hold's end date; required when placed")
    request_id: EventId | None = clear(None, description="The subject's request, for a restriction")
    reason: Text | None = personal(None, description="Why, in words; sealed")
    by: ActorId = clear()

    @model_validator(mode="after")
    def _hold_ends(self) -> Self:
        if self.kind == "legal-hold" and self.state == "placed" and self.until is None:
            raise ValueError("a legal hold needs an end date (until)")
        return self


class SubjectHoldChanged(Envelope):
    event_type: Literal["subject.hold-changed"] = clear("subject.hold-changed")
    data: SubjectHoldData


class SubjectCorrectedData(_Strict):
    """Art. 16 and seed 003 art. 12: a sealed field of an earlier entry about the subject is
    corrected, completed or removed. The entry itself never changes; this one supersedes the
    field, and is sealed under the same activity's key, so it goes when the data go."""

    request_id: EventId | None = clear(None)
    subject: SubjectRef
    corrects: EventId = clear(description="The event whose field is superseded")
    field: str = clear(
        pattern=r"^(/[a-z_]{1,40}){1,4}$", description="JSON pointer into the event, e.g. /data/details"
    )
    value: Annotated[str, Field(min_length=1, max_length=4000)] | None = personal(
        None, description="The corrected value; none when the field is removed; sealed"
    )
    corrected_by: ActorId = clear()


class SubjectCorrected(Envelope):
    event_type: Literal["subject.corrected"] = clear("subject.corrected")
    data: SubjectCorrectedData


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
    DeadLetterDropped,
    CaseStarted,
    CaseEnded,
    CaseRefused,
    CaseAborted,
    ComplaintClosed,
    ContactRecorded,
    RegisterPublished,
    SubjectErased,
    SubjectRequestReceived,
    SubjectRequestDecided,
    SubjectHoldChanged,
    SubjectCorrected,
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
    | RegistryNumberRevoked
    | DeadLetterDropped
    | CaseStarted
    | CaseEnded
    | CaseRefused
    | CaseAborted
    | ComplaintClosed
    | ContactRecorded
    | RegisterPublished
    | SubjectErased
    | SubjectRequestReceived
    | SubjectRequestDecided
    | SubjectHoldChanged
    | SubjectCorrected,
    Field(discriminator="event_type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
