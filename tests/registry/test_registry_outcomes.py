"""The registry stores the three-state verdict (verified, failed, incomplete) and shows incomplete
ones as such; only an unflagged ``verified`` counts as verified."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, FakeVerifier, make_envelope, make_statement


def _client(store: Any, verifier: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.web import create_app

    return TestClient(create_app(store=store, verifier=verifier), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("outcome", "badge"),
    [("incomplete", "incomplete: not verified"), ("failed", "failed: not verified"), ("verified", "verified")],
)
def test_each_outcome_is_stored_and_shown(store: Any, outcome: str, badge: str) -> None:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    token = store.create_token("acme")[0]
    with _client(store, FakeVerifier(outcome=outcome)) as client:
        r = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model="run-x"))},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        assert report["outcome"] == outcome and report["verdict_ok"] is (outcome == "verified")
        listed = client.get("/api/v1/reports").json()["reports"][0]
        assert listed["outcome"] == outcome
        assert badge in client.get("/registry").text
        detail = client.get(f"/registry/{report['digest_sha256']}").text
        assert badge in detail
        assert ("Incomplete:" in detail) is (outcome == "incomplete")
        assert client.get(f"/api/v1/reports/{report['digest_sha256']}").json()["verdict"]["outcome"] == outcome


def test_a_verified_claim_without_ok_is_stored_as_failed(store: Any) -> None:
    """Fail closed: a verdict saying "verified" while ``ok`` is False is not verified."""
    from computegov.registry.verification import outcome_of

    class Inconsistent:
        ok = False
        outcome = "verified"

        def to_dict(self) -> dict[str, Any]:
            return {"ok": False, "outcome": "verified"}

    assert outcome_of(Inconsistent()) == ("failed", False)
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    from computegov.registry.submission import parse_submission

    parsed = parse_submission({"envelope": make_envelope(make_statement())})
    stored = store.submit(store.get_org("acme"), parsed, {}, verdict_ok=False, verifier="x", outcome="verified",
                          signer_keyid=DEFAULT_KEYS.keyid)
    assert stored.report.outcome == "failed" and stored.report.verdict_ok is False


def test_a_row_stored_without_a_signer_is_never_shown_as_verified(store: Any) -> None:
    from computegov.registry.submission import parse_submission

    parsed = parse_submission({"envelope": make_envelope(make_statement())})
    stored = store.submit(store.ensure_org("acme"), parsed, {}, verdict_ok=True, verifier="x")
    assert stored.report.outcome == "verified" and stored.report.flag and stored.report.verdict_ok is False


def _recorded_run(tmp_path: Path, *, checkpoint: bool) -> tuple[dict[str, Any], str, str]:
    np = pytest.importorskip("numpy")
    recorder = pytest.importorskip("computegov.ledger.recorder")
    from computegov.ledger.signing import Signer

    signer = Signer.generate()
    t0 = time.time() - 60.0  # a run that ended a minute ago; each record written as its interval ends
    now = [t0]
    rec = recorder.RunRecorder(tmp_path / "run.jsonl", signer=signer, clock=lambda: now[0],
                               metadata={"hardware": {"chip": "H100", "chip_count": 8}, "model": "tiny-mlp"})
    now[0] = t0 + 1.0
    rec.record_measurement({"steps": 10, "flop": 6e10, "duration_s": 1.0,
                            "time_start_unix_s": t0, "time_end_unix_s": t0 + 1.0})
    if checkpoint:
        (tmp_path / "ckpt.bin").write_bytes(b"weights")
        rec.record_checkpoint(10, {"w": np.zeros(3)}, path=tmp_path / "ckpt.bin")
    report = rec.finish()
    return report.envelope, (tmp_path / "run.jsonl").read_text(), signer.public_pem()


def test_with_the_real_verifier_a_missing_ledger_is_incomplete_and_checkpoints_partial(tmp_path: Path) -> None:
    pytest.importorskip("computegov.ledger.verify")
    from computegov.registry import Store

    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    envelope, ledger, pem = _recorded_run(tmp_path, checkpoint=True)
    store.add_key("lab", pem)
    token = store.create_token("lab")[0]
    auth = {"Authorization": f"Bearer {token}"}
    with _client(store, None) as client:
        bare = client.post("/api/v1/reports", json={"envelope": envelope}, headers=auth)
        assert bare.status_code == 201, bare.text
        assert bare.json()["report"]["outcome"] == "incomplete" and bare.json()["report"]["verdict_ok"] is False
        digest = bare.json()["report"]["digest_sha256"]
        detail = client.get(f"/api/v1/reports/{digest}").json()
        assert any("ledger" in m for m in detail["verdict"]["missing"])
        page = client.get(f"/registry/{digest}").text
        assert "incomplete: not verified" in page and "Incomplete:" in page
        client.delete(f"/api/v1/reports/{digest}", headers=auth)
    store.close()

    store = Store(f"sqlite:///{tmp_path / 'r2.sqlite3'}")
    store.add_key("lab", pem)
    token = store.create_token("lab")[0]
    with _client(store, None) as client:
        full = client.post("/api/v1/reports", json={"envelope": envelope, "ledger": ledger},
                           headers={"Authorization": f"Bearer {token}"})
        report = full.json()["report"]
        assert (report["outcome"], report["partial"], report["verdict_ok"]) == ("verified", True, True), full.text
        assert "verified (partial)" in client.get("/registry").text
        verdict = client.get(f"/api/v1/reports/{report['digest_sha256']}").json()["verdict"]
        assert verdict["allowed_missing"] == ["checkpoints"]
    store.close()
