"""``computegov registry audit``: a verifier claims a real report, replays it, and posts a signed, logged verdict."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from computegov.cli import app

pytest.importorskip("torch")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real 40-step demo run (4 segments of 10 steps): report, ledger, checkpoints, lab key."""
    from computegov.ledger.demo import run_demo_with_ledger

    d = tmp_path_factory.mktemp("audit-demo")
    run_demo_with_ledger(steps=40, ledger_path=d / "run.jsonl", seed=3, checkpoint_every=10)
    return d


@pytest.fixture
def world(demo_master: Path, tmp_path: Path, client: Any, store: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The demo report submitted by lab ``acme``; verifier ``uni`` with a key and a token; HTTP via the test client."""
    from computegov.ledger.signing import generate_keypair
    from computegov.registry import audit_client

    run = tmp_path / "run"
    shutil.copytree(demo_master, run)
    store.add_key("acme", (run / "computegov.pub").read_text())
    lab = store.create_token("acme")[0]
    body = {"envelope": json.loads((run / "run.report.json").read_text()), "ledger": (run / "run.jsonl").read_text()}
    resp = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {lab}"})
    assert resp.status_code == 201, resp.text
    pair = generate_keypair(tmp_path / "uni-keys")
    store.set_org_kind("uni", "verifier")
    store.add_key("uni", pair.public_path.read_text())
    uni = store.create_token("uni")[0]

    def transport(base_url: str, token: str | None, *, timeout_s: float = 60.0) -> Any:
        def call(method: str, path: str, payload: Any) -> tuple[int, bytes]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = client.request(method, path, json=payload, headers=headers)
            return r.status_code, r.content

        return call

    monkeypatch.setattr(audit_client, "http_transport", transport)
    return {"digest": resp.json()["report"]["digest_sha256"], "run": run, "lab": lab, "uni": uni,
            "key": pair.private_path}


def _audit(world: dict[str, Any], *extra: str, token: str | None = None) -> Any:
    args = ["registry", "audit", world["digest"], "--url", "http://registry.test", "--token", token or world["uni"],
            "--key", str(world["key"]), "--checkpoints", str(world["run"]), "--chip", "H100", "--seed", "7",
            "--json", *extra]
    return runner.invoke(app, args)


def test_verifier_claims_replays_and_posts_a_logged_counter_verdict(world: dict[str, Any], client: Any,
                                                                     store: Any) -> None:
    res = _audit(world, "--fake-fraction", "0.5", "--confidence", "0.8")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    p = out["payload"]
    # hypergeometric: N=4, K=2 faked; P_miss(1)=1/2, P_miss(2)=1/6 <= 0.2 -> 2 segments
    assert p["outcome"] == "verified" and p["segments_total"] == 4 and p["segments_replayed"] == 2
    assert len(p["segments"]) == 2 and set(p["segments"]) <= {0, 1, 2, 3}
    assert p["device_s"] > 0 and p["chip_hours"] == pytest.approx(p["device_s"] / 3600)
    assert p["usd"] > 0 and isinstance(p["usd_year"], int) and p["energy_j"] > 0 and p["ray"] is None
    assert out["included"] is True
    leaf = out["posted"]["counter_verdict"]["leaf_index"]
    assert store.log_leaves(leaf, leaf + 1)[0].kind == "counter"
    claims = client.get(f"/api/v1/reports/{world['digest']}/claims").json()
    assert [c["organisation"] for c in claims["claims"]] == ["uni"]
    assert claims["verifiers"][0]["verdict_posted"] is True
    report = client.get(f"/api/v1/reports/{world['digest']}").json()
    assert report["independent"][0]["verdicts"][0]["payload"]["segments"] == p["segments"]
    assert store.audit_log_tree() == []
    # an independent monitor replays the whole log, claim and counter leaves included
    from computegov.registry import monitor

    def fetch(path: str) -> tuple[int, bytes]:
        r = client.get(path)
        return r.status_code, r.content

    result = monitor.run_monitor(fetch, "http://registry.test", None, reports=[world["digest"]])
    assert result.ok, result.evidence
    kinds = [leaf.kind for leaf in store.log_leaves(0, store.log_size())]
    assert "claim" in kinds and "counter" in kinds
    # the page shows what was replayed and what it cost
    page = client.get(f"/registry/{world['digest']}").text
    assert 'id="independent-audits"' in page
    assert "2 of 4" in page and ", ".join(str(i) for i in sorted(p["segments"])) in page
    assert f"{p['usd_year']} USD" in page and "in-process" in page


def test_a_pinned_log_key_is_checked_and_a_different_one_is_an_unproven_inclusion(world: dict[str, Any],
                                                                                   client: Any) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    served = client.get("/api/v1/log/key").json()["public_key_hex"]
    res = _audit(world, "--segments", "1", "--pin-key", served)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["included"] is True and "pinned" in out["inclusion_note"] and "not pinned" not in out["inclusion_note"]
    other = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                    serialization.PublicFormat.Raw).hex()
    leaves = client.get("/api/v1/log/sth").json()["tree_size"]
    res = _audit(world, "--segments", "1", "--pin-key", other)  # checked before anything is posted
    assert res.exit_code == 2 and served in res.output and other in res.output and "nothing was posted" in res.output
    assert client.get("/api/v1/log/sth").json()["tree_size"] == leaves
    res = _audit(world, "--segments", "1", "--pin-key", "not-a-key")
    assert res.exit_code == 2 and "Ed25519" in res.output


def test_a_tampered_checkpoint_gives_a_failed_verdict_flagged_as_conflicting(world: dict[str, Any],
                                                                             client: Any) -> None:
    import torch

    for path in sorted((world["run"] / "run-checkpoints").glob("*.pt"))[1:]:
        state = torch.load(path, weights_only=True)
        name = next(iter(state["model"]))
        state["model"][name] += 1e-2
        torch.save(state, path)
    res = _audit(world, "--segments", "2")
    assert res.exit_code == 1, res.output
    out = json.loads(res.stdout)
    assert out["payload"]["outcome"] == "failed" and out["included"] is True
    assert out["posted"]["conflicting"] is True
    page = client.get(f"/registry/{world['digest']}").text
    assert 'id="verdicts-conflict"' in page and "failed" in page


def test_a_lab_cannot_claim(world: dict[str, Any], client: Any) -> None:
    resp = client.post(f"/api/v1/reports/{world['digest']}/claims", headers={"Authorization": f"Bearer {world['lab']}"})
    assert resp.status_code == 403 and "verifier" in resp.json()["detail"]
    res = _audit(world, "--segments", "1", token=world["lab"])
    assert res.exit_code == 2 and "verifier" in res.stderr and "Traceback" not in res.output


def test_claims_are_idempotent_per_organisation_and_unknown_reports_are_404(world: dict[str, Any], client: Any,
                                                                            store: Any) -> None:
    auth = {"Authorization": f"Bearer {world['uni']}"}
    first = client.post(f"/api/v1/reports/{world['digest']}/claims", headers=auth)
    again = client.post(f"/api/v1/reports/{world['digest']}/claims", headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["claim"] == again.json()["claim"]
    assert sum(leaf.kind == "claim" for leaf in store.log_leaves(0, store.log_size())) == 1
    listed = client.get(f"/api/v1/reports/{world['digest']}/claims").json()
    assert listed["verifiers"][0]["verdict_posted"] is False
    assert client.post(f"/api/v1/reports/{'f' * 64}/claims", headers=auth).status_code == 404
    assert client.post(f"/api/v1/reports/{world['digest']}/claims").status_code == 401
    page = client.get(f"/registry/{world['digest']}").text
    assert "uni" in page and "no verdict yet" in page


@pytest.mark.parametrize(("change", "message"), [
    ({"digest": "f" * 64}, "404"),
    ({"digest": "xyz"}, "64 lower-case hex"),
    ({"key": "missing.key"}, "private key"),
    ({"checkpoints": "missing-folder"}, "no such folder"),
    ({"extra": ["--segments", "2", "--fake-fraction", "0.1"]}, "either --segments"),
    ({"extra": ["--confidence", "0.9"]}, "--confidence needs"),
    ({"extra": ["--segments", "0"]}, "Invalid value"),
    ({"extra": ["--fake-fraction", "nan"]}, "Invalid value"),
])
def test_user_mistakes_exit_2_in_one_line(world: dict[str, Any], tmp_path: Path, change: dict[str, Any],
                                          message: str) -> None:
    digest = change.get("digest", world["digest"])
    key = tmp_path / change["key"] if "key" in change else world["key"]
    ckpt = tmp_path / change["checkpoints"] if "checkpoints" in change else world["run"]
    extra = change.get("extra", ["--segments", "1"])
    res = runner.invoke(app, ["registry", "audit", digest, "--url", "http://registry.test", "--token", world["uni"],
                              "--key", str(key), "--checkpoints", str(ckpt), *extra])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_a_bad_url_exits_2(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from computegov.registry import audit_client

    monkeypatch.undo()  # the real HTTP transport
    for url in ("not a url", "http://127.0.0.1:9"):
        res = runner.invoke(app, ["registry", "audit", world["digest"], "--url", url, "--token", "t", "--key",
                                  str(world["key"]), "--checkpoints", str(world["run"]), "--segments", "1",
                                  "--timeout", "5"])
        assert res.exit_code == 2, res.output
        assert "registry" in res.stderr and "Traceback" not in res.output
    assert audit_client.http_transport.__module__ == "computegov.registry.audit_client"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install 'computegov[ray]')")
def test_the_replay_runs_on_ray(world: dict[str, Any]) -> None:
    import ray

    try:
        res = _audit(world, "--segments", "2", "--ray", "local")
    finally:
        ray.shutdown()
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)["payload"]
    assert p["ray"] == "local" and p["outcome"] == "verified" and p["segments_replayed"] == 2
    assert p["energy_measured"] is False and p["device_s"] > 0


def test_a_report_without_a_ledger_gets_a_posted_incomplete_verdict(world: dict[str, Any], client: Any,
                                                                    store: Any) -> None:
    from registry_helpers import DEFAULT_KEYS, make_envelope, make_statement

    store.add_key("acme", DEFAULT_KEYS.public_pem)
    resp = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model="no-ledger"))},
                       headers={"Authorization": f"Bearer {world['lab']}"})
    assert resp.status_code == 201, resp.text
    res = _audit(dict(world, digest=resp.json()["report"]["digest_sha256"]), "--segments", "3")
    assert res.exit_code == 1, res.output
    p = json.loads(res.stdout)["payload"]
    assert p["outcome"] == "incomplete" and p["segments"] == [] and p["segments_total"] is None
    assert "without a ledger" in p["method"]


def test_an_unwitnessed_log_view_stops_the_audit_before_anything_is_posted(
    world: dict[str, Any], client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from computegov.registry import audit_client
    from computegov.tlog.cosignature import CosignatureSigner

    def transport(base_url: str, token: str | None, *, timeout_s: float = 60.0, **_: Any) -> Any:
        def call(method: str, path: str, payload: Any) -> tuple[int, bytes]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = client.request(method, path, json=payload, headers=headers)
            return r.status_code, r.content

        return call

    monkeypatch.setattr(audit_client, "http_transport", transport)
    served = client.get("/api/v1/log/key").json()["public_key_hex"]
    witness = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate()).verifier().vkey()
    leaves = client.get("/api/v1/log/sth").json()["tree_size"]
    # no witness has cosigned this registry's checkpoint: a view only this verifier might be shown
    res = _audit(world, "--segments", "1", "--pin-key", served, "--witness", witness, "--min-witnesses", "1")
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["posted"] is False
    assert client.get("/api/v1/log/sth").json()["tree_size"] == leaves  # nothing claimed, nothing posted
    res = _audit(world, "--segments", "1", "--witness", witness, "--min-witnesses", "1")
    assert res.exit_code == 2 and "--pin-key" in res.output
