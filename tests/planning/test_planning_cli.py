"""``computegov plan``: search, fixed configuration, JSON and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def test_fixed_configuration_prints_days_cost_energy_and_fit() -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            "--flop",
            "3.8e25",
            "--chip",
            "H100 SXM",
            "--chips",
            "16384",
            "--utilisation",
            "0.35",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    option = json.loads(result.stdout)["option"]
    seconds = 3.8e25 / (16384 * 9.894e14 * 0.35)
    assert option["duration_s"]["central"] == pytest.approx(seconds)
    assert option["memory_fits"] is True
    assert option["energy_mwh"]["central"] > 0
    assert "NaN" not in result.stdout


@pytest.mark.slow
def test_search_over_the_catalogue_ranks_options() -> None:
    result = runner.invoke(
        app, ["plan", "--params", "70e9", "--tokens", "15e12", "--rent", "--top", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    costs = [o[f"cost_usd_{o['dollar_year']}"]["central"] for o in payload["options"]]
    assert costs == sorted(costs)
    assert 1 <= len(payload["options"]) <= 3


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["plan", "--flop", "0"], "positive"),
        (["plan", "--flop", "-3e25"], "positive"),
        (["plan"], "--flop"),
        (["plan", "--flop", "1e25", "--chips", "8"], "--chip"),
        (["plan", "--flop", "1e25", "--chip", "A100", "--chips", "64"], "launch_price_usd"),
        (["plan", "--flop", "1e25", "--utilisation", "2"], "utilisation"),
        (
            [
                "plan",
                "--flop",
                "3e27",
                "--chip",
                "H100",
                "--deadline-days",
                "30",
                "--max-chips",
                "1000",
            ],
            "deadline binds",
        ),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: list[str], needle: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
