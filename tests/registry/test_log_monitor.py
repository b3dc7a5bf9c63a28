"""The transparency log in the registry database, its API, and the monitor that catches tampering.

Runs on SQLite and (marker ``postgres``) PostgreSQL: reports go in through the API, then rows are
edited, deleted or reordered directly in SQL, and the monitor must name the evidence.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, make_envelope, make_statement
from sqlalchemy import text

from computegov.registry import treehead
from computegov.registry.errors import LogProofError
from computegov.registry.monitor import compare_heads, load_state, run_monitor, save_state
from computegov.tlog import merkle


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


@pytest.fixture
def token(store: Any) -> str:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    return store.create_token("acme")[0]


def _submit(client: Any, token: str, model: str) -> str:
    body = {"envelope": make_envelope(make_statement(model=model)), "ledger": None}
    resp = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["report"]["digest_sha256"])


def _fetch(client: Any) -> Any:
    def fetch(path: str) -> tuple[int, bytes]:
        resp = client.get(path)
        return resp.status_code, resp.content

    return fetch


def _monitor(client: Any, state_path: Path, **kw: Any) -> Any:
    result = run_monitor(_fetch(client), "http://testserver", load_state(state_path), **kw)
    if result.ok:
        save_state(state_path, result.state)
    return result


def test_every_change_is_a_leaf_and_every_proof_verifies(client: Any, store: Any, token: str) -> None:
    digests = [_submit(client, token, f"m{i}") for i in range(5)]
    sth = client.get("/api/v1/log/sth").json()
    head = treehead.TreeHead.from_dict(sth)
    treehead.verify_tree_head(head, treehead.parse_public_key(client.get("/api/v1/log/key").json()["public_key_hex"]))
    # org.create, key.add, token.create, then report + verdict + report.submit event per report
    assert head.tree_size == 3 + 3 * len(digests)
    for i in range(head.tree_size):
        proof = client.get("/api/v1/log/proof/inclusion", params={"index": i, "tree_size": head.tree_size}).json()
        merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), i, head.tree_size,
                                [bytes.fromhex(h) for h in proof["audit_path"]], head.root_hash)
    report = client.get(f"/api/v1/reports/{digests[2]}").json()
    kinds = client.get("/api/v1/log/leaves", params={"start": report["log"]["report_leaf"], "end": head.tree_size})
    assert [leaf["kind"] for leaf in kinds.json()["leaves"]][:3] == ["report", "verdict", "event"]
    for first in range(1, head.tree_size):
        old = store.signed_tree_head() if first == head.tree_size else None
        assert old is None or old.tree_size == head.tree_size
        path = client.get("/api/v1/log/proof/consistency", params={"first": first, "second": head.tree_size}).json()
        with store.engine.connect() as conn:
            from computegov.registry.logstore import read_root

            old_root = read_root(conn, first)
        merkle.verify_consistency(first, head.tree_size, old_root, head.root_hash,
                                  [bytes.fromhex(h) for h in path["consistency_path"]])
    assert store.audit_log_tree() == []


@pytest.mark.parametrize("params", [
    {"index": 0, "tree_size": 999}, {"index": 5, "tree_size": 3}, {"index": -1, "tree_size": 3},
    {"index": "x", "tree_size": 3}, {"index": 0, "tree_size": 2**70},
])
def test_bad_inclusion_sizes_are_422_not_500(client: Any, token: str, params: dict[str, Any]) -> None:
    resp = client.get("/api/v1/log/proof/inclusion", params=params)
    assert resp.status_code == 422, resp.text
    assert resp.json()["detail"]


@pytest.mark.parametrize("params", [{"first": 3, "second": 2}, {"first": 1, "second": 999}, {"first": 0, "second": 2}])
def test_bad_consistency_sizes_are_422(client: Any, token: str, params: dict[str, Any]) -> None:
    assert client.get("/api/v1/log/proof/consistency", params=params).status_code == 422


def test_openapi_lists_the_log_endpoints_with_their_errors(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in ("/api/v1/log/sth", "/api/v1/log/key", "/api/v1/log/proof/inclusion",
              "/api/v1/log/proof/consistency", "/api/v1/log/leaves"):
        assert p in paths
    assert "422" in paths["/api/v1/log/proof/inclusion"]["get"]["responses"]


def test_monitor_passes_on_an_honest_log_and_follows_it(client: Any, token: str, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    d1 = _submit(client, token, "a")
    first = _monitor(client, state, reports=[d1])
    assert first.ok, first.evidence
    _submit(client, token, "b")
    second = _monitor(client, state, all_reports=True)
    assert second.ok, second.evidence
    assert second.previous_size == first.head.tree_size and second.leaves_audited == 3
    assert d1 in second.reports_checked


def _tamper_cases() -> list[tuple[str, str]]:
    return [
        ("edit a verdict", "UPDATE verdicts SET outcome = CASE WHEN outcome = 'verified' THEN 'failed' ELSE 'verified' END "
                           "WHERE report_id = "
                           "(SELECT id FROM reports WHERE digest_sha256 = :d)"),
        ("edit a report title", "UPDATE reports SET title = 'nothing to see' WHERE digest_sha256 = :d"),
        ("delete a report", "DELETE FROM verdicts WHERE report_id = (SELECT id FROM reports WHERE digest_sha256 = :d);"
                            "DELETE FROM reports WHERE digest_sha256 = :d"),
    ]


@pytest.mark.parametrize(("what", "sql"), _tamper_cases(), ids=[c[0] for c in _tamper_cases()])
def test_monitor_catches_a_report_row_changed_in_sql(client: Any, store: Any, token: str, tmp_path: Path,
                                                     what: str, sql: str) -> None:
    state = tmp_path / "state.json"
    digest = _submit(client, token, "victim")
    assert _monitor(client, state).ok
    with store.engine.begin() as conn:
        for stmt in sql.split(";"):
            conn.execute(text(stmt), {"d": digest})
    result = _monitor(client, state, all_reports=True)
    assert not result.ok
    assert digest in " ".join(result.evidence)


def _resign_every_checkpoint(conn: Any, store: Any) -> None:
    """The operator's last step of a consistent rewrite: every stored checkpoint re-signed over the new tree.

    Same ids and times, each size cut to the rewritten log's, each root the rewritten leaves' own:
    nothing stored in the database disagrees any more (only someone who kept an old one can tell).
    """
    from computegov.registry.logstore import log_size, read_root
    from computegov.tlog.checkpoint import Checkpoint, sign_checkpoint

    size = log_size(conn)
    for cp_id, old_size, stamp in conn.execute(text("SELECT id, tree_size, timestamp_s FROM log_checkpoints")).all():
        n = min(int(old_size), size)
        note = sign_checkpoint(store.log_private_key(), Checkpoint(store.log_origin(), n, read_root(conn, n)), int(stamp))
        conn.execute(text("UPDATE log_checkpoints SET tree_size = :n, note = :note WHERE id = :i"),
                     {"n": n, "note": note, "i": cp_id})


@pytest.mark.parametrize("how", ["edit-leaf", "delete-leaf", "reorder-leaves", "rebuild-tree",
                                 "rebuild-tree-resign-all"])
def test_monitor_catches_log_rows_changed_deleted_or_reordered(client: Any, store: Any, token: str,
                                                               tmp_path: Path, how: str) -> None:
    state = tmp_path / "state.json"
    for i in range(3):
        _submit(client, token, f"r{i}")
    assert _monitor(client, state).ok
    _submit(client, token, "later")
    with store.engine.begin() as conn:
        if how == "edit-leaf":  # an entry and its leaf hash, consistently: the subtree hashes no longer match
            entry = '{"edited":true}'
            conn.execute(text("UPDATE log_leaves SET entry_json = :e, leaf_hash = :h WHERE leaf_index = 4"),
                         {"e": entry, "h": merkle.leaf_hash(entry.encode()).hex()})
        elif how == "delete-leaf":
            conn.execute(text("DELETE FROM log_leaves WHERE leaf_index = 13"))
        elif how == "reorder-leaves":
            rows = conn.execute(text("SELECT leaf_index, entry_json, leaf_hash FROM log_leaves "
                                     "WHERE leaf_index IN (3, 4) ORDER BY leaf_index")).all()
            for (i, _, _), (_, e, h) in zip(rows, reversed(rows), strict=True):
                conn.execute(text("UPDATE log_leaves SET entry_json = :e, leaf_hash = :h WHERE leaf_index = :i"),
                             {"e": e, "h": h, "i": i})
        else:  # rewrite history: drop an old report's leaves, rebuild every hash, re-sign
            conn.execute(text("DELETE FROM log_nodes"))
            conn.execute(text("DELETE FROM log_tree_heads"))
            leaves = conn.execute(text("SELECT kind, subject, entry_json FROM log_leaves ORDER BY leaf_index")).all()
            conn.execute(text("DELETE FROM log_leaves"))
            from computegov.registry.logstore import append_entry

            for k, s, e in [row for i, row in enumerate(leaves) if i not in (3, 4, 5)]:
                append_entry(conn, k, s, json.loads(e))
            if how == "rebuild-tree-resign-all":
                _resign_every_checkpoint(conn, store)
    if how.startswith("rebuild-tree"):  # the old monitor: the new tree does not extend the one it saw
        result = _monitor(client, state)
    else:  # a fresh monitor rebuilds the root from every leaf served
        result = run_monitor(_fetch(client), "http://testserver", None)
    assert not result.ok, how
    assert any(word in " ".join(result.evidence) for word in ("rewritten", "missing", "changed", "edited")), \
        result.evidence
    # The registry's own check sees row damage, and a rebuilt tree that disagrees with any checkpoint it
    # signed earlier (the first one named). Only a rewrite that also re-signs every stored checkpoint
    # leaves nothing in the database to disagree: that needs an outside monitor (or witnesses).
    problems = store.audit_log_tree()
    assert (problems == []) == (how == "rebuild-tree-resign-all"), problems
    if how == "rebuild-tree":
        assert any("the first checkpoint whose root disagrees" in p for p in problems), problems


def test_bad_tree_head_signature_is_an_error_not_evidence(client: Any, token: str, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(LogProofError, match="not the pinned log key"):
        run_monitor(_fetch(client), "http://testserver", None, pin_key=other)

    def forged(path: str) -> tuple[int, bytes]:
        status, body = _fetch(client)(path)
        if path == "/api/v1/log/sth":
            data = json.loads(body)
            data["timestamp_ms"] += 1
            body = json.dumps(data).encode()
        return status, body

    with pytest.raises(LogProofError, match="bad signature"):
        run_monitor(forged, "http://testserver", None)


def test_split_view_is_caught_by_comparing_tree_heads(client: Any, store: Any, token: str, tmp_path: Path) -> None:
    """A registry shows monitor A one history, then forks its database and shows monitor B another."""
    import shutil

    _submit(client, token, "shared")
    a_state, b_state = tmp_path / "a.json", tmp_path / "b.json"
    assert _monitor(client, a_state).ok
    assert _monitor(client, b_state).ok
    fork_point = store.log_size()
    with store.engine.connect() as conn:
        reports_at_fork = conn.execute(text("SELECT max(id) FROM reports")).scalar()
    if store.dialect == "sqlite":  # keep a copy of the history before the fork
        shutil.copy(store.url.removeprefix("sqlite:///"), tmp_path / "fork.sqlite3")
    _submit(client, token, "seen-by-a")
    assert _monitor(client, a_state).ok
    with store.engine.begin() as conn:  # roll back to the fork point and write another history
        conn.execute(text("DELETE FROM log_leaves WHERE leaf_index >= :n"), {"n": fork_point})
        conn.execute(text("DELETE FROM log_nodes WHERE (node_index + 1) * (1 << level) > :n"), {"n": fork_point})
        conn.execute(text("DELETE FROM log_tree_heads WHERE tree_size > :n"), {"n": fork_point})
        # only the report after the fork point goes: the shared one is in both histories
        conn.execute(text("DELETE FROM verdicts WHERE report_id > :k"), {"k": reports_at_fork})
        conn.execute(text("DELETE FROM reports WHERE id > :k"), {"k": reports_at_fork})
    _submit(client, token, "seen-by-b")
    assert _monitor(client, b_state).ok  # B alone cannot tell
    a_head, b_head = load_state(a_state).tree_head(), load_state(b_state).tree_head()  # type: ignore[union-attr]
    assert a_head.tree_size == b_head.tree_size and a_head.root_hash != b_head.root_hash
    evidence = compare_heads(a_head, b_head, _fetch(client))
    assert evidence and "two signed roots" in evidence[0]
    again = _monitor(client, a_state)  # and A, returning, sees the rewrite itself
    assert not again.ok


@pytest.mark.parametrize("n", [24, pytest.param(200, marks=pytest.mark.slow)])
def test_concurrent_submissions_give_exactly_that_many_report_leaves(client: Any, store: Any, token: str,
                                                                     n: int) -> None:
    errors: list[AssertionError] = []
    start = store.log_size()

    def worker(i: int) -> None:
        try:
            _submit(client, token, f"c{i}")
        except AssertionError as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    head = store.signed_tree_head()
    assert head.tree_size == start + 3 * n
    leaves = store.log_leaves(start, head.tree_size)
    assert sum(1 for leaf in leaves if leaf.kind == "report") == n
    assert [leaf.leaf_index for leaf in leaves] == list(range(start, head.tree_size))
    for leaf in leaves:
        proof = store.inclusion_proof(leaf.leaf_index, head.tree_size)
        merkle.verify_inclusion(bytes.fromhex(leaf.leaf_hash), leaf.leaf_index, head.tree_size,
                                [bytes.fromhex(h) for h in proof["audit_path"]], head.root_hash)
    assert store.audit_log_tree() == []


def test_report_page_shows_its_leaves_and_loads_the_inclusion_check(client: Any, store: Any, token: str) -> None:
    digest = _submit(client, token, "paged")
    leaves = store.report_leaves(digest)
    page = client.get(f"/registry/{digest}")
    assert page.status_code == 200
    assert f'data-report-leaf="{leaves["report_leaf"]}"' in page.text
    assert f'data-verdict-leaf="{leaves["verdict_leaf"]}"' in page.text
    assert '<script src="/static/loginclusion.js"' in page.text
    assert client.get("/static/loginclusion.js").status_code == 200
