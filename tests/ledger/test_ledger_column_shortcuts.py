"""The column checks' shared facts and shortcuts give exactly the answers of the tests they replace.

This round's shortcuts (benchmarks/ledger.py, issue 30): a batch's byte offsets worked out only
when asked; a column's ``min`` and a pair's ``<=`` computed once per batch and shared by the
checks; the ``< inf`` tests skipped where the parser refuses non-finite numbers; the
no-overlap and span bounds first tested without per-value arithmetic; the block decoder's
kind and ``prev`` type tests folded into its set and equality tests. Each is compared here with
the test it stands for, and the verifier's verdicts with the exact paths' (as in
``test_ledger_fast_paths.py``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from operator import add, ge, le, mul, sub
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.ledger import blocks
from computegov.ledger import records as records_module
from computegov.ledger.batch import Batch
from computegov.ledger.order_check import _no_overlap
from computegov.ledger.record_schema import columns_clean
from computegov.ledger.records import GENESIS_HASH, canonical_json
from computegov.ledger.scan import ScanTally, scan_ledger, stream_blocks
from computegov.ledger.timeline import (
    _REL,
    RUN_CLOCK_TOLERANCE_S,
    SPAN_ABS_TOLERANCE_S,
    _end_by_record,
)

HAS_ORJSON = records_module._ORJSON_LOADS is not None


def _line(body: bytes) -> bytes:
    return b'{"body":' + body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'


def _ledger(n: int, pad: int = 0) -> bytes:
    lines, prev = [], GENESIS_HASH
    for seq in range(n):
        body = canonical_json(
            {"seq": seq, "kind": "measurement", "time_unix_s": 1.7e9 + seq, "prev": prev,
             "data": {"interval": {"steps": 1, "note": "x" * (pad * seq % 97)}, "step_end": seq}}
        )
        lines.append(_line(body))
        prev = hashlib.sha256(body).hexdigest()
    return b"\n".join(lines) + b"\n"


# -- offsets worked out when asked ---------------------------------------------------------------


@pytest.mark.parametrize("pad", [0, 7, 300])
def test_lazy_offsets_are_the_line_starts(pad) -> None:
    data = _ledger(700, pad)
    batches = list(stream_blocks(io.BytesIO(data), ScanTally(file_digest=None), print))
    assert len(batches) > 1
    got = [o for b in batches for o in b.offsets]
    assert got == list(scan_ledger(data).offsets_bytes)
    starts = [0] + [i + 1 for i, c in enumerate(data[:-1]) if c == 0x0A]
    assert got == starts
    assert sum(map(len, batches)) == 700


# -- the parser that refuses non-finite numbers ----------------------------------------------------


def test_only_a_parser_that_refuses_non_finite_numbers_is_trusted(monkeypatch) -> None:
    assert not blocks._refuses_non_finite(json.loads)  # the stdlib reads 1e400 as inf
    assert blocks.parser_is_finite() is HAS_ORJSON
    if HAS_ORJSON:
        assert blocks._refuses_non_finite(records_module._ORJSON_LOADS)
    monkeypatch.setattr(records_module, "_ORJSON_LOADS", json.loads)
    assert not blocks.parser_is_finite()
    monkeypatch.setattr(records_module, "_ORJSON_LOADS", None)
    assert not blocks.parser_is_finite()


@pytest.mark.skipif(not HAS_ORJSON, reason="orjson not installed")
def test_a_batch_is_marked_finite_only_from_the_block_decoder(monkeypatch) -> None:
    data = _ledger(50)
    fast = list(stream_blocks(io.BytesIO(data), ScanTally(file_digest=None), print))
    assert fast and all(b.finite for b in fast)
    monkeypatch.setattr(records_module, "_ORJSON_LOADS", None)  # line by line, stdlib parser
    slow = list(stream_blocks(io.BytesIO(data), ScanTally(file_digest=None), print))
    assert slow and not any(b.finite for b in slow)
    run = slow[0].measurements()
    assert run is not None and not run.finite


# -- shared minimum, skipped infinity test -------------------------------------------------------

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**20),
    st.floats(allow_nan=False),
    st.sampled_from([0, 0.0, -0.0, 1, 1.5, "1", [], {}]),
)
_KEYS = ["steps", "flop", "seconds", "energy_j", "flop_exact", "rank", "kind", "duration_s"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), st.lists(_VALUES, min_size=1, max_size=6)))
def test_columns_clean_with_a_shared_minimum_is_columns_clean(raw) -> None:
    n = min(map(len, raw.values()), default=0)
    columns = {k: tuple(v[:n]) for k, v in raw.items()}
    plain = columns_clean(columns)
    lows: list[str] = []

    def low_of(key: str) -> Any:
        lows.append(key)
        assert None not in columns[key]
        return min(columns[key])

    assert columns_clean(columns, low_of=low_of) == plain
    finite = all(
        not (type(v) is float and not math.isfinite(v)) for col in columns.values() for v in col
    )
    if finite:  # the infinity tests skipped only where no number is infinite
        assert columns_clean(columns, low_of=low_of, finite=True) == plain
        assert columns_clean(columns, finite=True) == plain


# -- the no-overlap and span bound shortcuts -------------------------------------------------------

_TIMES = st.floats(allow_nan=False, min_value=-1e300, max_value=1e300) | st.sampled_from(
    [0.0, 1e-3, 1.7e9, 1.7e9 + 1e-3, 1.7e9 - 1e-3, math.inf, -math.inf]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_TIMES, _TIMES), min_size=1, max_size=6), _TIMES)
def test_no_overlap_is_the_exact_test(pairs, last_end) -> None:
    start = tuple(a for a, _ in pairs)
    end = tuple(b for _, b in pairs)
    exact = all(map(ge, start, map(sub, (last_end, *end[:-1]), [1e-3] * len(start))))
    assert _no_overlap(start, end, last_end) == exact


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_TIMES, _TIMES), min_size=1, max_size=6))
def test_end_by_record_is_the_exact_test(pairs) -> None:
    ends = tuple(a for a, _ in pairs)
    times = tuple(b for _, b in pairs)
    tol = [RUN_CLOCK_TOLERANCE_S] * len(ends)
    assert _end_by_record(ends, times) == all(map(le, ends, map(add, times, tol)))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e12, allow_nan=False),
            st.floats(min_value=-1, max_value=2e12, allow_nan=False),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_smallest_span_bounds_every_span(pairs) -> None:
    spans = [s for s, _ in pairs]
    sec = [x for _, x in pairs]
    exact = all(map(le, sec, map(add, map(mul, spans, [_REL] * len(spans)), [SPAN_ABS_TOLERANCE_S] * len(spans))))
    if max(sec) <= min(spans) * _REL + SPAN_ABS_TOLERANCE_S:  # the shortcut accepts...
        assert exact  # ...only what each record's own bound accepts


# -- the block decoder's folded type tests ---------------------------------------------------------


def _chain(bodies: list[dict[str, Any]]) -> list[bytes]:
    lines, prev = [], GENESIS_HASH
    for body in bodies:
        if body.get("prev") is None:
            body["prev"] = prev
        raw = canonical_json(body)
        lines.append(_line(raw))
        prev = hashlib.sha256(raw).hexdigest()
    return lines


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", ["measurement"]), ("kind", {"k": 1}), ("kind", 1), ("kind", True), ("kind", None),
     ("kind", "measurements"), ("prev", 0), ("prev", [GENESIS_HASH]), ("prev", {"h": 1})],
)
def test_the_block_decoder_declines_odd_kinds_and_prevs(field, value) -> None:
    bodies = [
        {"seq": i, "kind": "measurement", "time_unix_s": 1.7e9 + i, "prev": None,
         "data": {"interval": {"steps": 1}, "step_end": i}}
        for i in range(4)
    ]
    lines = _chain([dict(b) for b in bodies])
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20)
    odd = [dict(b) for b in bodies]
    odd[2][field] = value
    lines = _chain(odd)
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20) is None


def test_batch_columns_share_their_facts() -> None:
    ivs = [{"steps": 2, "time_start_unix_s": 1.0 + i, "time_end_unix_s": 1.5 + i} for i in range(4)]
    data = tuple({"interval": iv, "step_end": 2 * (i + 1)} for i, iv in enumerate(ivs))
    cols = ((0, 1, 2, 3), ("measurement",) * 4, (2.0, 3.0, 4.0, 4.0), ("",) * 4, data, ["h"] * 4)
    batch = Batch.of_columns(None, cols, base=10, lengths=[5, 6, 7, 8])
    assert len(batch) == 4 and batch.offsets == [10, 16, 23, 31]
    assert batch.times_sorted()
    run = batch.measurements()
    assert run is not None
    assert run.low("steps") == 2 and run.low("time_start_unix_s") == 1.0
    assert run.ordered("time_start_unix_s", "time_end_unix_s")
    assert not run.ordered("time_end_unix_s", "time_start_unix_s")
    unsorted = Batch.of_columns([0, 1, 2, 3], (*cols[:2], (2.0, 1.0, 4.0, 4.0), *cols[3:]))
    assert not unsorted.times_sorted()


@pytest.mark.parametrize(
    "body",
    [b"[" + b",".join([b"1"] * 40) + b"]", b'"' + b"x" * 60 + b'"', b"12345678901234567890123",
     b"[{" + b'"data":{},"kind":"meta","prev":"' + GENESIS_HASH.encode() + b'","seq":0}]'],
)
def test_the_block_decoder_declines_a_body_that_is_not_an_object(body) -> None:
    good = _chain([{"seq": 0, "kind": "meta", "time_unix_s": 1.7e9, "prev": None, "data": {}}])
    assert blocks.decode_lines(good, list(map(len, good)), GENESIS_HASH, 0, 1 << 20)
    lines = [_line(body)]
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20) is None
    lines = [*good, _line(body)]
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20) is None


@pytest.mark.parametrize("value", [["measurement"], {"k": 1}, 1, True, None, "measurements", ""])
def test_the_block_decoder_declines_one_odd_kind_throughout(value) -> None:
    bodies = [
        {"seq": i, "kind": value, "time_unix_s": 1.7e9 + i, "prev": None,
         "data": {"interval": {"steps": 1}, "step_end": i}}
        for i in range(3)
    ]
    lines = _chain(bodies)
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20) is None


@pytest.mark.parametrize(
    "kinds", [["head"], ["meta", "head"], ["batch", "batch", "batch"], ["end", "batch", "end"]]
)
def test_kind_set_is_the_set_of_kinds(kinds) -> None:
    n = len(kinds)
    cols = (tuple(range(n)), tuple(kinds), (1.0,) * n, ("",) * n, ({},) * n, [""] * n)
    batch = Batch.of_columns(list(range(n)), cols)
    assert batch.kind_set == set(kinds)
    assert batch.indices(frozenset(("head",))) == [i for i, k in enumerate(kinds) if k == "head"]
