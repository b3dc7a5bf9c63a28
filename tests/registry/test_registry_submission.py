"""Validation of submissions: envelope structure, base64, keys, plain-text rule, digests."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_helpers import make_envelope, make_statement

from computegov.registry.submission import SubmissionError, check_plain_text, parse_submission

HOSTILE = [
    "../../../etc/passwd",
    "..\\..\\windows\\system32\\config",
    "%2e%2e%2fetc%2fpasswd",
    "' OR '1'='1",
    "admin'--",
    "1; DROP TABLE reports",
    "x UNION SELECT token_sha256 FROM api_tokens",
    "1 OR 1=1",
    "/* comment */",
    "'; SELECT pg_sleep(5); --",
    "<script>alert(1)</script>",
    "nul\x00byte",
    "bell\x07",
    '" or ""="',
    "' or true--",
    "') OR ('a'='a",
    "x' AND 1=0 --",
    "1 UNION ALL SELECT NULL",
    "'; exec xp_cmdshell('dir')--",
    "1' or sleep(5)#",
    "' OR 'x' LIKE 'x",
    "admin'/*",
    "ckpt/../../secrets",
    "..",
]
BENIGN = [
    "NVIDIA H100 SXM5 80GB",
    "Llama 3's pre-training",
    "https://in-toto.io/Statement/v1",
    "/scratch/run-1/ckpt_000100.pt",
    "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAq0Z/+abc=\n-----END PUBLIC KEY-----\n",
    "model; second try",
    "2026-11-25T12:00:00+00:00",
    "terms and conditions",
    # ordinary names that an over-eager heuristic would reject
    "O'Brien Labs",
    "Llama 3.1 405B",
    "GPT-4o (May 2024)",
    "Model; v2",
    "naïve-model",
    "O'Reilly and Sons",
    "d'Alembert or Euler",
    "I'd say 'fast' or 'cheap'",
    "benchmark (MMLU 88.7)",
    "Ranked '#1' on the board",
    "European Union select committee",
    "/data/shards/*",
    "Mixtral 8x22B; run 2, update 3",
    "Llama...",
    "non\u00a0breaking space",
    "模型-中文",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_not_plain_text(value: str) -> None:
    with pytest.raises(SubmissionError) as info:
        check_plain_text(value, "predicate.run.model")
    assert info.value.field == "predicate.run.model"
    message = str(info.value)
    assert message.startswith("predicate.run.model: ")
    assert any(word in message for word in ("SQL", "traversal", "character")), message


@pytest.mark.parametrize("value", BENIGN)
def test_ordinary_report_strings_are_plain_text(value: str) -> None:
    check_plain_text(value, "f")


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every string value in a JSON object."""
    if isinstance(obj, str):
        return [prefix]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _paths(v, (*prefix, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _paths(v, (*prefix, i))]
    return []


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


STATEMENT_PATHS = _paths(make_statement())


@pytest.mark.parametrize("path", STATEMENT_PATHS, ids=lambda p: ".".join(map(str, p)))
@pytest.mark.parametrize("value", ["../../etc/passwd", "' OR '1'='1", "1; DROP TABLE reports"])
def test_hostile_string_in_any_statement_field_is_rejected(path: tuple[Any, ...], value: str) -> None:
    statement = make_statement()
    _set(statement, path, value)
    with pytest.raises(SubmissionError):
        parse_submission({"envelope": make_envelope(statement)})


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update(payloadType="text/plain"), "envelope.payloadType"),
        (lambda e: e.update(payload="not base64!"), "envelope.payload"),
        (lambda e: e.update(payload=base64.b64encode(b"[1,2]").decode()), "envelope.payload._type"),
        (lambda e: e.update(payload=base64.b64encode(b"\xff\xfe").decode()), "envelope.payload"),
        (lambda e: e.update(signatures=[]), "envelope.signatures"),
        (lambda e: e["signatures"][0].update(sig="%%%"), "envelope.signatures[0].sig"),
        (lambda e: e["signatures"][0].update(keyid="../../k"), "envelope.signatures[0].keyid"),
        (lambda e: e["signatures"][0].update(keyid="' OR 1=1"), "envelope.signatures[0].keyid"),
        (lambda e: e.update(extra=1), "envelope"),
    ],
)
def test_malformed_envelopes_name_the_bad_field(mutate: Any, field: str) -> None:
    envelope = make_envelope(make_statement())
    mutate(envelope)
    with pytest.raises(SubmissionError) as info:
        parse_submission({"envelope": envelope})
    assert info.value.field == field


def test_ledger_and_public_key_are_validated() -> None:
    env = make_envelope(make_statement())
    with pytest.raises(SubmissionError, match="ledger line 2"):
        parse_submission({"envelope": env, "ledger": '{"a": 1}\nnot json\n'})
    with pytest.raises(SubmissionError, match="ledger line 1"):
        parse_submission({"envelope": env, "ledger": '{"path": "../../etc/passwd"}\n'})
    with pytest.raises(SubmissionError, match="public_key"):
        parse_submission({"envelope": env, "public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"})
    with pytest.raises(SubmissionError, match="body"):
        parse_submission({"envelope": env, "sql": "1"})
    with pytest.raises(SubmissionError, match="envelope"):
        parse_submission({})


def test_headline_numbers_are_read_from_the_predicate() -> None:
    parsed = parse_submission({"envelope": make_envelope(make_statement(flop=4.5e21, model="m"))})
    assert parsed.total_flop == pytest.approx(4.5e21)
    assert parsed.title == "m"
    assert parsed.summary["hardware"]["chip_count"] == 8


@settings(max_examples=30, deadline=None)
@given(indent=st.sampled_from([None, 1, 4]), reverse=st.booleans())
def test_digest_does_not_depend_on_json_formatting(indent: int | None, reverse: bool) -> None:
    env = make_envelope(make_statement())
    reference = parse_submission({"envelope": env}).digest_sha256
    items = sorted(env.items(), reverse=reverse)
    reparsed = json.loads(json.dumps(dict(items), indent=indent))
    assert parse_submission({"envelope": reparsed}).digest_sha256 == reference


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=60))
def test_plain_text_check_either_accepts_or_names_the_field(text: str) -> None:
    try:
        check_plain_text(text, "x.y")
    except SubmissionError as err:
        assert err.field == "x.y"
        assert str(err).startswith("x.y: ")


_TOKENS = ["'", '"', ";", "--", "#", "/*", "*/", " ", "OR", "and", "1", "=", "1=1", "UNION", "select", "x", "from",
           "sleep(5)", "DROP TABLE t", "O'Brien", "(", ")", "..", "/", "naïve", "waitfor delay", "null", "like"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(_TOKENS), max_size=8))
def test_the_cheap_prefilter_never_hides_an_injection_pattern(parts: list[str]) -> None:
    from computegov.registry.submission import _SQL_INJECTION

    text = "".join(parts)
    full = [what for pattern, what in _SQL_INJECTION if pattern.search(text)]
    try:
        check_plain_text(text, "f")
    except SubmissionError as err:
        if full and "SQL" in str(err):
            assert any(what in str(err) for what in full)
        return
    assert not full, (text, full)
