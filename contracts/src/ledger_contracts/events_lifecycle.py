"""The ledger's operations (a dead letter dropped) and the lifecycle events retention periods run
from (processing register)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from .envelope import (
    Envelope,
    StrictModel,
    Text,
)
from .formats import ActorId, EventId
from .privacy import clear, personal
from .refusals import Refusal
from .subjects import SubjectRef
from .vocabulary import (
    Channel,
    DropReason,
)

__all__ = [
    "CaseAborted",
    "CaseData",
    "CaseEnded",
    "CaseRefused",
    "CaseStarted",
    "ComplaintClosed",
    "ComplaintClosedData",
    "ContactData",
    "ContactRecorded",
    "DeadLetterDropData",
    "DeadLetterDropped",
]


# --- operations ---------------------------------------------------------------------------


class DeadLetterDropData(StrictModel):
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


class CaseData(StrictModel):
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


class ComplaintClosedData(StrictModel):
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


class ContactData(StrictModel):
    """Contact between the subject and the controller (privacy regulation art. 10)."""

    subject: SubjectRef
    channel: Channel = clear()
    initiated_by: Literal["subject", "controller"] = clear()
    recorded_by: ActorId = clear()


class ContactRecorded(Envelope):
    event_type: Literal["contact.recorded"] = clear("contact.recorded")
    data: ContactData
