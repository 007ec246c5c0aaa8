"""Event contracts for the consent and disclosure ledger."""

from .events import (
    CONSENT_EVENT_TYPES,
    EVENT_ADAPTER,
    EVENT_TYPES,
    SCHEMA_VERSION,
    CallbackConfirmed,
    CallbackFailed,
    ConsentExpired,
    ConsentGiven,
    ConsentRecipientNotified,
    ConsentRefused,
    ConsentRenewed,
    ConsentRevoked,
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
    "CONSENT_EVENT_TYPES",
    "ConsentExpired",
    "ConsentGiven",
    "ConsentRecipientNotified",
    "ConsentRefused",
    "ConsentRenewed",
    "ConsentRevoked",
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
