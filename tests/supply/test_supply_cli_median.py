"""The supply CLI prints the Monte Carlo median as its headline, and the hindcast table."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.supply.hindcast import HINDCASTS

runner = CliRunner()


def test_the_printed_headline_is_the_monte_carlo_median_inside_its_interval() -> None:
    args = ["supply", "estimate", "--wafer-starts-per-month", "15000", "--hbm-stacks-per-year", "8e6",
            "--packaging-wafers-per-month", "18000", "--seed", "3", "--samples", "2000"]
    payload = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    text = runner.invoke(app, args).output
    headline = float(re.search(r"([\d,]+) accelerators/yr", text).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert headline == pytest.approx(payload["median_accelerators_per_year"], abs=1.0)
    assert payload["quantiles"]["0.05"] <= headline <= payload["quantiles"]["0.95"]
    # the output at central inputs is shown too, and here it is not the median
    assert payload["accelerators_per_year"] != pytest.approx(headline, rel=1e-6)


def test_hindcast_cli_json() -> None:
    result = runner.invoke(app, ["supply", "hindcast", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["hindcasts"]
    assert {r["name"] for r in rows} == {h.name for h in HINDCASTS}
