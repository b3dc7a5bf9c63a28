"""The catalogue commands: Rich tables for people, stable JSON for scripts, exit 2 on bad input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def test_show_json_gives_dense_si_figures_with_sources() -> None:
    result = runner.invoke(app, ["catalog", "show", "H100 SXM", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["peak_flop_per_s"]["bf16"] == 989.4e12
    assert data["memory_bytes"] == 80e9
    assert data["memory_bandwidth_bytes_per_s"] == 3.35e12
    assert data["die_area_mm2"] == 814
    assert data["tdp_w"] == 700
    assert data["sources"]["*"].startswith("Epoch AI")


def test_show_table_for_people() -> None:
    result = runner.invoke(app, ["catalog", "show", "h100 sxm"])
    assert result.exit_code == 0
    assert "989.4 TFLOP/s" in result.output


def test_list_json_filters() -> None:
    result = runner.invoke(app, ["catalog", "list", "--manufacturer", "google", "--since", "2020", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["count"] == len(data["chips"]) > 2
    assert all(c["manufacturer"] == "Google" for c in data["chips"])
    assert all(c["release_date"] >= "2020" for c in data["chips"])


def test_unknown_chip_exits_2_with_suggestions() -> None:
    result = runner.invoke(app, ["catalog", "show", "H1000"])
    assert result.exit_code == 2
    assert "did you mean" in result.output
    assert "Traceback" not in result.output


def test_unknown_kind_exits_2() -> None:
    result = runner.invoke(app, ["catalog", "list", "--kind", "fpga"])
    assert result.exit_code == 2
    assert "expected one of" in result.output


def test_anomalies_command_lists_source_problems() -> None:
    result = runner.invoke(app, ["catalog", "anomalies", "--json"])
    assert result.exit_code == 0
    assert any(a["kind"] == "infinite-price-performance" for a in json.loads(result.output))
