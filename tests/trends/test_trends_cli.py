"""``computegov trends``: commands, JSON output and bad input (exit 2 with what is available)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["trends", *args])


def test_fit_json_has_doubling_time_with_ci_and_counts() -> None:
    result = _run("fit", "--metric", "flop_per_s_per_usd", "--set", "ml", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    lo, hi = data["doubling_time_ci_years"]
    assert lo < data["doubling_time_years"] < hi
    assert "chips have a launch price" in data["coverage_note"]


def test_fit_is_reproducible_with_the_report_seed() -> None:
    a = json.loads(_run("fit", "-m", "flop_per_j", "--json").output)
    b = json.loads(_run("fit", "-m", "flop_per_j", "--json").output)
    assert a == b


def test_fit_table_and_break_test() -> None:
    result = _run("fit", "-m", "training_flop_per_s", "--break-year", "2020")
    assert result.exit_code == 0, result.output
    assert "doubling time" in result.output and "Break at 2020" in result.output


def test_metrics_lists_counts() -> None:
    result = _run("metrics", "--json")
    assert result.exit_code == 0
    rows = {r["name"]: r for r in json.loads(result.output)["metrics"]}
    assert rows["flop_per_s_per_usd"]["n_chips_with_value"] > 10


def test_forecast_json_with_scenarios_and_ceiling() -> None:
    result = _run(
        "forecast",
        "-m",
        "flop_per_s_per_usd",
        "--scenario",
        "trend",
        "--scenario",
        "cotra_2020",
        "--ceiling",
        "1e13",
        "--to",
        "2040",
        "--paths",
        "2000",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [f["scenario"] for f in data["forecasts"]] == ["trend", "cotra_2020", "user_ceiling"]
    assert data["forecasts"][0]["by_year"][-1]["year"] == 2040


def test_forecast_irds_roadmap_from_the_cli() -> None:
    result = _run(
        "forecast", "-m", "flop_per_j", "--scenario", "irds_2022", "--scenario", "trend",
        "--to", "2040", "--paths", "2000", "--json",
    )
    assert result.exit_code == 0, result.output
    irds, trend = json.loads(result.output)["forecasts"]
    assert irds["scenario"] == "irds_2022" and "IRDS 2022" in irds["scenario_source"]
    medians = {row["year"]: row["q50"] for row in irds["by_year"]}
    assert medians[2040] == medians[2037] > medians[2027]  # improves to 2031, held after 2037
    assert trend["by_year"][-1]["q50"] > 10 * medians[2040]


def test_backtest_table_marks_the_best_method() -> None:
    result = _run("backtest", "-m", "training_flop_per_s", "--horizon", "3")
    assert result.exit_code == 0, result.output
    assert "most accurate" in result.output


def test_chart_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "trend.svg"
    result = _run("chart", "-m", "flop_per_j", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fit", "--metric", "nope"], "available: training_flop_per_s"),
        (["fit", "--set", "fronteer"], "available: all, ml, datacenter, frontier"),
        (
            ["fit", "-m", "flop_per_s_per_usd", "--manufacturer", "Tesla"],
            "n = 0 of 1 chips have a launch price",
        ),
        (["fit", "--manufacturer", "nvdia"], "manufacturers in the data: Alibaba"),
        (["fit", "--kind", "fpga"], "kinds in the data: asic, cpu, gpu"),
        (["forecast", "--from", "1990"], "before the data"),
        (["forecast", "--scenario", "nope"], "available: trend"),
        (["forecast", "-m", "memory_bytes", "--scenario", "irds_2022"], "maps to flop_per_j"),
        (["chart", "--type", "pie", "-o", "x.svg"], "available: trend, forecast, backtest"),
    ],
)
def test_bad_input_exits_2_saying_what_is_available(args: list[str], expected: str) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())
