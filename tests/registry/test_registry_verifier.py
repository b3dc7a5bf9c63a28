"""The registry with the real verifier: a report written by the ledger's RunRecorder is
verified on arrival; a tampered ledger is stored with a failing verdict."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import pytest

recorder = pytest.importorskip("computegov.ledger.recorder")
pytest.importorskip("computegov.ledger.verify")


@pytest.fixture
def real_client(tmp_path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from computegov.registry.verification import default_verifier, ledger_verifier
    from computegov.web import create_app

    assert default_verifier() is ledger_verifier
    app = create_app(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, app.state.store


def _run(tmp_path: Path) -> tuple[dict[str, Any], str, str]:
    from computegov.ledger.signing import Signer

    signer = Signer.generate()
    t = time.time() - 60.0  # a run that ended a minute ago; each record written as its interval ends
    now = [t]
    rec = recorder.RunRecorder(
        tmp_path / "run.jsonl", signer=signer, clock=lambda: now[0],
        metadata={"hardware": {"chip": "H100", "chip_count": 8}, "model": "tiny-mlp"},
    )
    for _ in range(4):
        now[0] = t + 1.0
        rec.record_measurement({"steps": 10, "flop": 6e10, "duration_s": 1.0,
                                "time_start_unix_s": t, "time_end_unix_s": t + 1.0})
        t += 1.0
    report = rec.finish()
    return report.envelope, (tmp_path / "run.jsonl").read_text(), signer.public_pem()


def test_a_real_report_and_ledger_verify_on_arrival(real_client: Any, tmp_path: Path) -> None:
    client, store = real_client
    envelope, ledger, pem = _run(tmp_path)
    store.add_key("lab", pem)
    token = store.create_token("lab")[0]
    body = {"envelope": envelope, "ledger": ledger, "public_key": pem}
    r = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["verdict_ok"] is True and report["verifier"] == "computegov.ledger.verify"
    assert report["total_flop"] == pytest.approx(2.4e11)
    detail = client.get(f"/api/v1/reports/{report['digest_sha256']}").json()
    names = {c["name"]: c["status"] for c in detail["verdict"]["checks"]}
    assert names["key_trust"] == "pass"
    assert "fail" not in names.values()
    page = client.get(f"/registry/{report['digest_sha256']}")
    assert "tiny-mlp" in page.text and "key_trust" in page.text


def test_a_tampered_ledger_is_stored_with_a_failing_verdict(real_client: Any, tmp_path: Path) -> None:
    client, store = real_client
    envelope, ledger, pem = _run(tmp_path)
    lines = ledger.splitlines()
    lines[2] = lines[2].replace('"steps":10', '"steps":11')
    store.add_key("lab", pem)
    token = store.create_token("lab")[0]
    body = {"envelope": envelope, "ledger": "\n".join(lines) + "\n", "public_key": pem}
    r = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    assert r.json()["report"]["verdict_ok"] is False
    detail = client.get(f"/api/v1/reports/{r.json()['report']['digest_sha256']}").json()
    assert any(c["status"] == "fail" for c in detail["verdict"]["checks"])
    assert "not verified" in client.get("/registry").text


def test_a_report_the_verifier_cannot_read_is_refused_and_not_stored(real_client: Any, tmp_path: Path) -> None:
    from registry_helpers import DEFAULT_KEYS, make_envelope, make_statement

    client, store = real_client
    statement = make_statement()
    statement["predicateType"] = "https://example.invalid/SomethingElse/v1"
    store.add_key("lab", DEFAULT_KEYS.public_pem)
    token = store.create_token("lab")[0]
    r = client.post("/api/v1/reports", json={"envelope": make_envelope(statement)},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422, r.text
    assert "report_format" in r.json()["detail"] and r.json()["field"] == "envelope"
    assert store.count_reports() == 0


def test_without_the_ledger_verifier_reports_are_never_marked_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from registry_helpers import make_envelope, make_statement

    from computegov.registry import verification
    from computegov.registry.submission import parse_submission

    real_import = importlib.import_module

    def no_verify(name: str, *args: Any) -> Any:
        if name == "computegov.ledger.verify":
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(verification.importlib, "import_module", no_verify)
    verifier = verification.default_verifier()
    assert verifier is verification.structural_verifier
    verdict = verifier(parse_submission({"envelope": make_envelope(make_statement())}))
    assert verdict.ok is False
    assert "not checked" in verdict.to_dict()["checks"][1]["evidence"]
