"""``computegov registry submit``: a lab posts its signed report (and ledger) to a registry on loopback."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, FakeVerifier, Keys, make_envelope, make_statement
from typer.testing import CliRunner

from computegov.cli import app

pytest.importorskip("uvicorn")
runner = CliRunner()


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from computegov.registry import Store
        from computegov.web import create_app
        from computegov.web.server import running
    store = Store(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    other = Keys(Ed25519PrivateKey.generate())
    store.add_key("lab-b", other.public_pem)
    try:
        with running(create_app(store=store, verifier=FakeVerifier())) as url:
            yield {"url": url, "store": store, "acme": store.create_token("acme")[0],
                   "lab-b": store.create_token("lab-b")[0]}
    finally:
        store.close()


def _report(tmp_path: Path, model: str = "sub-run") -> Path:
    path = tmp_path / f"{model}.report.json"
    path.write_text(json.dumps(make_envelope(make_statement(model=model)), sort_keys=True) + "\n")
    return path


def _submit(registry: dict[str, Any], *args: str, org: str = "acme") -> Any:
    return runner.invoke(app, ["registry", "submit", *args, "--url", registry["url"], "--token", registry[org]])


def test_submit_posts_the_report_with_its_ledger_and_prints_the_stored_id(registry: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    report, ledger = _report(tmp_path), tmp_path / "run.jsonl"
    ledger.write_text('{"kind": "meta", "seq": 0}\n')
    first = _submit(registry, str(report), "--ledger", str(ledger), "--json")
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    stored = registry["store"].get_report(out["digest_sha256"])
    assert out["created"] is True and out["outcome"] == stored.outcome == "verified"
    assert stored.organisation == "acme"
    assert registry["store"].get_ledger(out["digest_sha256"]) == ledger.read_text()
    again = _submit(registry, str(report))
    assert again.exit_code == 0 and "already stored" in again.output and out["digest_sha256"] in again.output


def test_the_saved_receipt_verifies_offline_against_the_log_key(registry: dict[str, Any], tmp_path: Path) -> None:
    report, receipt = _report(tmp_path, "receipted"), tmp_path / "out" / "receipt.json"
    got = _submit(registry, str(report), "--receipt-out", str(receipt))
    assert got.exit_code == 0, got.output
    if not receipt.exists():
        pytest.skip("this registry's answer carries no receipt")
    assert "receipt saved" in got.output
    log_key = registry["store"].log_public_key()["public_key_hex"]
    check = runner.invoke(app, ["log", "verify-receipt", str(receipt), "--log-key", log_key,
                                "--envelope", str(report)])
    assert check.exit_code == 0, check.output


def test_submit_of_a_report_the_registry_refuses_exits_2_with_its_reason(registry: dict[str, Any],
                                                                       tmp_path: Path) -> None:
    report = _report(tmp_path)
    refused = _submit(registry, str(report), org="lab-b")  # signed by acme's key
    assert refused.exit_code == 2
    assert "403" in refused.output and DEFAULT_KEYS.keyid in refused.output
    bad_token = runner.invoke(app, ["registry", "submit", str(report), "--url", registry["url"], "--token", "nope"])
    assert bad_token.exit_code == 2 and "401" in bad_token.output


def test_submit_refuses_a_fifo_or_a_non_report_file_before_any_request(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    not_report = tmp_path / "x.json"
    not_report.write_text('{"a": 1}')
    for path in (fifo, not_report, tmp_path):
        got = runner.invoke(app, ["registry", "submit", str(path), "--url", "http://127.0.0.1:9", "--token", "t"])
        assert got.exit_code == 2, (path, got.output)
        assert "cannot reach" not in got.output


def test_the_receipt_in_the_answer_is_saved_when_asked(tmp_path: Path) -> None:
    from computegov.registry.audit_client import RegistryClient, submit_report_files

    receipt = {"entry": "e", "inclusion_proof": {"leaf_index": 3}, "checkpoint": "note"}
    sent: list[Any] = []

    def transport(method: str, path: str, body: Any) -> tuple[int, bytes]:
        sent.append((method, path, body))
        return 201, json.dumps({"created": True, "report": {"digest_sha256": "ab" * 32, "outcome": "failed"},
                                "receipt": receipt}).encode()

    out = tmp_path / "receipts" / "r.json"
    result = submit_report_files(RegistryClient(transport), _report(tmp_path), receipt_out=out)
    assert json.loads(out.read_text()) == receipt and result.receipt_file == str(out)
    assert result.exit_code == 1  # stored, but not verified
    method, path, body = sent[0]
    assert (method, path) == ("POST", "/api/v1/reports") and set(body) == {"envelope", "ledger"}
    assert body["ledger"] is None and body["envelope"]["payloadType"] == "application/vnd.in-toto+json"
