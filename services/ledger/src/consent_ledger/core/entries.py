"""The ledger entry document and appending to a chain. docs/ledger-format.md §2-3."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .canonical import canonical_bytes
from .hashing import entry_hash, genesis_hash

__all__ = [
    "ENTRY_FORMAT_VERSION",
    "AppendedEntry",
    "ChainHead",
    "append_records",
    "rfc3339_utc",
]

ENTRY_FORMAT_VERSION = 1


def rfc3339_utc(moment: datetime) -> str:
    """UTC, 'Z' suffix, microseconds only when non-zero (docs/ledger-format.md §2.2)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class ChainHead:
    chain: str
    length: int
    head_hash: bytes
    frontier: tuple[bytes, ...] = ()  # the Merkle tree's peaks at `length` (core.merkle.Frontier)

    @classmethod
    def genesis(cls, chain: str) -> ChainHead:
        return cls(chain, 0, genesis_hash(chain))

    @classmethod
    def stored(cls, chain: str, length: int, head_hash: bytes, frontier: bytes) -> ChainHead:
        """From its stored row, where the peaks are kept as one run of 32-byte hashes."""
        peaks = bytes(frontier)
        return cls(
            chain, length, bytes(head_hash), tuple(peaks[i : i + 32] for i in range(0, len(peaks), 32))
        )


@dataclass(frozen=True, slots=True)
class AppendedEntry:
    chain: str
    seq: int
    body: bytes
    entry_hash: bytes
    document: dict[str, Any]


def append_records(
    head: ChainHead,
    kinds_and_records: Iterable[tuple[str, dict[str, Any]]],
    recorded_at: datetime,
    *,
    checked: bool = True,
) -> tuple[list[AppendedEntry], ChainHead]:
    """Wrap records as entries of `head.chain`, hash them in order, return them and the new head.

    A record is the kind-specific part (e.g. {"event": ..., "sealed": ..., "content_mac": ...}).
    """
    stamp = rfc3339_utc(recorded_at)
    prev, seq, out = head.head_hash, head.length, []
    for kind, record in kinds_and_records:
        doc = {
            "v": ENTRY_FORMAT_VERSION,
            "chain": head.chain,
            "seq": seq,
            "recorded_at": stamp,
            "kind": kind,
            **record,
        }
        body = canonical_bytes(doc, checked=checked)
        prev = entry_hash(prev, body)
        out.append(AppendedEntry(head.chain, seq, body, prev, doc))
        seq += 1
    return out, ChainHead(head.chain, seq, prev)
