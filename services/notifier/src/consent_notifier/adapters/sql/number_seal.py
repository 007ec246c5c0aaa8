"""A callback number kept while its callback is open is stored sealed (AES-256-GCM), never in the
clear; once the callback closes it is deleted (adapters/sql/store.py). docs/privacy.md."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CALLBACK_NUMBER", "CALLER_NAME", "DECISION_NOTE", "OUTBOX_PAYLOAD", "NumberSeal"]

_PREFIX = "s1:"
# What a sealed value is, bound into its tag: a value cannot be moved to another column.
CALLBACK_NUMBER = b"consent-notifier/callback-number"
CALLER_NAME = b"consent-notifier/caller-name"
DECISION_NOTE = b"consent-notifier/decision-note"  # a manager's written reason
OUTBOX_PAYLOAD = b"consent-notifier/outbox-payload"  # an event on its way to the ledger or a webhook
NONCE_BYTES = 12  # NIST SP 800-38D §8.2


class NumberSeal:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the number key is 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, number: str | None, what: bytes = CALLBACK_NUMBER) -> str | None:
        if not number:
            return number
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, number.encode(), what)
        return _PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def open(self, stored: str | None, what: bytes = CALLBACK_NUMBER) -> str | None:
        """The number; None when it cannot be opened (another key: the callback number is gone)."""
        if not stored or not stored.startswith(_PREFIX):
            return stored or None
        raw = base64.urlsafe_b64decode(stored[len(_PREFIX) :])
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], what).decode()
        except InvalidTag:
            return None
