"""The canonical encoding gives each JSON value exactly one spelling, and the orjson shortcut of
the canonical test (records.orjson_spelling_differs) never lets another spelling through.

The shortcut rests on two facts about orjson, tested here rather than assumed: it escapes every
string as the writer's stdlib encoder does, and any float it spells otherwise leaves a ``+``, an
``e-`` or a ``.0000`` in the text.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.ledger import records
from computegov.ledger.records import LineError, canonical_json, decode_line, encode_record

orjson = pytest.importorskip("orjson")


def _orjson(value: object) -> bytes:
    return bytes(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def test_orjson_escapes_every_code_point_as_the_writer_does() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    # one JSON string per element: equal texts mean equal elements (a string's end is fixed by
    # its bytes), so every code point is escaped alike
    assert _orjson(chars) == canonical_json(chars)


def _doubles(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if x == x and abs(x) != float("inf"):
            out.append(x)
    for e in range(-330, 310):  # every decade, its neighbours and a few mantissas
        for m in ("1", "1.5", "2.5", "9.999999999999999", "5", "1.2345678901234567"):
            x = float(f"{m}e{e}")
            below = struct.unpack("<d", struct.pack("<q", struct.unpack("<q", struct.pack("<d", x))[0] - 1))[0]
            out += [x, -x, below]
    return [x for x in out if x == x and abs(x) != float("inf")]


def test_every_float_orjson_spells_without_a_warning_sign_is_spelt_canonically() -> None:
    warned = 0
    for x in _doubles(150_000, seed=20261207):
        spelt = _orjson(x)
        if records.orjson_spelling_differs(spelt):
            warned += 1
        else:
            assert spelt == canonical_json(x), x
    assert warned  # the rule does fire (orjson writes 2.5e-7 where the writer writes 2.5e-07)


@settings(max_examples=50, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_generated_floats_follow_the_rule(x: float) -> None:
    spelt = _orjson(x)
    assert records.orjson_spelling_differs(spelt) or spelt == canonical_json(x)


#: A double, its canonical spelling, and other spellings of it that JSON parsers read.
SPELLINGS = [
    (2.5e-07, "2.5e-07", ["2.5e-7", "2.50e-07", "25e-8", "2.5E-07", "0.00000025"]),
    (1e-05, "1e-05", ["0.00001", "1e-5", "1E-05", "1.0e-05"]),
    (9.5e-05, "9.5e-05", ["0.000095", "9.5e-5"]),
    (0.0001, "0.0001", ["1e-04", "1e-4", "0.00010"]),
    (1e16, "1e+16", ["1e16", "10000000000000000.0", "1E+16", "1e+016"]),
    (1234000000000000.0, "1234000000000000.0", ["1.234e15", "1.234e+15", "1234000000000000"]),
    (1.5, "1.5", ["1.50", "15e-1", "1.5e0"]),
    (-0.0, "-0.0", ["-0", "-0.00", "-0e0"]),
]


@pytest.mark.parametrize("value,canonical,others", SPELLINGS)
def test_each_float_has_exactly_one_accepted_spelling(value, canonical, others) -> None:
    assert canonical_json({"x": value}) == b'{"x":' + canonical.encode() + b"}"
    accepted = []
    for spelling in [canonical, *others]:
        body = b'{"x":' + spelling.encode() + b"}"
        parsed = orjson.loads(body)
        if type(parsed["x"]) is not float:  # "-0" reads as the integer 0: another value
            continue
        assert parsed["x"] == value
        if records._is_canonical(parsed, body):
            accepted.append(spelling)
    assert accepted == [canonical]


@pytest.mark.parametrize("value,canonical,others", SPELLINGS)
def test_a_record_line_with_another_float_spelling_is_refused(value, canonical, others) -> None:
    rec, line = encode_record(3, "measurement", 1.7e9, "0" * 64, {"interval": {"x": value}})
    assert decode_line(line[:-1]) == rec
    body = line[8:-76]
    for spelling in others:
        if type(orjson.loads(spelling)) is not float:  # "-0" is the integer 0: another value
            continue
        forged = body.replace(b'"x":' + canonical.encode(), b'"x":' + spelling.encode(), 1)
        assert forged != body
        digest = hashlib.sha256(forged).hexdigest().encode()
        with pytest.raises(LineError, match="not canonical"):
            decode_line(b'{"body":' + forged + b',"hash":"' + digest + b'"}')


def test_the_orjson_shortcut_is_on_with_this_orjson() -> None:
    """The import-time self-check passes for the installed orjson (else every body would be
    re-encoded by the stdlib: exact, but the speed measured in benchmarks/ledger.py is lost)."""
    assert records._ORJSON_AGREES


def test_a_false_alarm_is_decided_by_the_writers_encoder() -> None:
    obj = {"note": "1e-05 and 0.00001 and +", "x": 0.5}
    body = canonical_json(obj)
    assert records.orjson_spelling_differs(body)
    assert records._is_canonical(json.loads(body), body)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=50, deadline=None)
@given(_JSON)
def test_whole_values_follow_the_rule_keys_sorted_alike(value: object) -> None:
    """Composite values: key order (by code point), nesting and every leaf spelt alike unless
    the warning signs are there."""
    spelt = _orjson(value)
    assert records.orjson_spelling_differs(spelt) or spelt == canonical_json(value)
