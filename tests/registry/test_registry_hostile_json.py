"""No 500 from hostile JSON: depth checked before parsing (body, DSSE payload, every ledger line),
duplicate keys and over-long numbers refused, each with 422 naming the field. SQLite and
PostgreSQL (through the ``client`` fixture)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_helpers import DEFAULT_KEYS, make_envelope, make_statement

from computegov.registry.jsonlimits import MAX_JSON_DEPTH, exceeds_depth, json_depth, loads_limited
from computegov.registry.submission import SubmissionError, parse_submission

DEEP = 50_000  # the depth of the reproduction in the issue


def _deep(levels: int, open_: str = "[", close: str = "]") -> str:
    return open_ * levels + close * levels


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token(store: Any) -> str:
    store.add_key("acme", DEFAULT_KEYS.public_pem)
    return store.create_token("acme")[0]


def _payload_envelope(payload: bytes) -> dict[str, Any]:
    envelope = make_envelope(make_statement())
    envelope["payload"] = base64.b64encode(payload).decode()
    return envelope


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bare array", _deep(DEEP).encode()),
        ("under envelope", b'{"envelope": ' + _deep(DEEP).encode() + b"}"),
        ("objects", b'{"":' * DEEP + b"1" + b"}" * DEEP),
        ("ledger field", b'{"envelope": {}, "ledger": ' + _deep(DEEP).encode() + b"}"),
    ],
)
@pytest.mark.parametrize("content_type", ["application/json", None])
def test_a_body_nested_50000_levels_gets_422_not_500(client: Any, token: str, name: str, body: bytes,
                                                     content_type: str | None) -> None:
    headers = _auth(token) | ({"content-type": content_type} if content_type else {})
    r = client.post("/api/v1/reports", content=body, headers=headers)
    assert r.status_code == 422, (name, r.status_code, r.text[:200])
    assert r.json()["field"] == "body" and f"deeper than {MAX_JSON_DEPTH}" in r.json()["detail"]
    assert client.get("/api/v1/reports").json()["total"] == 0


def test_a_dsse_payload_nested_50000_levels_gets_422(client: Any, token: str) -> None:
    envelope = _payload_envelope(_deep(DEEP).encode())
    r = client.post("/api/v1/reports", json={"envelope": envelope}, headers=_auth(token))
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "envelope.payload" and "deeper than" in r.json()["detail"]


def test_a_ledger_line_nested_50000_levels_gets_422(client: Any, token: str) -> None:
    body = {"envelope": make_envelope(make_statement()), "ledger": '{"seq": 0}\n' + _deep(DEEP) + "\n"}
    r = client.post("/api/v1/reports", json=body, headers=_auth(token))
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "ledger line 2" and "deeper than" in r.json()["detail"]
    assert client.get("/api/v1/reports").json()["total"] == 0


def test_a_ledger_line_of_50000_nested_objects_gets_422() -> None:
    line = '{"a":' * DEEP + "1" + "}" * DEEP
    with pytest.raises(SubmissionError) as err:
        parse_submission({"envelope": make_envelope(make_statement()), "ledger": line + "\n"})
    assert err.value.field == "ledger line 1" and "deeper than" in str(err.value)


@pytest.mark.parametrize(
    ("ledger", "field", "words"),
    [
        ('{"flop": 1e30, "flop": 14417920}\n', "ledger line 1", "duplicate key 'flop'"),
        ('{"flop": ' + "1" * 5000 + "}\n", "ledger line 1", "not JSON"),  # over Python's int digit limit
        ('{"a": "' + "x" * (1024 * 1024 + 1) + '"}\n', "ledger line 1", "longer than"),
    ],
)
def test_hostile_ledger_lines_get_422_naming_the_line(ledger: str, field: str, words: str) -> None:
    with pytest.raises(SubmissionError) as err:
        parse_submission({"envelope": make_envelope(make_statement()), "ledger": ledger})
    assert err.value.field == field and words in str(err.value)
    assert err.value.status_code == 422


def test_a_payload_with_a_duplicate_key_gets_422(client: Any, token: str) -> None:
    statement = json.dumps(make_statement(), sort_keys=True, separators=(",", ":"))
    duplicated = statement[:-1] + ',"predicateType":"https://example.invalid/Other/v1"}'
    r = client.post("/api/v1/reports", json={"envelope": _payload_envelope(duplicated.encode())},
                    headers=_auth(token))
    assert r.status_code == 422 and "duplicate key 'predicateType'" in r.json()["detail"]


def test_nesting_up_to_the_limit_is_accepted() -> None:
    fine = {"envelope": make_envelope(make_statement()), "ledger": _deep(MAX_JSON_DEPTH - 1, "{\"a\":", "}")
            .replace("{\"a\":}", "{\"a\":1}") + "\n"}
    parse_submission(fine)  # 63 nested objects: accepted
    with pytest.raises(SubmissionError, match="deeper than"):
        loads_limited(_deep(MAX_JSON_DEPTH + 1), "x")
    assert loads_limited(_deep(MAX_JSON_DEPTH), "x") is not None


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0), ("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]]"]', 1),  # brackets inside strings do not count
        ('["\\"[[[", 2]', 1),  # nor after an escaped quote
        ("[[]][[[]]]", 3),
    ],
)
def test_json_depth_counts_only_structure(text: str, depth: int) -> None:
    assert json_depth(text) == depth


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
                    max_leaves=20))
def test_json_depth_agrees_with_the_structure(value: Any) -> None:
    def depth(v: Any) -> int:
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        return 0

    text = json.dumps(value)
    assert json_depth(text) == depth(value)
    assert exceeds_depth(text, depth(value)) is False
