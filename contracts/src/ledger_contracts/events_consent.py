"""Consent (DPV consent states) and the notices to parties that relied on one that ended."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from .envelope import (
    Envelope,
    StrictModel,
    Text,
)
from .events_disclosure import Recipient
from .formats import Code, EventId, Sha256Hex, VersionId
from .privacy import clear, personal
from .subjects import SubjectRef
from .vocabulary import (
    ConsentMethod,
    ConsentPurpose,
    ExpressedBy,
)

__all__ = [
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
]


# --- consent --------------------------------------------------------------------------------


class ConsentData(StrictModel):
    subject: SubjectRef
    purpose: ConsentPurpose = clear()
    expressed_by: ExpressedBy = clear(ExpressedBy.SELF)
    method: ConsentMethod = clear()
    notice_version: VersionId = clear(description="Version of the notice or form shown")
    form_sha256: Sha256Hex | None = clear(None, description="SHA-256 of the signed form")
    evidence_ref: Text | None = personal(None, description="Where the evidence is kept; sealed")
    valid_until: AwareDatetime | None = clear(None)


class ConsentChangeData(StrictModel):
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


class ConsentRevocationData(StrictModel):
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


class ConsentNoticeData(StrictModel):
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
