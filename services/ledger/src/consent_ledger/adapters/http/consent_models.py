"""The consent questions' request and answer bodies, as the OpenAPI document shows them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path
from ledger_contracts.subjects import PSEUDONYM_PATTERN, SubjectRef
from ledger_contracts.vocabulary import ConsentPurpose
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from ...app.clients import CONTROLLER_PATTERN
from ...app.consent_query import MAX_BULK

__all__ = [
    "CONTROLLER_FIELD",
    "BulkIn",
    "BulkOut",
    "ConsentQueryIn",
    "ConsentRecord",
    "ConsentStatusOut",
    "HistoryIn",
    "HistoryItem",
    "HistoryOut",
    "Moment",
    "PseudonymPath",
]


_NUMBER = re.compile(r"^\s*[-+]?[0-9.]+(e[-+]?[0-9]+)?\s*$", re.I)


def _rfc3339_only(value: object) -> object:
    """Pydantic would read 0.5 as a Unix time; a moment must be written as an RFC 3339 date-time."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("a date-time with offset, e.g. 2026-03-01T12:00:00+01:00")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only)]

CONTROLLER_FIELD = (
    "The controller organisation asked about (its chain); optional when the client is tied to one"
)
Controller = Annotated[str | None, Field(None, pattern=CONTROLLER_PATTERN, description=CONTROLLER_FIELD)]


class ConsentRecord(BaseModel):
    """The ledger entry an answer rests on."""

    event_id: str
    event_type: str
    occurred_at: datetime
    valid_until: datetime | None
    chain: str
    seq: int


class ConsentStatusOut(BaseModel):
    subject: str = Field(description="The subject's pseudonym")
    purpose: ConsentPurpose
    controller: str = Field(description="The controller the answer is for")
    allowed: bool
    as_of: datetime
    reason: str | None = Field(
        None,
        description="consent:status only: no-consent-record, given, renewed, refused, withdrawn, restricted…",
    )
    state: str | None = Field(None, description="consent:status only: the DPV consent status that holds")
    record: ConsentRecord | None = Field(None, description="consent:status only")


class ConsentQueryIn(BaseModel):
    subject: SubjectRef
    purpose: ConsentPurpose
    controller: Controller = None
    as_of: Moment | None = Field(None, description="Ask about this moment instead of now")


class BulkIn(BaseModel):
    purpose: ConsentPurpose
    controller: Controller = None
    subjects: list[Annotated[str, Field(max_length=80)]] = Field(
        min_length=1, max_length=MAX_BULK, description="BSNs or ledger pseudonyms"
    )


class BulkOut(BaseModel):
    purpose: ConsentPurpose
    controller: str
    as_of: datetime
    allowed: list[bool] = Field(description="One answer per subject, in the order asked")
    count_allowed: int


class HistoryIn(BaseModel):
    subject: SubjectRef
    controller: Controller = None


class HistoryItem(BaseModel):
    chain: str
    seq: int
    recorded_at: str
    event_type: str
    event_id: str
    occurred_at: str
    purpose: ConsentPurpose
    state: str | None = Field(None, description="DPV status the event expresses; none for a notice")
    data: dict[str, Any] = Field(description="The event's data as the ledger holds it (sealed text left out)")


class HistoryOut(BaseModel):
    subject: str
    controller: str
    entries: list[HistoryItem]


# The pattern is published for clients; the handler checks it, so a BSN gets its own refusal.
PseudonymPath = Annotated[
    str, Path(description="A ledger pseudonym, never a BSN", json_schema_extra={"pattern": PSEUDONYM_PATTERN})
]
