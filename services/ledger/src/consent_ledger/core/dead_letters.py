"""What a dead letter shows and what it keeps sealed (DESIGN.md invariant 2 and 9).

A refused body may hold anything a producer sent, a BSN or health details included, so the
dead-letter entry shows only its *structure*: keys that look like field names, every string
replaced by its length, every number by `<number>`; an event id that is a UUID and an event type
that is a code are shown as they are (they cannot hold personal data, and an operator needs them).
The body itself is kept sealed (AES-256-GCM) under the dead-letter key, for an operator who holds
that key to inspect, fix and replay.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .sealing import open_sealed, seal

__all__ = [
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
_SHOWN = {"event_id": _UUID, "event_type": _CODE, "request_id": _UUID}


def _key(name: str) -> str:
    return name if _KEY.match(name) and not _DIGIT_RUN.search(name) else "<key>"


def _value(value: Any, depth: int, name: str = "") -> Any:
    if depth > _MAX_DEPTH:
        return "<…>"
    if isinstance(value, dict):
        return {_key(str(k)): _value(v, depth + 1, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v, depth + 1) for v in value]
    if isinstance(value, str):
        shown = _SHOWN.get(name)
        return value if shown and shown.match(value) else f"<string {len(value)}>"
    if isinstance(value, bool) or value is None:
        return value
    return "<number>"


def masked_structure(raw: bytes | None) -> str:
    """The body's shape as JSON text, every string and number masked; never raises."""
    if raw is None:
        return "<no event field>"
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"<not UTF-8 JSON: {len(raw)} bytes>"
    try:
        return json.dumps(_value(doc, 0), ensure_ascii=False, sort_keys=True)
    except RecursionError:
        return "<nested too deeply to show>"


def failed_paths(errors: list[dict[str, Any]]) -> list[str]:
    """The field paths that failed validation, e.g. 'data.subject.bsn' (the event type's tag dropped)."""
    out = []
    for e in errors:
        loc = list(e.get("loc", []))[1:]
        path = ".".join(str(p) if isinstance(p, int) else _key(str(p)) for p in loc) or "(body)"
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
