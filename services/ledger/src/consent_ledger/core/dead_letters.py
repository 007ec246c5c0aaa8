"""What a dead letter shows and what it keeps sealed (DESIGN.md invariant 2 and 9).

A refused body may hold anything a producer sent, a BSN or health details included, so the
dead-letter entry shows only its *structure*: the keys that are field names of the contracts
(any other key a producer chose, e.g. `bsn-111-222-333`, is `<key>`), every string replaced by its
length, every number by `<number>`; an event id that is a UUID and an event type the contracts name
are shown as they are (they cannot hold personal data, and an operator needs them). The body itself
is kept sealed (AES-256-GCM) under the dead-letter key, for an operator who holds that key to
inspect, fix and replay; a body larger than MAX_KEPT_BODY is not kept at all (its size and SHA-256
are), since no event that large can ever be appended.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .sealing import open_sealed, seal

__all__ = [
    "MAX_KEPT_BODY",
    "Names",
    "failed_paths",
    "masked_structure",
    "open_body",
    "seal_body",
]

_MAX_DEPTH = 12  # deeper levels are shown as "<…>"
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_DIGIT_RUN = re.compile(r"[0-9]{5,}")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CODE = re.compile(r"^[a-z][a-z.-]{0,62}[a-z]$")
_SHOWN = {"event_id": _UUID, "request_id": _UUID}
MAX_KEPT_BODY = 1024 * 1024  # 16 times the largest event the ledger takes (MAX_EVENT_BYTES)


class Names:
    """The names a dead letter may show: the contracts' field names and event types (given by the
    caller, since the core imports no contract); with none given, keys that look like names."""

    def __init__(self, keys: frozenset[str] | None = None, event_types: frozenset[str] | None = None) -> None:
        self.keys, self.event_types = keys, event_types

    def key(self, name: str) -> str:
        if self.keys is not None:
            return name if name in self.keys else "<key>"
        return name if _KEY.match(name) and not _DIGIT_RUN.search(name) else "<key>"

    def shown(self, name: str, value: str) -> bool:
        if name == "event_type":
            return value in self.event_types if self.event_types is not None else bool(_CODE.match(value))
        pattern = _SHOWN.get(name)
        return bool(pattern and pattern.match(value))


_ANY = Names()


def _value(value: Any, depth: int, names: Names, name: str = "") -> Any:
    if depth > _MAX_DEPTH:
        return "<…>"
    if isinstance(value, dict):
        return {names.key(str(k)): _value(v, depth + 1, names, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v, depth + 1, names) for v in value]
    if isinstance(value, str):
        return value if names.shown(name, value) else f"<string {len(value)}>"
    if isinstance(value, bool) or value is None:
        return value
    return "<number>"


def masked_structure(raw: bytes | None, names: Names = _ANY) -> str:
    """The body's shape as JSON text, every string and number masked; never raises."""
    if raw is None:
        return "<no event field>"
    if len(raw) > MAX_KEPT_BODY:
        return f"<{len(raw)} bytes: too large to show>"
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"<not UTF-8 JSON: {len(raw)} bytes>"
    try:
        return json.dumps(_value(doc, 0, names), ensure_ascii=False, sort_keys=True)
    except RecursionError:
        return "<nested too deeply to show>"


def failed_paths(errors: list[dict[str, Any]], names: Names = _ANY) -> list[str]:
    """The field paths that failed validation, e.g. 'data.subject.bsn' (the event type's tag dropped)."""
    out = []
    for e in errors:
        loc = list(e.get("loc", []))[1:]
        path = ".".join(str(p) if isinstance(p, int) else names.key(str(p)) for p in loc) or "(body)"
        if path not in out:
            out.append(path)
    return out


def seal_body(key: bytes, body: bytes, aad: bytes) -> str:
    """`<nonce>.<ciphertext>`, base64url (core.sealing); `aad` binds it to its source entry."""
    sealed = seal(key, body, aad)
    return f"{sealed['nonce']}.{sealed['ciphertext']}"


def open_body(key: bytes, sealed: str, aad: bytes) -> bytes:
    """Raises cryptography's InvalidTag when the key or the binding is wrong."""
    nonce, ciphertext = sealed.split(".", 1)
    return open_sealed(key, {"nonce": nonce, "ciphertext": ciphertext}, aad)
