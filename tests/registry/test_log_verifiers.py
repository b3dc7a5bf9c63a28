"""Independent verifiers post signed counter-verdicts: stored beside, logged, conflicts flagged."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, Keys, make_envelope, make_statement, pae

from computegov.registry.verifiers import COUNTER_VERDICT_TYPE
from computegov.tlog import merkle


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


def _counter(keys: Keys, payload: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(payload).encode()
    sig = keys.private.sign(pae(COUNTER_VERDICT_TYPE, raw))
    return {"envelope": {"payloadType": COUNTER_VERDICT_TYPE, "payload": base64.b64encode(raw).decode(),
                         "signatures": [{"keyid": keys.keyid, "sig": base64.b64encode(sig).decode()}]}}


@pytest.fixture
def setup(client: Any, store: Any) -> dict[str, Any]:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    lab = store.create_token("acme")[0]
    uni_keys = Keys(Ed25519PrivateKey.generate())
    store.set_org_kind("uni", "verifier")
    store.add_key("uni", uni_keys.public_pem)
    uni = store.create_token("uni")[0]
    resp = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model="v1"))},
                       headers={"Authorization": f"Bearer {lab}"})
    return {"lab": lab, "uni": uni, "uni_keys": uni_keys, "digest": resp.json()["report"]["digest_sha256"],
            "outcome": resp.json()["report"]["outcome"]}


def _post(client: Any, token: str, digest: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/reports/{digest}/verdicts", json=body, headers={"Authorization": f"Bearer {token}"})


def test_counter_verdict_is_stored_logged_and_a_conflict_is_flagged(client: Any, store: Any,
                                                                    setup: dict[str, Any]) -> None:
    d = setup["digest"]
    other = "failed" if setup["outcome"] != "failed" else "verified"
    payload = {"report": d, "outcome": other, "segments_replayed": 12, "segments_total": 100, "chip_hours": 40.5,
               "method": "computegov replay, 12 random segments"}
    resp = _post(client, setup["uni"], d, _counter(setup["uni_keys"], payload))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["conflicting"] is True and body["registry"]["outcome"] == setup["outcome"]
    leaf = body["counter_verdict"]["leaf_index"]
    head = store.signed_tree_head()
    proof = store.inclusion_proof(leaf, head.tree_size)
    merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), leaf, head.tree_size,
                            [bytes.fromhex(h) for h in proof["audit_path"]], head.root_hash)
    assert store.log_leaves(leaf, leaf + 1)[0].kind == "counter"
    # a second verdict agreeing with the registry supersedes the first as a new leaf; both stay logged
    agree = dict(payload, outcome=setup["outcome"])
    assert _post(client, setup["uni"], d, _counter(setup["uni_keys"], agree)).status_code == 201
    listed = client.get(f"/api/v1/reports/{d}/verdicts").json()
    assert [c["outcome"] for c in listed["counter_verdicts"]] == [other, setup["outcome"]]
    assert [c["live"] for c in listed["counter_verdicts"]] == [False, True]
    assert listed["conflicting"] is False
    assert store.get_report(d).outcome == setup["outcome"]  # the registry's verdict is unchanged
    assert store.audit_log_tree() == []


def test_only_a_verifier_with_its_own_registered_key_may_post(client: Any, store: Any, setup: dict[str, Any]) -> None:
    d = setup["digest"]
    payload = {"report": d, "outcome": "verified"}
    assert _post(client, setup["lab"], d, _counter(DEFAULT_KEYS, payload)).status_code == 403  # a lab
    stranger = Keys(Ed25519PrivateKey.generate())
    assert _post(client, setup["uni"], d, _counter(stranger, payload)).status_code == 403  # unregistered key
    assert _post(client, setup["uni"], d, {"envelope": {}}).status_code == 422


@pytest.mark.parametrize("payload", [{"outcome": "maybe"}, {"outcome": "failed", "segments_replayed": -1},
                                     {"outcome": "failed", "report": "0" * 64}, {"outcome": "failed", "chip_hours": "x"}])
def test_malformed_counter_verdicts_are_422(client: Any, setup: dict[str, Any], payload: dict[str, Any]) -> None:
    d = setup["digest"]
    body = _counter(setup["uni_keys"], {"report": d} | payload)
    assert _post(client, setup["uni"], d, body).status_code == 422


def test_unknown_report_is_404(client: Any, setup: dict[str, Any]) -> None:
    d = "f" * 64
    body = _counter(setup["uni_keys"], {"report": d, "outcome": "failed"})
    assert _post(client, setup["uni"], d, body).status_code == 404


def test_report_page_shows_each_verifier_and_flags_the_conflict(client: Any, setup: dict[str, Any]) -> None:
    d = setup["digest"]
    other = "failed" if setup["outcome"] != "failed" else "verified"
    payload = {"report": d, "outcome": other, "segments_replayed": 3, "segments_total": 50, "method": "replay <b>"}
    assert _post(client, setup["uni"], d, _counter(setup["uni_keys"], payload)).status_code == 201
    page = client.get(f"/registry/{d}").text
    assert 'id="counter-verdicts"' in page and "uni" in page and "3 of 50" in page
    assert 'id="verdicts-conflict"' in page
    assert "replay <b>" not in page and "replay &lt;b&gt;" in page
