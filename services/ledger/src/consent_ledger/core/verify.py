"""Recompute a chain and name the first damage. Pure: callers fetch, this decides.

Spec: docs/ledger-format.md §4 ("Verifying a chain").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from .errors import Damaged
from .hashing import LEAF_PREFIX, entry_hash, genesis_hash

__all__ = ["ChainReport", "Damage", "IntegrityError", "StoredEntry", "seq_of", "verify_chain"]


class Damage(StrEnum):
    PAYLOAD_CHANGED = "payload-changed"
    ENTRY_DELETED = "entry-deleted"
    ENTRIES_REORDERED = "entries-reordered"
    ENTRY_INSERTED = "entry-inserted"
    HASH_EDITED = "hash-field-edited"
    ENTRY_REWRITTEN = "entry-rewritten"  # body and its hash changed together (§4: needs the stored tree)
    ENTRY_APPENDED = "entry-appended"  # more entries than the chain head records
    HEAD_MISMATCH = "head-hash-mismatch"  # the recorded head hash is not the last entry's hash
    NOT_AN_ENTRY = "not-an-entry"  # an export line that is not an entry line


@dataclass(frozen=True, slots=True)
class StoredEntry:
    body: bytes
    entry_hash: bytes


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    length: int
    head_hash: bytes


class IntegrityError(Damaged):
    """The chain is damaged. `position` is the 0-based place of the first bad entry."""

    def __init__(
        self,
        chain: str,
        position: int,
        damage: Damage,
        detail: str,
        expected: bytes | None = None,
        found: bytes | None = None,
    ) -> None:
        super().__init__(f"chain {chain!r}, entry {position}: {damage}: {detail}")
        self.chain = chain
        self.position = position
        self.damage = damage
        self.detail = detail
        self.expected = expected
        self.found = found


def seq_of(body: bytes, chain: str) -> int | None:
    """The seq an entry body claims, or None when it is not an entry of `chain`."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("chain") != chain:
        return None
    seq = doc.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def verify_chain(
    chain: str,
    entries: Iterable[StoredEntry],
    expected_length: int | None = None,
    expected_head: bytes | None = None,
    leaves: Callable[[int], bytes | None] | None = None,
) -> ChainReport:
    """Recompute every hash from genesis; raise IntegrityError at the first damage.

    `entries` in stored order. `expected_length` and `expected_head`, when given (the chain
    head: the export's header, the database's head row), detect entries deleted from or added
    after the end, and a head that is not the last entry's hash. `leaves(p)`, when given, is
    the stored Merkle leaf of entry p (the database's tree): with it a body rewritten together
    with its own hash is named at its own position, not at the next entry's.
    """
    it: Iterator[StoredEntry] = iter(entries)
    prev = prev_prev = genesis_hash(chain)
    position = 0
    head = b'{"chain":' + json.dumps(chain, ensure_ascii=False).encode() + b","
    sha256 = hashlib.sha256
    pending: StoredEntry | None = next(it, None)
    previous: StoredEntry | None = None
    while pending is not None:
        current, pending = pending, next(it, None)
        body = current.body
        computed = sha256(prev + body).digest()
        # Canonical v1 bodies begin with the chain and end with seq and v (keys sorted): checking
        # those bytes is the parse, without parsing; anything else is parsed.
        if body.endswith(b',"seq":%d,"v":1}' % position) and body.startswith(head):
            seq: int | None = position
        else:
            seq = seq_of(body, chain)
        if seq == position and computed == current.entry_hash:
            prev_prev, prev, position, previous = prev, computed, position + 1, current
            continue
        if seq == position and position > 0 and leaves is not None and previous is not None:
            _rewritten_before(chain, position - 1, previous.body, leaves)
        _diagnose(chain, position, seq, current, pending, it, prev, prev_prev, computed)
    if expected_length is not None and position < expected_length:
        raise IntegrityError(
            chain,
            position,
            Damage.ENTRY_DELETED,
            f"the chain head records {expected_length} entries, only {position} are stored",
        )
    if expected_length is not None and position > expected_length:
        raise IntegrityError(
            chain,
            expected_length,
            Damage.ENTRY_APPENDED,
            f"{position - expected_length} entries follow the last one the chain head records "
            f"({expected_length} entries)",
        )
    if expected_head is not None and prev != expected_head:
        raise IntegrityError(
            chain,
            max(position - 1, 0),
            Damage.HEAD_MISMATCH,
            "the chain head's recorded hash is not the hash of the last entry",
            expected=prev,
            found=expected_head,
        )
    return ChainReport(chain, position, prev)


def _rewritten_before(chain: str, p: int, body: bytes, leaves: Callable[[int], bytes | None]) -> None:
    """Entry p+1 does not chain from entry p's stored hash, though p's hash matched its body:
    either p+1 was changed, or p was rewritten together with its hash. The tree's stored leaf
    of p tells them apart: it differs when p's body is not the one appended."""
    stored = leaves(p)
    if stored is not None and stored != hashlib.sha256(LEAF_PREFIX + body).digest():
        raise IntegrityError(
            chain,
            p,
            Damage.ENTRY_REWRITTEN,
            "the body and its stored hash were changed together: the body is not the leaf the "
            "ledger's tree holds, and the next entry no longer chains from it",
        )


def _diagnose(
    chain: str,
    p: int,
    seq: int | None,
    cur: StoredEntry,
    nxt: StoredEntry | None,
    rest: Iterator[StoredEntry],
    prev: bytes,
    prev_prev: bytes,
    computed: bytes,
) -> None:
    def fail(damage: Damage, detail: str, at: int = p) -> IntegrityError:
        return IntegrityError(chain, at, damage, detail, expected=computed, found=cur.entry_hash)

    if seq is None:
        raise fail(Damage.PAYLOAD_CHANGED, "the body is not a valid entry of this chain")
    if seq == p:
        if nxt is not None and seq_of(nxt.body, chain) == p and entry_hash(prev, nxt.body) == nxt.entry_hash:
            raise fail(Damage.ENTRY_INSERTED, f"an extra entry claims seq {p}; the next one is genuine")
        if nxt is not None and entry_hash(computed, nxt.body) == nxt.entry_hash:
            raise fail(Damage.HASH_EDITED, "the body is intact but its stored hash was changed")
        raise fail(Damage.PAYLOAD_CHANGED, "the body no longer matches its hash")
    if seq > p:
        later = [nxt, *rest] if nxt is not None else []
        if any(seq_of(e.body, chain) == p for e in later):
            raise fail(Damage.ENTRIES_REORDERED, f"entry with seq {seq} stored where seq {p} belongs")
        raise fail(Damage.ENTRY_DELETED, f"entries with seq {p}..{seq - 1} are missing")
    if p > 0 and entry_hash(prev_prev, cur.body) == cur.entry_hash:
        raise fail(Damage.ENTRY_INSERTED, f"entry {p - 1} was inserted before seq {seq}", at=p - 1)
    raise fail(Damage.ENTRY_INSERTED, f"seq {seq} appears again at position {p}")
