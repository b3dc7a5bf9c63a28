"""A report's identity is its payload; every signature on a submission must be the submitter's."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from registry_helpers import DEFAULT_KEYS, PAYLOAD_TYPE, Keys, make_envelope, make_statement, pae


def _submit(client: Any, headers: dict[str, str], envelope: dict[str, Any]) -> Any:
    return client.post("/api/v1/reports", json={"envelope": envelope}, headers=headers)


def _signed_raw(payload: bytes, keys: Keys) -> dict[str, Any]:
    sig = keys.private.sign(pae(PAYLOAD_TYPE, payload))
    return {"payloadType": PAYLOAD_TYPE, "payload": base64.b64encode(payload).decode(),
            "signatures": [{"keyid": keys.keyid, "sig": base64.b64encode(sig).decode()}]}


def test_a_signature_appended_to_another_labs_envelope_is_refused_and_the_lab_still_submits(
        client: Any, tokens: dict[str, dict[str, str]], lab_b: Keys) -> None:
    envelope = make_envelope(make_statement(model="a-run"))
    squat = {**envelope, "signatures": make_envelope(make_statement(model="a-run"), lab_b)["signatures"]
             + envelope["signatures"]}
    refused = _submit(client, tokens["lab-b"], squat)
    assert refused.status_code == 403, refused.text
    assert "signatures[1]" in refused.json()["detail"] and refused.json()["keyid"] == DEFAULT_KEYS.keyid
    own = _submit(client, tokens["lab-a"], envelope)
    assert own.status_code == 201 and own.json()["report"]["organisation"] == "lab-a"


@pytest.mark.parametrize("order", ["lab-a first", "lab-b first"])
def test_the_same_payload_re_signed_or_re_encoded_by_another_lab_is_refused(
        client: Any, tokens: dict[str, dict[str, str]], lab_b: Keys, order: str) -> None:
    statement = make_statement(model="a-run")
    original = make_envelope(statement)
    spaced = json.dumps(statement, indent=1).encode()  # the same Statement, other bytes
    copies = [make_envelope(statement, lab_b), _signed_raw(spaced, lab_b)]
    if order == "lab-a first":
        assert _submit(client, tokens["lab-a"], original).status_code == 201
        for copy in copies:
            got = _submit(client, tokens["lab-b"], copy)
            assert got.status_code == 409, got.text
            assert "payload" in got.json()["detail"]
    else:  # the squatter came first: then the owner is told who holds it (no silent duplicate)
        assert _submit(client, tokens["lab-b"], copies[0]).status_code == 201
        assert _submit(client, tokens["lab-b"], copies[1]).status_code == 200  # its own, other encoding
        assert _submit(client, tokens["lab-a"], original).status_code == 409
    listed = client.get("/api/v1/reports").json()
    assert listed["total"] == 1


def test_a_statement_naming_another_signer_is_refused(client: Any, tokens: dict[str, dict[str, str]],
                                                      lab_b: Keys) -> None:
    statement = make_statement(model="a-run", signer={"keyid": DEFAULT_KEYS.keyid,
                                                      "public_key_pem": DEFAULT_KEYS.public_pem})
    got = _submit(client, tokens["lab-b"], make_envelope(statement, lab_b))
    assert got.status_code == 403 and "predicate.signer.keyid" in got.json()["detail"]
    assert _submit(client, tokens["lab-a"], make_envelope(statement)).status_code == 201


def test_a_signature_that_does_not_verify_is_refused_even_beside_a_good_one(
        client: Any, tokens: dict[str, dict[str, str]]) -> None:
    envelope = make_envelope(make_statement(model="a-run"))
    bad = {"keyid": DEFAULT_KEYS.keyid, "sig": base64.b64encode(b"\0" * 64).decode()}
    got = _submit(client, tokens["lab-a"], {**envelope, "signatures": [*envelope["signatures"], bad]})
    assert got.status_code == 403 and "signatures[1]" in got.json()["detail"]
    assert client.get("/api/v1/reports").json()["total"] == 0


def test_the_same_lab_resubmitting_its_payload_under_another_envelope_gets_the_stored_report(
        client: Any, store: Any, tokens: dict[str, dict[str, str]]) -> None:
    second_key = Keys(Ed25519PrivateKey.generate())
    store.add_key("lab-a", second_key.public_pem)
    statement = make_statement(model="a-run")
    first = _submit(client, tokens["lab-a"], make_envelope(statement))
    both = make_envelope(statement)
    both["signatures"] += make_envelope(statement, second_key)["signatures"]  # two keys of its own
    again = _submit(client, tokens["lab-a"], both)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["report"]["digest_sha256"] == first.json()["report"]["digest_sha256"]


def test_racing_labs_submitting_one_payload_store_it_once_and_the_rest_get_409(store: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from registry_helpers import FakeVerifier

    from computegov.registry.errors import ConflictError
    from computegov.registry.intake import submit_report

    statement = make_statement(model="raced")
    labs = {f"lab-{i}": Keys(Ed25519PrivateKey.generate()) for i in range(6)}
    orgs = {}
    for name, keys in labs.items():
        store.add_key(name, keys.public_pem)
        orgs[name] = store.authenticate(store.create_token(name)[0])

    def submit(name: str) -> str:
        try:
            out = submit_report(store, orgs[name], {"envelope": make_envelope(statement, labs[name])}, FakeVerifier())
        except ConflictError:
            return "409"
        return "201" if out.created else "200"

    with ThreadPoolExecutor(len(labs)) as pool:
        answers = sorted(pool.map(submit, labs))
    assert answers == ["201"] + ["409"] * (len(labs) - 1)
    assert store.count_reports() == 1
