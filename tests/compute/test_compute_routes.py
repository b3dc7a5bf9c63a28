"""Route error models calibrated on published runs, ranged inputs, and their combination."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.compute.routes import (
    CASES,
    error_model,
    leave_one_out,
    leave_one_out_combined,
    load_reference_runs,
    route_residuals,
)
from computegov.errors import DataError

runner = CliRunner()


def _check(args: list[str]) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["compute", "check", *args, "--date", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_reference_set_has_twenty_sourced_runs_with_stated_inputs() -> None:
    runs = load_reference_runs()
    assert len(runs) >= 20
    assert all(r.sources and r.params > 0 and r.tokens > 0 and r.compute_flop > 0 for r in runs)
    assert len({r.name for r in runs}) == len(runs)
    assert sum(r.compute_source == "developer" for r in runs) >= 8


def test_llama_31_405b_from_params_and_tokens_is_clear_of_both_lines() -> None:
    out = _check(["--params", "405e9", "--tokens", "15.6e12", "--epochs", "1"])
    by_value = {c["threshold_flop"]: c["probability_over"] for c in out["checks"]}
    assert by_value[1e26] < 0.05
    assert by_value[1e25] > 0.95
    assert out["estimate"]["flop_low"] <= 3.8e25 <= out["estimate"]["flop_high"]  # Meta's figure


def test_a_hardware_route_narrows_and_is_shown_beside_the_combination() -> None:
    arch = _check(["--params", "405e9", "--tokens", "15.6e12", "--epochs", "1"])["estimate"]
    both = _check(["--params", "405e9", "--tokens", "15.6e12", "--epochs", "1",
                   "--chip", "H100", "--chips", "16384", "--hours", "1882"])["estimate"]
    assert both["method"] == "combined"
    assert [a["method"] for a in both["alternatives"]] == ["architecture", "hardware"]
    assert both["flop_low"] <= 3.8e25 <= both["flop_high"]
    weights = both["inputs"]["weights"]
    assert weights[0] > weights[1] and math.isclose(sum(weights), 1.0)
    assert arch["method"] == "architecture"


@pytest.mark.parametrize(("route", "case"), [("architecture", "tokens_stated"), ("hardware", "utilisation_unknown")])
def test_leave_one_out_coverage_is_in_the_target_band(route: str, case: str) -> None:
    cov = leave_one_out(route, case)
    assert cov.n >= 12
    assert 0.80 <= cov.coverage <= 0.97, cov


def test_combined_routes_hold_out_of_sample_and_are_narrower_than_hardware_alone() -> None:
    both = leave_one_out_combined()
    alone = leave_one_out("hardware", "utilisation_unknown")
    assert 0.80 <= both.coverage <= 0.97
    assert both.median_width_log10 < alone.median_width_log10


def test_error_model_is_refitted_from_the_data() -> None:
    for route, case in CASES:
        model = error_model(route, case)
        residuals = sorted(r for _, r in route_residuals(load_reference_runs(), route, case))
        assert model.n == len(residuals)
        assert residuals[0] <= model.median_log10 <= residuals[-1]
        lo, hi = model.bounds_log10()
        assert lo <= 0 <= hi
        wider_lo, wider_hi = model.bounds_log10(0.1)
        assert wider_lo < lo and wider_hi > hi


def test_hardware_only_figures_do_not_calibrate_the_hardware_route() -> None:
    runs = load_reference_runs()
    names = {n for n, _ in route_residuals(runs, "hardware", "utilisation_unknown")}
    assert "BLOOM-176B" not in names  # Epoch's figure for BLOOM is itself a hardware estimate
    assert "Llama 3.1 405B" in names


def test_bad_reference_row_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "runs.yaml"
    bad.write_text("runs:\n  - name: X\n    params: 1e9\n    tokens: -5\n    compute_flop: 1e20\n"
                   "    compute_source: developer\n    published: 2024-01-01\n    sources: [a]\n")
    with pytest.raises(DataError, match=r"run 1 \(X\).*tokens"):
        load_reference_runs(bad)


def test_cli_ranges_widen_and_a_point_is_asserted() -> None:
    base = ["--chip", "H100", "--chips", "1000", "--days", "30"]
    point = _check([*base, "--utilisation", "0.4"])["estimate"]
    spread = _check([*base, "--utilisation", "0.3..0.45"])["estimate"]
    days = _check(["--chip", "H100", "--chips", "1000", "--days", "25..35", "--utilisation", "0.4"])["estimate"]
    assert any("asserted" in a for a in point["assumptions"])
    assert spread["flop_high"] / spread["flop_low"] > point["flop_high"] / point["flop_low"]
    assert days["flop_high"] / days["flop_low"] > point["flop_high"] / point["flop_low"]
    assert days["inputs"]["duration_s"] == pytest.approx(math.sqrt(25 * 35) * 86_400)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--days", "100..90"], "above its high end"),
        (["--utilisation", "0.3..1.5"], "utilisation"),
        (["--days", "abc"], "--days"),
        (["--days", "0"], "positive"),
    ],
)
def test_bad_ranges_are_one_line_errors(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["compute", "estimate", "--chip", "H100", "--chips", "8", *args, "--json"])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_reference_figures_match_the_bundled_epoch_rows() -> None:
    from computegov.compute.trend import load_notable_models

    table = load_notable_models().set_index("model")
    runs = load_reference_runs()
    for run in runs:
        assert run.epoch_model, run.name
        epoch = float(table.loc[run.epoch_model, "training_compute_flop"])
        if run.compute_source == "epoch":  # copied: equal to the row
            assert run.compute_flop == pytest.approx(epoch, rel=1e-6), run.name
        else:  # stated by the developer: Epoch records the same figure (within rounding)
            assert run.compute_flop == pytest.approx(epoch, rel=0.02), run.name
