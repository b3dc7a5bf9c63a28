"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (pure, no I/O).

The tree is Certificate Transparency's (RFC 6962 section 2.1, https://www.rfc-editor.org/rfc/rfc6962
and RFC 9162 section 2.1, https://www.rfc-editor.org/rfc/rfc9162, read 2026-12-04):

* leaf hash ``SHA-256(0x00 || entry)``, node hash ``SHA-256(0x01 || left || right)``;
* the empty tree's root is ``SHA-256("")``;
* a tree of ``n > 1`` leaves splits at ``k``, the largest power of two below ``n``.

Proofs are built from *aligned complete subtrees* ``(level, index)``: the subtree of ``2**level``
leaves starting at leaf ``index * 2**level``. A store keeps those hashes (the leaves are level 0),
so a proof reads O(log n) of them (:func:`inclusion_pieces`, :func:`consistency_pieces`) and never
rebuilds the tree. Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 and is checked
against the test vectors of github.com/transparency-dev/merkle (``tests/registry/data``).

:class:`Frontier` is a *compact range* [0, n): one hash per set bit of ``n``. It extends with new
leaves and yields the root, so a monitor can recompute a root from leaves it fetched since the
last tree it checked without holding the earlier leaves.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from computegov.tlog.errors import LogProofError

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "Piece",
    "aligned_pieces",
    "consistency_pieces",
    "consistency_ranges",
    "hash_pieces",
    "inclusion_pieces",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "proof_from_lookup",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

#: RFC 6962 section 2.1: MTH({}) = SHA-256() of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_BYTES = 32

#: ``(level, index)`` of an aligned complete subtree.
Piece = tuple[int, int]
Range = tuple[int, int]


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 leaf hash: ``SHA-256(0x00 || entry)``."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, by the RFC's recursive definition (the naive baseline)."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


def _check_sizes(index: int, size: int, *, what: str) -> None:
    if size < 0 or index < 0 or index >= size:
        raise LogProofError(f"{what}: index {index} is outside a tree of {size} leaves")


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """Leaf ranges ``[start, end)`` whose hashes form PATH(index, D[0:size]) (RFC 6962 2.1.1), leaf first."""
    _check_sizes(index, size, what="inclusion proof")
    out: list[Range] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m = lo + k, m - k
    out.reverse()
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """Leaf ranges whose hashes form PROOF(old_size, D[0:new_size]) (RFC 6962 2.1.2).

    Raises:
        LogProofError: ``old_size`` is negative or larger than ``new_size``.
    """
    if old_size < 0 or new_size < old_size:
        raise LogProofError(f"consistency proof: sizes {old_size} -> {new_size}: the first must be 0..second")
    if old_size in (0, new_size):
        return []
    out: list[Range] = []
    lo, hi, m, whole = 0, new_size, old_size, True
    while True:
        if m == hi - lo:
            if not whole:
                out.append((lo, hi))
            break
        k = _split(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    out.reverse()
    return out


def aligned_pieces(start: int, end: int) -> list[Piece]:
    """The aligned complete subtrees covering leaves ``[start, end)``, left to right."""
    n = end - start
    if n > 0 and not n & (n - 1) and not start & (n - 1):  # itself one aligned subtree (most proof hashes)
        level = n.bit_length() - 1
        return [(level, start >> level)]
    out: list[Piece] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def hash_pieces(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its aligned pieces (left to right): fold from the right."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_pieces(index: int, size: int) -> list[list[Piece]]:
    """For each proof hash of :func:`inclusion_ranges`, the aligned pieces it is made of."""
    return [aligned_pieces(a, b) for a, b in inclusion_ranges(index, size)]


def consistency_pieces(old_size: int, new_size: int) -> list[list[Piece]]:
    """For each proof hash of :func:`consistency_ranges`, the aligned pieces it is made of."""
    return [aligned_pieces(a, b) for a, b in consistency_ranges(old_size, new_size)]


def proof_from_lookup(pieces: Sequence[Sequence[Piece]], lookup: Mapping[Piece, bytes]
                      | Callable[[Piece], bytes]) -> list[bytes]:
    """Proof hashes from the stored hashes of aligned subtrees (a mapping or a function)."""
    get = lookup.__getitem__ if isinstance(lookup, Mapping) else lookup
    return [get(group[0]) if len(group) == 1 else hash_pieces([get(p) for p in group]) for group in pieces]


def _check_hashes(proof: Iterable[bytes], what: str) -> list[bytes]:
    out = list(proof)
    for i, h in enumerate(out):
        if not isinstance(h, bytes | bytearray) or len(h) != HASH_BYTES:
            raise LogProofError(f"{what}: proof hash {i} is not {HASH_BYTES} bytes")
    return out


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check an inclusion proof (RFC 9162 section 2.1.3.2).

    Args:
        leaf: the leaf hash (32 bytes).
        index: the leaf's 0-based index.
        size: the tree size the proof is for.
        proof: the audit path, leaf first.
        root: the root hash of the tree of ``size`` leaves.

    Raises:
        LogProofError: malformed input, or the proof does not lead to ``root``.
    """
    _check_sizes(index, size, what="inclusion proof")
    path = _check_hashes(proof, "inclusion proof")
    if len(leaf) != HASH_BYTES or len(root) != HASH_BYTES:
        raise LogProofError("inclusion proof: leaf and root hashes must be 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise LogProofError(f"inclusion proof for leaf {index} of {size}: {len(path)} hashes is too many")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise LogProofError(f"inclusion proof for leaf {index} of {size}: {len(path)} hashes is too few")
    if r != root:
        raise LogProofError(f"inclusion proof for leaf {index} of {size} does not lead to root {root.hex()}",
                            mismatch=True)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check a consistency proof (RFC 9162 section 2.1.4.2).

    Raises:
        LogProofError: malformed input, or the proof does not link the two roots
            (``mismatch`` is True when a well-formed proof reached other roots).
    """
    path = _check_hashes(proof, "consistency proof")
    if old_size < 0 or new_size < old_size:
        raise LogProofError(f"consistency proof: sizes {old_size} -> {new_size}: the first must be 0..second")
    if old_size == 0:  # as github.com/transparency-dev/merkle proof.RootFromConsistencyProof
        raise LogProofError("a consistency proof from the empty tree is meaningless (every tree extends it)")
    if old_size == new_size:
        if path:
            raise LogProofError("consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise LogProofError(f"two roots for one tree size {old_size}", mismatch=True)
        return
    if not path:
        raise LogProofError(f"consistency proof {old_size} -> {new_size} is empty")
    if old_size & (old_size - 1) == 0:  # a power of two: the old root starts the path
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise LogProofError(f"consistency proof {old_size} -> {new_size}: too many hashes")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise LogProofError(f"consistency proof {old_size} -> {new_size}: too few hashes")
    if fr != old_root or sr != new_root:
        raise LogProofError(
            f"consistency proof {old_size} -> {new_size} does not link root {old_root.hex()} to {new_root.hex()}",
            mismatch=True,
        )


@dataclasses.dataclass(frozen=True)
class Frontier:
    """The compact range [0, size): the roots of the aligned subtrees of ``size``, largest first."""

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.hashes) != self.size.bit_count():
            raise LogProofError(f"frontier of {self.size} leaves needs {max(self.size, 0).bit_count()} hashes")

    def extend(self, leaf_hashes: Iterable[bytes]) -> Frontier:
        """The frontier after appending ``leaf_hashes``."""
        stack, size = list(self.hashes), self.size
        for h in leaf_hashes:
            node, n = h, size
            while n & 1:
                node = node_hash(stack.pop(), node)
                n >>= 1
            stack.append(node)
            size += 1
        return Frontier(size, tuple(stack))

    def root(self) -> bytes:
        """The tree's root hash (``EMPTY_ROOT`` for size 0)."""
        return hash_pieces(list(self.hashes)) if self.hashes else EMPTY_ROOT
