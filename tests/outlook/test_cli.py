"""``computegov outlook``: tables, --json, --csv, overrides and clear errors (exit 2, no traceback)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["outlook", *args])
    return result.exit_code, result.output


def test_json_has_every_year_constraint_and_the_anchor_checks() -> None:
    code, out = _run("--preset", "epoch2024", "--year", "2030", "--year", "2031", "--draws", "2000", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["years"] == [2030, 2031]
    assert set(data["by_year"][0]["constraints"]) == {"power", "chips", "data", "latency", "money"}
    assert data["binding_set"] == ["power", "chips", "data", "latency"]
    assert {c["constraint"] for c in data["anchor_checks"]} == {"power", "chips", "data", "latency"}
    assert data["seed"] >= 0 and data["preset"]["inputs"]


def test_csv_has_one_row_per_year_and_series() -> None:
    code, out = _run("--preset", "epoch2024", "--from", "2028", "--to", "2029", "--draws", "1000", "--csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["year"], r["series"]) for r in rows} >= {("2028", "feasible"), ("2029", "power"), ("2029", "trend")}
    assert float(rows[0]["q50_flop"]) > 0


def test_table_names_the_binding_constraint() -> None:
    code, out = _run("--preset", "epoch2024", "--year", "2030", "--draws", "2000")
    assert code == 0, out
    assert "power" in out and "binding" in out


def test_set_overrides_an_input() -> None:
    base = json.loads(_run("--preset", "epoch2024", "--year", "2030", "--draws", "1000", "--json")[1])
    more = json.loads(_run("--preset", "epoch2024", "--year", "2030", "--draws", "1000", "--json",
                           "--set", "power_w=1e11")[1])
    p = base["by_year"][0]["constraints"]["power"]["quantiles_flop"][2]
    q = more["by_year"][0]["constraints"]["power"]["quantiles_flop"][2]
    assert q > p


def test_unknown_input_is_a_one_line_error_with_exit_2() -> None:
    code, out = _run("--preset", "epoch2024", "--set", "powr_w=1e9")
    assert code == 2
    assert "powr_w" in out and "Traceback" not in out


def test_bad_assumptions_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("inputs:\n  power_w: {value: lots}\n", encoding="utf-8")
    code, out = _run("--preset", "epoch2024", "--assumptions", str(path))
    assert code == 2 and "a.yaml" in out and "power_w" in out


def test_unknown_preset_and_constraint_are_refused() -> None:
    assert _run("--preset", "nope")[0] == 2
    assert _run("--preset", "epoch2024", "--constraints", "power,weather")[0] == 2


def test_presets_lists_every_input_with_its_source() -> None:
    code, out = _run("presets", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert set(data) == {"toolkit", "epoch2024"}
    assert all(i["source"] for i in data["epoch2024"]["inputs"])


def test_sensitivity_json_ranks_inputs() -> None:
    code, out = _run("sensitivity", "--preset", "epoch2024", "--draws", "500", "--json")
    assert code == 0, out
    rows = json.loads(out)["rows"]
    assert rows and rows[0]["swing_log10"] >= rows[-1]["swing_log10"]
