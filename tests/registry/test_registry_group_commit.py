"""Group commit of new reports: submissions that arrive together share one transaction, one append
and one commit, and each still gets exactly the answer (and receipt) it would have got alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import make_envelope, make_statement
from sqlalchemy import text

from computegov.registry import groupcommit, logstore, timings
from computegov.registry.reports import Reports
from computegov.registry.store import Store
from computegov.registry.submission import parse_submission
from computegov.tlog.checkpoint import parse_log_key
from computegov.tlog.receipt import verify_receipt


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _new(store: Store, org_name: str, model: str) -> Any:
    """A new report through the API's path (assume_new: grouped with whatever else is waiting)."""
    org = store.ensure_org(org_name)
    parsed = parse_submission({"envelope": make_envelope(make_statement(model=model))})
    return store.submit(org, parsed, {"ok": True, "checks": []}, verdict_ok=True, verifier="fake", assume_new=True)


@pytest.mark.parametrize("max_batch", [64, 2])  # 2: more wait than one commit takes, oldest first
def test_concurrent_new_reports_share_commits_and_each_receipt_verifies(store: Store, max_batch: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(groupcommit, "MAX_BATCH", max_batch)
    batches: list[int] = []
    original = Reports._store_new

    def slow_store(self: Reports, batch: list[Any], **kwargs: Any) -> Any:
        batches.append(len(batch))
        time.sleep(0.3 if len(batches) == 1 else 0.0)  # the first commit is slow: the others queue behind it
        return original(self, batch, **kwargs)

    monkeypatch.setattr(Reports, "_store_new", slow_store)
    vkey = parse_log_key(store.log_public_key()["vkey"])
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            start.wait()
            time.sleep(0.05 * (n > 0))  # the first one leads; the others arrive while it commits
            results.append(_new(store, f"lab{n}", f"model-{n}"))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    assert sum(batches) == 8 and 1 < max(batches) <= max_batch  # fewer commits than reports
    assert len({r.report_leaf for r in results}) == 8 and all(r.created for r in results)
    for r in results:  # each answer is its own report's, with its own leaf and the checkpoint its commit signed
        receipt = store.receipt(r.report_leaf, note_text=r.checkpoint_note)
        assert r.receipt == receipt  # built in memory by the group commit: exactly what the stored log gives
        assert r.report.digest_sha256 in receipt.entry
        assert verify_receipt(receipt, vkey).size > r.report_leaf
    assert store.count_reports() == 8
    with store.engine.connect() as conn:  # one checkpoint per commit, growing in size and time as stored
        rows = conn.execute(text("SELECT tree_size, timestamp_s FROM log_checkpoints ORDER BY id")).all()
    assert len(rows) == len(batches) and rows == sorted(rows) and len({s for s, _ in rows}) == len(rows)
    assert all(r.checkpoint_note for r in results)
    assert store.checkpoint_covering(store.log_size()) in {r.checkpoint_note for r in results}  # reused, not re-signed
    assert store.audit_log_tree() == []


def test_a_batch_holding_the_same_report_twice_stores_it_once_and_answers_both(store: Store) -> None:
    org = store.ensure_org("acme")
    same = parse_submission({"envelope": make_envelope(make_statement(model="twice"))})
    other = parse_submission({"envelope": make_envelope(make_statement(model="once"))})
    from computegov.registry.groupcommit import Pending
    from computegov.registry.models import utcnow

    batch = [Pending(org, p, {"ok": True, "checks": []}, "fake", "verified", False, None, utcnow())
             for p in (same, same, other)]
    store._commit_batch(batch)  # the one transaction fails on the duplicate: each is stored on its own
    assert [p.error for p in batch] == [None, None, None]
    assert [p.result.created for p in batch] == [True, False, True]
    assert batch[0].result.report.digest_sha256 == batch[1].result.report.digest_sha256
    assert store.count_reports() == 2
    assert store.audit_log_tree() == []


def test_a_failed_batch_gives_each_submitter_its_error_and_stores_nothing(store: Store,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_insert(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    org = store.ensure_org("acme")
    # the log's rows are written last, after the reports, verdicts and audit rows: all must go
    monkeypatch.setattr(logstore, "insert_rows", broken_insert)
    from computegov.registry.groupcommit import Pending
    from computegov.registry.models import utcnow

    batch = [Pending(org, parse_submission({"envelope": make_envelope(make_statement(model=f"m{i}"))}),
                      {"ok": True, "checks": []}, "fake", "verified", False, None, utcnow()) for i in range(3)]
    store._commit_batch(batch)
    assert all(isinstance(p.error, RuntimeError) and p.result is None for p in batch)
    monkeypatch.undo()
    assert store.count_reports() == 0 and store.audit_log_tree() == []


def test_a_submission_records_its_phases_when_asked(store: Store) -> None:
    phases = timings.Phases()
    with timings.recording(phases):
        _new(store, "acme", "timed")
    assert {"write", "lock", "append", "commit"} <= set(phases.ms) and phases.ms["batch"] == 1
    assert all(v >= 0 for v in phases.ms.values())
    assert "lock;dur=" in phases.header()
    _new(store, "acme", "untimed")  # outside a recorded request nothing is kept
    assert timings.current() is None
