"""`computegov compute ...` end to end through Typer's runner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["compute", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_estimate_from_parameters_and_tokens() -> None:
    out = _json(["estimate", "--params", "70e9", "--tokens", "15T"])
    assert out["method"] == "architecture"
    assert out["flop"] == pytest.approx(6.3e24)


def test_estimate_from_hardware_uses_the_catalogue() -> None:
    out = _json(["estimate", "--chip", "H100", "--chips", "16384", "--days", "54", "--utilisation", "0.4"])
    assert out["method"] == "hardware"
    peak = out["inputs"]["peak_flop_per_s"]
    assert 9e14 < peak < 1.1e15  # H100 SXM dense BF16 ~989 TFLOP/s
    assert out["flop"] == pytest.approx(16384 * peak * 54 * 86400 * 0.4)


def test_estimate_measured_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"totals": {"flop": 3.2e21}}))
    out = _json(["estimate", "--measured", str(report), "--params", "1B", "--tokens", "500B"])
    assert out["method"] == "measured"
    assert out["alternatives"][0]["method"] == "architecture"


def test_check_reports_each_threshold_in_force() -> None:
    out = _json(["check", "--params", "405B", "--tokens", "15.6T", "--fine-tuning-flop", "1e24", "--date", "2026-01-01"])
    checks = {c["threshold_id"]: c for c in out["checks"]}
    assert checks["eu-ai-act-art51-systemic-risk"]["over"] is True
    assert checks["us-ca-sb53-frontier-model"]["over"] is False
    assert checks["us-ca-sb53-frontier-model"]["flop"] == pytest.approx(6 * 405e9 * 15.6e12 + 1e24)
    assert "us-eo14110-dual-use-foundation-model" not in checks


def test_check_history_includes_revoked_orders() -> None:
    out = _json(["check", "--flop", "2e26", "--all"])
    ids = {c["threshold_id"]: c for c in out["checks"]}
    assert ids["us-eo14110-dual-use-foundation-model"]["over"] is True


def test_threshold_inverse_by_chip() -> None:
    out = _json(["threshold", "1e26", "--chip", "H100", "--days", "100", "--years", "2026-2027"])
    (eq,) = out["equivalents"]
    assert eq["chips_needed"] == pytest.approx(eq["chip_days"] / 100)
    assert eq["energy_mwh"] > 0
    assert [y["year"] for y in out["by_year"]] == [2026, 2027]
    assert out["by_year"][1]["chip_days"] < out["by_year"][0]["chip_days"]


def test_trend_json_has_growth_and_forecast() -> None:
    out = _json(["trend", "--years", "2026-2027"])
    assert 4 < out["trend"]["growth_per_year"] < 5
    assert {f["year"] for f in out["forecast"]} == {2026, 2027}


def test_human_output_renders() -> None:
    result = runner.invoke(app, ["compute", "check", "--flop", "3e25", "--date", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "OVER" in result.stdout and "under" in result.stdout


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["estimate", "--params", "7b", "--tokens", "1T"], "ambiguous"),
        (["estimate", "--params", "7B", "--tokens", "1T", "--words", "1T"], "not both"),
        (["estimate", "--chip", "H100", "--chips", "8", "--days", "3", "--utilisation", "1.5"], "utilisation"),
        (["estimate", "--chip", "H100", "--chips", "8", "--days", "3", "--precision", "int4"], "int4"),
        (["estimate", "--chip", "no-such-chip-xyz", "--chips", "8", "--days", "3"], ""),
        (["estimate", "--params", "7B"], "tokens"),
        (["check", "--flop", "1e25", "--date", "tomorrow"], "YYYY-MM-DD"),
        (["threshold", "lots"], "could not read"),
        (["threshold", "0"], "positive"),
        (["threshold", "--", "-1e26"], "positive"),
        (["threshold", "1e26", "--days", "0"], "days"),
        (["threshold", "1e26", "--pue", "0.5"], "PUE"),
        (["threshold", "1e26", "--chip", "H100", "--utilisation", "40"], "0.4"),
        (["threshold", "1e26", "--precision", "fp13"], "precision"),
        (["estimate", "--params", "7 billion", "--tokens", "1T"], "suffix"),
        (["estimate", "--params", "7B", "--tokens", "-1T"], "positive"),
        (["estimate", "--params", "7B", "--tokens", "nan"], "could not read"),
        (["estimate", "--params", "7B", "--tokens", "1T", "--epochs", "0"], "--epochs"),
        (["estimate", "--chip", "H100", "--chips", "8", "--days", "-3"], "--days"),
        (["estimate", "--measured", "/nonexistent/report.json"], "cannot read"),
        (["check", "--flop", "1e25", "--tag", "bogus"], "unknown tag"),
        (["estimate", "--params", "7B", "--tokens", "9T words"], "give it as --words 9T"),
        (["estimate", "--params", "7B", "--words", "9T tokens"], "give it as --tokens 9T"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], match: str) -> None:
    result = runner.invoke(app, ["compute", *args])
    assert result.exit_code == 2, result.output
    assert match in result.output
    assert "Traceback" not in result.output


def test_threshold_rent_prices_the_h100_from_rental_quotes() -> None:
    out = _json(["threshold", "1e26", "--chip", "H100", "--rent"])
    (eq,) = out["equivalents"]
    assert "rent" in eq["cost_note"]
    assert eq["cost_usd_low"] <= eq["cost_usd"] <= eq["cost_usd_high"]
    assert 1e7 < eq["cost_usd"] < 1e10  # 1e26 FLOP on rented H100s: hundreds of millions of USD


def test_check_says_when_no_threshold_is_in_force() -> None:
    result = runner.invoke(app, ["compute", "check", "--flop", "1e25", "--date", "2001-01-01"])
    assert result.exit_code == 0, result.output
    assert "No threshold is in force on 2001-01-01" in result.output


def test_check_names_the_phases_a_threshold_leaves_out() -> None:
    out = _json(["check", "--flop", "1e25", "--synthetic-data-flop", "2e25", "--date", "2026-06-01"])
    checks = {c["threshold_id"]: c for c in out["checks"]}
    assert checks["eu-ai-act-art51-systemic-risk"]["flop"] == pytest.approx(3e25)
    assert checks["us-ca-sb53-frontier-model"]["flop"] == pytest.approx(1e25)  # synthetic data not named
    human = runner.invoke(app, ["compute", "check", "--flop", "1e25", "--synthetic-data-flop", "2e25", "--date", "2026-06-01"])
    assert "does not count: synthetic-data" in human.output


def test_json_output_has_no_nan_or_infinity() -> None:
    for args in (["estimate", "--params", "70e9", "--tokens", "15e12"], ["threshold", "1e26", "--years", "2026-2027"],
                 ["check", "--flop", "3e25", "--all"]):
        result = runner.invoke(app, ["compute", *args, "--json"])
        assert result.exit_code == 0, result.output
        assert "NaN" not in result.stdout and "Infinity" not in result.stdout


def test_unit_words_after_counts_are_understood() -> None:
    out = _json(["estimate", "--params", "7B params", "--tokens", "2T tokens"])
    assert out["flop"] == pytest.approx(6 * 7e9 * 2e12)
    words = _json(["estimate", "--params", "7B", "--words", "1.5T words"])
    assert words["flop"] == pytest.approx(6 * 7e9 * 2e12)  # 1.5T words x 4/3 token per word


def test_check_takes_a_relative_error_and_reports_borderline() -> None:
    out = _json(["check", "--flop", "1.001e25", "--dex", "0.1", "--date", "2026-01-01"])
    (eu,) = [c for c in out["checks"] if c["threshold_id"] == "eu-ai-act-art51-systemic-risk"]
    assert 0.2 <= eu["probability_over"] <= 0.8
    assert eu["verdict"] == "borderline" and eu["borderline"] is True
    assert {"over", "margin_oom", "probability_over", "flop_low", "flop_high"} <= eu.keys()  # old keys kept
    assert out["estimate"]["distribution"] == "lognormal"


@pytest.mark.parametrize(
    "flop_args",
    [["--flop", "8e24..4e25"], ["--flop-low", "8e24", "--flop-high", "4e25"]],
)
def test_check_takes_an_interval(flop_args: list[str]) -> None:
    out = _json(["check", *flop_args, "--date", "2026-01-01"])
    assert out["estimate"]["flop_low"] == pytest.approx(8e24)
    assert out["estimate"]["flop_high"] == pytest.approx(4e25)
    (eu,) = [c for c in out["checks"] if c["threshold_id"] == "eu-ai-act-art51-systemic-risk"]
    assert eu["verdict"] == "borderline"


def test_check_takes_significant_figures() -> None:
    out = _json(["check", "--flop", "1e25", "--sig-figs", "1", "--date", "2026-01-01"])
    (eu,) = [c for c in out["checks"] if c["threshold_id"] == "eu-ai-act-art51-systemic-risk"]
    assert eu["probability_over"] == pytest.approx(0.5 / 0.55)
    assert out["estimate"]["distribution"] == "uniform"


def test_threshold_widens_its_ranges_by_the_flop_uncertainty() -> None:
    point = _json(["threshold", "1e25", "--chip", "H100"])
    fuzzy = _json(["threshold", "1e25", "--chip", "H100", "--dex", "0.2"])
    assert fuzzy["flop_low"] < 1e25 < fuzzy["flop_high"]
    (p,), (f,) = point["equivalents"], fuzzy["equivalents"]
    assert f["chip_days"] == pytest.approx(p["chip_days"])
    assert f["chip_days_low"] < p["chip_days_low"] and f["chip_days_high"] > p["chip_days_high"]
    assert f["chip_days_high"] / p["chip_days_high"] == pytest.approx(fuzzy["flop_high"] / 1e25)


def test_estimate_takes_a_precision_mix() -> None:
    base = ["estimate", "--chip", "H100", "--chips", "1000", "--days", "10", "--utilisation", "0.4"]
    mixed = _json([*base, "--precision-mix", "fp8=0.7,bf16=0.3"])
    bf16 = _json([*base, "--precision", "bf16"])
    fp8 = _json([*base, "--precision", "fp8"])
    expected = 1 / (0.7 / fp8["inputs"]["peak_flop_per_s"] + 0.3 / bf16["inputs"]["peak_flop_per_s"])
    assert mixed["inputs"]["peak_flop_per_s"] == pytest.approx(expected)


@pytest.mark.parametrize(
    "args",
    [
        ["estimate", "--chip", "H100", "--chips", "1.5", "--days", "10"],
        ["estimate", "--params", "7B", "--tokens", "1T", "--layers", "99999999999999999999", "--d-model", "4096", "--ctx", "4096"],
        ["threshold", "1e26", "--years", "2025-9999"],
        ["trend", "--years", "2025-9999"],
        ["check", "--flop", "nan"],
        ["check", "--flop", "1e400"],
        ["check", "--flop", "-1e25"],
        ["check", "--flop", "1e25", "--dex", "inf"],
        ["check", "--flop", "1.001e25", "--sig-figs", "1"],
        ["threshold", "1e400"],
        ["threshold", "1e25", "--days", "nan"],
        ["estimate", "--chip", "H100", "--chips", "100", "--days", "1e400"],
        ["estimate", "--params", "7B", "--tokens", "1T", "--epochs", "nan"],
        ["estimate", "--chip", "H100", "--chips", "100", "--days", "10", "--precision-mix", "fp8=0.7,bf16=0.2"],
        ["trend", "--since", "nan"],
    ],
)
def test_hostile_values_exit_2_without_traceback(args: list[str]) -> None:
    result = runner.invoke(app, ["compute", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
