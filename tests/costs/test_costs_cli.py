"""``computegov costs``: tables, JSON and clear errors."""

from __future__ import annotations

import json

import pytest
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


def _total(args: list[str]) -> dict:
    result = runner.invoke(app, ["costs", "tco", "H100", *args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    return summary["chip_hour"][f"total_usd_{summary['dollar_year']}_per_chip_hour"]


def test_a_typed_price_marked_as_a_server_price_costs_what_the_catalogue_price_costs() -> None:
    catalogue = _total([])
    typed = _total(["--price-usd", "34591.2", "--price-includes-server"])
    assert typed["central"] == pytest.approx(catalogue["central"], rel=1e-4)
    # unmarked, a typed price is the chip alone: a lower typed price always costs less
    assert _total(["--price-usd", "20000"])["central"] < catalogue["central"]


def test_every_assumption_can_be_set_from_a_file_or_set(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("pue: 1.5\nlifetime_years: [3, 3, 3]\n", encoding="utf-8")
    from_file = _total(["--assumptions", str(path)])
    from_set = _total(["--set", "pue=1.5", "--set", "lifetime_years=3,3,3"])
    assert from_file == from_set
    assert from_file["central"] > _total([])["central"]


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "nonsense=1"],
        ["--set", "pue"],
        ["--set", "pue=abc"],
        ["--set", "lifetime_years=-2"],
        ["--price-includes-server"],
    ],
)
def test_bad_assumptions_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, ["costs", "tco", "H100", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
