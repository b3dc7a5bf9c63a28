"""``computegov clusters`` and ``computegov supply`` as scripts see them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def test_summary_json_gives_doubling_time_with_ci_and_country_shares() -> None:
    result = runner.invoke(app, ["clusters", "summary", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    perf = data["leading_performance"]
    lo, hi = perf["doubling_time_ci_months"]
    assert lo < perf["doubling_time_months"] < hi
    # Pilz et al. 2025 (arXiv:2504.16026): ~9 months; US ~75 %, China ~15 % of performance in early 2025.
    assert 7 < perf["doubling_time_months"] < 11
    shares = data["country_shares"]
    assert sum(shares.values()) == pytest.approx(1.0)
    assert 0.65 < shares["US"] < 0.85 and 0.08 < shares["CN"] < 0.2
    assert "Epoch AI" in data["attribution"]


def test_stocks_json_over_several_dates() -> None:
    result = runner.invoke(app, ["clusters", "stocks", "--by", "owner", "--dates", "2022-01-01,2025-01-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    first, second = data["stocks"]
    assert first["by"] == "owner" and second["total"] > first["total"]


def test_supply_estimate_json_names_the_binding_bottleneck() -> None:
    result = runner.invoke(app, ["supply", "estimate", "--preset", "smic-7nm", "--samples", "500", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["binding"] in ("logic", "hbm", "packaging")
    assert data["accelerators_per_year"] == min(v for v in data["capacity_per_year"].values() if v is not None)
    assert data["quantiles"]["0.05"] <= data["quantiles"]["0.95"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["clusters", "stocks", "--country", "Narnia"], "country"),
        (["clusters", "stocks", "--add", "Test,Narnia,H100,10"], "country"),
        (["clusters", "stocks", "--add", "Test,US,H100,-5"], "chip_count"),
        (["clusters", "stocks", "--by", "planet"], "by"),
        (["supply", "estimate", "--die-area-mm2", "900"], "die_area_mm2"),
        (["supply", "estimate", "--wafer-diameter-mm", "25", "--die-area-mm2", "800"], "die_area_mm2"),
        (["supply", "estimate", "--yield-model", "negative-binomial", "--alpha", "-1"], "alpha"),
        (["supply", "estimate", "--packaging-yield", "2"], "packaging_yield"),
        (["supply", "estimate", "--defect-density-per-cm2", "-0.1"], "defect_density_per_cm2"),
    ],
)
def test_bad_input_is_one_line_naming_the_field_exit_2(args: list[str], field: str) -> None:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("error:") and field in message
    assert len(message.splitlines()) <= 2  # one line (Rich may wrap a long one in narrow terminals)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_users_file_with_bad_values_warns_and_keeps_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clusters.csv"
    path.write_text(
        "Name,Status,Chip quantity (primary),Country,First Operational Date,H100 equivalents\n"
        "A,Existing,-4,US,1/1/2024,10\nB,Existing,5,Mars,2/1/2024,20\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["clusters", "stocks", "--data", str(path), "--set", "all", "--json"])
    assert result.exit_code == 0, result.output
    assert "2 unreadable values" in result.stderr
    assert json.loads(result.stdout)["stocks"][0]["total"] == 30  # both rows kept
    listed = runner.invoke(app, ["clusters", "table", "--data", str(path), "--json"])
    fields = {w["field"] for w in json.loads(listed.stdout)["warnings"]}
    assert fields == {"chip_count", "country"}
