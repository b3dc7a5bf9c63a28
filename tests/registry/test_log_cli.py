"""``computegov log``: exit 0 on an honest log, 1 naming the evidence, 2 on malformed input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, make_envelope, make_statement
from sqlalchemy import text
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


@pytest.fixture
def served(client: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI's HTTP fetcher answers from the test client (no sockets)."""
    from computegov.registry import monitor

    def fetcher(url: str, *, timeout_s: float = 30.0) -> Any:
        def fetch(path: str) -> tuple[int, bytes]:
            resp = client.get(path)
            return resp.status_code, resp.content

        return fetch

    monkeypatch.setattr(monitor, "http_fetcher", fetcher)
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    token = store.create_token("acme")[0]

    def submit(model: str) -> str:
        resp = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model=model))},
                           headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 201, resp.text
        return str(resp.json()["report"]["digest_sha256"])

    return submit


def test_monitor_exits_0_then_1_naming_the_evidence(served: Any, store: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    digest = served("m1")
    ok = runner.invoke(app, ["log", "monitor", "http://registry", "--state", str(state), "--report", digest])
    assert ok.exit_code == 0, ok.output
    assert "log OK" in ok.output and json.loads(state.read_text())["head"]["tree_size"] > 0
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE reports SET title = 'changed' WHERE digest_sha256 = :d"), {"d": digest})
    bad = runner.invoke(app, ["log", "monitor", "http://registry", "--state", str(state), "--all-reports", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["evidence"] and digest in bad.stderr


def test_monitor_with_a_wrong_pinned_key_exits_2_in_one_line(served: Any, tmp_path: Path) -> None:
    served("m1")
    wrong = "11" * 32
    res = runner.invoke(app, ["log", "monitor", "http://registry", "--state", str(tmp_path / "s.json"),
                              "--pin-key", wrong])
    assert res.exit_code == 2
    assert "error:" in res.stderr and "Traceback" not in res.output


@pytest.mark.parametrize("content", ["not json", '{"url": 1}', '{"url": "x", "public_key_hex": "00", "head": {}}'])
def test_malformed_state_file_exits_2(served: Any, tmp_path: Path, content: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(content)
    res = runner.invoke(app, ["log", "monitor", "http://registry", "--state", str(state)])
    assert res.exit_code == 2, res.output
    assert "state" in res.stderr and "Traceback" not in res.output


def test_compare_two_state_files(served: Any, store: Any, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    served("m1")
    assert runner.invoke(app, ["log", "monitor", "http://r", "--state", str(a)]).exit_code == 0
    served("m2")
    assert runner.invoke(app, ["log", "monitor", "http://r", "--state", str(b)]).exit_code == 0
    same = runner.invoke(app, ["log", "compare", str(a), str(b), "--via", "http://r"])
    assert same.exit_code == 0, same.output
    no_via = runner.invoke(app, ["log", "compare", str(a), str(b)])
    assert no_via.exit_code == 2 and "--via" in no_via.stderr
    forked = json.loads(b.read_text())  # a second view of the same size with another (validly signed) root
    head_a = json.loads(a.read_text())["head"]
    from computegov.registry import treehead

    key = treehead.load_or_create_key(tmp_path / "log.key")
    fork = treehead.sign_tree_head(key, head_a["tree_size"], b"\x07" * 32, head_a["timestamp_ms"] + 1)
    forked["head"] = fork.to_dict()
    b.write_text(json.dumps(forked))
    split = runner.invoke(app, ["log", "compare", str(a), str(b)])
    assert split.exit_code == 1 and "two signed roots" in split.stderr


def test_budget_prints_segments_and_cost(served: Any) -> None:
    res = runner.invoke(app, ["log", "budget", "--segments", "1000", "--fake-fraction", "0.01", "--delta", "0.05",
                              "--flop", "1e25", "--chip", "H100", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert 0 < out["segments"] < 299 and out["miss_probability"] <= 0.05 and out["cost_usd"][1] > 0
    bad = runner.invoke(app, ["log", "budget", "--segments", "10", "--fake-fraction", "2"])
    assert bad.exit_code == 2 and "fake fraction" in bad.stderr


def test_registry_log_key_and_log_verify(served: Any, store: Any, tmp_path: Path) -> None:
    served("m1")
    key = runner.invoke(app, ["registry", "log-key", "--database-url", store.url, "--json"])
    assert key.exit_code == 0, key.output
    info = json.loads(key.stdout)
    assert len(info["public_key_hex"]) == 64 and (Path(info["private_key_file"]).stat().st_mode & 0o777) == 0o600
    ok = runner.invoke(app, ["registry", "log-verify", "--database-url", store.url])
    assert ok.exit_code == 0 and "log intact" in ok.stdout
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE log_leaves SET entry_json = '{}' WHERE leaf_index = 1"))
    bad = runner.invoke(app, ["registry", "log-verify", "--database-url", store.url])
    assert bad.exit_code == 1 and "leaf 1" in bad.stdout


def test_registry_org_kind_makes_a_verifier_and_refuses_other_kinds(store: Any) -> None:
    ok = runner.invoke(app, ["registry", "org-kind", "uni", "verifier", "--database-url", store.url])
    assert ok.exit_code == 0, ok.output
    assert store.org_kind("uni") == "verifier"
    bad = runner.invoke(app, ["registry", "org-kind", "uni", "overlord", "--database-url", store.url])
    assert bad.exit_code == 2 and "expected one of lab, verifier" in bad.stderr


def test_log_key_is_created_once_with_mode_0600_even_when_raced(tmp_path: Path) -> None:
    import threading

    from computegov.registry.treehead import key_id, load_or_create_key

    path = tmp_path / "keys" / "registry-log.key"
    found: list[str] = []
    threads = [threading.Thread(target=lambda: found.append(key_id(load_or_create_key(path).public_key())))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 1 and (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["registry-log.key"]


def test_a_new_log_key_is_fsynced_with_its_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the key must survive a crash as surely as the checkpoints it signs: its directory entry too
    from computegov.registry import treehead

    synced: list[Path] = []
    monkeypatch.setattr(treehead, "fsync_directory", lambda folder: synced.append(Path(folder)))
    path = tmp_path / "keys" / "registry-log.key"
    treehead.load_or_create_key(path)
    assert synced == [path.parent]
    treehead.load_or_create_key(path)  # an existing key: nothing written, nothing to sync
    assert synced == [path.parent]
