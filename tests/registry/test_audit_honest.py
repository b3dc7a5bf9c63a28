"""``registry audit`` is honest about what it posts: inputs checked first, measured costs, superseding, badges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")

import test_audit_verifier as shared  # after the torch check

_audit, runner = shared._audit, shared.runner
demo_master, world = shared.demo_master, shared.world  # the fixtures of that module, shared


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _size(client: Any) -> int:
    return int(client.get("/api/v1/log/sth").json()["tree_size"])


def test_a_wrong_checkpoint_folder_posts_nothing_and_a_later_audit_supersedes(world: dict[str, Any], client: Any,
                                                                             tmp_path: Path) -> None:
    empty = tmp_path / "wrong-folder"
    empty.mkdir()
    before = _size(client)
    world_wrong = {**world, "run": empty}
    res = _audit(world_wrong, "--segments", "2")
    assert res.exit_code == 2 and "nothing was posted" in res.output and "--checkpoints" in res.output
    assert _size(client) == before  # no claim, no counter leaf
    # on purpose: an incomplete verdict, then the right folder; the second supersedes the first
    res = _audit(world_wrong, "--segments", "2", "--allow-missing-checkpoints")
    assert res.exit_code == 1, res.output
    first = json.loads(res.stdout)
    assert first["payload"]["outcome"] == "incomplete"
    res = _audit(world, "--segments", "2")
    assert res.exit_code == 0, res.output
    second = json.loads(res.stdout)["posted"]
    assert second["counter_verdict"]["supersedes"] == first["posted"]["counter_verdict"]["leaf_index"]
    live = [c for c in second["counter_verdicts"] if c["live"]]
    assert [c["outcome"] for c in live] == ["verified"] and len(second["counter_verdicts"]) == 2


def test_the_cost_is_the_replayed_segments_measured_compute_and_unpriced_without_chip(world: dict[str, Any]) -> None:
    args = ["--url", "http://registry.test", "--token", world["uni"], "--key", str(world["key"]),
            "--checkpoints", str(world["run"]), "--seed", "7", "--segments", "2", "--json"]
    from computegov.cli import app

    res = runner.invoke(app, ["registry", "audit", world["digest"], *args])  # no --chip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    p = out["payload"]
    segments_s = sum(s["duration_s"] for s in out["replay"]["segments"])
    assert p["device_s"] == pytest.approx(segments_s) and 0 < p["device_s"] <= p["wall_s"] + 1e-6
    assert p["chip_hours"] == pytest.approx(p["device_s"] / 3600)
    assert p["usd"] is None and p["priced"] is False and p["chip"] is None
    assert "no --chip" in p["usd_note"]


def test_a_failed_counter_verdict_shows_in_the_report_list_and_the_badge(world: dict[str, Any], client: Any) -> None:
    import torch

    for path in sorted((world["run"] / "run-checkpoints").glob("*.pt"))[1:]:
        state = torch.load(path, weights_only=True)
        state["model"][next(iter(state["model"]))] += 1e-2
        torch.save(state, path)
    assert _audit(world, "--segments", "2").exit_code == 1
    listed = client.get("/api/v1/reports").json()["reports"]
    mine = next(r for r in listed if r["digest_sha256"] == world["digest"])
    assert mine["failed_by"] == ["uni"] and mine["counter_outcomes"] == {"uni": "failed"}
    for page in (client.get("/registry").text, client.get(f"/registry/{world['digest']}").text):
        assert "failed by verifier uni" in page
        assert "verified (partial)" not in page
