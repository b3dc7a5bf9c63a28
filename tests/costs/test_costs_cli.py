"""``computegov costs``: tables, JSON and clear errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def test_tco_json_has_the_dollar_year_and_ordered_ranges() -> None:
    result = runner.invoke(app, ["costs", "tco", "H100", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    summary = payload["summary"]
    year = summary["dollar_year"]
    total = summary["chip_hour"][f"total_usd_{year}_per_chip_hour"]
    assert 0 < total["low"] <= total["central"] <= total["high"]
    assert "NaN" not in result.stdout


def test_tco_table_names_each_component() -> None:
    result = runner.invoke(app, ["costs", "tco", "H100"])
    assert result.exit_code == 0, result.output
    for word in ("hardware", "datacenter", "electricity", "total per chip-hour"):
        assert word in result.stdout


def test_chip_without_price_exits_2_naming_the_field_and_rent() -> None:
    result = runner.invoke(app, ["costs", "tco", "A100"])
    assert result.exit_code == 2
    assert "launch_price_usd" in result.output
    assert "--rent" in result.output


def test_rent_and_user_price_fill_the_gap() -> None:
    assert runner.invoke(app, ["costs", "tco", "A100 80GB", "--rent"]).exit_code == 0
    assert runner.invoke(app, ["costs", "tco", "A100", "--price-usd", "15000"]).exit_code == 0


def test_compute_and_assumptions_and_rental_commands_run() -> None:
    result = runner.invoke(app, ["costs", "compute", "1e26", "--chip", "H100", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["flop"] == 1e26
    result = runner.invoke(app, ["costs", "assumptions", "--json"])
    assert result.exit_code == 0
    assert any(a["name"] == "pue" for a in json.loads(result.stdout)["costs"])
    assert runner.invoke(app, ["costs", "rental", "H100"]).exit_code == 0


def test_zero_compute_exits_2() -> None:
    result = runner.invoke(app, ["costs", "compute", "0", "--chip", "H100"])
    assert result.exit_code == 2
    assert "positive" in result.output
