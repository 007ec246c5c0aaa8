"""Facts the ledger accepted, published for the notifier: the one input on which it acts for
consent (DESIGN.md invariant 13). The ledger writes each in the transaction of the entry it states
and puts it on `ledger.accepted.consent-endings` after the commit, at least once; a producer's raw
event on `ledger.events.consent` is never acted on, whether or not it was signed. Producers' Redis
users may write `ledger.events.*` only (docs/privacy.md), so this stream is the ledger's alone."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict

from .formats import ChainName, Code, EventId
from .privacy import clear, pseudonym
from .streams import ACCEPTED_CONSENT_STREAM
from .subjects import PSEUDONYM_PATTERN
from .vocabulary import ConsentPurpose

__all__ = ["ACCEPTED_CONSENT_STREAM", "ENDING_EVENT_TYPES", "FACT_FIELD", "ConsentEnded", "EndingType"]

FACT_FIELD = "fact"  # the one stream-entry field: UTF-8 JSON of the fact

EndingType = Literal["consent.withdrawn", "consent.revoked", "consent.expired"]
ENDING_EVENT_TYPES = frozenset(get_args(EndingType))  # the consent events the notifier is told of


class ConsentEnded(BaseModel):
    """A withdrawal, revocation or expiry the ledger appended (kind `event`: signed, screened,
    committed; never a conflict), located by its entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chain: ChainName = clear(description="The controller's chain the entry is on")
    seq: int = clear(ge=0)
    event_id: EventId = clear()
    event_type: EndingType = clear()
    producer: Code = clear()
    controller: ChainName = clear()
    processing_activity: Code = clear()
    occurred_at: AwareDatetime = clear()
    purpose: ConsentPurpose = clear()
    subject: str = pseudonym(pattern=PSEUDONYM_PATTERN, description="The subject's ledger pseudonym")
    recorded_at: str = clear(max_length=40, description="When the ledger recorded the entry (RFC 3339)")
