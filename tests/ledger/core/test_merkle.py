"""The RFC 9162 tree: the test vectors in tests/vectors/, the naive implementation written from
the RFC, and Hypothesis properties over sizes, batches and proofs."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from consent_ledger.core.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    consistency_ranges,
    inclusion_ranges,
    leaf_of,
    proof_hashes,
    verify_consistency,
    verify_inclusion,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.merkle_naive import mth, path, proof

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "merkle.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]

# The roots the Certificate Transparency reference tests give for its eight leaves (sizes 1-8):
# an outside check on the naive implementation that wrote the vectors.
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def tree(leaves: list[bytes]) -> tuple[Frontier, dict]:
    frontier, made = Frontier().extend(leaf_of(x) for x in leaves)
    return frontier, dict(made)


def hexes(items: list[bytes]) -> list[str]:
    return [x.hex() for x in items]


def test_the_naive_implementation_gives_the_reference_roots():
    assert [mth(LEAVES[:n]).hex() for n in range(1, 9)] == CT_ROOTS
    assert mth([]) == EMPTY_ROOT == ROOTS[0]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots_of_every_size(size):
    assert tree(LEAVES[:size])[0].root() == ROOTS[size]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_inclusion_vectors_are_proved_from_stored_nodes_and_verify(case):
    i, n = case["index"], case["size"]
    _, nodes = tree(LEAVES[:n])
    made = proof_hashes(inclusion_ranges(i, n), lambda keys: nodes)
    assert hexes(made) == case["proof"]
    verify_inclusion(i, n, leaf_of(LEAVES[i]), made, ROOTS[n])


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['old']}-to-{c['new']}")
def test_consistency_vectors_are_proved_from_stored_nodes_and_verify(case):
    m, n = case["old"], case["new"]
    _, nodes = tree(LEAVES[:n])
    made = proof_hashes(consistency_ranges(m, n), lambda keys: nodes)
    assert hexes(made) == case["proof"]
    if m == 0:  # every tree extends the empty one: such a proof proves nothing and is refused
        with pytest.raises(ProofError, match="empty tree"):
            verify_consistency(m, n, ROOTS[m], ROOTS[n], made)
        return
    verify_consistency(m, n, ROOTS[m], ROOTS[n], made)


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: f"{c['kind']}: {c['why']}")
def test_malformed_proofs_are_refused(case):
    proof_ = [bytes.fromhex(x) for x in case["proof"]]
    with pytest.raises(ProofError):
        if case["kind"] == "inclusion":
            i = case["index"]
            leaf = leaf_of(LEAVES[i]) if i < len(LEAVES) else bytes(32)
            verify_inclusion(i, case["size"], leaf, proof_, bytes.fromhex(case["root"]))
        else:
            old, new = bytes.fromhex(case["old_root"]), bytes.fromhex(case["new_root"])
            verify_consistency(case["old"], case["new"], old, new, proof_)


def test_a_proof_for_a_tree_larger_than_stored_is_refused():
    _, nodes = tree(LEAVES[:5])
    with pytest.raises(ProofError, match="no stored node"):
        proof_hashes(inclusion_ranges(2, 9), lambda keys: nodes)
    with pytest.raises(ProofError, match="not in a tree"):
        inclusion_ranges(9, 9)


leaves_st = st.lists(st.binary(max_size=8), max_size=80)


@settings(max_examples=150, deadline=None)
@given(leaves=leaves_st, cuts=st.lists(st.integers(min_value=1, max_value=9), max_size=40))
def test_growing_in_any_batches_gives_the_same_tree_as_the_rfc(leaves, cuts):
    whole, nodes = tree(leaves)
    grown, stored, at = Frontier(), {}, 0
    for cut in [*cuts, len(leaves)]:
        grown, made = grown.extend(leaf_of(x) for x in leaves[at : at + cut])
        stored.update(made)
        at += cut
    assert grown == whole and stored == nodes
    assert whole.root() == mth(leaves)
    assert tuple(nodes[k] for k in Frontier.peak_keys(len(leaves))) == whole.peaks  # stored where said


@settings(max_examples=150, deadline=None)
@given(data=st.data(), leaves=st.lists(st.binary(max_size=4), min_size=1, max_size=70))
def test_proofs_equal_the_rfc_and_fail_on_any_other_leaf_or_size(data, leaves):
    n = len(leaves)
    frontier, nodes = tree(leaves)
    i = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    inc = proof_hashes(inclusion_ranges(i, n), lambda keys: nodes)
    con = proof_hashes(consistency_ranges(m, n), lambda keys: nodes)
    assert inc == path(i, leaves)
    assert con == (proof(m, leaves) if 0 < m < n else [])
    verify_inclusion(i, n, leaf_of(leaves[i]), inc, frontier.root())
    verify_consistency(m, n, mth(leaves[:m]), frontier.root(), con)
    with pytest.raises(ProofError):
        verify_inclusion(i, n, leaf_of(leaves[i] + b"!"), inc, frontier.root())
    if 0 < m < n:
        with pytest.raises(ProofError):
            verify_consistency(m, n, mth([*leaves[: m - 1], b"rewritten"]), frontier.root(), con)


# --- transparency-dev/merkle's vectors (tests/vectors/transparency-dev/README.md) --------------

TD_VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "transparency-dev"


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _td_cases(kind: str) -> list[Path]:
    return sorted((TD_VECTORS / kind).rglob("*.json"))


@pytest.mark.parametrize("path", _td_cases("inclusion"), ids=lambda p: str(p.relative_to(TD_VECTORS)))
def test_transparency_dev_inclusion_vectors(path: Path):
    case = json.loads(path.read_text())
    proof = [_b64(h) for h in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _td_cases("consistency"), ids=lambda p: str(p.relative_to(TD_VECTORS)))
def test_transparency_dev_consistency_vectors(path: Path):
    case = json.loads(path.read_text())
    proof = [_b64(h) for h in case["proof"] or []]
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_the_vectors_are_all_there():
    assert len(_td_cases("inclusion")) >= 80 and len(_td_cases("consistency")) >= 90
