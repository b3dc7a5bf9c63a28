"""The report's AI-supercomputer section shows the same numbers as the CLI and API."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from computegov.cli import app
from computegov.report.section import DEFAULT_SEED, ReportContext


@pytest.mark.slow
def test_section_numbers_match_cli_json() -> None:
    from computegov.catalog import load_catalog
    from computegov.report.sections.clusters import build

    section = build(ReportContext(load_catalog(user_config=False)))
    assert section.id == "clusters" and 60 < section.order < 70
    assert section.html.count('class="vega-chart"') == 3
    assert "Epoch AI" in section.html and "GPU Clusters" in section.html
    result = CliRunner().invoke(app, ["clusters", "summary", "--seed", str(DEFAULT_SEED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    perf = data["leading_performance"]
    lo, hi = perf["doubling_time_ci_months"]
    row = re.search(r"16-bit FLOP/s</td><td[^>]*>(\d+)</td><td[^>]*>([\d.]+)</td><td[^>]*>([\d.]+) to ([\d.]+)<", section.html)
    assert row is not None
    assert int(row.group(1)) == perf["n"]
    assert float(row.group(2)) == pytest.approx(perf["doubling_time_months"], abs=0.05)
    assert (float(row.group(3)), float(row.group(4))) == pytest.approx((lo, hi), abs=0.05)
    assert f"US held {data['country_shares']['US']:.0%}" in section.html

    # The first-reaching table: the same numbers as `clusters thresholds --json`.
    result = CliRunner().invoke(app, ["clusters", "thresholds", "--seed", str(DEFAULT_SEED), "--json"])
    assert result.exit_code == 0, result.output
    sizes = {s["metric"]: s for s in json.loads(result.stdout)["first_reaching"]}
    power = sizes["power_w"]
    p2030 = next(p["probability"] for p in power["p_reached_by_end_of_year"] if p["year"] == 2030)
    row = re.search(r"1e\+09 W</td>(.*?)</tr>", section.html)
    assert row is not None
    assert f">{p2030:.0%}<" in row.group(1)
    if power["median_year"] is not None:
        assert f">{power['median_year']:.1f}<" in row.group(1)
    checks = json.loads(result.stdout)["hindcast"]
    assert f"h100e: held in {checks[0]['held']} of {checks[0]['n']} cases" in section.html
