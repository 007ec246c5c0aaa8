"""Writes tests/vectors/merkle.json from the naive RFC 9162 implementation (tests/support/merkle_naive.py).

    uv run python tests/vectors/generate.py

The leaves are the eight inputs of the Certificate Transparency reference tests, then one
byte per further leaf, up to 17 leaves: every size from 0 to 17 (so the power-of-two
boundaries 1, 2, 4, 8, 16 and one past each), every inclusion proof and every consistency
proof between them, and the malformed proofs a verifier must refuse. The roots of sizes 1-8
are also written down by hand in test_merkle_vectors.py, from that reference, so the naive
implementation is itself checked against an outside source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.merkle_naive import mth, path, proof  # noqa: E402

N = 17
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43", bytes(range(0x50, 0x58))]
CT_LEAVES.append(bytes(range(0x60, 0x70)))
LEAVES = CT_LEAVES + [bytes([0x70 + i]) for i in range(N - len(CT_LEAVES))]


def hx(items: list[bytes]) -> list[str]:
    return [b.hex() for b in items]


def main() -> None:
    roots = [mth(LEAVES[:n]).hex() for n in range(N + 1)]
    inclusion = [
        {"index": i, "size": n, "proof": hx(path(i, LEAVES[:n]))} for n in range(1, N + 1) for i in range(n)
    ]
    consistency = [
        {"old": m, "new": n, "proof": hx(proof(m, LEAVES[:n]) if 0 < m < n else [])}
        for n in range(0, N + 1)
        for m in range(0, n + 1)
    ]
    bad = invalid_cases(roots)
    doc = {
        "about": "RFC 9162 Merkle test vectors: leaf SHA-256(0x00 || leaf), node SHA-256(0x01 || l || r)",
        "generated_by": "tests/vectors/generate.py from tests/support/merkle_naive.py",
        "leaves": hx(LEAVES),
        "roots": roots,
        "inclusion": inclusion,
        "consistency": consistency,
        "invalid": bad,
    }
    out = Path(__file__).with_name("merkle.json")
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{out}: {len(inclusion)} inclusion, {len(consistency)} consistency, {len(bad)} invalid cases")


def invalid_cases(roots: list[str]) -> list[dict]:
    """Proofs a verifier must refuse, each with why."""
    out: list[dict] = []

    def inc(why: str, index: int, size: int, proof_: list[bytes], root: str | None = None) -> None:
        root = root or roots[size]
        out.append(
            {"kind": "inclusion", "why": why, "index": index, "size": size, "proof": hx(proof_), "root": root}
        )

    def con(why: str, old: int, new: int, proof_: list[bytes], old_root: str, new_root: str) -> None:
        out.append(
            {
                "kind": "consistency",
                "why": why,
                "old": old,
                "new": new,
                "proof": hx(proof_),
                "old_root": old_root,
                "new_root": new_root,
            }
        )

    good = path(5, LEAVES[:13])
    inc("too long: an extra hash at the end", 5, 13, good + [good[0]])
    inc("too short: the last hash left off", 5, 13, good[:-1])
    inc("wrong index", 4, 13, good)
    inc("wrong size (smaller)", 5, 12, good)
    inc("wrong size (larger)", 5, 14, good)
    inc("index equals size", 13, 13, good)
    inc("empty tree", 0, 0, [], roots[0])
    inc("one hash changed", 5, 13, [good[0], bytes(32), *good[2:]])
    inc("right proof, root of another size", 5, 13, good, roots[12])
    inc("size 1 with a proof", 0, 1, [bytes(32)])
    good_c = proof(6, LEAVES[:15])
    con("too long", 6, 15, good_c + [good_c[0]], roots[6], roots[15])
    con("too short", 6, 15, good_c[:-1], roots[6], roots[15])
    con("empty for different sizes", 6, 15, [], roots[6], roots[15])
    con("old larger than new", 15, 6, good_c, roots[15], roots[6])
    con("wrong old size", 7, 15, good_c, roots[7], roots[15])
    con("wrong new size", 6, 14, good_c, roots[6], roots[14])
    con("old root of another size", 6, 15, good_c, roots[5], roots[15])
    con("new root of another size", 6, 15, good_c, roots[6], roots[16])
    con("equal sizes, different roots", 9, 9, [], roots[9], roots[8])
    con("equal sizes with a proof", 9, 9, [bytes(32)], roots[9], roots[9])
    con("from size 0 with a proof", 0, 9, [bytes(32)], roots[0], roots[9])
    con("from size 0, old root not the empty root", 0, 9, [], roots[1], roots[9])
    p8 = proof(8, LEAVES[:16])
    con("power of two: old root changed", 8, 16, p8, roots[7], roots[16])
    return out


if __name__ == "__main__":
    main()
