"""The verifier reads a ledger in one streaming pass: same verdict whatever the block size or
source, exact running totals, and memory that does not grow with the ledger."""

from __future__ import annotations

import io
import math
import random
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.ledger import scan as scan_module
from computegov.ledger.chain import Ledger
from computegov.ledger.scan import ScanTally, scan_ledger, stream_records
from computegov.ledger.totals import TotalsSum, totals_from_records
from computegov.ledger.verify import verify_report

DEMO_PEAK = 1e12  # the verifier's peak for the demo's host CPU, as in test_ledger_verify.py


def _verdict_dict(report, ledger, key, **kw):
    return verify_report(
        report, ledger, key, peak_flop_per_s=DEMO_PEAK, clock=lambda: 2e9, **kw
    ).to_dict()


def _damaged(raw: bytes, rnd: random.Random) -> bytes:
    """The ledger with a few bytes changed, cut, or a line made huge."""
    data = bytearray(raw)
    what = rnd.choice(["flip", "cut", "long", "dup"])
    if what == "flip":
        for _ in range(rnd.randint(1, 3)):
            data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
    elif what == "cut":
        del data[rnd.randrange(len(data)) :]
    elif what == "long":
        at = rnd.randrange(len(data))
        data[at:at] = b"x" * rnd.choice([50, 5000])
    else:
        lines = bytes(data).splitlines(keepends=True)
        i = rnd.randrange(len(lines))
        lines.insert(i, lines[i])
        data = bytearray(b"".join(lines))
    return bytes(data)


@pytest.mark.parametrize("block_bytes", [1, 7, 300, 1 << 20])
def test_scan_finds_the_same_records_and_problems_whatever_the_block_size(
    demo_run_master, monkeypatch, block_bytes
) -> None:
    raw = demo_run_master.ledger.read_bytes()
    rnd = random.Random(block_bytes)
    cases = [raw] + [_damaged(raw, rnd) for _ in range(12)]
    whole = [scan_ledger(c, max_record_bytes=2000) for c in cases]
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", block_bytes)
    for case, expected in zip(cases, whole, strict=True):
        got = scan_ledger(case, max_record_bytes=2000)
        assert got == expected


def test_a_line_over_the_cap_is_skipped_naming_its_length_across_blocks(monkeypatch) -> None:
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", 64)
    good = b'{"body":{}}\n'
    data = good + b"y" * 1000 + b"\n" + good
    scan = scan_ledger(data, max_record_bytes=100)
    problems = [(p.record, p.offset_bytes, p.kind) for p in scan.problems]
    assert (1, len(good), "format") in problems
    assert any("record is 1000 bytes, over the cap of 100" in p.message for p in scan.problems)
    assert scan.size_bytes == len(data)


def test_the_file_digest_covers_every_byte_read(demo_run_master) -> None:
    import hashlib

    raw = demo_run_master.ledger.read_bytes() + b'{"torn'
    tally = ScanTally()
    list(stream_records(io.BytesIO(raw), tally, lambda p: None))
    assert tally.file_digest.hexdigest() == hashlib.sha256(raw).hexdigest()
    assert tally.size_bytes == len(raw) and tally.committed_bytes == len(raw) - 6


def test_bytes_a_stream_and_a_path_give_the_same_verdict(demo_run_master) -> None:
    m = demo_run_master
    raw = m.ledger.read_bytes()
    from_path = _verdict_dict(m.report, m.ledger, m.public_key)
    from_path.pop("ledger_path", None)
    for source in (raw, io.BytesIO(raw), memoryview(raw)):
        got = _verdict_dict(m.report, source, m.public_key, checkpoints_dir=m.dir)
        got.pop("ledger_path", None)
        assert got == from_path
    assert from_path["outcome"] == "verified"


def test_damaged_ledgers_give_the_same_verdict_streamed_in_tiny_blocks(
    demo_run_master, monkeypatch
) -> None:
    m = demo_run_master
    rnd = random.Random(5)
    cases = [_damaged(m.ledger.read_bytes(), rnd) for _ in range(10)]
    whole = [_verdict_dict(m.report, c, m.public_key, checkpoints_dir=m.dir) for c in cases]
    monkeypatch.setattr(scan_module, "BLOCK_BYTES", 13)
    for case, expected in zip(cases, whole, strict=True):
        assert _verdict_dict(m.report, case, m.public_key, checkpoints_dir=m.dir) == expected


def test_a_stream_past_the_file_cap_is_unusable(demo_run_master) -> None:
    from computegov.ledger.evidence import ReadLimits

    m = demo_run_master
    raw = m.ledger.read_bytes()
    v = verify_report(
        m.report, io.BytesIO(raw), m.public_key, limits=ReadLimits(max_file_bytes=len(raw) - 1)
    )
    fmt = v.check("ledger_format")
    assert fmt.status == "fail" and fmt.unusable and "over the cap" in fmt.summary


_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=2**63),
    st.none(),
    st.booleans(),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_floats, max_size=60), st.integers(min_value=1, max_value=9))
def test_running_totals_are_exact_sums_when_folded_often(values, repeat) -> None:
    intervals = [{"flop": v, "seconds": v, "energy_j": v} for v in values] * repeat
    acc = TotalsSum()
    for iv in intervals:
        acc.add(iv)
        acc._fold_all()  # fold after every interval: the result must not change
    got = acc.result(2)
    nums = [v for v in values if type(v) in (int, float)] * repeat
    try:
        want = math.fsum(nums)
    except OverflowError:
        want = math.nan
    assert repr(got["flop"]) == repr(want)
    assert repr(got) == repr(totals_from_records(intervals, 2))


def test_verification_memory_does_not_grow_with_the_ledger(tmp_path) -> None:
    def peak_bytes(n: int) -> tuple[int, int]:
        path = tmp_path / f"l{n}.jsonl"
        led = Ledger.create(path, {"n": n}, fsync=False, fsync_every=1000)
        for i in range(n):
            led.append("batch", {"step": i, "digest": "ab" * 32, "pad": "z" * 200})
        led.close()
        tally = ScanTally()
        tracemalloc.start()
        with open(path, "rb") as fh:
            for _ in stream_records(fh, tally, lambda p: None):
                pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, path.stat().st_size

    small, small_size = peak_bytes(2_000)
    large, large_size = peak_bytes(20_000)
    assert large_size > 9 * small_size
    assert large < 1.5 * small + 256 * 1024  # one block and one record, not the ledger


def test_every_dishonest_variant_gets_the_same_verdict_in_any_batch_size(
    demo_run_master, forger_cls, monkeypatch
) -> None:
    import time

    import test_ledger_dishonest
    from test_ledger_dishonest import (
        Lab,
        evidence_variants,
        implausible_variants,
        inconsistent_variants,
        weak_key_variants,
    )

    from computegov.ledger import ledger_pass

    now = time.time()

    def at_a_fixed_clock(*args, **kwargs):  # the verifier's clock appears in messages
        kwargs.setdefault("clock", lambda: now)
        return verify_report(*args, **kwargs)

    monkeypatch.setattr(test_ledger_dishonest, "verify_report", at_a_fixed_clock)
    lab = Lab(demo_run_master, forger_cls)
    variants = (
        inconsistent_variants(lab)
        + implausible_variants(lab)
        + weak_key_variants(lab)
        + evidence_variants(lab)
    )

    def verdicts() -> list[dict]:
        return [lab.verify(v).to_dict() for v in variants]

    whole = verdicts()
    assert sum(d["outcome"] != "verified" for d in whole) == len(variants)
    for batch_records, block_bytes in ((1, 97), (2, 1 << 20), (7, 4096)):
        monkeypatch.setattr(ledger_pass, "BATCH_RECORDS", batch_records)
        monkeypatch.setattr(scan_module, "BLOCK_BYTES", block_bytes)
        assert verdicts() == whole, (batch_records, block_bytes)
