"""Logboek Dataverwerkingen (Logius, LDV): the ledger's disclosures, consent events and phone
decisions as LDV records, one per entry, for the LDV tooling a municipality runs.

The fields follow "Component: Logboek", Interface (tests/vectors/ldv/ holds the text the tests hold
the records to):

- `trace_id` (16 bytes) and `parent_span_id` (8 bytes): from the W3C `traceparent` the producer
  sent with the event, which is sealed with the subject's data (its hexadecimal digits could spell
  a BSN) and so opened while the key lives; without one, or once erased, the trace is the event's
  own (its UUID's 16 bytes);
- `span_id` (8 bytes): the first 8 bytes of SHA-256("consent-ledger/ldv-span" 0 chain 0 seq), so the
  record of an entry has the same id in every export;
- `name`: the event type; `start_time`: when it happened, `end_time`: when the ledger recorded it
  (milliseconds since the epoch); `status_code` 0 (unset: processed without an internal error, as
  the standard's default; a refused phone request is a decision, not an error);
- `resource.attributes`: the ledger as the system (`service.name`, `service.version`) and the
  entry the record stands for (`ledger.chain`, `ledger.seq`), to find its receipt;
- `attributes`: `dpl.core.processing_activity_id`, a URI into the processing register in force
  (`<public URL>/v1/registers/<controller>/activities/<activity>`); `dpl.core.data_subject_id`, the
  subject's ledger pseudonym encrypted (AES-256-GCM under the LDV key, a key of its own derived from
  the key-encryption key), never the BSN, which the ledger does not keep; and
  `dpl.core.data_subject_id_type`, a URI naming that kind of identifier. An entry whose subject was
  erased has no subject any more: its record names none (the standard allows 0 or 1).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..core.sealing import open_sealed

__all__ = [
    "LDV_EVENT_TYPES",
    "SUBJECT_ID_TYPE",
    "LdvEntry",
    "activity_uri",
    "ldv_records",
    "open_subject_id",
    "opened_traceparent",
    "seal_subject_id",
]

LDV_EVENT_TYPES = ("disclosure.recorded", "consent.", "phone.disclosure-decided")
SUBJECT_ID_TYPE = "urn:nld:consent-ledger:pseudonym:p1"  # keyed HMAC of the BSN (docs/ledger-format.md)
STATUS_CODE_UNSET = 0  # "Component: Logboek": the default, processed without an internal error
_SPAN_DOMAIN = b"consent-ledger/ldv-span"
_AAD = b"consent-ledger/v1/ldv-data-subject-id"


@dataclass(frozen=True, slots=True)
class LdvEntry:
    """What one ledger entry gives an LDV record: its place, its clear event, its subject."""

    chain: str
    seq: int
    event: dict[str, Any]  # the entry's clear event (body["event"])
    recorded_at: str
    subject: str | None  # the pseudonym, None once erased
    traceparent: str | None = None  # opened from the sealed part (opened_traceparent)


def ldv_records(
    entries: Iterable[LdvEntry], public_url: str, key: bytes, version: str
) -> Iterator[dict[str, Any]]:
    """The LDV record of each entry whose event is a disclosure, a consent event or a phone decision."""
    resource = {"service.name": "consent-ledger", "service.version": version}
    for e in entries:
        event_type = str(e.event.get("event_type", ""))
        if not event_type.startswith(LDV_EVENT_TYPES):
            continue
        trace_id, parent = _trace(e.event, e.traceparent)
        attributes: dict[str, Any] = {
            "dpl.core.processing_activity_id": activity_uri(
                public_url, e.event["controller"], e.event["processing_activity"]
            ),
        }
        if e.subject:
            attributes["dpl.core.data_subject_id"] = seal_subject_id(key, e.subject)
            attributes["dpl.core.data_subject_id_type"] = SUBJECT_ID_TYPE
        record: dict[str, Any] = {
            "trace_id": trace_id,
            "span_id": span_id(e.chain, e.seq),
            "name": event_type,
            "start_time": _millis(e.event["occurred_at"]),
            "end_time": _millis(e.recorded_at),
            "status_code": STATUS_CODE_UNSET,
            "resource": {"attributes": {**resource, "ledger.chain": e.chain, "ledger.seq": e.seq}},
            "attributes": attributes,
        }
        if parent:
            record["parent_span_id"] = parent
        yield record


def activity_uri(public_url: str, controller: str, activity: str) -> str:
    return f"{public_url.rstrip('/')}/v1/registers/{controller}/activities/{activity}"


def span_id(chain: str, seq: int) -> str:
    return hashlib.sha256(b"\0".join((_SPAN_DOMAIN, chain.encode(), str(seq).encode()))).hexdigest()[:16]


def seal_subject_id(key: bytes, pseudonym: str) -> str:
    """base64url(nonce 12 || AES-256-GCM(pseudonym)), a fresh nonce each time: two records of one
    person do not show it without the key."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, pseudonym.encode(), _AAD)
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def open_subject_id(key: bytes, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    return AESGCM(key).decrypt(raw[:12], raw[12:], _AAD).decode()


def opened_traceparent(event: dict[str, Any], sealed: Any, data_key: bytes | None) -> str | None:
    """The traceparent sealed in an entry (with the subject's key), or None: none sent, or erased."""
    if not isinstance(sealed, dict) or data_key is None:
        return None
    try:
        personal = json.loads(open_sealed(data_key, sealed, str(event["event_id"]).encode()))
    except InvalidTag:
        return None
    found = personal.get("traceparent")
    return found if isinstance(found, str) else None


def _trace(event: dict[str, Any], opened: str | None) -> tuple[str, str | None]:
    """(trace id, parent span id) from the traceparent (W3C Trace Context §3.2), else the event's.
    Entries appended before it was sealed hold it in the clear event."""
    parent = opened or event.get("traceparent")
    if isinstance(parent, str) and parent.count("-") == 3:
        _version, trace, span, _flags = parent.split("-")
        return trace, span
    return str(event["event_id"]).replace("-", ""), None


def _millis(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
