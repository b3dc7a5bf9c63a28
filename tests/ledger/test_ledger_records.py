"""Line decoding: both JSON parsers (orjson, stdlib fallback) agree and refuse the same garbage."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.ledger import records
from computegov.ledger.chain import scan_ledger
from computegov.ledger.records import GENESIS_HASH, LineError, decode_line, encode_record

HAS_ORJSON = records._ORJSON_LOADS is not None

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


def _line(body: bytes) -> bytes:
    """A correctly framed and hashed line around arbitrary body bytes (an attacker's rehash)."""
    return b'{"body":' + body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'


def _tail(seq: int = 0) -> bytes:
    return (
        b',"kind":"meta","prev":"'
        + GENESIS_HASH.encode()
        + f'","seq":{seq},"time_unix_s":1}}'.encode()
    )


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_orjson_and_stdlib_decode_every_written_record_identically(data: dict) -> None:
    rec, line = encode_record(0, "meta", 1.5, GENESIS_HASH, data)
    got = {}
    saved = records._ORJSON_LOADS
    try:
        for name, loads in (("orjson", saved), ("stdlib", None)):
            if name == "orjson" and loads is None:
                continue
            records._ORJSON_LOADS = loads
            got[name] = decode_line(line[:-1])
    finally:
        records._ORJSON_LOADS = saved
    for decoded in got.values():
        assert decoded == rec
        assert json.dumps(decoded.data, sort_keys=True) == json.dumps(rec.data, sort_keys=True)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b" " + b'{"data":{}' + _tail() + b" ", "whitespace around the object"),
        (b'{"data":{}' + _tail() + b'{"x":1}', "two objects"),
        (b'{"data":{"a":NaN}' + _tail(), "NaN literal"),
        (b'{"data":{"a":"\xff"}' + _tail(), "invalid UTF-8"),
        (b'{"data":' + b"[" * 5000 + b"]" * 5000 + _tail(), "nesting deeper than the parser"),
        (b'{"data":{},"data":{}' + _tail()[:-1] + b',"extra":1}', "an extra field"),
        (b'{"data":[]' + _tail(), "data is not an object"),
        (b'{"data":{}' + _tail().replace(b'"meta"', b'"mint"'), "unknown kind"),
    ],
)
def test_rehashed_garbage_body_is_a_format_problem_never_an_exception(
    parser: str, body: bytes, why: str
) -> None:
    with pytest.raises(LineError):
        decode_line(_line(body))
    scan = scan_ledger(_line(body) + b"\n")
    assert [p.kind for p in scan.problems] == ["format"], why
    assert scan.problems[0].record == 0
    assert scan.problems[0].offset_bytes == len(b'{"body":')


def test_well_formed_rehashed_body_decodes_with_either_parser(parser: str) -> None:
    rec = decode_line(_line(b'{"data":{"a":[1,2.5,"\xc3\xa9"]}' + _tail()))
    assert rec.data == {"a": [1, 2.5, "\u00e9"]}
    assert rec.kind == "meta"


@pytest.mark.skipif(not HAS_ORJSON, reason="orjson not installed")
@pytest.mark.parametrize("number", [b"1e400", b"-2.5E+308", b"[1e999]"])
def test_orjson_refuses_numbers_that_overflow_to_infinity(number: bytes) -> None:
    # The stdlib reads 1e400 as inf; the writer never emits it (canonical_json refuses inf).
    with pytest.raises(LineError, match="not valid JSON"):
        decode_line(_line(b'{"data":{"a":' + number + b"}" + _tail()))


def test_non_finite_record_time_is_refused(parser: str) -> None:
    body = b'{"data":{}' + _tail().replace(b'"time_unix_s":1', b'"time_unix_s":1e400')
    with pytest.raises(LineError):
        decode_line(_line(body))


def test_line_error_column_points_at_the_body_or_the_hash() -> None:
    _, line = encode_record(0, "meta", 1.0, GENESIS_HASH, {"a": 1})
    bad_hash = line[:-4] + b'x"}'
    with pytest.raises(LineError) as err:
        decode_line(bad_hash)
    assert err.value.column == len(bad_hash) - len(',"hash":"') - 64 - 2
    flipped = line[:-1].replace(b'"a":1', b'"a":2')
    with pytest.raises(LineError, match="hash mismatch") as err:
        decode_line(flipped)
    assert err.value.column == len(b'{"body":')
