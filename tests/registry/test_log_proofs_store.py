"""Proofs served by the registry's Store equal RFC 6962's definitions, on SQLite and PostgreSQL.

The reference here is written from the RFC's recursive definitions (MTH, PATH, PROOF / SUBPROOF,
RFC 6962 section 2.1, https://www.rfc-editor.org/rfc/rfc6962, read 2026-12-07) over the leaf
entries, sharing no code with the store's piece lookups; every proof is also checked with the RFC
9162 verifier. The store reads proofs with one query on a kept driver connection: the tests cover
every (index, size) and (first, second) pair up to 37 leaves, sizes outside the log, damaged rows,
an entry edited in SQL, and a kept PostgreSQL connection killed under it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from rfc6962_reference import audit_path, mth
from sqlalchemy import text

from computegov.registry import logstore
from computegov.registry.errors import LogProofError
from computegov.tlog import merkle
from computegov.tlog.entries import canonical_bytes

N = 37


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 6962 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


@pytest.fixture
def filled(store: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[bytes]]:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))
    entries = [{"kind": "event", "object_id": f"o{i}", "n": i} for i in range(N)]
    with store.engine.begin() as conn:  # batches of uneven sizes, so appends complete subtrees across batches
        for lo, hi in ((0, 1), (1, 6), (6, 7), (7, 20), (20, N)):
            logstore.append_entries(conn, [("event", f"o{i}", entries[i]) for i in range(lo, hi)])
    return store, [canonical_bytes(e) for e in entries]


def test_every_inclusion_and_consistency_proof_equals_the_rfc_definitions(filled: tuple[Any, list[bytes]]) -> None:
    store, leaves = filled
    for size in range(1, N + 1):
        root = mth(leaves[:size])
        for index in range(size):
            got = store.inclusion_proof(index, size)
            path = [bytes.fromhex(h) for h in got["audit_path"]]
            assert path == audit_path(index, leaves[:size]), (index, size)
            assert got["leaf_hash"] == hashlib.sha256(b"\x00" + leaves[index]).hexdigest()
            merkle.verify_inclusion(bytes.fromhex(got["leaf_hash"]), index, size, path, root)
        for first in range(1, size + 1):
            cons = [bytes.fromhex(h) for h in store.consistency_proof(first, size)["consistency_path"]]
            assert cons == _subproof(first, leaves[:size], True), (first, size)
            merkle.verify_consistency(first, size, mth(leaves[:first]), root, cons)
    assert store.consistency_proof(0, N)["consistency_path"] == []
    assert store.consistency_proof(0, 0)["consistency_path"] == []


@pytest.mark.parametrize(("call", "match"), [
    (lambda s: s.inclusion_proof(0, N + 1), r"outside 0\.\.37"),
    (lambda s: s.inclusion_proof(N, N), "outside a tree of 37"),
    (lambda s: s.inclusion_proof(-1, 3), "outside a tree of 3"),
    (lambda s: s.inclusion_proof(0, 0), "outside a tree of 0"),
    (lambda s: s.inclusion_proof(0, 2**70), r"outside 0\.\.37"),
    (lambda s: s.consistency_proof(1, N + 5), r"outside 0\.\.37"),
    (lambda s: s.consistency_proof(0, N + 1), r"outside 0\.\.37"),
    (lambda s: s.consistency_proof(5, 3), "first must be 0..second"),
])
def test_sizes_outside_the_log_are_refused_with_the_log_size(filled: tuple[Any, list[bytes]], call: Any,
                                                               match: str) -> None:
    store, _ = filled
    with pytest.raises(LogProofError, match=match):
        call(store)


def test_damaged_rows_make_proofs_fail_not_lie(filled: tuple[Any, list[bytes]]) -> None:
    store, leaves = filled
    good = store.inclusion_proof(1, N)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM log_nodes WHERE level = 1 AND node_index = 3"))
    with pytest.raises(LogProofError, match=r"\(level 1, index 3\) is missing"):
        store.inclusion_proof(4, N)
    assert store.inclusion_proof(1, N) == good  # a proof that does not need the row still works
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM log_leaves WHERE leaf_index = :i"), {"i": N - 1})
    with pytest.raises(LogProofError, match=r"outside 0\.\.36"):  # the last leaf gone: the log is shorter
        store.inclusion_proof(0, N)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM log_leaves WHERE leaf_index = 20"))
    with pytest.raises(LogProofError, match=r"\(level 0, index 20\) is missing"):
        store.inclusion_proof(20, 30)
    # an entry edited in SQL: its leaf hash is recomputed from the served text, so the proof shows it
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE log_leaves SET entry_json = :e WHERE leaf_index = 2"), {"e": '{"edited":true}'})
    got = store.inclusion_proof(2, 16)
    assert got["leaf_hash"] == merkle.leaf_hash(b'{"edited":true}').hex()
    with pytest.raises(LogProofError):
        merkle.verify_inclusion(bytes.fromhex(got["leaf_hash"]), 2, 16,
                                [bytes.fromhex(h) for h in got["audit_path"]], mth(leaves[:16]))


def test_a_proof_sees_leaves_appended_after_the_previous_proof(filled: tuple[Any, list[bytes]]) -> None:
    store, leaves = filled
    store.inclusion_proof(0, N)  # the kept connection is open and idle now
    extra = {"kind": "event", "object_id": "late"}
    with store.engine.begin() as conn:
        logstore.append_entries(conn, [("event", "late", extra)])
    leaves = [*leaves, canonical_bytes(extra)]
    got = store.inclusion_proof(N, N + 1)
    merkle.verify_inclusion(bytes.fromhex(got["leaf_hash"]), N, N + 1, [bytes.fromhex(h) for h in got["audit_path"]],
                            mth(leaves))


def test_a_proof_is_one_indexed_statement_on_sqlite(filled: tuple[Any, list[bytes]]) -> None:
    store, _ = filled
    if store.dialect != "sqlite":
        pytest.skip("SQLite's query plan")
    store.close()  # the next proof opens its connection afresh, with the trace below
    seen: list[str] = []
    from sqlalchemy import event

    def trace(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    event.listen(store.engine, "connect", trace)
    store.inclusion_proof(0, 5)  # connecting runs the engine's pragmas: counted from here
    seen.clear()
    store.inclusion_proof(11, 29)
    assert len(seen) == 1, seen
    store.consistency_proof(11, 29)
    assert len(seen) == 2, seen
    statements = list(seen)
    with store.engine.connect() as conn:
        for sql in statements:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "SCAN" not in plan, (sql, plan)
            assert "log_nodes USING" in plan and "log_leaves USING" in plan, (sql, plan)


@pytest.mark.postgres
def test_a_killed_postgres_connection_costs_no_failed_proof(filled: tuple[Any, list[bytes]]) -> None:
    store, leaves = filled
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    store.inclusion_proof(0, N)
    pids = [c.info.backend_pid for c in store._proof_conns._idle]
    assert pids
    with store.engine.begin() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    got = store.inclusion_proof(3, N)
    merkle.verify_inclusion(bytes.fromhex(got["leaf_hash"]), 3, N, [bytes.fromhex(h) for h in got["audit_path"]],
                            mth(leaves))
    assert all(c.info.backend_pid not in pids for c in store._proof_conns._idle)


def test_concurrent_proofs_agree_and_keep_few_connections(filled: tuple[Any, list[bytes]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import random
    import threading

    from computegov.registry.logproofs import ProofConnections

    store, leaves = filled
    monkeypatch.setattr(ProofConnections, "KEEP", 2)  # 6 threads: the others go through the engine's pool
    errors: list[str] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(40):
            size = rng.randrange(1, N + 1)
            index, first = rng.randrange(size), rng.randrange(1, size + 1)
            path = [bytes.fromhex(h) for h in store.inclusion_proof(index, size)["audit_path"]]
            cons = [bytes.fromhex(h) for h in store.consistency_proof(first, size)["consistency_path"]]
            if path != audit_path(index, leaves[:size]) or cons != _subproof(first, leaves[:size], True):
                errors.append(f"{index}, {first}, {size}")

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    kept = store._proof_conns
    assert 1 <= kept._open <= 2 and len(kept._idle) == kept._open
    store.close()  # and with no kept connection at all, every proof goes through the engine's pool
    monkeypatch.setattr(ProofConnections, "KEEP", 0)
    for size in (1, 2, 7, N):
        for index in range(size):
            assert [bytes.fromhex(h) for h in store.inclusion_proof(index, size)["audit_path"]] == \
                audit_path(index, leaves[:size])
    assert kept._open == 0
    with pytest.raises(LogProofError, match=r"outside 0\.\.37"):
        store.inclusion_proof(0, N + 1)
