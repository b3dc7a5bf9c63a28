"""The verifier's fast paths only ever decline, never decide: every verdict equals the exact one.

Two fast paths exist (see :mod:`computegov.ledger.blocks` and :mod:`computegov.ledger.batch`):
a block of lines decoded at once, and runs of measurement records checked column by column.
Each must accept only what the exact per-line reader and per-record checks accept, with the
same running state. These tests switch every fast path off (``ledger_exact_paths.exact_only``) and compare verdicts,
byte for byte, for every dishonest variant of the campaign, for randomly damaged ledgers and for
generated measurement records holding every kind of odd value, at several block sizes.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ledger_exact_paths import NOW, exact_only, verdict_dict

from computegov.ledger import blocks
from computegov.ledger import scan as scan_module
from computegov.ledger.order_check import OrderCheck
from computegov.ledger.records import GENESIS_HASH, canonical_json, decode_line
from computegov.ledger.timeline import TimesCheck
from computegov.ledger.verify import verify_report


def _both_ways(
    monkeypatch: pytest.MonkeyPatch, cases: list[tuple[bytes, bytes]], run: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    fast = [verdict_dict(run, r, led) for led, r in cases]
    with exact_only(monkeypatch):
        exact = [verdict_dict(run, r, led) for led, r in cases]
    return fast, exact


def test_every_dishonest_variant_gets_the_exact_paths_verdict(
    demo_run_master, forger_cls, monkeypatch
) -> None:
    import test_ledger_dishonest
    from test_ledger_dishonest import (
        Lab,
        evidence_variants,
        implausible_variants,
        inconsistent_variants,
        weak_key_variants,
    )

    def at_a_fixed_clock(*args: Any, **kwargs: Any) -> Any:  # the clock appears in messages
        kwargs.setdefault("clock", lambda: NOW)
        return verify_report(*args, **kwargs)

    monkeypatch.setattr(test_ledger_dishonest, "verify_report", at_a_fixed_clock)
    lab = Lab(demo_run_master, forger_cls)
    variants = (
        inconsistent_variants(lab)
        + implausible_variants(lab)
        + weak_key_variants(lab)
        + evidence_variants(lab)
    )
    fast = [lab.verify(v).to_dict() for v in variants]
    with exact_only(monkeypatch):
        exact = [lab.verify(v).to_dict() for v in variants]
    assert fast == exact
    assert all(d["outcome"] != "verified" for d in fast)


def test_damaged_ledgers_get_the_exact_paths_verdict_at_any_block_size(
    demo_run_master, monkeypatch
) -> None:
    from test_ledger_streaming import _damaged

    m = demo_run_master
    raw, report = m.ledger.read_bytes(), m.report.read_bytes()
    rnd = random.Random(11)
    cases = [(raw, report)] + [(_damaged(raw, rnd), report) for _ in range(16)]
    for block_bytes in (97, 4096, 1 << 16):
        monkeypatch.setattr(scan_module, "BLOCK_BYTES", block_bytes)
        fast, exact = _both_ways(monkeypatch, cases, m)
        assert fast == exact, block_bytes
    assert fast[0]["outcome"] == "verified"


# -- generated measurement records: odd values in every field ---------------------------------

#: Values no honest meter writes, and a few it does (the fast path must decline all the odd ones).
ODD = st.sampled_from(
    [None, True, False, 0, -1, 1, 7, 2**53 + 1, 2**63, 0.0, -0.0, -1.5, 1e-7, 1e308, 1.5, "1",
     "", [], {}, [1], {"counted": 1.0}, {"counted": -1}]
)
FIELDS = st.sampled_from(
    ["steps", "flop", "model_flop_6nd", "seconds", "duration_s", "energy_j", "tokens", "samples",
     "counted_steps", "step_first", "step_last", "time_start_unix_s", "time_end_unix_s",
     "start_unix_s", "flop_exact", "flop_by_method", "rank", "wall_s", "new_field"]
)


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[int, str, str, Any]]:
    """A few edits: (measurement number, where, field, value); where is interval, data, time."""
    out = []
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, 3))
        where = draw(st.sampled_from(["interval", "interval", "interval", "drop", "data", "time",
                                      "shift", "batch"]))
        field = draw(FIELDS)
        value = draw(ODD) if where != "shift" else draw(st.sampled_from([-2.0, -1e-3, 1e-3, 5.0]))
        out.append((i, where, field, value))
    return out


def _apply(bodies: list[dict[str, Any]], todo: list[tuple[int, str, str, Any]]) -> None:
    meas = [b for b in bodies if b["kind"] == "measurement"]
    marks = [b for b in bodies if b["kind"] == "batch"]
    for i, where, field, value in todo:
        if where == "batch":  # a batch record's step (out of order, not a count)
            if marks:
                marks[(7 * i + len(field)) % len(marks)]["data"]["step"] = value
            continue
        b = meas[i % len(meas)]
        iv = b["data"]["interval"]
        if where == "interval":
            iv[field] = value
        elif where == "drop":
            iv.pop(field, None)
        elif where == "data":
            b["data"]["step_end" if field in ("steps", "step_first") else "interval"] = value
        elif where == "time":
            b["time_unix_s"] = value if type(value) in (int, float) else b["time_unix_s"]
        else:  # shift the interval's wall-clock span (overlap, reversal, beyond its record)
            iv["time_start_unix_s"] = iv["time_start_unix_s"] + value
            iv["time_end_unix_s"] = iv["time_end_unix_s"] + value / 2


def _consecutive_measurements(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The demo's records with every measurement in one run (the demo puts batch records,
    checkpoints and heads between them): meta, checkpoint 0, head, the measurements, the other
    checkpoints (dated at the last measurement), head, end, head. Still an honest ledger."""
    kinds = [b["kind"] for b in bodies]
    assert kinds[:3] == ["meta", "checkpoint", "head"] and kinds[-3:] == ["head", "end", "head"]
    meas = [b for b in bodies if b["kind"] == "measurement"]
    ckpts = [b for b in bodies if b["kind"] == "checkpoint"]
    last_t = meas[-1]["time_unix_s"]
    return [*bodies[:3], *meas, *({**c, "time_unix_s": last_t} for c in ckpts[1:]), *bodies[-3:]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    todo=edits(),
    block_bytes=st.sampled_from([211, 2048, 4096, 1 << 16]),
    interleaved=st.booleans(),
)
@example(todo=[(0, "interval", "steps", 1.5)], block_bytes=1 << 16, interleaved=False)  # a count that is a float
@example(todo=[(1, "interval", "tokens", 0.0)], block_bytes=1 << 16, interleaved=False)
@example(todo=[(2, "interval", "flop", True)], block_bytes=1 << 16, interleaved=False)  # a bool is not a number
@example(todo=[(3, "interval", "seconds", 0.0)], block_bytes=1 << 16, interleaved=False)  # no time, some steps
@example(todo=[(1, "interval", "energy_j", -1.5)], block_bytes=1 << 16, interleaved=False)
@example(todo=[(2, "interval", "counted_steps", 2**63)], block_bytes=1 << 16, interleaved=False)
@example(todo=[(1, "interval", "step_first", 7)], block_bytes=1 << 16, interleaved=False)  # a gap or overlap
@example(todo=[(2, "drop", "step_last", None)], block_bytes=1 << 16, interleaved=False)  # one range half given
@example(todo=[(1, "shift", "", -2.0)], block_bytes=1 << 16, interleaved=False)  # intervals overlap
@example(todo=[(2, "shift", "", 5.0)], block_bytes=1 << 16, interleaved=False)  # beyond the record holding it
@example(todo=[(0, "interval", "flop_by_method", {"counted": 1.0})], block_bytes=1 << 16, interleaved=False)
@example(todo=[(3, "data", "steps", None)], block_bytes=1 << 16, interleaved=False)  # step_end null
@example(todo=[(1, "time", "", 0.0)], block_bytes=1 << 16, interleaved=False)  # a record before the run
@example(todo=[(0, "batch", "steps", -1)], block_bytes=2048, interleaved=True)
@example(todo=[(0, "batch", "steps", 2)], block_bytes=211, interleaved=True)  # one per block
@example(todo=[(1, "batch", "steps", 1.5)], block_bytes=2048, interleaved=True)
@example(todo=[(1, "interval", "step_first", 7)], block_bytes=2048, interleaved=True)
def test_generated_odd_measurements_get_the_exact_paths_verdict(
    demo_run_master, forger_cls, monkeypatch, todo, block_bytes, interleaved
) -> None:
    from test_ledger_dishonest import Lab

    lab = Lab(demo_run_master, forger_cls)
    if not interleaved:  # else the demo's order: batch records between the measurements
        lab.bodies = _consecutive_measurements(lab.bodies)
    mutate = (lambda bodies: _apply(bodies, todo)) if todo else None
    try:
        ledger, report = lab.forge(mutate)
    except Exception:  # a value the forger itself cannot write (e.g. a non-JSON-safe total)
        return
    with monkeypatch.context() as m:
        m.setattr(scan_module, "BLOCK_BYTES", block_bytes)
        fast, exact = _both_ways(m, [(ledger, report)], demo_run_master)
    assert fast == exact


def test_the_untouched_forged_ledger_verifies_through_the_fast_paths(
    demo_run_master, forger_cls, monkeypatch
) -> None:
    from test_ledger_dishonest import Lab

    lab = Lab(demo_run_master, forger_cls)
    lab.bodies = _consecutive_measurements(lab.bodies)
    ledger, report = lab.forge()
    taken: list[bool] = []
    real = scan_module.decode_lines

    def spy(*args: Any) -> Any:
        out = real(*args)
        taken.append(out is not None)
        return out

    runs: list[bool] = []

    def spy_on(cls: type) -> None:
        real_run = cls._feed_columns

        def feed_columns(self: Any, batch: Any) -> bool:
            runs.append(real_run(self, batch))
            return runs[-1]

        monkeypatch.setattr(cls, "_feed_columns", feed_columns)

    spy_on(OrderCheck)
    spy_on(TimesCheck)
    monkeypatch.setattr(scan_module, "decode_lines", spy)
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", 2048)  # some blocks of measurements alone
    assert verdict_dict(demo_run_master, report, ledger)["outcome"] == "verified"
    assert taken and all(taken)
    assert runs.count(True) >= 2


# -- the block decoder alone ------------------------------------------------------------------


def _line(body: bytes) -> bytes:
    return b'{"body":' + body + b',"hash":"' + hashlib.sha256(body).hexdigest().encode() + b'"}'


def _chain(n: int) -> list[bytes]:
    lines, prev = [], GENESIS_HASH
    for seq in range(n):
        body = canonical_json(
            {"seq": seq, "kind": "measurement", "time_unix_s": 1.7e9 + seq, "prev": prev,
             "data": {"interval": {"steps": 1, "flop": 2.5e15, "note": "a/b é"}, "step_end": seq}}
        )
        lines.append(_line(body))
        prev = hashlib.sha256(body).hexdigest()
    return lines


#: Body rewrites that keep the JSON's meaning (and a valid hash) but not its canonical bytes.
NON_CANONICAL = [
    lambda b: b.replace(b'"steps":1', b'"steps":1.0'),
    lambda b: b.replace(b'"steps":1', b'"steps": 1'),
    lambda b: b.replace(b'"flop":2500000000000000.0', b'"flop":2.5e15'),
    lambda b: b.replace(b'"flop":2500000000000000.0', b'"flop":2500000000000000.00'),
    lambda b: b.replace(b'"note":"a/b', b'"note":"a\\/b'),
    lambda b: b.replace(b'"note":"a', b'"note":"\\u0061'),
    lambda b: b.replace(b'{"interval":', b'{"step_end":-1,"interval":'),  # duplicate key
    lambda b: b.replace(b'"kind":"measurement",', b'') .replace(b'{"data"', b'{"kind":"measurement","data"'),
    lambda b: b + b" ",
    lambda b: b" " + b,
    lambda b: b.replace(b'"time_unix_s":1700000003.0', b'"time_unix_s":1700000003'),
]


@pytest.mark.parametrize("rewrite", range(len(NON_CANONICAL)))
def test_the_block_decoder_declines_every_non_canonical_body(rewrite) -> None:
    lines = _chain(6)
    assert blocks.decode_lines(lines, list(map(len, lines)), GENESIS_HASH, 0, 1 << 20)
    body = lines[3][8:-75]
    bad = NON_CANONICAL[rewrite](body)
    assert bad != body
    mutated = [*lines[:3], _line(bad), *lines[4:]]
    assert blocks.decode_lines(mutated, list(map(len, mutated)), GENESIS_HASH, 0, 1 << 20) is None


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_the_block_decoder_accepts_only_what_the_line_reader_accepts(data) -> None:
    lines = _chain(5)
    block = bytearray(b"\n".join(lines))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(block) - 1))
        block[at] = data.draw(st.integers(0, 255))
    got = bytes(block).split(b"\n")
    out = blocks.decode_lines(got, list(map(len, got)), GENESIS_HASH, 0, 1 << 20)
    if out is not None:  # columns: each field of every record
        assert list(zip(*out, strict=True)) == [tuple(decode_line(x)) for x in got]
        assert list(out[0]) == list(range(len(got)))


def test_the_block_decoder_declines_a_broken_link_and_a_line_over_the_cap() -> None:
    lines = _chain(4)
    lengths = list(map(len, lines))
    assert blocks.decode_lines(lines, lengths, "1" * 64, 0, 1 << 20) is None  # wrong genesis
    assert blocks.decode_lines(lines, lengths, GENESIS_HASH, 1, 1 << 20) is None  # wrong seq
    assert blocks.decode_lines(lines, lengths, "", 0, 1 << 20) is None  # after a damaged line
    assert blocks.decode_lines(lines, lengths, GENESIS_HASH, 0, max(lengths) - 1) is None
    swapped = [lines[0], lines[2], lines[1], lines[3]]
    assert blocks.decode_lines(swapped, list(map(len, swapped)), GENESIS_HASH, 0, 1 << 20) is None
