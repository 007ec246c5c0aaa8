"""RFC 9162 Merkle tree over a chain's entries: growing it, proving with stored nodes, and
verifying proofs. Pure: callers fetch the node hashes, this decides which and combines them.

Spec: docs/ledger-format.md §8; RFC 9162 §2.1 (MTH, PATH, SUBPROOF and their verification).

A node is named by (level, index): it covers leaves [index * 2^level, (index + 1) * 2^level).
Only *complete* nodes are ever stored, so a stored node never changes. Every subtree that a
proof needs is either such a node or lies on the right edge of the tree, where it is the
fold of a few complete nodes (`pieces`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import Refused
from .hashing import HASH_SIZE, LEAF_PREFIX, NODE_PREFIX

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "NodeKey",
    "ProofError",
    "TreeBuilder",
    "consistency_ranges",
    "hash_children",
    "inclusion_ranges",
    "leaf_of",
    "node_position",
    "pieces",
    "proof_hashes",
    "range_hash",
    "verify_consistency",
    "verify_inclusion",
]

NodeKey = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [start, end)
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH of the empty tree (RFC 9162 §2.1.1)
_LEVEL_SHIFT = 48  # node_position: index < 2^48 leaves


class ProofError(Refused, ValueError):
    """A proof that does not verify, or a request for one that cannot exist; says why."""


def leaf_of(body: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + body).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def node_position(level: int, index: int) -> int:
    """One integer per node, for storage: level in the high bits, index in the low 48."""
    return (level << _LEVEL_SHIFT) | index


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass(frozen=True, slots=True)
class Frontier:
    """The right edge of a tree of `size` leaves: the roots of its complete subtrees, largest
    (leftmost) first, one per set bit of `size`. Enough to append and to give the root."""

    size: int = 0
    peaks: tuple[bytes, ...] = ()

    @staticmethod
    def peak_keys(size: int) -> list[NodeKey]:
        """Where the peaks of a tree of `size` leaves are stored, leftmost first."""
        keys, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                keys.append((level, start >> level))
                start += 1 << level
        return keys

    def extend(self, leaves: Iterable[bytes]) -> tuple[Frontier, list[tuple[NodeKey, bytes]]]:
        """The frontier after appending `leaves`, and every node completed on the way (the
        leaves themselves at level 0 included), to be stored."""
        builder = TreeBuilder(self, keep_nodes=True)
        for leaf in leaves:
            builder.add(leaf)
        return builder.frontier(), builder.made

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        node = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            node = hash_children(peak, node)
        return node


class TreeBuilder:
    """Grows a tree leaf by leaf in place (the one algorithm behind Frontier.extend and the
    verifier's streaming root); `made` collects completed nodes when asked to. Appending leaf
    number `size` completes one node per trailing 1-bit of `size`."""

    __slots__ = ("_stack", "keep_nodes", "made", "size")

    def __init__(self, start: Frontier | None = None, keep_nodes: bool = False) -> None:
        start = start or Frontier()
        self.size, self._stack = start.size, list(start.peaks)
        self.keep_nodes = keep_nodes
        self.made: list[tuple[NodeKey, bytes]] = []

    def add(self, leaf: bytes) -> None:
        size, stack, node = self.size, self._stack, leaf
        merges = (size ^ (size + 1)).bit_length() - 1
        if self.keep_nodes:
            self.made.append(((0, size), node))
            for level in range(1, merges + 1):
                node = hashlib.sha256(NODE_PREFIX + stack.pop() + node).digest()
                self.made.append(((level, size >> level), node))
        else:
            for _ in range(merges):
                node = hashlib.sha256(NODE_PREFIX + stack.pop() + node).digest()
        stack.append(node)
        self.size = size + 1

    def add_node(self, level: int, node: bytes) -> None:
        """Append a complete subtree of 2^level leaves at once. Requires size % 2^level == 0
        (a node of `pieces` taken left to right always is). Keeps no nodes."""
        size, stack = self.size, self._stack
        if size & ((1 << level) - 1):
            raise ValueError(f"a node of level {level} cannot start at leaf {size}")
        upper = size >> level
        for _ in range((upper ^ (upper + 1)).bit_length() - 1):
            node = hashlib.sha256(NODE_PREFIX + stack.pop() + node).digest()
        stack.append(node)
        self.size = size + (1 << level)

    def frontier(self) -> Frontier:
        return Frontier(self.size, tuple(self._stack))

    def root(self) -> bytes:
        return self.frontier().root()


# --- proofs from stored nodes -----------------------------------------------------------------


def pieces(start: int, end: int) -> list[NodeKey]:
    """The complete nodes that make up leaves [start, end), left to right. For a range of a
    proof (a complete node, or one ending at the tree's right edge) they fold into its MTH."""
    out = []
    while start < end:
        size = start & -start if start else 1 << ((end - start).bit_length() - 1)
        while start + size > end:
            size >>= 1
        level = size.bit_length() - 1
        out.append((level, start >> level))
        start += size
    return out


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of leaves [start, end) from its pieces (a right fold, as the RFC splits)."""
    keys = pieces(start, end)
    node = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        node = hash_children(nodes[key], node)
    return node


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose MTHs form PATH(index, D[size]) (RFC 9162 §2.1.3.1), in proof order."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of {size} entries")
    out: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    return out[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The subtrees whose MTHs form PROOF(old, D[new]) (RFC 9162 §2.1.4.1), in proof order."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    out: list[Range] = []
    start, end, m, whole = 0, new, old, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        out.append((start, end))
    return out[::-1]


def proof_hashes(
    ranges: Sequence[Range], fetch: Callable[[list[NodeKey]], Mapping[NodeKey, bytes]]
) -> list[bytes]:
    """The hashes of a proof's subtrees, with every stored node it needs fetched at once."""
    wanted = sorted({key for start, end in ranges for key in pieces(start, end)})
    nodes = fetch(wanted)
    missing = [key for key in wanted if key not in nodes]
    if missing:
        raise ProofError(f"the tree has no stored node {missing[0]}; it is not complete to that size")
    return [range_hash(start, end, nodes) for start, end in ranges]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ---------------------------------------------


def _hash_sizes(*hashes: bytes) -> None:
    """Every root, leaf and proof hash is one SHA-256 digest: 32 bytes."""
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ProofError(f"a hash in the proof is not {HASH_SIZE} bytes")


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raises ProofError unless `leaf` is entry `index` of the tree of `size` with `root`."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of {size} entries")
    _hash_sizes(leaf, root, *proof)
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            node = hash_children(sibling, node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hash_children(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    if node != root:
        raise ProofError("the inclusion proof leads to another root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Raises ProofError unless the tree of `new` with `new_root` extends the one of `old` with
    `old_root` (every entry of the older tree unchanged, in place)."""
    if not 0 <= old <= new:
        raise ProofError(f"size {old} is larger than size {new}: the log cannot have shrunk")
    if old == 0:  # as transparency-dev/merkle: every tree extends the empty one, so it proves nothing
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if old == new:
        if proof:
            raise ProofError("the consistency proof is too long: it must be empty here")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {old}")
        return
    _hash_sizes(old_root, new_root, *proof)
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"the tree of size {new} does not contain the tree of size {old} unchanged")
    if sr != new_root:
        raise ProofError(f"the consistency proof does not lead to the root of size {new}")
