"""Versioned event contracts: one envelope, one model per event type.

Every event shares the envelope fields; `data` holds what the event type says.
Event types and their `data` models are listed in `EVENT_TYPES`. Every field carries its privacy
class (ledger_contracts.privacy): `clear` on the chain, `pseudonym` replaced, `personal` sealed.

Schema version 2 (this one) leaves no room for personal data outside the seal: ids are UUIDs,
purposes, laws and parties are codes, and names, numbers and free text are `personal`. Version 1
events are refused on the wire; entries recorded under version 1 stay readable.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from .envelope import (
    SCHEMA_VERSION,
    SUPPORTED_SCHEMA_VERSIONS,
    TRACEPARENT_PATTERN,
    Envelope,
    StrictModel,
    Text,
)
from .events_consent import (
    ConsentChangeData,
    ConsentData,
    ConsentExpired,
    ConsentGiven,
    ConsentNoticeData,
    ConsentRecipientNotified,
    ConsentRefused,
    ConsentRenewed,
    ConsentRevocationData,
    ConsentRevoked,
    ConsentWithdrawn,
)
from .events_disclosure import DisclosureData, DisclosureRecorded, LegalBasis, Recipient
from .events_lifecycle import (
    CaseAborted,
    CaseData,
    CaseEnded,
    CaseRefused,
    CaseStarted,
    ComplaintClosed,
    ComplaintClosedData,
    ContactData,
    ContactRecorded,
    DeadLetterDropData,
    DeadLetterDropped,
)
from .events_phone import (
    CallbackConfirmed,
    CallbackData,
    CallbackFailed,
    PhoneDecisionData,
    PhoneDisclosureDecided,
    PhoneDisclosureRequested,
    PhoneRequestData,
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
from .events_privacy import (
    DecisionGround,
    ErasureRule,
    RegisterPublished,
    RegisterPublishedData,
    SubjectCorrected,
    SubjectCorrectedData,
    SubjectErased,
    SubjectErasedData,
    SubjectHoldChanged,
    SubjectHoldData,
    SubjectRequestData,
    SubjectRequestDecided,
    SubjectRequestDecidedData,
    SubjectRequestReceived,
)
from .legal import StatuteRef
from .vocabulary import DropReason

__all__ = [
    "CONSENT_EVENT_TYPES",
    "CallbackConfirmed",
    "CallbackData",
    "CallbackFailed",
    "CaseAborted",
    "CaseData",
    "CaseEnded",
    "CaseRefused",
    "CaseStarted",
    "ComplaintClosed",
    "ComplaintClosedData",
    "ConsentChangeData",
    "ConsentData",
    "ConsentExpired",
    "ConsentGiven",
    "ConsentNoticeData",
    "ConsentRecipientNotified",
    "ConsentRefused",
    "ConsentRenewed",
    "ConsentRevocationData",
    "ConsentRevoked",
    "ConsentWithdrawn",
    "ContactData",
    "ContactRecorded",
    "DeadLetterDropData",
    "DeadLetterDropped",
    "DecisionGround",
    "DisclosureData",
    "DisclosureRecorded",
    "DropReason",
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "Envelope",
    "ErasureRule",
    "Event",
    "LegalBasis",
    "PhoneDecisionData",
    "PhoneDisclosureDecided",
    "PhoneDisclosureRequested",
    "PhoneRequestData",
    "Recipient",
    "RegisterPublished",
    "RegisterPublishedData",
    "RegistryNumberData",
    "RegistryNumberRevoked",
    "RegistryNumberVerified",
    "RegistryPartyChanged",
    "RegistryPartyData",
    "RegistryPersonChanged",
    "RegistryPersonData",
    "RegistryRevocationData",
    "RegistryTopic",
    "SCHEMA_VERSION",
    "SUPPORTED_SCHEMA_VERSIONS",
    "StatuteRef",
    "StrictModel",
    "SubjectCorrected",
    "SubjectCorrectedData",
    "SubjectErased",
    "SubjectErasedData",
    "SubjectHoldChanged",
    "SubjectHoldData",
    "SubjectRequestData",
    "SubjectRequestDecided",
    "SubjectRequestDecidedData",
    "SubjectRequestReceived",
    "TRACEPARENT_PATTERN",
    "Text",
]

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
