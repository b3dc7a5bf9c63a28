"""The JSON API and the registry pages, including the security cases: no token, another
organisation's token, oversized bodies, malformed envelopes, hostile strings in every field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from registry_helpers import DEFAULT_KEYS, FakeVerifier, make_envelope, make_statement

HOSTILE = ["../../../etc/passwd", "' OR '1'='1", "1; DROP TABLE reports; --", "<script>x</script>"]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token(store: Any) -> str:
    """acme's token; acme registered the key the helpers sign with."""
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    return store.create_token("acme")[0]


@pytest.fixture
def other_token(store: Any) -> str:
    return store.create_token("rival")[0]


def _n_reports(client: Any) -> int:
    return client.get("/api/v1/reports").json()["total"]


def test_submission_is_created_then_idempotent(client: Any, token: str, verifier: FakeVerifier) -> None:
    body = {"envelope": make_envelope(make_statement(flop=2e21, model="m-1"))}
    first = client.post("/api/v1/reports", json=body, headers=_auth(token))
    assert first.status_code == 201, first.text
    digest = first.json()["report"]["digest_sha256"]
    assert first.headers["location"] == f"/api/v1/reports/{digest}"
    again = client.post("/api/v1/reports", json=body, headers=_auth(token))
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["report"]["digest_sha256"] == digest
    assert verifier.calls == 1  # a resubmission is not verified again
    detail = client.get(f"/api/v1/reports/{digest}").json()
    assert detail["organisation"] == "acme" and detail["verdict_ok"] is True
    assert detail["outcome"] == "verified" and detail["signer_keyid"] == DEFAULT_KEYS.keyid and detail["flag"] is None
    assert detail["verdict"]["checks"][0]["name"] == "signatures"
    assert detail["envelope"] == body["envelope"]
    assert _n_reports(client) == 1


def test_report_position_against_thresholds_is_shown(client: Any, token: str) -> None:
    pytest.importorskip("computegov.policy.thresholds")
    body = {"envelope": make_envelope(make_statement(flop=3e25))}
    digest = client.post("/api/v1/reports", json=body, headers=_auth(token)).json()["report"]["digest_sha256"]
    positions = {t["threshold_id"]: t for t in client.get(f"/api/v1/reports/{digest}").json()["thresholds"]}
    eu = positions["eu-ai-act-art51-systemic-risk"]
    assert eu["over"] is True
    assert eu["margin_oom"] == pytest.approx(0.477, abs=1e-3)  # log10(3e25 / 1e25)
    page = client.get(f"/registry/{digest}")
    assert page.status_code == 200 and "eu-ai-act-art51-systemic-risk" in page.text


def test_submission_without_a_token_is_refused(client: Any) -> None:
    body = {"envelope": make_envelope(make_statement())}
    r = client.post("/api/v1/reports", json=body)
    assert r.status_code == 401 and "token" in r.json()["detail"]
    r = client.post("/api/v1/reports", json=body, headers=_auth("cgr_" + "x" * 43))
    assert r.status_code == 401
    r = client.post("/api/v1/reports", json=body, headers={"Authorization": "Basic YTpi"})
    assert r.status_code == 401
    assert _n_reports(client) == 0


def test_another_organisations_token_cannot_overwrite_or_withdraw(client: Any, token: str, other_token: str) -> None:
    body = {"envelope": make_envelope(make_statement())}
    digest = client.post("/api/v1/reports", json=body, headers=_auth(token)).json()["report"]["digest_sha256"]
    r = client.post("/api/v1/reports", json=body, headers=_auth(other_token))
    assert r.status_code == 403 and "another organisation" in r.json()["detail"]
    assert r.json()["keyid"] == DEFAULT_KEYS.keyid
    r = client.delete(f"/api/v1/reports/{digest}", headers=_auth(other_token))
    assert r.status_code == 403
    assert client.get(f"/api/v1/reports/{digest}").json()["organisation"] == "acme"
    assert client.get(f"/api/v1/reports/{digest}").json()["withdrawn_at"] is None
    r = client.delete(f"/api/v1/reports/{digest}", headers=_auth(token))
    assert r.status_code == 200 and r.json()["withdrawn_at"]
    assert _n_reports(client) == 1


def test_oversized_bodies_get_413_and_store_nothing(client: Any, token: str) -> None:
    envelope = make_envelope(make_statement())
    big = {"envelope": envelope, "ledger": '{"a": 1}\n' * 40_000}  # ~360 kB > the 256 kB test limit
    r = client.post("/api/v1/reports", json=big, headers=_auth(token))
    assert r.status_code == 413 and "larger than" in r.json()["detail"]

    def chunks() -> Any:  # no Content-Length: the limit applies while streaming
        payload = json.dumps(big).encode()
        for i in range(0, len(payload), 65536):
            yield payload[i : i + 65536]

    r = client.post("/api/v1/reports", content=chunks(), headers={**_auth(token), "content-type": "application/json"})
    assert r.status_code == 413
    assert _n_reports(client) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"envelope": null}',
        b'{"envelope": {"payloadType": "application/vnd.in-toto+json"}}',
        b'{"envelope": {"payloadType": "x", "payload": "", "signatures": []}}',
        b'{"envelope": {"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": [{"sig": "AA=="}]}}',
    ],
)
def test_malformed_envelopes_get_422_with_a_message(client: Any, token: str, body: bytes) -> None:
    r = client.post("/api/v1/reports", content=body, headers={**_auth(token), "content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"]
    assert _n_reports(client) == 0


def _text_fields(envelope: dict[str, Any]) -> list[str]:
    return ["payloadType", "payload", "signatures.0.keyid", "signatures.0.sig", "ledger", "public_key",
            "statement.subject.0.name", "statement.predicateType", "statement.predicate.run.model",
            "statement.predicate.hardware.chip", "statement.predicate.method"]


def _with(field: str, value: str) -> dict[str, Any]:
    statement = make_statement()
    body: dict[str, Any] = {}
    if field.startswith("statement."):
        node: Any = statement
        parts = field.split(".")[1:]
        for p in parts[:-1]:
            node = node[int(p)] if p.isdigit() else node[p]
        node[parts[-1]] = value
    envelope = make_envelope(statement)
    if field in {"payloadType", "payload"}:
        envelope[field] = value
    elif field.startswith("signatures."):
        envelope["signatures"][0][field.split(".")[-1]] = value
    elif field in {"ledger", "public_key"}:
        body[field] = value
    body["envelope"] = envelope
    return body


@pytest.mark.parametrize("field", _text_fields({}))
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_in_every_text_field_are_rejected(client: Any, token: str, field: str, value: str) -> None:
    r = client.post("/api/v1/reports", json=_with(field, value), headers=_auth(token))
    assert 400 <= r.status_code < 500, (field, value, r.text)
    assert r.json()["detail"]
    assert _n_reports(client) == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_in_query_and_path_parameters_are_refused(client: Any, value: str) -> None:
    assert client.get("/api/v1/reports", params={"organisation": value}).status_code == 422
    assert client.get(f"/api/v1/reports/{value}").status_code in {404, 422}
    assert client.get("/api/v1/chip", params={"name": value}).status_code in {404, 422}
    assert client.get("/registry", params={"organisation": value}).status_code == 200
    assert client.get("/catalog", params={"q": value, "kind": value}).status_code == 200


def test_list_and_audit_endpoints(client: Any, token: str) -> None:
    for flop in (1e20, 2e20, 3e20):
        client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(flop=flop))}, headers=_auth(token))
    listing = client.get("/api/v1/reports", params={"limit": 2}).json()
    assert listing["total"] == 3 and len(listing["reports"]) == 2
    assert client.get("/api/v1/reports", params={"organisation": "nobody"}).json()["total"] == 0
    actions = [a["action"] for a in client.get("/api/v1/audit").json()]
    assert actions.count("report.submit") == 3
    assert client.get("/api/v1/organisations").json()[0]["name"] == "acme"


def test_security_headers_are_sent(client: Any) -> None:
    r = client.get("/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_registry_pages_list_and_show_reports(client: Any, token: str) -> None:
    body = {"envelope": make_envelope(make_statement(model="visible-model"))}
    digest = client.post("/api/v1/reports", json=body, headers=_auth(token)).json()["report"]["digest_sha256"]
    page = client.get("/registry")
    assert page.status_code == 200 and "visible-model" in page.text and digest[:16] in page.text
    detail = client.get(f"/registry/{digest}")
    assert detail.status_code == 200 and "fake verifier" in detail.text
    assert client.get("/registry/" + "f" * 64).status_code == 404
    assert client.get("/registry/audit").status_code == 200
    assert "visible-model" in client.get("/").text


def test_vega_bundle_is_served_by_the_app(client: Any) -> None:
    r = client.get("/static/vega-bundle.js")
    assert r.status_code == 200
    assert "window.vegaEmbed" in r.text
    assert client.get("/static/charts.js").status_code == 200


def test_openapi_schema_documents_the_api(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/reports" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/reports"]
    assert client.get("/api/docs").status_code == 200


def test_default_body_limit_is_5_mib(page_client: Any) -> None:
    from computegov.web.app import DEFAULT_MAX_BODY_BYTES

    assert DEFAULT_MAX_BODY_BYTES == 5 * 1024 * 1024
    body = b'{"envelope": "' + b"x" * (DEFAULT_MAX_BODY_BYTES + 1) + b'"}'
    r = page_client.post("/api/v1/reports", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("model", ["O'Brien Labs", "GPT-4o (May 2024)", "Model; v2", "naïve-model", "Llama 3.1 405B"])
def test_ordinary_names_are_accepted_and_shown_escaped(client: Any, token: str, model: str) -> None:
    from markupsafe import escape

    r = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model=model))},
                    headers=_auth(token))
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["title"] == model
    page = client.get(f"/registry/{report['digest_sha256']}")
    assert str(escape(model)) in page.text  # autoescaped: O'Brien -> O&#39;Brien


def test_a_hostile_field_is_named_in_the_message(client: Any, token: str) -> None:
    r = client.post("/api/v1/reports", json={"envelope": make_envelope(make_statement(model="x' OR 1=1 --"))},
                    headers=_auth(token))
    assert r.status_code == 422
    assert r.json()["field"] == "envelope.payload.predicate.run.model"
    assert "SQL-injection" in r.json()["detail"]
    assert _n_reports(client) == 0
