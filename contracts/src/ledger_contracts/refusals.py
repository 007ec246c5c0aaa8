"""Machine-readable reasons an event is refused (dead-lettered)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Refusal"]


class Refusal(StrEnum):
    MISSING_EVENT_FIELD = "missing_event_field"  # stream entry has no `event` field
    OVERSIZED = "oversized"  # more than MAX_EVENT_BYTES
    NOT_JSON = "not_json"  # not UTF-8 JSON
    NOT_AN_OBJECT = "not_an_object"  # JSON, but not an object
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    INVALID_BSN = "invalid_bsn"  # fails the elfproef
    VALIDATION_FAILED = "validation_failed"  # missing fields, wrong types, bad values
    UNAUTHENTICATED_PRODUCER = "unauthenticated_producer"  # unsigned, badly signed, unknown or disabled
    PRODUCER_NOT_ALLOWED = "producer_not_allowed"  # registered, but not for this event type or controller
    UNPROCESSABLE = "unprocessable"  # valid by the contract, yet the ledger could not process it alone
    DELIVERY_ATTEMPTS_EXCEEDED = "delivery_attempts_exceeded"  # delivered too often without commit
