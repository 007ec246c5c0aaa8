"""The envelope every event shares, and the strict base of every contract model."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .formats import ChainName, Code, EventId
from .privacy import clear, personal

__all__ = [
    "Envelope",
    "SCHEMA_VERSION",
    "SUPPORTED_SCHEMA_VERSIONS",
    "StrictModel",
    "TRACEPARENT_PATTERN",
    "Text",
]


SCHEMA_VERSION = 2
SUPPORTED_SCHEMA_VERSIONS = frozenset({SCHEMA_VERSION})  # on the wire; older entries stay readable

Text = Annotated[str, Field(min_length=1, max_length=500)]
# W3C Trace Context, section 3.2 (version 00).
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(StrictModel):
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
    # Sealed, not clear: 32 + 16 hexadecimal digits can spell a BSN or a telephone number, and a
    # trace id is random, so no format can refuse those without refusing real ones (issue 28).
    traceparent: str | None = personal(
        None,
        pattern=TRACEPARENT_PATTERN,
        description="W3C Trace Context; sealed with the subject's data, for the LDV export",
    )
