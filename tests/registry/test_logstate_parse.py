"""The monitor's entry parser (``logstate.parse_entry``) answers exactly as ``json.loads`` on bytes.

The fast path hands ``{"``-prefixed entries to the stdlib's scanner directly; hostile bytes (bad
UTF-8, encoded surrogates, trailing data, UTF-16, BOMs, truncated documents) must give the same
value or the same kind of error as ``json.loads`` itself, so the fold of the log is unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.registry.logstate import LogState, parse_entry

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=12)


def _outcome(parse: Any, raw: bytes) -> tuple[str, Any]:
    try:
        return "ok", parse(raw)
    except ValueError as err:
        return "error", type(err)  # JSONDecodeError or UnicodeDecodeError, the same class as json.loads


def _same(raw: bytes) -> None:
    want, got = _outcome(json.loads, raw), _outcome(parse_entry, raw)
    assert got[0] == want[0], (raw, want, got)
    if want[0] == "error":
        assert got[1] is want[1], (raw, want, got)
    else:
        assert json.dumps(got[1], sort_keys=True) == json.dumps(want[1], sort_keys=True)


@settings(max_examples=50, deadline=None)
@given(doc=st.dictionaries(st.text(min_size=1), JSON, min_size=1, max_size=5),
       tail=st.sampled_from([b"", b" ", b"\n\t\r ", b"x", b" {}", b"\x00", b"\xff"]),
       cut=st.integers(0, 40), ascii_only=st.booleans())
def test_entries_parse_as_json_loads_parses_them(doc: dict[str, Any], tail: bytes, cut: int, ascii_only: bool) -> None:
    raw = json.dumps(doc, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass") + tail
    _same(raw)
    _same(raw[:max(len(raw) - cut, 0)])  # truncated


@settings(max_examples=50, deadline=None)
@given(raw=st.binary(max_size=30))
def test_arbitrary_bytes_after_an_object_opening_parse_as_json_loads_parses_them(raw: bytes) -> None:
    _same(b'{"' + raw)
    _same(raw)


def test_hostile_encodings_are_handled_as_json_loads_handles_them() -> None:
    for raw in (b'{"a":"\xed\xa0\x80"}', b'{"a":1}\xef\xbb\xbf', b'\xef\xbb\xbf{"a":1}',
                '{"a":1}'.encode("utf-16"), '{"a":1}'.encode("utf-16-le"), b'{"a":"\\ud800"}', b'{"a":1} ',
                b'{"a":NaN}', b'{"a":1e400}', b'{"a":1,"a":2}', b'{"', b'{"a"', b"{}", b"[]", b" {}"):
        _same(raw)


def test_the_fold_is_unchanged_for_a_non_json_entry() -> None:
    state = LogState()
    state.add(0, b'{"kind":"event","action":"org.create","object_id":"acme"} trailing')
    state.add(1, b'{"kind":"event","action":"org.create","object_id":"beta"}')
    assert state.violations == ["entry 0 is not JSON"] and state.orgs == {"beta": "lab"}
