"""The known-runs benchmark prints its comparison table."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "known_runs.py"


@pytest.fixture(scope="module")
def known_runs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("known_runs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["known_runs"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("known_runs", None)


def test_table_lists_every_run_with_ratios(known_runs, capsys) -> None:  # type: ignore[no-untyped-def]
    assert known_runs.main([]) == 0
    out = capsys.readouterr().out
    for run in known_runs.RUNS:
        assert run.name in out
    assert "mfu_ratio: n = " in out
    assert "Sources:" in out


def test_llama_chip_hours_follow_from_peak_and_mfu(known_runs, capsys) -> None:  # type: ignore[no-untyped-def]
    known_runs.main(["--json"])
    rows = {r["run"]: r for r in json.loads(capsys.readouterr().out)}
    llama = rows["Llama 3.1 405B"]
    # 3.8e25 FLOP / (989.4 TFLOP/s x 0.40) / 3600 s = 26.7M H100-hours vs 30.84M reported
    assert llama["chip_hours_ours"] == pytest.approx(3.8e25 / (9.894e14 * 0.40 * 3600))
    assert llama["chip_hours_ratio"] == pytest.approx(llama["chip_hours_ours"] / 30.84e6)
    for row in rows.values():
        for key in ("mfu_ratio", "cost_ratio"):
            value = row[key]
            assert value is None or (math.isfinite(value) and 0.1 < value < 10), (row["run"], key)


def test_scaling_model_tracks_reported_mfu_with_cited_tpu_links(known_runs, capsys) -> None:  # type: ignore[no-untyped-def]
    known_runs.main(["--json"])
    rows = {r["run"]: r for r in json.loads(capsys.readouterr().out)}
    # TPU interconnect comes from the cited table, not the 25 GB/s network fallback
    for name in ("PaLM 540B", "Gopher 280B"):
        assert any("interconnect table" in note for note in rows[name]["bandwidth_notes"])
        assert not any("assumed" in note for note in rows[name]["bandwidth_notes"])
    ratios = [r["mfu_ratio"] for r in rows.values()]
    # every run within a factor 1.6 of its reported MFU, half of them within 20 %
    assert all(1 / 1.6 < ratio < 1.6 for ratio in ratios), ratios
    assert sorted(abs(math.log10(r)) for r in ratios)[len(ratios) // 2] < math.log10(1.2)
