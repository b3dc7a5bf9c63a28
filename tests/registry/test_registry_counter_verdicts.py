"""Counter-verdicts: parsed with the report limits (422, never 500), one live per verifier, no repeats."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, Keys, make_envelope, make_statement, pae

from computegov.registry.verifiers import COUNTER_VERDICT_TYPE


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _envelope(raw: bytes, *signers: Keys) -> dict[str, Any]:
    return {"envelope": {"payloadType": COUNTER_VERDICT_TYPE, "payload": base64.b64encode(raw).decode(),
                         "signatures": [{"keyid": k.keyid, "sig": base64.b64encode(
                             k.private.sign(pae(COUNTER_VERDICT_TYPE, raw))).decode()} for k in signers]}}


@pytest.fixture
def env(client: Any, store: Any) -> dict[str, Any]:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    lab = store.create_token("acme")[0]
    uni = Keys(Ed25519PrivateKey.generate())
    store.set_org_kind("uni", "verifier")
    store.add_key("uni", uni.public_pem)
    resp = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model="cv"))},
                       headers={"Authorization": f"Bearer {lab}"})
    digest = resp.json()["report"]["digest_sha256"]
    headers = {"Authorization": f"Bearer {store.create_token('uni')[0]}"}

    def post(body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1/reports/{digest}/verdicts", json=body, headers=headers)

    return {"digest": digest, "uni": uni, "post": post, "outcome": resp.json()["report"]["outcome"]}


def _hostile_payloads(digest: str) -> dict[str, bytes]:
    report = f'"report": "{digest}"'
    head = "{" + report + ', "outcome": "failed", "x": '
    return {
        "nested 8,000 deep": (head + "[" * 8000 + "]" * 8000 + "}").encode(),
        "duplicate outcome": ("{" + report + ', "outcome": "failed", "outcome": "verified"}').encode(),
        "NaN": ("{" + report + ', "outcome": "failed", "chip_hours": NaN}').encode(),
        "over 16 KiB": (head + '"' + "a" * 20_000 + '"}').encode(),
        "not UTF-8": b'{"report": "\xff"}',
    }


@pytest.mark.parametrize("case", list(_hostile_payloads("0" * 64)))
def test_hostile_counter_verdict_payloads_get_422_and_store_nothing(env: dict[str, Any], store: Any,
                                                                    case: str) -> None:
    size = store.signed_tree_head().tree_size
    got = env["post"](_envelope(_hostile_payloads(env["digest"])[case], env["uni"]))
    assert got.status_code == 422, (case, got.status_code, got.text[:200])
    assert got.json()["field"].startswith("envelope.payload")
    assert store.counter_verdicts(env["digest"]) == []
    assert store.signed_tree_head().tree_size == size


def test_a_new_counter_verdict_supersedes_the_verifiers_old_one_as_a_new_leaf(env: dict[str, Any],
                                                                            store: Any) -> None:
    d = env["digest"]
    wrong = {"report": d, "outcome": "incomplete", "method": "wrong checkpoint folder"}
    first = env["post"](_envelope(json.dumps(wrong).encode(), env["uni"]))
    assert first.status_code == 201
    right = {"report": d, "outcome": "failed", "segments_replayed": 2, "segments_total": 10}
    second = env["post"](_envelope(json.dumps(right).encode(), env["uni"]))
    assert second.status_code == 201, second.text
    posted = second.json()["counter_verdict"]
    assert posted["supersedes"] == first.json()["counter_verdict"]["leaf_index"]
    assert posted["leaf_index"] > posted["supersedes"]
    listed = [(c.outcome, c.live) for c in store.counter_verdicts(d)]
    assert listed == [("incomplete", False), ("failed", True)]
    assert second.json()["conflicting"] is (env["outcome"] != "failed")
    assert store.audit_log_tree() == []  # both leaves stay in the log


def test_reposting_the_live_counter_verdict_logs_nothing(env: dict[str, Any], store: Any) -> None:
    body = _envelope(json.dumps({"report": env["digest"], "outcome": "failed"}).encode(), env["uni"])
    first = env["post"](body)
    size = store.signed_tree_head().tree_size
    for _ in range(3):
        again = env["post"](body)
        assert again.status_code == 200
        assert again.json()["counter_verdict"]["leaf_index"] == first.json()["counter_verdict"]["leaf_index"]
    assert store.signed_tree_head().tree_size == size
    assert len(store.counter_verdicts(env["digest"])) == 1


def test_a_counter_verdict_carrying_a_signature_not_the_verifiers_is_refused(env: dict[str, Any]) -> None:
    raw = json.dumps({"report": env["digest"], "outcome": "failed"}).encode()
    got = env["post"](_envelope(raw, env["uni"], Keys(Ed25519PrivateKey.generate())))
    assert got.status_code == 403 and "signatures[1]" in got.json()["detail"]
