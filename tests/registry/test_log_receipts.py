"""Receipts and checkpoints through the registry: a submission's receipt verifies offline; the CLI
checks receipts, checkpoints and freshness with exit 0 / 1 (evidence) / 2 (malformed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, make_envelope, make_statement
from typer.testing import CliRunner

from computegov.cli import app
from computegov.tlog.checkpoint import open_checkpoint, parse_log_key
from computegov.tlog.errors import LogProofError
from computegov.tlog.receipt import Receipt, verify_receipt

runner = CliRunner()


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


@pytest.fixture
def submitted(client: Any, store: Any) -> dict[str, Any]:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    token = store.create_token("acme")[0]
    envelope = make_envelope(make_statement(model="receipted"))
    resp = client.post("/api/v1/reports", json={"envelope": envelope}, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.text
    return resp.json() | {"envelope": envelope}


def test_a_submission_receipt_verifies_offline_with_only_the_log_vkey(client: Any, submitted: dict[str, Any]) -> None:
    vkey = client.get("/api/v1/log/key").json()["vkey"]
    receipt = Receipt.from_dict(submitted["receipt"])
    cp = verify_receipt(receipt, parse_log_key(vkey))
    entry = json.loads(receipt.entry)
    assert entry["kind"] == "report" and entry["digest_sha256"] == submitted["report"]["digest_sha256"]
    assert cp.size > receipt.leaf_index and cp.timestamp_s is not None
    forged = Receipt(receipt.entry.replace('"report"', '"reporx"'), receipt.leaf_index, receipt.inclusion_proof,
                     receipt.checkpoint)
    with pytest.raises(LogProofError) as err:
        verify_receipt(forged, parse_log_key(vkey))
    assert err.value.mismatch


def test_served_checkpoint_is_a_c2sp_note_signed_by_the_log(client: Any, submitted: dict[str, Any]) -> None:
    resp = client.get("/api/v1/log/checkpoint")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    key = client.get("/api/v1/log/key").json()
    cp = open_checkpoint(resp.text, parse_log_key(key["vkey"]))
    sth = client.get("/api/v1/log/sth").json()
    assert cp.checkpoint.origin == key["origin"] and cp.size == sth["tree_size"]
    assert cp.root_hash.hex() == sth["root_hash"]
    assert client.get("/api/v1/log/checkpoint").text == resp.text  # re-signed only when it grows or ages


def test_verify_receipt_cli_exits_0_on_a_good_receipt_1_on_a_forged_one_2_on_garbage(
        client: Any, submitted: dict[str, Any], tmp_path: Path) -> None:
    vkey = client.get("/api/v1/log/key").json()["vkey"]
    good, forged, junk, env = (tmp_path / n for n in ("r.json", "f.json", "j.json", "env.json"))
    good.write_text(json.dumps(submitted["receipt"]))
    env.write_text(json.dumps(submitted["envelope"]))
    bad = dict(submitted["receipt"])
    bad["entry"] = bad["entry"].replace("receipted", "other")
    forged.write_text(json.dumps(bad))
    junk.write_text("{}")
    res = runner.invoke(app, ["log", "verify-receipt", str(good), "--log-key", vkey, "--envelope", str(env), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ok"] is True
    res = runner.invoke(app, ["log", "verify-receipt", str(forged), "--log-key", vkey])
    assert res.exit_code == 1, res.output
    res = runner.invoke(app, ["log", "verify-receipt", str(junk), "--log-key", vkey])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_checkpoint_cli_alarms_on_a_missing_witness_quorum(client: Any, submitted: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from computegov.registry import monitor
    from computegov.tlog.cosignature import CosignatureSigner

    monkeypatch.setattr(monitor, "http_fetcher", lambda url, timeout_s=30.0: (
        lambda path: (lambda r: (r.status_code, r.content))(client.get(path))))
    vkey = client.get("/api/v1/log/key").json()["vkey"]
    witness = CosignatureSigner("w.test", Ed25519PrivateKey.generate()).verifier().vkey()
    ok = runner.invoke(app, ["log", "checkpoint", "http://r", "--pin-key", vkey, "--max-age", "600", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["tree_size"] > 0
    alarm = runner.invoke(app, ["log", "checkpoint", "http://r", "--pin-key", vkey, "--witness", witness,
                                "--min-witnesses", "1"])
    assert alarm.exit_code == 1 and "witness" in alarm.stderr


def test_publish_gathers_two_witness_cosignatures_that_clients_then_require(
        client: Any, store: Any, submitted: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from computegov.registry import monitor
    from computegov.tlog.checkpoint import LogKey
    from computegov.tlog.witness_server import serve_in_thread

    if store.dialect != "sqlite":
        pytest.skip("the CLI opens the database by URL; one backend is enough here")
    key = client.get("/api/v1/log/key").json()
    servers, args, vkeys = [], [], []
    for i in (1, 2):
        res = runner.invoke(app, ["log", "witness", "vkey", "--key", str(tmp_path / f"w{i}.key"), "--name",
                                  f"w{i}.test", "--json"])
        assert res.exit_code == 0, res.output
        vkey = json.loads(res.stdout)["vkey"]
        from computegov.registry.treehead import load_or_create_key
        from computegov.tlog.cosignature import CosignatureSigner
        from computegov.tlog.witness import Witness

        signer = CosignatureSigner(f"w{i}.test", load_or_create_key(tmp_path / f"w{i}.key"))
        server, url = serve_in_thread(Witness(signer, {key["origin"]: LogKey(bytes.fromhex(key["public_key_hex"]),
                                                                              key["origin"])}))
        servers.append(server)
        args += ["--witness", f"{url}={vkey}"]
        vkeys += ["--witness", vkey]
    try:
        res = runner.invoke(app, ["log", "publish", *args, "--database-url", store.url, "--json"])
        assert res.exit_code == 0, res.output
        assert [w["cosigned"] for w in json.loads(res.stdout)["witnesses"]] == [True, True]
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
    monkeypatch.setattr(monitor, "http_fetcher", lambda url, timeout_s=30.0: (
        lambda path: (lambda r: (r.status_code, r.content))(client.get(path))))
    res = runner.invoke(app, ["log", "checkpoint", "http://r", "--pin-key", key["vkey"], *vkeys,
                              "--min-witnesses", "2", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["cosigners"] == ["w1.test", "w2.test"]
