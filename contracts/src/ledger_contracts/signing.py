"""Producer signatures: an event counts only when a registered producer signed it (DESIGN.md
invariant 10). docs/wire-format.md, "Signed events".

The signature is Ed25519 (RFC 8032) over the event's canonical bytes: RFC 8785 (JCS) of the
`event` field's JSON. It travels beside the event in the stream entry's field `sig`, as
`ed25519:<base64url signature, no padding>`, so the event JSON itself is unchanged. Canonical
bytes make the signature independent of how a producer's JSON library spaces or orders keys.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

import orjson
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from .jsontext import read_json

__all__ = [
    "SIGNATURE_FIELD",
    "ProducerSigner",
    "canonical_event_bytes",
    "public_key_text",
    "verify_event",
    "verify_signature",
]

SIGNATURE_FIELD = "sig"
_PREFIX = "ed25519:"
_KEY_SIZE = 32


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def canonical_event_bytes(event: bytes | str | dict[str, Any]) -> bytes:
    """RFC 8785 bytes of an event given as JSON text or as a parsed object."""
    doc = json.loads(event) if isinstance(event, bytes | str) else event
    return rfc8785.dumps(doc)


def _sorted_json(doc: Any) -> bytes:
    """Sorted compact JSON: the same bytes as RFC 8785 for documents without floats, integers beyond
    2^53 or keys outside the Basic Multilingual Plane (every event of the contracts), and many times
    faster. Used only to try first; see verify_event."""
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


@lru_cache(maxsize=1024)
def _public_key(public_text: str) -> VerifyKey | None:
    """Verified by libsodium (PyNaCl): a third faster than OpenSSL here, and stricter (it also
    refuses small-order keys and non-canonical points, which no genuine signer makes)."""
    if not public_text.startswith(_PREFIX):
        return None
    try:
        raw = _unb64(public_text[len(_PREFIX) :])
    except ValueError:
        return None
    if len(raw) != _KEY_SIZE:
        return None
    return VerifyKey(raw)


def verify_event(public_text: str, event: bytes | str, signature: str) -> bool:
    """True when `signature` is the key's signature of the event's RFC 8785 bytes. The fast sorted
    JSON is tried first; only when that does not verify are the exact RFC 8785 bytes made."""
    doc = read_json(event)
    if verify_signature(public_text, _sorted_json(doc), signature):
        return True
    return verify_signature(public_text, rfc8785.dumps(doc), signature)


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _PREFIX + _b64(raw)


class ProducerSigner:
    """A producer's private key: `sign(event_json)` gives the `sig` field's value."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def generate(cls) -> ProducerSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> ProducerSigner:
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_text(cls, text: str) -> ProducerSigner:
        """`ed25519-private:<base64url seed>`, as `consent-ledger producers add` prints it."""
        prefix = "ed25519-private:"
        if not text.startswith(prefix):
            raise ValueError("a producer key is 'ed25519-private:<base64url of 32 bytes>'")
        return cls.from_seed(_unb64(text[len(prefix) :].strip()))

    def private_text(self) -> str:
        raw = self._private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return "ed25519-private:" + _b64(raw)

    def public_text(self) -> str:
        return public_key_text(self._private.public_key())

    def sign(self, event: bytes | str | dict[str, Any]) -> str:
        return _PREFIX + _b64(self._private.sign(canonical_event_bytes(event)))


def verify_signature(public_text: str, canonical: bytes, signature: str) -> bool:
    """True when `signature` (the `sig` field) is the key's signature of `canonical`."""
    key = _public_key(public_text)
    if key is None or not signature.startswith(_PREFIX):
        return False
    try:
        key.verify(canonical, _unb64(signature[len(_PREFIX) :]))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
