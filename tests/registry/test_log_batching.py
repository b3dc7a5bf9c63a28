"""Batched log appends and shared checkpoints: what several workers writing at once may not break.

A submission appends its leaves in one batch under the log's lock; receipts wait for a checkpoint
that one signer signs for every submission waiting (group commit). These tests check that a batch
builds exactly the tree one-leaf appends build, that every concurrent submitter's receipt verifies
offline, that waiting submitters share one signature, and that stored checkpoints never go back in
size or time, whichever worker (Store) signed them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_helpers import make_envelope, make_statement
from sqlalchemy import text

from computegov.registry import logstore
from computegov.registry.store import Store
from computegov.registry.submission import parse_submission
from computegov.tlog import merkle
from computegov.tlog.checkpoint import parse_checkpoint_text, parse_log_key
from computegov.tlog.cosignature import signature_timestamp
from computegov.tlog.entries import canonical_bytes
from computegov.tlog.note import parse_note
from computegov.tlog.receipt import verify_receipt


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _submit(store: Store, org_name: str, model: str) -> Any:
    org = store.ensure_org(org_name)
    parsed = parse_submission({"envelope": make_envelope(make_statement(model=model))})
    return store.submit(org, parsed, {"ok": True, "checks": []}, verdict_ok=True, verifier="fake")


def _tree_rows(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        leaves = [tuple(r) for r in conn.execute(text(
            "SELECT leaf_index, kind, subject, entry_json, leaf_hash FROM log_leaves ORDER BY leaf_index"))]
        nodes = [tuple(r) for r in conn.execute(text(
            "SELECT level, node_index, hash FROM log_nodes ORDER BY level, node_index"))]
    return leaves, nodes


@pytest.fixture(scope="module")
def two_logs(tmp_path_factory: Any) -> Any:
    folder = tmp_path_factory.mktemp("batch")
    one, many = Store(f"sqlite:///{folder / 'one.sqlite3'}"), Store(f"sqlite:///{folder / 'many.sqlite3'}")
    yield one, many
    one.close()
    many.close()


@settings(max_examples=25, deadline=None)
@given(batches=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=8))
def test_batched_appends_store_exactly_the_tree_single_appends_store(batches: list[int], two_logs: Any) -> None:
    one, many = two_logs
    for s in (one, many):
        with s.engine.begin() as conn:
            conn.execute(text("DELETE FROM log_nodes"))
            conn.execute(text("DELETE FROM log_leaves"))
    entries = [("event", f"s{i}", {"kind": "event", "object_id": f"s{i}", "n": i}) for i in range(sum(batches))]
    with one.engine.begin() as conn:
        singles = [logstore.append_entry(conn, *item) for item in entries]
    done = 0
    indices: list[int] = []
    for size in batches:
        with many.engine.begin() as conn:
            indices += logstore.append_entries(conn, entries[done:done + size])
        done += size
    assert indices == singles == list(range(len(entries)))
    assert _tree_rows(one) == _tree_rows(many)
    with many.engine.connect() as conn:  # every prefix's root is RFC 6962's MTH of its entries
        hashes = [merkle.leaf_hash(canonical_bytes(e)) for *_, e in entries]
        for size in range(len(entries) + 1):
            assert logstore.read_root(conn, size) == merkle.root_from_leaf_hashes(hashes[:size])


def test_concurrent_submissions_each_get_a_receipt_that_verifies_offline(store: Store) -> None:
    vkey = parse_log_key(store.log_public_key()["vkey"])
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(3):
                outcome = _submit(store, f"lab{n}", f"model-{n}-{i}")
                assert outcome.created and outcome.report_leaf is not None
                results.append(store.receipt(outcome.report_leaf))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[0]
    assert len(results) == 24
    for receipt in results:
        cp = verify_receipt(receipt, vkey)
        assert cp.size > receipt.leaf_index
    assert store.audit_log_tree() == []


def test_waiting_submitters_share_one_checkpoint_signature(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(6):
        _submit(store, "acme", f"m{i}")
    size = store.log_size()
    signed: list[int] = []
    real = Store.checkpoint

    def slow_checkpoint(self: Store, **kwargs: Any) -> str:
        signed.append(1)
        time.sleep(0.4)  # every other submitter arrives while this one signs
        return real(self, **kwargs)

    monkeypatch.setattr(Store, "checkpoint", slow_checkpoint)
    notes: list[str] = []
    threads = [threading.Thread(target=lambda n=n: notes.append(store.checkpoint_covering(n)))
               for n in range(size - 5, size + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(notes) == 6 and len(set(notes)) == 1  # one note for all six
    assert len(signed) <= 2  # the first signer's checkpoint held every leaf the others waited for
    assert parse_checkpoint_text(parse_note(notes[0]).text).size == size


def test_a_checkpoint_that_holds_the_leaf_is_reused_and_not_signed_again(store: Store) -> None:
    _submit(store, "acme", "a")
    first = store.checkpoint_covering(store.log_size())
    with store.engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM log_checkpoints")).scalar_one()
    assert store.checkpoint_covering(1) == first
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM log_checkpoints")).scalar_one() == count
    outcome = _submit(store, "acme", "b")
    later = store.checkpoint_covering(outcome.report_leaf + 1)
    assert later != first
    assert parse_checkpoint_text(parse_note(later).text).size == store.log_size()


def test_checkpoints_from_two_workers_never_go_back_in_size_or_time(database_url: str) -> None:
    workers = [Store(database_url), Store(database_url)]  # two processes' stores on one database
    try:
        errors: list[BaseException] = []

        def work(s: Store, n: int) -> None:
            try:
                for i in range(5):
                    outcome = _submit(s, f"w{n}", f"m-{n}-{i}")
                    s.receipt(outcome.report_leaf)
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=work, args=(s, n)) for n, s in enumerate(workers * 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors[0]
        with workers[0].engine.connect() as conn:
            rows = conn.execute(text("SELECT tree_size, note FROM log_checkpoints ORDER BY id")).all()
        origin = workers[0].log_origin()
        sizes = [int(r[0]) for r in rows]
        stamps = [next(signature_timestamp(s) for s in parse_note(r[1]).signatures
                       if s.name == origin and len(s.signature) == 72) for r in rows]
        assert sizes == sorted(sizes) and stamps == sorted(stamps)
        assert len(rows) <= 20  # never more than one per submission
        assert workers[0].audit_log_tree() == []
    finally:
        for s in workers:
            s.close()
