"""Verifying in segments accepts exactly what the sequential reference accepts and gives the
same report and Merkle roots; what it does not accept is left to the reference."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from consent_ledger.core.audit import RootWatch
from consent_ledger.core.entries import ChainHead, append_records
from consent_ledger.core.merkle import Frontier, TreeBuilder, leaf_of, pieces
from consent_ledger.core.segments import check_segment, span_nodes, stitch
from consent_ledger.core.verify import IntegrityError, StoredEntry, verify_chain
from hypothesis import given, settings
from hypothesis import strategies as st

CHAIN = "werkcorporatie"
N = 70


def build(n: int = N) -> list[StoredEntry]:
    records = [("event", {"event": {"event_id": f"e{i}", "note": f"entry {i}"}}) for i in range(n)]
    entries, _ = append_records(ChainHead.genesis(CHAIN), records, datetime(2026, 3, 1, tzinfo=UTC))
    return [StoredEntry(e.body, e.entry_hash) for e in entries]


ENTRIES = build()


def reference(entries: list[StoredEntry], sizes: set[int], expected: int | None):
    watch = RootWatch(set(sizes))
    try:
        report = verify_chain(CHAIN, watch.through(entries), expected_length=expected)
    except IntegrityError:
        return None
    return report, watch.roots, watch.count


def in_segments(entries: list[StoredEntry], cuts: list[int], sizes: set[int], expected: int | None):
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(entries)}), len(entries)]
    segments = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        part = entries[a:b]
        seg = check_segment(CHAIN, a, [e.body for e in part], [e.entry_hash for e in part], sizes)
        if seg is None:
            return None
        segments.append(seg)
    stitched = stitch(CHAIN, segments, expected, sizes)
    if stitched is None:
        return None
    report, watch = stitched
    return report, watch.roots, watch.count


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, N),
    cuts=st.lists(st.integers(1, N - 1), max_size=6),
    sizes=st.sets(st.integers(0, N), max_size=3),
)
def test_any_segmentation_gives_the_reference_report_and_roots(n, cuts, sizes):
    entries = ENTRIES[:n]
    assert in_segments(entries, cuts, sizes, n) == reference(entries, sizes, n)


def _mutations(entries: list[StoredEntry], kind: str, at: int) -> list[StoredEntry]:
    out = list(entries)
    at %= len(out)
    if kind == "body":
        out[at] = dataclasses.replace(out[at], body=out[at].body.replace(b"entry", b"Entry"))
    elif kind == "hash":
        out[at] = dataclasses.replace(out[at], entry_hash=bytes(32))
    elif kind == "delete":
        del out[at]
    elif kind == "swap":
        j = (at + 1) % len(out)
        out[at], out[j] = out[j], out[at]
    elif kind == "duplicate":
        out.insert(at, out[at])
    elif kind == "garbage":
        out[at] = dataclasses.replace(out[at], body=b"not json")
    return out


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["body", "hash", "delete", "swap", "duplicate", "garbage"]),
    at=st.integers(0, N - 1),
    cuts=st.lists(st.integers(1, N - 1), max_size=5),
    sizes=st.sets(st.integers(0, N), max_size=2),
    short=st.booleans(),
)
def test_damage_is_never_accepted_in_segments(kind, at, cuts, sizes, short):
    """Whatever the segments accept, the reference accepts with the same answer; damage the
    reference names is never accepted in segments (it goes to the reference to be named)."""
    entries = _mutations(ENTRIES, kind, at)
    expected = N + 5 if short else N
    got = in_segments(entries, cuts, sizes, expected)
    want = reference(entries, sizes, expected)
    if want is None:
        assert got is None
    elif got is not None:
        assert got == want


def test_a_gap_or_overlap_between_segments_is_not_accepted():
    bodies, hashes = [e.body for e in ENTRIES], [e.entry_hash for e in ENTRIES]
    a = check_segment(CHAIN, 0, bodies[:10], hashes[:10])
    b = check_segment(CHAIN, 11, bodies[11:20], hashes[11:20])
    c = check_segment(CHAIN, 9, bodies[9:20], hashes[9:20])
    assert a and b and c
    assert stitch(CHAIN, [a, b]) is None  # entry 10 is missing
    assert stitch(CHAIN, [a, c]) is None  # entry 9 twice
    assert stitch(CHAIN, [b]) is None  # does not begin at genesis
    assert check_segment(CHAIN, 1, bodies[:10], hashes[:10]) is None  # seqs are not where claimed
    assert check_segment("another-chain", 0, bodies[:10], hashes[:10]) is None


def test_span_nodes_are_the_stored_nodes_of_pieces():
    leaves = [leaf_of(e.body) for e in ENTRIES]
    _, made = Frontier().extend(leaves)
    stored = dict(made)
    for a in range(0, N, 7):
        for b in range(a + 1, N + 1, 5):
            assert [h for _, h in span_nodes(a, leaves[a:b])] == [stored[k] for k in pieces(a, b)]
            assert [lvl for lvl, _ in span_nodes(a, leaves[a:b])] == [k[0] for k in pieces(a, b)]


def test_a_node_must_start_where_the_tree_ends():
    tree = TreeBuilder()
    tree.add(leaf_of(b"x"))
    with pytest.raises(ValueError, match="cannot start at leaf 1"):
        tree.add_node(1, bytes(32))


def test_without_a_size_of_interest_no_tree_is_grown():
    bodies, hashes = [e.body for e in ENTRIES], [e.entry_hash for e in ENTRIES]
    seg = check_segment(CHAIN, 0, bodies, hashes, sizes=())
    assert seg is not None and seg.nodes is None
    report, watch = stitch(CHAIN, [seg], N, ())  # type: ignore[misc]
    assert (report.length, watch.roots, watch.count) == (N, {}, N)
