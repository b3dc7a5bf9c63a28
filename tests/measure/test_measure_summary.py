"""MeterSummary: totals from interval records, combining ranks, round trips, bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computegov.errors import DataError
from computegov.measure.records import RecordWriter, read_records
from computegov.measure.summary import (
    MeterSummary,
    combine_ranks,
    summarize_file,
    summarize_records,
)

START = {
    "kind": "meter_start",
    "rank": 0,
    "precision": "bf16",
    "peak_flop_per_s": 1e15,
    "chip": "Fake X1",
    "causal_attention_convention": "full",
    "energy_source": "nvml",
    "energy_scope": "host-a:nvml:0",
    "energy_unavailable_reason": None,
}


def _interval(
    first: int, steps: int, flop: int, seconds: float, energy_j: float | None = 10.0, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": "interval",
        "rank": 0,
        "step_first": first,
        "step_last": first + steps - 1,
        "steps": steps,
        "flop": flop,
        "flop_full_attention": flop,
        "flop_causal_halved": flop,
        "flop_flopcounter_compatible": flop,
        "model_flop_6nd": None,
        "tokens": None,
        "counted_steps": 1,
        "flop_exact": True,
        "seconds": seconds,
        "time_start_unix_s": 100.0 + first,
        "time_end_unix_s": 100.0 + first + steps,
        "energy_j": energy_j,
        "gaps": [],
        **extra,
    }


def test_totals_and_utilisation_from_intervals() -> None:
    summary = summarize_records(
        [START, _interval(0, 2, 4 * 10**14, 1.0), _interval(2, 2, 4 * 10**14, 1.0)]
    )
    assert summary.flop == 8 * 10**14 and summary.steps == 4
    assert summary.flop_per_s == pytest.approx(4e14) and summary.mfu == pytest.approx(0.4)
    assert summary.energy_j == pytest.approx(20.0)
    assert summary.wall_seconds == pytest.approx(4.0)


def test_a_missing_energy_interval_makes_the_total_unavailable() -> None:
    summary = summarize_records(
        [START, _interval(0, 1, 1, 1.0), _interval(1, 1, 1, 1.0, energy_j=None)]
    )
    assert summary.energy_j is None and "missing" in (summary.energy_unavailable_reason or "")


@given(
    flops=st.lists(st.integers(min_value=0, max_value=10**26), min_size=1, max_size=12),
    cut=st.integers(min_value=0, max_value=12),
)
def test_splitting_intervals_never_changes_the_exact_total(flops: list[int], cut: int) -> None:
    one = [START, _interval(0, len(flops), sum(flops), 1.0)]
    cut = min(cut, len(flops))
    parts = [flops[:cut], flops[cut:]]
    two = [START] + [_interval(i, max(len(p), 1), sum(p), 0.5) for i, p in enumerate(parts)]
    assert summarize_records(one).flop == summarize_records(two).flop == sum(flops)  # exact ints


def test_combining_ranks_sums_flop_takes_the_slowest_time_and_counts_shared_energy_once() -> None:
    a = summarize_records([START, _interval(0, 2, 600, 2.0, energy_j=30.0)])
    b = summarize_records([START, _interval(0, 2, 400, 4.0, energy_j=50.0)])
    c = summarize_records([START, _interval(0, 2, 0, 1.0, energy_j=50.0)])
    total = combine_ranks([a, b, c], ["host-a:gpu0", "host-a:rapl", "host-a:rapl"])
    assert total.flop == 1000 and total.seconds == 4.0 and total.world_size == 3
    assert total.energy_j == pytest.approx(80.0)  # the shared RAPL package is counted once
    assert total.mfu == pytest.approx(1000 / 4.0 / 3e15)
    assert [r["rank"] for r in total.ranks] == [0, 1, 2]
    broken = summarize_records([START, _interval(0, 1, 1, 1.0, energy_j=None)])
    assert combine_ranks([a, broken]).energy_j is None
    assert "rank 1" in (combine_ranks([a, broken]).energy_unavailable_reason or "")


def test_summary_round_trips_through_its_dict() -> None:
    summary = summarize_records([START, _interval(0, 3, 12345, 0.5)])
    assert MeterSummary.from_dict(summary.to_dict()) == summary


def test_concatenated_rank_files_are_combined(tmp_path: Path) -> None:
    path = tmp_path / "all.jsonl"
    writer = RecordWriter(path)
    for rank in (0, 1):
        writer.write({**START, "rank": rank, "energy_scope": f"host:{rank}"})
        writer.write(_interval(0, 2, 100 * (rank + 1), 1.0, rank=rank))
    writer.close()
    summary = summarize_file(read_records(path))
    assert (
        summary.world_size == 2 and summary.flop == 300 and summary.energy_j == pytest.approx(20.0)
    )


def test_bad_records_files_are_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such records file"):
        read_records(tmp_path / "absent.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "meter_start"}\n{not json\n')
    with pytest.raises(DataError, match="row 2"):
        read_records(bad)
    with pytest.raises(DataError, match="meter_start"):
        summarize_records([_interval(0, 1, 1, 1.0)])


def test_a_record_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "crashed.jsonl"
    writer = RecordWriter(path)
    writer.write(START)
    writer.write(_interval(0, 2, 500, 1.0))
    writer.close()
    with path.open("a") as handle:
        handle.write('{"kind": "interval", "steps": 2, "flo')  # killed mid-write
    summary = summarize_file(read_records(path))
    assert summary.steps == 2 and summary.flop == 500
