"""Reports belong to their signer: only an organisation that registered the signing key may
submit a report, the request's ``public_key`` never makes a key trusted, and a key belongs to one
organisation. Runs on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, FakeVerifier, Keys, make_envelope, make_statement

from computegov.registry.errors import ConflictError, ForbiddenError, NotFoundError
from computegov.registry.intake import submit_report
from computegov.registry.signers import parse_key


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _n_reports(client: Any) -> int:
    return client.get("/api/v1/reports").json()["total"]


def test_a_report_signed_by_an_unregistered_key_is_refused_with_its_key_id(client: Any, store: Any) -> None:
    token = store.create_token("lab-c")[0]  # lab C has a token but no registered key
    r = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement())}, headers=_auth(token))
    assert r.status_code == 403, r.text
    assert r.json()["keyid"] == DEFAULT_KEYS.keyid
    assert DEFAULT_KEYS.keyid in r.json()["detail"] and "unregistered" in r.json()["detail"]
    assert _n_reports(client) == 0


def test_a_squatter_cannot_claim_another_labs_report_and_the_signer_keeps_it(
    client: Any, store: Any, lab_b: Keys
) -> None:
    """Lab C submits lab B's signed report first: refused; lab B then stores it (201, not 409)."""
    store.add_key("lab-b", lab_b.public_pem)
    token_b = store.create_token("lab-b")[0]
    token_c = store.create_token("lab-c")[0]
    body = {"envelope": make_envelope(make_statement(model="b-run"), lab_b)}
    squat = client.post("/api/v1/reports", json=body, headers=_auth(token_c))
    assert squat.status_code == 403 and squat.json()["keyid"] == lab_b.keyid
    assert "registered to another organisation" in squat.json()["detail"]
    store.add_key("lab-c", DEFAULT_KEYS.public_pem)  # a key of its own does not help either
    assert client.post("/api/v1/reports", json=body, headers=_auth(token_c)).status_code == 403
    own = client.post("/api/v1/reports", json=body, headers=_auth(token_b))
    assert own.status_code == 201, own.text
    assert own.json()["report"]["organisation"] == "lab-b"
    assert own.json()["report"]["signer_keyid"] == lab_b.keyid
    assert _n_reports(client) == 1


def test_the_public_key_field_cannot_make_a_key_trusted(client: Any, store: Any, lab_b: Keys) -> None:
    """Key override: a submitter supplying the signing key in the body is still refused."""
    token_c = store.create_token("lab-c")[0]
    body = {"envelope": make_envelope(make_statement(), lab_b), "public_key": lab_b.public_pem}
    r = client.post("/api/v1/reports", json=body, headers=_auth(token_c))
    assert r.status_code == 403 and r.json()["keyid"] == lab_b.keyid
    assert "not registered" in r.json()["detail"]
    store.add_key("lab-c", DEFAULT_KEYS.public_pem)  # with a key of its own, the override is refused too
    r = client.post("/api/v1/reports", json=body, headers=_auth(token_c))
    assert r.status_code == 403 and r.json()["keyid"] == lab_b.keyid
    assert _n_reports(client) == 0


def test_the_public_key_field_only_names_a_registered_key(client: Any, store: Any, lab_b: Keys,
                                                          verifier: FakeVerifier) -> None:
    store.add_key("lab-b", lab_b.public_pem)
    store.add_key("lab-b", DEFAULT_KEYS.public_pem)
    token = store.create_token("lab-b")[0]
    body = {"envelope": make_envelope(make_statement(), lab_b), "public_key": lab_b.public_hex}
    r = client.post("/api/v1/reports", json=body, headers=_auth(token))
    assert r.status_code == 201, r.text
    assert verifier.trusted_keys == [parse_key(lab_b.public_pem)[1]]  # the registered key is the trusted one
    wrong = {"envelope": make_envelope(make_statement(flop=7e20), lab_b), "public_key": DEFAULT_KEYS.public_pem}
    assert client.post("/api/v1/reports", json=wrong, headers=_auth(token)).status_code == 403


def test_a_forged_keyid_or_a_tampered_signature_is_refused(client: Any, store: Any, lab_b: Keys) -> None:
    store.add_key("lab-b", lab_b.public_pem)
    store.add_key("lab-c", DEFAULT_KEYS.public_pem)
    token_c = store.create_token("lab-c")[0]
    forged = make_envelope(make_statement(), lab_b, keyid=DEFAULT_KEYS.keyid)  # claims C's key id
    r = client.post("/api/v1/reports", json={"envelope": forged}, headers=_auth(token_c))
    assert r.status_code == 403
    tampered = make_envelope(make_statement(flop=1e21))
    tampered["payload"] = make_envelope(make_statement(flop=9e21))["payload"]  # C's signature, other payload
    r = client.post("/api/v1/reports", json={"envelope": tampered}, headers=_auth(token_c))
    assert r.status_code == 403
    assert _n_reports(client) == 0


def test_a_revoked_key_signs_nothing_new_and_its_reports_stay(client: Any, store: Any) -> None:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    token = store.create_token("acme")[0]
    first = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement())}, headers=_auth(token))
    assert first.status_code == 201
    store.revoke_key(DEFAULT_KEYS.keyid[:12])
    r = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(flop=5e20))},
                    headers=_auth(token))
    assert r.status_code == 403 and "revoked" in r.json()["detail"] and r.json()["keyid"] == DEFAULT_KEYS.keyid
    assert _n_reports(client) == 1
    actions = [a["action"] for a in client.get("/api/v1/audit").json()]
    assert "key.add" in actions and "key.revoke" in actions


def test_a_key_belongs_to_one_organisation_even_after_revocation(store: Any, lab_b: Keys) -> None:
    info, created = store.add_key("lab-b", lab_b.public_pem)
    assert created and info.keyid == lab_b.keyid
    assert store.add_key("lab-b", lab_b.public_hex) == (info, False)  # idempotent, any encoding
    with pytest.raises(ConflictError, match="another organisation"):
        store.add_key("lab-c", lab_b.public_pem)
    store.revoke_key(lab_b.keyid)
    with pytest.raises(ConflictError):
        store.add_key("lab-c", lab_b.public_pem)
    with pytest.raises(NotFoundError):
        store.revoke_key(lab_b.keyid)  # already revoked
    again, created = store.add_key("lab-b", lab_b.public_pem)  # its own organisation may reinstate it
    assert created and again.live
    assert [k.keyid for k in store.list_keys("lab-c")] == []
    assert store.get_org("lab-b").keyids == (lab_b.keyid,)


def test_the_python_api_applies_the_same_rules(store: Any, lab_b: Keys) -> None:
    store.add_key("lab-b", lab_b.public_pem)
    lab_c = store.ensure_org("lab-c")
    with pytest.raises(ForbiddenError) as refused:
        submit_report(store, lab_c, {"envelope": make_envelope(make_statement(), lab_b)}, FakeVerifier())
    assert refused.value.keyid == lab_b.keyid and refused.value.status_code == 403
    assert store.count_reports() == 0


def test_key_ids_match_the_ledgers_definition(lab_b: Keys) -> None:
    signing = pytest.importorskip("computegov.ledger.signing")
    assert parse_key(lab_b.public_pem)[0] == signing.key_id(lab_b.private.public_key()) == lab_b.keyid


@pytest.mark.parametrize(
    "text", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "ab" * 31]
)
def test_unusable_keys_are_refused_with_422(store: Any, text: str) -> None:
    from computegov.registry.errors import SubmissionError

    with pytest.raises(SubmissionError) as err:
        store.add_key("acme", text)
    assert err.value.status_code == 422
    assert store.list_keys() == []


@pytest.mark.slow
def test_200_concurrent_submitters_store_every_acknowledged_report_exactly_once(store: Any, lab_b: Keys) -> None:
    """200 threads through the full intake path: 180 distinct reports, 10 resubmissions and 10
    squatting attempts at once; every acknowledged report is stored exactly once, nothing else."""
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    store.add_key("lab-b", lab_b.public_pem)
    acme, lab_c = store.get_org("acme"), store.ensure_org("lab-c")
    envelopes = [make_envelope(make_statement(flop=1e20 * (1 + i), model=f"m-{i}")) for i in range(180)]
    squatted = [make_envelope(make_statement(flop=3e20 * (1 + i)), lab_b) for i in range(10)]
    jobs: list[tuple[Any, dict[str, Any]]] = [(acme, env) for env in envelopes]
    jobs += [(acme, envelopes[i]) for i in range(10)]  # the same reports again, concurrently
    jobs += [(lab_c, env) for env in squatted]
    assert len(jobs) == 200
    verifier = FakeVerifier()
    created: list[str] = []
    repeated: list[str] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def worker(org: Any, envelope: dict[str, Any]) -> None:
        start.wait()
        try:
            outcome = submit_report(store, org, {"envelope": envelope}, verifier)
        except ForbiddenError as err:
            with lock:
                refused.append(err.status_code)
            return
        except BaseException as err:  # pragma: no cover - reported below
            with lock:
                errors.append(err)
            return
        with lock:
            (created if outcome.created else repeated).append(outcome.report.digest_sha256)

    threads = [threading.Thread(target=worker, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert refused == [403] * 10
    assert len(created) == len(set(created)) == 180
    assert set(repeated) <= set(created) and len(repeated) == 10
    reports, total = store.list_reports(limit=1000)
    assert total == 180 and sorted(r.digest_sha256 for r in reports) == sorted(created)
    assert {r.organisation for r in reports} == {"acme"}
    audited = [a.object_id for a in store.audit_log(limit=10_000) if a.action == "report.submit"]
    assert sorted(audited) == sorted(created)


def test_openapi_documents_the_403_and_422_answers(page_client: Any) -> None:
    post = page_client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/reports"]["post"]
    assert "registered" in post["responses"]["403"]["description"]
    assert "deeper than 64 levels" in post["responses"]["422"]["description"]
    schema = page_client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "never makes a key trusted" in schema["Submission"]["properties"]["public_key"]["description"]
    assert "keyid" in schema["Problem"]["properties"]


def test_a_signature_of_another_organisation_on_the_envelope_is_refused_and_its_payload_stays_the_firsts(
    client: Any, store: Any, lab_b: Keys
) -> None:
    """Every signature must be the submitter's; the payload is the report, held by the first."""
    envelope = make_envelope(make_statement(), DEFAULT_KEYS)
    cosigned = {**envelope, "signatures": envelope["signatures"] + make_envelope(make_statement(), lab_b)["signatures"]}
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    store.add_key("lab-b", lab_b.public_pem)
    acme, b = _auth(store.create_token("acme")[0]), _auth(store.create_token("lab-b")[0])
    refused = client.post("/api/v1/reports", json={"envelope": cosigned}, headers=acme)
    assert refused.status_code == 403 and "signatures[1]" in refused.json()["detail"]
    assert client.post("/api/v1/reports", json={"envelope": envelope}, headers=acme).status_code == 201
    resigned = make_envelope(make_statement(), lab_b)  # B's own signature over acme's payload
    second = client.post("/api/v1/reports", json={"envelope": resigned}, headers=b)
    assert second.status_code == 409 and "another organisation" in second.json()["detail"]
    assert _n_reports(client) == 1
