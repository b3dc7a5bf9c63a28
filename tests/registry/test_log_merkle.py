"""The RFC 6962 Merkle tree against the transparency-dev/merkle test vectors, and its invariants."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.registry.errors import LogProofError
from computegov.tlog import merkle

# github.com/transparency-dev/merkle @ 417fb0c3 testdata/ and testonly/constants.go (Apache-2.0),
# bundled by hand into one file; "source" inside it says where each probe came from.
VECTORS = json.loads((Path(__file__).parent / "data" / "ct_merkle_vectors.json").read_text())
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaf_inputs_hex"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["root_hashes_hex"]]


def _b(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _tree(n: int) -> dict[merkle.Piece, bytes]:
    """Every aligned complete subtree hash of the first ``n`` leaves (the store's layout)."""
    nodes = {(0, i): merkle.leaf_hash(e) for i, e in enumerate(LEAVES[:n])}
    level = 0
    while (2 << level) <= n:
        for i in range(n >> (level + 1)):
            nodes[(level + 1, i)] = merkle.node_hash(nodes[(level, 2 * i)], nodes[(level, 2 * i + 1)])
        level += 1
    return nodes


def _random_tree(n: int) -> tuple[list[bytes], dict[merkle.Piece, bytes]]:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    nodes = {(0, i): h for i, h in enumerate(leaves)}
    level = 0
    while (2 << level) <= n:
        for i in range(n >> (level + 1)):
            nodes[(level + 1, i)] = merkle.node_hash(nodes[(level, 2 * i)], nodes[(level, 2 * i + 1)])
        level += 1
    return leaves, nodes


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root_from_leaf_hashes([]) == ROOTS[0] == hashlib.sha256(b"").digest()
    assert merkle.Frontier().root() == ROOTS[0]


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_of_one_to_eight_leaves_match_the_published_vectors(n: int) -> None:
    hashes = [merkle.leaf_hash(e) for e in LEAVES[:n]]
    assert merkle.root_from_leaf_hashes(hashes) == ROOTS[n]
    assert merkle.Frontier().extend(hashes).root() == ROOTS[n]
    nodes = _tree(n)
    assert merkle.hash_pieces([nodes[p] for p in merkle.aligned_pieces(0, n)]) == ROOTS[n]


@pytest.mark.parametrize("probe", VECTORS["inclusion"], ids=lambda p: p["file"].removeprefix("testdata/"))
def test_inclusion_vectors(probe: dict) -> None:
    args = (_b(probe["leafHash"]), probe["leafIdx"], probe["treeSize"], [_b(p) for p in probe["proof"] or []],
            _b(probe["root"]))
    if probe["wantErr"]:
        with pytest.raises(LogProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("probe", VECTORS["consistency"], ids=lambda p: p["file"].removeprefix("testdata/"))
def test_consistency_vectors(probe: dict) -> None:
    args = (probe["size1"], probe["size2"], _b(probe["root1"]), _b(probe["root2"]),
            [_b(p) for p in probe["proof"] or []])
    if probe["wantErr"]:
        with pytest.raises(LogProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@pytest.mark.parametrize("probe", [p for p in VECTORS["inclusion"] if p["desc"] == "happy path"
                                   and p["treeSize"] <= 8 and p["root"] and _b(p["root"]) in ROOTS],
                         ids=lambda p: p["file"])
def test_generated_inclusion_proofs_equal_the_published_ones(probe: dict) -> None:
    nodes = _tree(probe["treeSize"])
    proof = merkle.proof_from_lookup(merkle.inclusion_pieces(probe["leafIdx"], probe["treeSize"]), nodes)
    assert proof == [_b(p) for p in probe["proof"] or []]


@pytest.mark.parametrize("probe", [p for p in VECTORS["consistency"] if p["desc"] == "happy path"
                                   and p["size2"] <= 8 and _b(p["root2"]) in ROOTS],
                         ids=lambda p: p["file"])
def test_generated_consistency_proofs_equal_the_published_ones(probe: dict) -> None:
    nodes = _tree(probe["size2"])
    proof = merkle.proof_from_lookup(merkle.consistency_pieces(probe["size1"], probe["size2"]), nodes)
    assert proof == [_b(p) for p in probe["proof"] or []]


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_verifies_and_a_changed_leaf_fails(case: tuple[int, int]) -> None:
    n, index = case
    leaves, nodes = _random_tree(n)
    root = merkle.root_from_leaf_hashes(leaves)
    proof = merkle.proof_from_lookup(merkle.inclusion_pieces(index, n), nodes)
    merkle.verify_inclusion(leaves[index], index, n, proof, root)
    with pytest.raises(LogProofError):
        merkle.verify_inclusion(merkle.leaf_hash(b"changed"), index, n, proof, root)


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_consistency_proof_verifies_and_a_rewritten_prefix_fails(case: tuple[int, int]) -> None:
    m, n = case
    leaves, nodes = _random_tree(n)
    old_root, new_root = merkle.root_from_leaf_hashes(leaves[:m]), merkle.root_from_leaf_hashes(leaves)
    proof = merkle.proof_from_lookup(merkle.consistency_pieces(m, n), nodes)
    merkle.verify_consistency(m, n, old_root, new_root, proof)
    forged = merkle.root_from_leaf_hashes([merkle.leaf_hash(b"x"), *leaves[1:m]])
    with pytest.raises(LogProofError):
        merkle.verify_consistency(m, n, forged, new_root, proof)


@given(st.lists(st.binary(max_size=8), max_size=40), st.lists(st.binary(max_size=8), max_size=40))
def test_frontier_extends_in_any_split_to_the_same_root(a: list[bytes], b: list[bytes]) -> None:
    ha, hb = [merkle.leaf_hash(x) for x in a], [merkle.leaf_hash(x) for x in b]
    assert merkle.Frontier().extend(ha).extend(hb).root() == merkle.root_from_leaf_hashes(ha + hb)


def test_malformed_proofs_are_refused_with_a_clear_message() -> None:
    root = ROOTS[8]
    with pytest.raises(LogProofError, match="32 bytes"):
        merkle.verify_inclusion(merkle.leaf_hash(LEAVES[0]), 0, 8, [b"short"], root)
    with pytest.raises(LogProofError, match="outside"):
        merkle.verify_inclusion(merkle.leaf_hash(LEAVES[0]), 9, 8, [], root)
    with pytest.raises(LogProofError, match="first must be"):
        merkle.consistency_ranges(5, 3)
