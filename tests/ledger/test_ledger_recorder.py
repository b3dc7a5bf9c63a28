"""RunRecorder: what the training loop writes, and the report it signs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.errors import LedgerError
from computegov.ledger.chain import scan_ledger
from computegov.ledger.recorder import RunRecorder, interval_fields, totals_from_records
from computegov.ledger.signing import Signer, generate_keypair
from computegov.ledger.verify import verify_report

METER_INTERVAL = {  # a record as computegov.measure.ComputeMeter emits it
    "kind": "interval",
    "steps": 10,
    "flop": 1000,
    "model_flop_6nd": 1200,
    "tokens": 64,
    "seconds": 0.5,
    "time_start_unix_s": 10.0,
    "time_end_unix_s": 10.6,
    "energy_j": None,
}


def test_meter_interval_fields_are_normalised() -> None:
    f = interval_fields(METER_INTERVAL)
    assert f["flop_by_method"] == {"counted": 1000.0, "6nd": 1200.0}
    assert (f["steps"], f["duration_s"], f["energy_j"]) == (10, 0.5, None)
    assert (f["start_unix_s"], f["end_unix_s"]) == (10.0, 10.6)


def test_totals_hand_computed() -> None:
    t = totals_from_records([METER_INTERVAL, {**METER_INTERVAL, "flop": 3000, "energy_j": 5.0}], 4)
    assert t["flop"] == 4000.0 and t["steps"] == 20
    assert t["flop_by_method"] == {"6nd": 2400.0, "counted": 4000.0}
    assert t["chip_hours"] == pytest.approx(4 * 1.0 / 3600)
    assert t["energy_j"] is None  # one interval had no energy reading
    assert t["tokens"] == 128.0
    assert json.loads(json.dumps(t, allow_nan=False)) == t  # JSON-ready plain values
    assert totals_from_records([], 1)["energy_j"] is None


def test_recorder_writes_ledger_and_signed_report(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path / "keys")
    times = iter([10.0])  # the run starts as METER_INTERVAL does; later records at 11.0 s
    rec = RunRecorder(
        tmp_path / "run.jsonl",
        pair.private_path,
        {"model": "m", "hardware": {"chip": "cpu", "chip_count": 1}},
        clock=lambda: next(times, 11.0),
    )
    rec.record_measurement(METER_INTERVAL)
    model = torch.nn.Linear(2, 2)
    data = rec.record_checkpoint(10, model.state_dict(), tmp_path / "ck.pt")
    assert data["path"] == "ck.pt" and (tmp_path / "ck.pt").exists()
    rec.record_batch(9, "abc")
    report = rec.finish({"note": "x"})
    assert report.path == tmp_path / "run.report.json"
    assert report.statement["subject"][0]["name"] == "checkpoint/step-10"
    assert report.predicate["claims"] == {"note": "x"}
    kinds = [r.kind for r in scan_ledger((tmp_path / "run.jsonl").read_bytes()).records]
    assert kinds[0] == "meta" and kinds[-2:] == ["end", "head"]
    # "cpu" is not in the catalogue: the verifier supplies a peak (an estimate, 1e12 FLOP/s)
    assert verify_report(
        report.path, tmp_path / "run.jsonl", pair.public_path, peak_flop_per_s=1e12
    ).ok
    with pytest.raises(LedgerError, match="finished"):
        rec.record_batch(10, "d")


def test_recorder_without_key_creates_one_next_to_the_ledger(tmp_path: Path) -> None:
    rec = RunRecorder(tmp_path / "run.jsonl", metadata={})
    rec.finish()
    assert (tmp_path / "computegov.key").exists() and (tmp_path / "computegov.pub").exists()


def test_recorder_accepts_numpy_scalars_and_nan(tmp_path: Path) -> None:
    import numpy as np

    rec = RunRecorder(tmp_path / "run.jsonl", metadata={}, signer=Signer.generate())
    rec.record_measurement({"steps": 1, "flop": np.float64(2.0), "seconds": float("nan")})
    report = rec.finish()
    assert report.totals["flop"] == 2.0 and report.totals["duration_s"] == 0.0


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(-1e6, 1e12, allow_nan=False),
    st.just("n/a"),
)
_interval = st.fixed_dictionaries(
    {},
    optional={
        "steps": _values,
        "flop": _values,
        "model_flop_6nd": _values,
        "flop_by_method": st.one_of(
            st.just("bad"), st.dictionaries(st.sampled_from(["counted", "6nd", "x"]), _values)
        ),
        "duration_s": _values,
        "seconds": _values,
        "elapsed_s": _values,
        "energy_j": _values,
        "tokens": _values,
        "samples": _values,
    },
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_interval, max_size=6), st.sampled_from([None, 1, 8, 2.5, "8"]))
def test_fast_totals_equal_the_sum_of_normalised_intervals(intervals, chip_count) -> None:
    # totals_from_records re-implements interval_fields' rules column-wise for speed: keep
    # the two in step.
    fields = [interval_fields(i) for i in intervals]

    def fsum_of(key: str) -> float:
        return math.fsum(f[key] for f in fields if f[key] is not None)

    def all_or_none(key: str) -> float | None:
        vals = [f[key] for f in fields]
        return math.fsum(vals) if vals and None not in vals else None

    methods = sorted({m for f in fields for m in f["flop_by_method"]})
    duration = fsum_of("duration_s")
    want = {
        "intervals": len(intervals),
        "intervals_flop_unknown": sum(f["flop"] is None for f in fields),
        "steps": sum(f["steps"] or 0 for f in fields),
        "flop": fsum_of("flop"),
        "flop_by_method": {
            m: math.fsum(f["flop_by_method"][m] for f in fields if m in f["flop_by_method"])
            for m in methods
        },
        "duration_s": duration,
        "chip_hours": None if chip_count in (None, "8") else chip_count * duration / 3600.0,
        "energy_j": all_or_none("energy_j"),
        "tokens": all_or_none("tokens"),
        "samples": all_or_none("samples"),
    }
    assert totals_from_records(intervals, chip_count) == want


def test_integers_beyond_64_bits_verify_with_either_parser(tmp_path: Path, parser: str) -> None:
    # orjson reads such integers as doubles; the recorder stores them as doubles up front so
    # the report (stdlib-parsed) and the ledger agree exactly.
    times = iter([10.0])
    rec = RunRecorder(
        tmp_path / "run.jsonl",
        metadata={"parameters": 10**20 + 1, "hardware": {"chip": "cpu", "chip_count": 1}},
        signer=Signer.generate(),
        clock=lambda: next(times, 11.0),
    )
    rec.record_measurement({**METER_INTERVAL, "flop": 3 * 10**25 + 1})
    report = rec.finish({"tokens": 10**21 + 7, "small": 2**63 - 1})
    assert report.predicate["run"]["parameters"] == float(10**20 + 1)
    assert report.predicate["claims"]["small"] == 2**63 - 1  # still an exact int
    v = verify_report(report.path, tmp_path / "run.jsonl", rec.signer.public_key)
    failed = {c.name: c.summary for c in v.failed if c.name != "plausibility"}
    assert not failed
