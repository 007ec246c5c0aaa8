"""Turn the bytes of one stream entry into an event, or a refusal with its reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import ValidationError

from .cloudevents import MAPPED, CloudEventRefused, from_cloudevent, is_cloudevent, split_signature
from .events import EVENT_ADAPTER, EVENT_TYPES, SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, Event
from .formats import EVENT_ID_PATTERN
from .jsontext import read_json
from .refusals import Refusal
from .streams import MAX_EVENT_BYTES

__all__ = ["EventRefused", "parse_event"]

_UUID = re.compile(EVENT_ID_PATTERN)
# an envelope field's name in a CloudEvent, for refusals that name what the producer sent
ATTRIBUTE_OF = {field: attribute for attribute, field in MAPPED.items() if attribute != "occurredat"}


class EventRefused(Exception):
    """The event cannot be accepted. Carries no input values: they may hold a BSN."""

    def __init__(
        self,
        reason: Refusal,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        event_id: str | None = None,
        event_type: str | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.errors = errors or []
        self.event_id = event_id
        self.event_type = event_type

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole, as a refusal from a screening process comes back (consent_ledger)."""
        return (type(self), (self.reason, self.detail, self.errors, self.event_id, self.event_type))


def _safe_errors(exc: ValidationError, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Location, type and message of each error; never the input value. `names`: the field's name as
    the producer sent it, where it differs (a CloudEvent's attributes)."""
    return [
        {"loc": _renamed(list(e["loc"]), names), "type": e["type"], "msg": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _renamed(loc: list[Any], names: Mapping[str, str]) -> list[Any]:
    if len(loc) > 1 and loc[1] in names:
        return [loc[0], names[loc[1]], *loc[2:]]
    return loc


def _str_or_none(value: Any) -> str | None:
    return value[:128] if isinstance(value, str) else None


def parse_event(raw: bytes | str | None) -> Event:
    """Validate one event body; raise EventRefused naming the reason."""
    if raw is None:
        raise EventRefused(Refusal.MISSING_EVENT_FIELD, "stream entry has no 'event' field")
    body = raw.encode() if isinstance(raw, str) else raw
    if len(body) > MAX_EVENT_BYTES:
        raise EventRefused(Refusal.OVERSIZED, f"{len(body)} bytes; the limit is {MAX_EVENT_BYTES}")
    try:
        doc = read_json(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EventRefused(Refusal.NOT_JSON, f"body is not UTF-8 JSON ({type(exc).__name__})") from None
    except RecursionError:
        raise EventRefused(Refusal.NOT_JSON, "body is JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise EventRefused(Refusal.NOT_AN_OBJECT, f"body is JSON {type(doc).__name__}, not an object")
    names: Mapping[str, str] = {}
    if is_cloudevent(doc):  # the NL GOV profile for CloudEvents (ledger_contracts.cloudevents)
        try:
            doc = from_cloudevent(split_signature(doc)[0])
        except CloudEventRefused as exc:
            error = {"loc": ["cloudevent", exc.attribute], "type": "cloudevent", "msg": exc.detail}
            event_id = exc.event_id if exc.event_id and _UUID.match(exc.event_id) else None
            raise EventRefused(exc.reason, f"{exc.attribute}: {exc.detail}", [error], event_id) from None
        body, names = orjson.dumps(doc), ATTRIBUTE_OF
    event_id, event_type = _str_or_none(doc.get("event_id")), _str_or_none(doc.get("event_type"))
    if event_type not in EVENT_TYPES:
        raise EventRefused(
            Refusal.UNKNOWN_EVENT_TYPE,
            "event_type is missing or not one of: " + ", ".join(sorted(EVENT_TYPES)),
            event_id=event_id,
            event_type=event_type,
        )
    if doc.get("schema_version", SCHEMA_VERSION) not in SUPPORTED_SCHEMA_VERSIONS:
        raise EventRefused(
            Refusal.UNSUPPORTED_SCHEMA_VERSION,
            f"schema_version must be {SCHEMA_VERSION}; version 1 let personal data reach the chain in "
            "the clear and is no longer accepted (docs/wire-format.md, 'Version 2')",
            event_id=event_id,
            event_type=event_type,
        )
    try:
        return EVENT_ADAPTER.validate_json(body, strict=True)
    except ValidationError as exc:
        errors = _safe_errors(exc, names)
        bsn_error = any("invalid_bsn" in e["msg"] for e in errors)
        reason = Refusal.INVALID_BSN if bsn_error else Refusal.VALIDATION_FAILED
        detail = "; ".join(f"{'.'.join(map(str, e['loc'][1:])) or '(body)'}: {e['msg']}" for e in errors)
        raise EventRefused(reason, detail, errors, event_id, event_type) from None
