"""A monitor checks each verifier's counter-verdict against its leaf: an edited or deleted row is caught."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, Keys, make_envelope, make_statement, pae
from sqlalchemy import text

from computegov.registry import monitor
from computegov.registry.logentries import COUNTER_VERDICT_TYPE


@pytest.fixture(autouse=True)
def _log_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPUTEGOV_LOG_KEY", str(tmp_path / "log.key"))


@pytest.fixture
def posted(client: Any, store: Any) -> str:
    """A report with a claim and a counter-verdict from verifier ``uni``."""
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    lab = store.create_token("acme")[0]
    resp = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model="m"))},
                       headers={"Authorization": f"Bearer {lab}"})
    digest = str(resp.json()["report"]["digest_sha256"])
    keys = Keys(Ed25519PrivateKey.generate())
    store.set_org_kind("uni", "verifier")
    store.add_key("uni", keys.public_pem)
    auth = {"Authorization": f"Bearer {store.create_token('uni')[0]}"}
    assert client.post(f"/api/v1/reports/{digest}/claims", headers=auth).status_code == 201
    raw = json.dumps({"report": digest, "outcome": "failed", "segments": [3, 7], "segments_replayed": 2,
                      "segments_total": 10, "chip_hours": 0.5, "usd": 1.2, "usd_year": 2024}).encode()
    sig = keys.private.sign(pae(COUNTER_VERDICT_TYPE, raw))
    body = {"envelope": {"payloadType": COUNTER_VERDICT_TYPE, "payload": base64.b64encode(raw).decode(),
                         "signatures": [{"keyid": keys.keyid, "sig": base64.b64encode(sig).decode()}]}}
    assert client.post(f"/api/v1/reports/{digest}/verdicts", json=body, headers=auth).status_code == 201
    return digest


def _fetch(client: Any) -> Any:
    def fetch(path: str) -> tuple[int, bytes]:
        r = client.get(path)
        return r.status_code, r.content

    return fetch


def test_an_honest_log_with_claims_and_counter_verdicts_passes(client: Any, posted: str) -> None:
    result = monitor.run_monitor(_fetch(client), "http://r", None, reports=[posted])
    assert result.ok, result.evidence


@pytest.mark.parametrize("edit", [
    "UPDATE counter_verdicts SET outcome = 'verified'",
    "UPDATE counter_verdicts SET payload_json = replace(payload_json, '\"usd\":1.2', '\"usd\":0.1')",
])
def test_an_edited_counter_verdict_row_is_evidence(client: Any, store: Any, posted: str, edit: str) -> None:
    state = monitor.run_monitor(_fetch(client), "http://r", None, reports=[posted]).state
    with store.engine.begin() as conn:
        assert conn.exec_driver_sql(edit).rowcount == 1
    result = monitor.run_monitor(_fetch(client), "http://r", state, reports=[posted])
    assert not result.ok
    assert any("counter-verdict as served differs" in e and "uni" in e for e in result.evidence)


def test_a_claim_leaf_edited_in_place_breaks_the_root(client: Any, store: Any, posted: str) -> None:
    assert monitor.run_monitor(_fetch(client), "http://r", None).ok  # signs the head of this size
    with store.engine.begin() as conn:  # rewrite the claim and its leaf hash: only the signed root can tell
        row = conn.execute(text("SELECT leaf_index, entry_json FROM log_leaves WHERE kind = 'claim'")).one()
        forged = row.entry_json.replace('"by":"uni"', '"by":"someone"')
        from computegov.tlog import merkle

        conn.execute(text("UPDATE log_leaves SET entry_json = :e, leaf_hash = :h WHERE leaf_index = :i"),
                     {"e": forged, "h": merkle.leaf_hash(forged.encode()).hex(), "i": row.leaf_index})
    assert store.audit_log_tree()  # the operator's own rebuild sees it
    fresh = monitor.run_monitor(_fetch(client), "http://r", None)  # a new monitor rebuilds from leaf 0
    assert not fresh.ok
    assert any("do not build the signed root" in e for e in fresh.evidence)
