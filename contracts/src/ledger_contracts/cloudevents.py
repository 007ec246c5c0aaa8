"""Events in the NL GOV profile for CloudEvents (Logius; CloudEvents 1.0, JSON format), mapped to
and from the ledger's own envelope. docs/wire-format.md, "CloudEvents", says the same for producers.

A CloudEvent of the ledger carries the envelope's fields as context attributes and its `data` as
`data` (the table with every rule is in docs/wire-format.md):

- `specversion` `1.0`;
- `id` is the `event_id`, a UUID: it enters the chain in the clear, so no document number that
  could be personal;
- `type` is `nl.consent-ledger.<event type>.v2`: reverse DNS of the data source and one version
  (profile, `type`), giving `event_type` and `schema_version`;
- `source` is `urn:nld:oin:<20-digit OIN>:systeem:<producer>` (or `kvknr:<8 digits>` for an
  organisation outside government; profile, `source`), giving the registered `producer`;
- `time` is `occurred_at`, RFC 3339 with an offset, unless the extension `occurredat` is given:
  the profile advises `time` to be when the producer logged the event;
- the extensions `controller` (the chain) and `processingactivity` (the register's activity), and
  `traceparent` (W3C Trace Context, the CloudEvents distributed tracing extension);
- `datacontenttype` absent or `application/json`; `dataschema` informational.

Refused, each naming why: `subject` (a context attribute is read and logged by every intermediary;
the profile's own example puts a BSN there; the ledger's subject goes in `data.subject`, where it is
pseudonymised), `dataref` (the ledger records what was disclosed, not where to fetch it later; a URL
may name the person), any other extension attribute (every field that reaches the ledger is
classified; an unknown one could hold anything), and `data_base64`.

A producer signs the RFC 8785 bytes of the CloudEvent as it is published, without the attribute
`ledgersig` that may carry the signature (on HTTP, where there is no stream field `sig`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from .events import SCHEMA_VERSION
from .jsontext import read_json
from .refusals import Refusal

__all__ = [
    "CE_SIGNATURE_ATTRIBUTE",
    "SPECVERSION",
    "TYPE_PREFIX",
    "CloudEventRefused",
    "ce_type",
    "from_cloudevent",
    "is_cloudevent",
    "source_urn",
    "embedded_signature",
    "split_signature",
    "to_cloudevent",
]

SPECVERSION = "1.0"  # CloudEvents 1.0 §3.1.1
TYPE_PREFIX = "nl.consent-ledger."  # reverse DNS of the data source, not of an organisation (profile §type)
CE_SIGNATURE_ATTRIBUTE = "ledgersig"
JSON_TYPES = frozenset({"application/json"})  # profile §datacontenttype: JSON SHOULD be used
# profile §source: a URN in the 'nld' namespace naming the organisation (OIN, or KvK number for a
# non-government one) and then the system; here the system is the registered producer's id
_SOURCE = re.compile(
    r"^urn:nld:(?:oin:[0-9]{20}|kvknr:[0-9]{8}):systeem:(?P<producer>[a-z][a-z.-]{0,62}[a-z])$"
)
_TYPE = re.compile(r"^nl\.consent-ledger\.(?P<event_type>[a-z][a-z.-]*[a-z])\.v(?P<version>[0-9]+)$")
_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")  # CloudEvents 1.0 §2 naming, ≤ 20 (profile)

# context attribute -> envelope field; what the profile calls REQUIRED first
MAPPED = {
    "id": "event_id",
    "source": "producer",
    "type": "event_type",
    "time": "occurred_at",
    "occurredat": "occurred_at",
    "controller": "controller",
    "processingactivity": "processing_activity",
    "traceparent": "traceparent",
}
IGNORED = frozenset({"specversion", "datacontenttype", "dataschema", "tracestate", CE_SIGNATURE_ATTRIBUTE})
REFUSED = {
    "subject": "the subject goes in data.subject, where it is pseudonymised: a context attribute is "
    "read and logged by every intermediary (NL GOV profile, 'Privacy and Security')",
    "dataref": "the ledger records what was disclosed, not where to fetch it later; a URL may name "
    "the person",
    "data_base64": "data must be JSON (NL GOV profile: JSON format)",
}


class CloudEventRefused(ValueError):
    """A CloudEvent the ledger does not take: the reason of the refusal, the attribute at fault, and
    what is wrong with it, never its value."""

    def __init__(self, reason: Refusal, attribute: str, detail: str, event_id: str | None = None) -> None:
        super().__init__(f"{attribute}: {detail}")
        self.reason, self.attribute, self.detail, self.event_id = reason, attribute, detail, event_id


def is_cloudevent(doc: Mapping[str, Any]) -> bool:
    """A structured-mode CloudEvent names its spec version; the ledger's own envelope never does."""
    return "specversion" in doc


def split_signature(doc: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The CloudEvent without `ledgersig`, and that signature (what the producer signed is the rest)."""
    rest = {k: v for k, v in doc.items() if k != CE_SIGNATURE_ATTRIBUTE}
    signature = doc.get(CE_SIGNATURE_ATTRIBUTE)
    return rest, signature if isinstance(signature, str) else None


def embedded_signature(raw: bytes) -> tuple[bytes, str | None]:
    """For an entry without a `sig` field: when it is a CloudEvent carrying `ledgersig`, the bytes the
    producer signed (the event without it) and the signature; otherwise `raw` and None."""
    try:
        doc = read_json(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return raw, None
    if not isinstance(doc, dict) or not is_cloudevent(doc):
        return raw, None
    rest, signature = split_signature(doc)
    return (orjson.dumps(rest), signature) if signature else (raw, None)


def ce_type(event_type: str, version: int = SCHEMA_VERSION) -> str:
    return f"{TYPE_PREFIX}{event_type}.v{version}"


def source_urn(organisation: str, producer: str) -> str:
    """`organisation`: `oin:<20 digits>` or `kvknr:<8 digits>`."""
    urn = f"urn:nld:{organisation}:systeem:{producer}"
    if not _SOURCE.match(urn):
        raise ValueError("organisation must be oin:<20 digits> or kvknr:<8 digits>, producer a code")
    return urn


def from_cloudevent(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The ledger's envelope of a CloudEvent (without `ledgersig`); raises CloudEventRefused naming
    the first attribute at fault. The envelope is then validated as any other event."""
    event_id = doc.get("id") if isinstance(doc.get("id"), str) else None

    def refuse(attribute: str, detail: str, reason: Refusal = Refusal.VALIDATION_FAILED) -> CloudEventRefused:
        return CloudEventRefused(reason, attribute, detail, event_id)

    if doc.get("specversion") != SPECVERSION:
        raise refuse("specversion", f"must be {SPECVERSION!r}")
    for name in doc:
        if name in REFUSED:
            raise refuse(name, REFUSED[name])
        if name not in MAPPED and name not in IGNORED and name != "data":
            shown = name if _ATTRIBUTE_NAME.match(name) else "(an attribute)"
            raise refuse(shown, "not an attribute the ledger knows; every field it takes is classified")
    for required in ("id", "source", "type", "time", "controller", "processingactivity"):
        if not isinstance(doc.get(required), str) or not doc[required]:
            raise refuse(required, "required, a non-empty string")
    if doc.get("datacontenttype", "application/json") not in JSON_TYPES:
        raise refuse("datacontenttype", "must be application/json")
    kind = _TYPE.match(doc["type"])
    if kind is None:
        raise refuse("type", f"must be {TYPE_PREFIX}<event type>.v<version>", Refusal.UNKNOWN_EVENT_TYPE)
    source = _SOURCE.match(doc["source"])
    if source is None:
        raise refuse("source", "must be urn:nld:oin:<OIN>:systeem:<producer> (or kvknr:<KvK number>)")
    if not isinstance(doc.get("data"), dict):
        raise refuse("data", "required, a JSON object")
    occurred = doc.get("occurredat", doc["time"])
    if not isinstance(occurred, str) or not _aware(occurred):
        raise refuse("occurredat" if "occurredat" in doc else "time", "must be RFC 3339 with an offset")
    envelope: dict[str, Any] = {
        "event_id": doc["id"],
        "event_type": kind["event_type"],
        "schema_version": int(kind["version"]),
        "occurred_at": occurred,
        "producer": source["producer"],
        "controller": doc["controller"],
        "processing_activity": doc["processingactivity"],
        "data": doc["data"],
    }
    if "traceparent" in doc:
        envelope["traceparent"] = doc["traceparent"]
    return envelope


def to_cloudevent(envelope: Mapping[str, Any], organisation: str) -> dict[str, Any]:
    """The CloudEvent of one of the ledger's own events (a notice, a decision): `envelope` as JSON
    (`Event.model_dump(mode="json")`), `organisation` the publisher's `oin:…` or `kvknr:…`."""
    doc: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": envelope["event_id"],
        "source": source_urn(organisation, envelope["producer"]),
        "type": ce_type(envelope["event_type"], int(envelope.get("schema_version", SCHEMA_VERSION))),
        "time": envelope["occurred_at"],
        "datacontenttype": "application/json",
        "controller": envelope["controller"],
        "processingactivity": envelope["processing_activity"],
        "data": envelope["data"],
    }
    if envelope.get("traceparent"):
        doc["traceparent"] = envelope["traceparent"]
    return doc


def _aware(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False
