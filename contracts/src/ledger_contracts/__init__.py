"""Event contracts for the consent and disclosure ledger.

The names below load on first use (PEP 562): a command or process that needs one submodule, say
the vocabulary, does not pay for building every event model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOME = {
    **dict.fromkeys(
        (
            "CONSENT_EVENT_TYPES",
            "EVENT_ADAPTER",
            "EVENT_TYPES",
            "SCHEMA_VERSION",
            "CallbackConfirmed",
            "CallbackFailed",
            "ConsentExpired",
            "ConsentGiven",
            "ConsentRecipientNotified",
            "ConsentRefused",
            "ConsentRenewed",
            "ConsentRevoked",
            "ConsentWithdrawn",
            "DisclosureRecorded",
            "Event",
            "PhoneDisclosureDecided",
            "PhoneDisclosureRequested",
        ),
        ".events",
    ),
    **dict.fromkeys(("AsyncLedgerPublisher", "LedgerPublisher", "encode_event"), ".publisher"),
    "Refusal": ".refusals",
    **dict.fromkeys(("SubjectRef", "is_valid_bsn"), ".subjects"),
    **dict.fromkeys(("EventRefused", "parse_event"), ".validation"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


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
