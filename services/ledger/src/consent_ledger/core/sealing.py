"""Per-subject encryption of personal payload (AES-256-GCM). docs/ledger-format.md §6.

Each subject has its own data key; the data key is stored wrapped under the key-encryption
key from configuration. Destroying a subject's data key (erasure) leaves the sealed
payload unreadable and the entry bytes, hence the chain, unchanged.

The same key names the subject on the chain (§5.1): each entry carries its own reference,
HMAC-SHA256 under a key derived from the data key, over the event id. Entries of one subject
share nothing visible, and once the data key is gone nobody can tie them to the person or
to each other. The content MAC that makes appends idempotent is keyed the same way and is
kept only in the (mutable) event index, never on the chain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "SEAL_ALG",
    "SubjectKey",
    "content_mac",
    "derive_key",
    "new_data_key",
    "open_sealed",
    "seal",
    "subject_ref",
    "unwrap_key",
    "wrap_key",
]

SEAL_ALG = "A256GCM"  # RFC 7518 §5.3 naming
NONCE_BYTES = 12  # NIST SP 800-38D §8.2 (96-bit IV)
# HKDF-Expand (RFC 5869 §2.3) with the data key as PRK, one block: HMAC(key, info || 0x01).
REF_INFO = b"consent-ledger/v2/subject-ref"
MAC_INFO = b"consent-ledger/v2/content-mac"


def derive_key(key: bytes, info: bytes) -> bytes:
    """A 32-byte key for one use of `key`: HKDF-Expand (RFC 5869 §2.3) with `key` as PRK, one block."""
    return hmac.new(key, info + b"\x01", hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class SubjectKey:
    """A subject's data key with the two keys derived from it, derived once per batch."""

    data: bytes  # AES-256-GCM key of the sealed payload
    ref: bytes  # names the subject in an entry
    mac: bytes  # keys the content MAC of the event index

    @classmethod
    def of(cls, data_key: bytes) -> SubjectKey:
        return cls(data_key, derive_key(data_key, REF_INFO), derive_key(data_key, MAC_INFO))


def subject_ref(key: SubjectKey, event_id: str) -> str:
    """The subject's reference written in one entry: 64 hex, unlinkable without the data key."""
    return hmac.new(key.ref, event_id.encode(), hashlib.sha256).hexdigest()


def content_mac(key: SubjectKey, content: bytes) -> str:
    """Keyed digest of an event's content (idempotency); meaningless once the data key is gone."""
    return hmac.new(key.mac, content, hashlib.sha256).hexdigest()


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap_key(kek: bytes, data_key: bytes, key_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, key_id.encode())


def open_wrapped(keks: Sequence[bytes], wrapped: bytes, key_id: str) -> tuple[int, bytes] | None:
    """(which of `keks` wrapped it, the data key), or None when none of them did."""
    for index, key in enumerate(keks):
        try:
            return index, AESGCM(key).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.encode())
        except InvalidTag:  # not this key's: the next one is tried, and None says none opened it
            continue
    return None


def unwrap_key(kek: bytes, wrapped: bytes, key_id: str, previous: Sequence[bytes] = ()) -> bytes:
    """The data key, unwrapped by the key-encryption key, or by a previous one while a rotation has
    not re-wrapped every key yet (app.rewrap); raises InvalidTag when none of them wrapped it."""
    opened = open_wrapped((kek, *previous), wrapped, key_id)
    if opened is None:
        raise InvalidTag("the data key was wrapped by none of the key-encryption keys given")
    return opened[1]


def seal(data_key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """The `sealed` object of an entry. It names no key: the key belongs with the entry's subject,
    which the ledger keeps outside the chain (a key id on the chain would link the entries)."""
    nonce = os.urandom(NONCE_BYTES)
    ct = AESGCM(data_key).encrypt(nonce, plaintext, aad)
    return {"alg": SEAL_ALG, "nonce": _b64(nonce), "ciphertext": _b64(ct)}


def open_sealed(data_key: bytes, sealed: dict[str, str], aad: bytes) -> bytes:
    return AESGCM(data_key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), aad)
