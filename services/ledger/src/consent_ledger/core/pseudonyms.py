"""Keyed pseudonyms for BSNs: HMAC-SHA256 under a versioned key. docs/ledger-format.md §5."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from .errors import Refused

__all__ = ["MIN_KEY_BYTES", "PSEUDONYM_DOMAIN", "Pseudonymizer", "WeakKeyError", "check_key_strength"]

MIN_KEY_BYTES = 32
PSEUDONYM_DOMAIN = b"consent-ledger/v1/bsn\x00"


class WeakKeyError(Refused, ValueError):
    """A pseudonym key is missing or too weak."""


def check_key_strength(key: bytes, name: str) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise WeakKeyError(f"{name} must be at least {MIN_KEY_BYTES} bytes, got {len(key)}")
    if len(set(key)) < 8:
        raise WeakKeyError(f"{name} has fewer than 8 distinct byte values: not random")


class Pseudonymizer:
    """pseudonym = "p<version>-" + hex(HMAC-SHA256(key[version], DOMAIN || bsn))."""

    def __init__(self, keys: Mapping[int, bytes], current_version: int) -> None:
        if current_version not in keys:
            raise WeakKeyError(f"no pseudonym key with version {current_version}")
        for version, key in keys.items():
            check_key_strength(key, f"pseudonym key v{version}")
        self._keys = dict(keys)
        self.current_version = current_version

    def pseudonym(self, bsn: str) -> str:
        key = self._keys[self.current_version]
        mac = hmac.new(key, PSEUDONYM_DOMAIN + bsn.encode("ascii"), hashlib.sha256).hexdigest()
        return f"p{self.current_version}-{mac}"

    def content_mac(self, body: bytes) -> str:
        """Keyed digest of an event's content, for idempotency without exposing it."""
        key = self._keys[self.current_version]
        return hmac.new(key, b"consent-ledger/v1/content\x00" + body, hashlib.sha256).hexdigest()
