"""The register and erasure, written by the ledger itself, and the data subject's rights (GDPR
art. 15-18; seed 003 art. 11 and 12)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .envelope import (
    Envelope,
    StrictModel,
    Text,
)
from .formats import ActorId, ChainName, Code, EventId, Sha256Hex
from .legal import StatuteRef
from .privacy import clear, personal
from .register import DURATION_PATTERN, ProcessingRegister
from .subjects import SubjectRef
from .vocabulary import (
    DecisionReason,
    Milestone,
    SubjectRight,
)

__all__ = [
    "DecisionGround",
    "ErasureRule",
    "RegisterPublished",
    "RegisterPublishedData",
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
]


# --- the register and erasure, written by the ledger itself ------------------------------------


class RegisterPublishedData(StrictModel):
    """A version of the controller's processing register came into force (ledger_contracts.register)."""

    register_version: Sha256Hex = clear(description="SHA-256 of the register's RFC 8785 bytes")
    document: ProcessingRegister
    published_by: ActorId = clear()


class RegisterPublished(Envelope):
    event_type: Literal["register.published"] = clear("register.published")
    data: RegisterPublishedData


class ErasureRule(StrictModel):
    milestone: Milestone | None = clear(None, description="None when erased on request")
    duration: str | None = clear(None, pattern=DURATION_PATTERN)


class SubjectErasedData(StrictModel):
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


class SubjectRequestData(StrictModel):
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


class DecisionGround(StrictModel):
    """What happened to the subject's data under one activity, and why."""

    controller: ChainName = clear()
    activity: Code = clear()
    outcome: Literal["erased", "kept", "restricted", "corrected", "reported"] = clear()
    reason: DecisionReason = clear()
    rule: ErasureRule | None = clear(None, description="The retention rule that still runs or ran out")
    statute: StatuteRef | None = Field(default=None, description="The law that obliges keeping the data")
    until: date | None = clear(None, description="The day the data go at the earliest, when known")


class SubjectRequestDecidedData(StrictModel):
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


class SubjectHoldData(StrictModel):
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


class SubjectCorrectedData(StrictModel):
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
