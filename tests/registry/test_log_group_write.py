"""The group commit's in-memory log work equals the stored log's exact rule, on SQLite and PostgreSQL.

:func:`~computegov.registry.logstore.read_tip` (size, frontier and last checkpoint in one query) is
compared with :func:`~computegov.registry.logstore.log_size`, :func:`~computegov.registry.logstore.fetch_pieces`
and the last ``log_checkpoints`` row; :func:`~computegov.registry.logstore.extend_tree`'s root,
subtree rows and inclusion proofs with RFC 6962's recursive definitions (written here from the
RFC, sharing no code with the store), for every log size up to 40 and every batch of 1 to 13
leaves appended to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_helpers import make_envelope, make_statement
from rfc6962_reference import audit_path, mth
from sqlalchemy import insert, text

from computegov.registry import groupwrite, logstore
from computegov.registry.errors import LogProofError
from computegov.registry.groupcommit import Pending
from computegov.registry.models import AuditEvent, Report, VerdictRow, utcnow
from computegov.registry.submission import parse_submission
from computegov.tlog import merkle
from computegov.tlog.entries import canonical_bytes

N = 40


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _entry(i: int) -> dict[str, Any]:
    return {"kind": "event", "object_id": f"o{i}", "n": i, "text": "é%s" * (i % 3)}


def test_tip_and_extension_equal_the_stored_log_and_the_rfc_for_every_size_and_batch(store: Any) -> None:
    entries = [canonical_bytes(_entry(i)) for i in range(N + 13)]
    for size in range(N + 1):
        with store.engine.begin() as conn:
            if size:  # one more leaf, appended as the other writers append
                logstore.append_entries(conn, [("event", f"o{size - 1}", _entry(size - 1))])
            tip = logstore.read_tip(conn, with_checkpoint=True)
            assert tip.size == logstore.log_size(conn) == size
            wanted = merkle.aligned_pieces(0, size)
            assert tip.frontier == logstore.fetch_pieces(conn, wanted)
            assert tip.last_checkpoint is None
        for n_new in range(1, 14):
            new = entries[size:size + n_new]
            known, rows = logstore.extend_tree(tip, [merkle.leaf_hash(e) for e in new])
            end = size + n_new
            whole = entries[:end]
            assert merkle.hash_pieces([known[p] for p in merkle.aligned_pieces(0, end)]) == mth(whole)
            for level, index, hexhash in rows:  # each stored subtree is the MTH of its leaves
                assert bytes.fromhex(hexhash) == mth(whole[index << level:(index + 1) << level])
            # exactly the subtrees the new leaves complete, as append_entries stores them
            assert sorted((lv, i) for lv, i, _ in rows) == sorted(
                (lv, i >> lv) for i in range(size, end) for lv in range(1, 64) if (i + 1) % (1 << lv) == 0)
            for leaf in range(size, end):
                proof = merkle.proof_from_lookup(merkle.inclusion_pieces(leaf, end), known)
                assert proof == audit_path(leaf, whole)


def test_tip_reads_the_last_checkpoint_and_refuses_a_damaged_frontier(store: Any) -> None:
    with store.engine.begin() as conn:
        logstore.append_entries(conn, [("event", f"o{i}", _entry(i)) for i in range(11)])
    note = store.checkpoint(max_age_s=0)
    with store.engine.begin() as conn:
        tip = logstore.read_tip(conn, with_checkpoint=True)
        row = conn.execute(text("SELECT tree_size, timestamp_s, note FROM log_checkpoints ORDER BY id DESC")).first()
    assert tip.last_checkpoint == (int(row[0]), int(row[1]), row[2]) and row[2] == note and tip.size == 11
    with store.engine.begin() as conn:  # 11 = 8 + 2 + 1: delete the stored hash of leaves [0, 8)
        conn.execute(text("DELETE FROM log_nodes WHERE level = 3 AND node_index = 0"))
    with store.engine.begin() as conn, pytest.raises(LogProofError, match="level 3, index 0"):
        logstore.read_tip(conn)


def test_insert_rows_writes_every_part(store: Any) -> None:
    entries = [_entry(i) for i in range(5)]
    datas = [canonical_bytes(e) for e in entries]
    with store.engine.begin() as conn:
        tip = logstore.read_tip(conn)
        _known, nodes = logstore.extend_tree(tip, [merkle.leaf_hash(d) for d in datas])
        leaves = [(i, "event", f"o{i}", d.decode(), merkle.leaf_hash(d).hex()) for i, d in enumerate(datas)]
        logstore.insert_rows(conn, [("log_leaves", ("leaf_index", "kind", "subject", "entry_json", "leaf_hash"), leaves),
                                    ("log_nodes", ("level", "node_index", "hash"), nodes),
                                    ("log_nodes", ("level", "node_index", "hash"), [])])
    assert store.log_size() == 5 and store.audit_log_tree() == []
    assert [bytes.fromhex(h) for h in store.inclusion_proof(4, 5)["audit_path"]] == audit_path(4, datas)


def test_the_group_writes_rows_exactly_as_core_inserts_them(store: Any) -> None:
    """write_group's plain statements store the same column values a Core insert of the same rows stores."""
    org = store.ensure_org("acme")
    batch = []
    for i, (title, outcome, partial, keyid) in enumerate([("it's %s ? ; --", "verified", False, "k1"),
                                                          ("é😀\\", "incomplete", True, None),
                                                          ("plain", "failed", False, "k3")]):
        parsed = parse_submission({"envelope": make_envelope(make_statement(model=f"{title}-{i}"))})
        p = Pending(org, parsed, {"ok": outcome == "verified", "checks": [], "note": title}, "fake", outcome, partial,
                    keyid, utcnow())
        batch.append(groupwrite.prepare(p))

    def rows() -> list[list[tuple[Any, ...]]]:
        with store.engine.connect() as conn:
            return [
                [tuple(r) for r in conn.execute(text(
                    "SELECT digest_sha256, organisation_id, envelope_json, ledger_text, summary_json, title, total_flop,"
                    " size_bytes, submitted_at, withdrawn_at, signer_keyid, flag, payload_sha256 FROM reports"
                    " ORDER BY digest_sha256"))],
                [tuple(r) for r in conn.execute(text(
                    "SELECT r.digest_sha256, v.ok, v.outcome, v.partial, v.verifier, v.verdict_json, v.created_at"
                    " FROM verdicts v JOIN reports r ON r.id = v.report_id ORDER BY r.digest_sha256"))],
                [tuple(r) for r in conn.execute(text(
                    "SELECT at, actor, action, object_type, object_id, detail_json FROM audit_events"
                    " WHERE action = 'report.submit' ORDER BY object_id"))],
            ]

    with store.engine.begin() as conn:
        groupwrite.write_group(conn, batch, None)
    ours = rows()
    with store.engine.begin() as conn:  # the same rows again, through Core
        conn.execute(text("DELETE FROM verdicts"))
        conn.execute(text("DELETE FROM reports"))
        conn.execute(text("DELETE FROM audit_events WHERE action = 'report.submit'"))
        ids = conn.execute(insert(Report).returning(Report.id, sort_by_parameter_order=True),
                           [p.report_row for p in batch]).scalars().all()
        conn.execute(insert(VerdictRow), [{**p.verdict_row, "report_id": i} for p, i in zip(batch, ids, strict=True)])
        conn.execute(insert(AuditEvent), [p.audit_row for p in batch])
    assert rows() == ours and len(ours[0]) == len(ours[1]) == len(ours[2]) == 3
