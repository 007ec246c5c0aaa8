"""Verifying a chain in segments that can be checked apart (in other processes) and then
stitched in order. Accepts exactly what the sequential reference (`verify.verify_chain` through
`audit.RootWatch`) accepts and computes the same Merkle roots; it names no damage: whatever it
does not accept goes to the reference, which does. Spec: docs/ledger-format.md §4, §8, §12.

Why it may be split: entry i is intact when SHA-256(stored hash of entry i-1 || body i) equals
its stored hash. Checked for every i (entry -1's hash being the genesis), this gives by
induction the reference's `SHA-256(prev || body)` along the whole chain, and each check needs
only two neighbouring rows. The Merkle tree splits along its complete nodes (`merkle.pieces`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

from .audit import RootWatch
from .hashing import LEAF_PREFIX, NODE_PREFIX, genesis_hash
from .merkle import EMPTY_ROOT, TreeBuilder
from .verify import ChainReport, seq_of

__all__ = ["Segment", "check_segment", "span_nodes", "stitch"]

Node = tuple[int, bytes]  # (level, hash) of a complete node; where it starts follows from the order


@dataclass(frozen=True, slots=True)
class Segment:
    """Entries [start, start + count) of a chain, found sound on their own: each carries its seq
    and each after the first chains from the stored hash before it. Stitching checks the rest:
    the first entry's link to the entry before, and that segments follow without gap."""

    chain: str
    start: int
    count: int
    first_body: bytes
    first_hash: bytes
    last_hash: bytes
    nodes: tuple[Node, ...] | None  # the complete nodes spanning [start, start + count), left to
    # right; None when no size of interest lies past `start` (the tree is not needed here)
    prefixes: dict[int, tuple[Node, ...]] = field(default_factory=dict)  # size m -> nodes of [start, m)

    @property
    def end(self) -> int:
        return self.start + self.count


def span_nodes(start: int, leaves: Sequence[bytes]) -> tuple[Node, ...]:
    """The complete nodes spanning leaves [start, start + len(leaves)), left to right: the same
    nodes as `merkle.pieces`, hashed level by level."""
    left: list[Node] = []
    right: list[Node] = []
    level, lo, row = 0, start, list(leaves)
    sha256 = hashlib.sha256
    while row:
        if lo & 1:  # its left sibling lies before the segment
            left.append((level, row[0]))
            row, lo = row[1:], lo + 1
        if len(row) & 1:  # its right sibling lies after the segment
            right.append((level, row[-1]))
            row = row[:-1]
        row = [sha256(NODE_PREFIX + a + b).digest() for a, b in zip(row[::2], row[1::2], strict=True)]
        level, lo = level + 1, lo >> 1
    return (*left, *reversed(right))


def check_segment(
    chain: str,
    start: int,
    bodies: Sequence[bytes],
    hashes: Sequence[bytes],
    sizes: Collection[int] = (),
) -> Segment | None:
    """Check entries [start, start + len(bodies)) of `chain` on their own; None when anything
    fails (the reference verifier must look). `sizes`: tree sizes whose roots are wanted."""
    n = len(bodies)
    if n == 0 or n != len(hashes) or start < 0:
        return None
    sha256 = hashlib.sha256
    if [sha256(p + b).digest() for p, b in zip(hashes, bodies[1:], strict=False)] != list(hashes[1:]):
        return None
    # Canonical v1 bodies begin with the chain and end with seq and v (keys sorted): checking
    # those bytes is the parse, without parsing; anything else is parsed.
    head = b'{"chain":' + json.dumps(chain, ensure_ascii=False).encode() + b","
    tails = [b',"seq":%d,"v":1}' % i for i in range(start, start + n)]
    if not (all(map(bytes.startswith, bodies, repeat(head))) and all(map(bytes.endswith, bodies, tails))):
        for i, body in enumerate(bodies, start):
            if not (body.startswith(head) and body.endswith(tails[i - start])) and seq_of(body, chain) != i:
                return None
    if max(sizes, default=0) <= start:
        return Segment(chain, start, n, bodies[0], hashes[0], hashes[-1], None)
    leaves = [sha256(LEAF_PREFIX + b).digest() for b in bodies]
    inside = {m: span_nodes(start, leaves[: m - start]) for m in sizes if start < m < start + n}
    return Segment(chain, start, n, bodies[0], hashes[0], hashes[-1], span_nodes(start, leaves), inside)


def stitch(
    chain: str,
    segments: Iterable[Segment],
    expected_length: int | None = None,
    sizes: Collection[int] = (),
) -> tuple[ChainReport, RootWatch] | None:
    """Join a chain's segments, in order, into what the reference gives: its report and the
    Merkle roots at `sizes`. None when they do not join up (a gap, an overlap, a broken link at
    a seam, fewer entries than `expected_length`): the reference verifier must look."""
    prev, position, tree = genesis_hash(chain), 0, TreeBuilder()
    roots = {0: EMPTY_ROOT} if 0 in sizes else {}
    for seg in segments:
        if seg.chain != chain or seg.start != position:
            return None
        if hashlib.sha256(prev + seg.first_body).digest() != seg.first_hash:
            return None
        for m, nodes in seg.prefixes.items():
            part = TreeBuilder(tree.frontier())
            for level, node in nodes:
                part.add_node(level, node)
            roots[m] = part.root()
        position, prev = seg.end, seg.last_hash
        if seg.nodes is None or tree.size != seg.start:  # the tree stops where no root is wanted
            continue
        for level, node in seg.nodes:
            tree.add_node(level, node)
        if position in sizes:
            roots[position] = tree.root()
    if expected_length is not None and position != expected_length:
        return None
    return ChainReport(chain, position, prev), RootWatch(set(sizes), roots, position)
