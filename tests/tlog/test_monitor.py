"""The log monitor with only the log's key, over an in-memory log: it keeps every leaf hash it saw."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from computegov.tlog import merkle
from computegov.tlog.checkpoint import Checkpoint, LogKey, sign_checkpoint
from computegov.tlog.cosignature import CosignatureSigner
from computegov.tlog.errors import LogProofError
from computegov.tlog.monitor import LeafHashFile, check_log

KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"monitor-test").digest())
PUB = LogKey(CosignatureSigner("x", KEY).public_key)


class MemoryLog:
    """A log that serves ``entries`` honestly from its own (possibly rewritten) tree."""

    def __init__(self, entries: list[bytes], *, ts: int = 1000, refuse_proofs: bool = False) -> None:
        self.entries, self.ts, self.refuse = entries, ts, refuse_proofs
        self.hashes = [merkle.leaf_hash(e) for e in entries]

    def checkpoint(self) -> str:
        n = len(self.entries)
        return sign_checkpoint(KEY, Checkpoint("mem/log", n, merkle.root_from_leaf_hashes(self.hashes)), self.ts)

    def entries_page(self, start: int, end: int) -> list[bytes]:
        return self.entries[start:min(end, start + 3)]

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        if self.refuse:
            raise LogProofError("HTTP 500", mismatch=True)
        groups = merkle.consistency_pieces(old, new)
        return merkle.proof_from_lookup(groups, lambda p: merkle.root_from_leaf_hashes(
            self.hashes[p[1] << p[0]:(p[1] + 1) << p[0]]))


class Source:
    def __init__(self, log: MemoryLog) -> None:
        self.log = log

    def checkpoint(self) -> str:
        return self.log.checkpoint()

    def entries(self, start: int, end: int) -> list[bytes]:
        return self.log.entries_page(start, end)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        return self.log.consistency_proof(old, new)


def _entries(n: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(n)]


def test_an_honest_growing_log_passes_and_every_entry_is_rechecked(tmp_path: Path) -> None:
    leaves = LeafHashFile(tmp_path / "m.leaves")
    first = check_log(Source(MemoryLog(_entries(7))), PUB, None, leaves)
    assert first.ok and first.entries_checked == 7 and leaves.count() == 7
    second = check_log(Source(MemoryLog(_entries(12), ts=1001)), PUB, first.checkpoint, leaves)
    assert second.ok, second.evidence
    assert (second.entries_checked, second.entries_seen_before, leaves.count()) == (12, 7, 12)


def test_a_swapped_old_entry_under_a_consistent_rewrite_is_evidence_for_the_stateful_monitor(tmp_path: Path) -> None:
    leaves = LeafHashFile(tmp_path / "m.leaves")
    first = check_log(Source(MemoryLog(_entries(8))), PUB, None, leaves)
    swapped = _entries(9)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    again = check_log(Source(MemoryLog(swapped, ts=1001)), PUB, first.checkpoint, leaves)
    assert not again.ok
    assert leaves.count() == 8  # the kept hashes are not replaced by a log that fails
    fresh = check_log(Source(MemoryLog(swapped, ts=1001)), PUB, None, None)
    assert fresh.ok  # a newcomer without witnesses cannot tell a consistent rewrite


def test_a_log_that_refuses_a_consistency_proof_or_goes_back_in_time_gives_evidence(tmp_path: Path) -> None:
    first = check_log(Source(MemoryLog(_entries(5), ts=2000)), PUB, None, None)
    refused = check_log(Source(MemoryLog(_entries(6), ts=2001, refuse_proofs=True)), PUB, first.checkpoint, None)
    assert not refused.ok and "refuses a consistency proof" in refused.evidence[0]
    earlier = check_log(Source(MemoryLog(_entries(6), ts=1500)), PUB, first.checkpoint, None)
    assert not earlier.ok and "before the previous" in earlier.evidence[0]
    stale = check_log(Source(MemoryLog(_entries(6), ts=2001)), PUB, None, None, now_s=99_999, max_age_s=600)
    assert not stale.ok and stale.checkpoint is None


def test_entries_missing_from_the_log_are_evidence() -> None:
    log = MemoryLog(_entries(10))
    log.entries_page = lambda start, end: log.entries[start:min(end, 6)]  # type: ignore[method-assign]
    got = check_log(Source(log), PUB, None, None)
    assert not got.ok and "missing" in got.evidence[0]
