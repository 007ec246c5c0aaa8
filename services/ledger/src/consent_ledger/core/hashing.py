"""Entry hashing and the chain's genesis. Spec: docs/ledger-format.md §3."""

from __future__ import annotations

import hashlib

__all__ = [
    "GENESIS_DOMAIN",
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "entry_hash",
    "genesis_hash",
    "leaf_hash",
]

HASH_SIZE = 32  # SHA-256 (FIPS 180-4)
GENESIS_DOMAIN = b"consent-ledger/v1/genesis\x00"  # docs/ledger-format.md §3.1
LEAF_PREFIX = b"\x00"  # RFC 9162 §2.1.1
NODE_PREFIX = b"\x01"  # RFC 9162 §2.1.1


def genesis_hash(chain_id: str) -> bytes:
    """The `prev` of a chain's first entry: SHA-256(GENESIS_DOMAIN || UTF-8 chain id)."""
    return hashlib.sha256(GENESIS_DOMAIN + chain_id.encode("utf-8")).digest()


def entry_hash(prev: bytes, body: bytes) -> bytes:
    """SHA-256(prev || body). Requires len(prev) == HASH_SIZE."""
    if len(prev) != HASH_SIZE:
        raise ValueError(f"prev must be {HASH_SIZE} bytes, got {len(prev)}")
    h = hashlib.sha256(prev)
    h.update(body)
    return h.digest()


def leaf_hash(body: bytes) -> bytes:
    """RFC 9162 Merkle leaf hash of an entry's canonical bytes."""
    return hashlib.sha256(LEAF_PREFIX + body).digest()
