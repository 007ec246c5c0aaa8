"""Event contracts for the consent and disclosure ledger."""

from .events import (
    EVENT_ADAPTER,
    EVENT_TYPES,
    SCHEMA_VERSION,
    CallbackConfirmed,
    CallbackFailed,
    ConsentExpired,
    ConsentGiven,
    ConsentRefused,
    ConsentWithdrawn,
    DisclosureRecorded,
    Event,
    PhoneDisclosureDecided,
    PhoneDisclosureRequested,
)
from .publisher import AsyncLedgerPublisher, LedgerPublisher, encode_event
from .refusals import Refusal
from .subjects import SubjectRef, is_valid_bsn
from .validation import EventRefused, parse_event

__all__ = [
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "AsyncLedgerPublisher",
    "CallbackConfirmed",
    "CallbackFailed",
    "ConsentExpired",
    "ConsentGiven",
    "ConsentRefused",
    "ConsentWithdrawn",
    "DisclosureRecorded",
    "Event",
    "EventRefused",
    "LedgerPublisher",
    "PhoneDisclosureDecided",
    "PhoneDisclosureRequested",
    "Refusal",
    "SubjectRef",
    "encode_event",
    "is_valid_bsn",
    "parse_event",
]
