"""Per-subject encryption of personal payload (AES-256-GCM). docs/ledger-format.md §6.

Each subject has its own data key; the data key is stored wrapped under the key-encryption
key from configuration. Destroying a subject's data key (erasure) leaves the sealed
payload unreadable and the entry bytes, hence the chain, unchanged.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["SEAL_ALG", "new_data_key", "open_sealed", "seal", "unwrap_key", "wrap_key"]

SEAL_ALG = "A256GCM"  # RFC 7518 §5.3 naming
NONCE_BYTES = 12  # NIST SP 800-38D §8.2 (96-bit IV)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap_key(kek: bytes, data_key: bytes, key_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, key_id.encode())


def unwrap_key(kek: bytes, wrapped: bytes, key_id: str) -> bytes:
    return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], key_id.encode())


def seal(data_key: bytes, key_id: str, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """The `sealed` object of an entry."""
    nonce = os.urandom(NONCE_BYTES)
    ct = AESGCM(data_key).encrypt(nonce, plaintext, aad)
    return {"alg": SEAL_ALG, "key_id": key_id, "nonce": _b64(nonce), "ciphertext": _b64(ct)}


def open_sealed(data_key: bytes, sealed: dict[str, str], aad: bytes) -> bytes:
    return AESGCM(data_key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), aad)
