"""``computegov emerging``: JSON output, and bad input as one line of error with exit status 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, ["emerging", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_register_json_lists_every_entry_with_its_source() -> None:
    data = _json(["register"])
    assert len(data["entries"]) >= 10
    assert all(e["source"]["citation"] and (e["source"]["doi"] or e["source"]["url"]) for e in data["entries"])
    photonic = _json(["register", "--paradigm", "photonic"])["entries"]
    assert photonic and {e["paradigm"] for e in photonic} == {"photonic"}


def test_compare_json_for_one_entry_from_history() -> None:
    rows = _json(["compare", "--id", "intel_hala_point_2024", "--history-only"])["comparisons"]
    assert len(rows) == 1 and rows[0]["comparable"]
    assert rows[0]["ratio_to_record"] > 1 and "level" in rows[0]["caveats"]


def test_scenario_json_mixes_the_register_multiplier_into_the_record_forecast() -> None:
    # The forecast starts the year after the catalogue's newest chip (2026 chips: 2027 on); the
    # paradigm arrives in 2029, so the first year's forecast is the record's own.
    data = _json(["scenario", "--paradigm", "analog_in_memory", "-p", "1", "--year", "2029", "--to", "2030"])
    assert data["scenario"]["source"].startswith("register")
    by_year = {row["year"]: row for row in data["by_year"]}
    first = min(by_year)
    assert first < 2029 and by_year[first]["q50"] == pytest.approx(by_year[first]["base_q50"])
    assert by_year[2030.0]["q50"] > 2 * by_year[2030.0]["base_q50"]  # analog claims: 2.3-2.9x


def test_quantum_json_reproduces_the_paper_and_compares_chips() -> None:
    data = _json(["quantum", "--toffolis", "100", "--degree", "2", "--top", "1"])
    assert max(abs(r["rel_error"]) for r in data["paper"]) < 0.03
    assert len(data["against_chips"]) == 1 and data["yours"][0]["degree"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["register", "--paradigm", "alchemy"], "unknown paradigm"),
        (["register", "--evidence", "rumour"], "unknown evidence kind"),
        (["compare", "--id", "no_such_entry", "--history-only"], "no register entry"),
        (["scenario", "--paradigm", "alchemy", "-p", "0.5"], "unknown paradigm"),
        (["scenario", "--paradigm", "photonic", "-p", "1.5"], "1.5"),
        (["scenario", "--paradigm", "photonic", "-p", "-0.1"], "-0.1"),
        (["scenario", "--paradigm", "photonic", "-p", "0.5", "--multiplier", "0"], "0"),
        (["scenario", "--paradigm", "photonic", "-p", "0.5", "--multiplier", "-3"], "-3"),
        (["scenario", "--paradigm", "photonic", "-p", "0.5", "--multiplier", "10", "--multiplier-high", "2"],
         "below low"),
        (["scenario", "--paradigm", "quantum", "-p", "0.5"], "no comparable register entry"),
        (["quantum", "--degree", "1"], "2 to 8"),
        (["quantum", "--toffolis", "0"], "0"),
        (["quantum", "--precision", "fp7"], "fp7"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["emerging", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.output
    assert "Traceback" not in result.output
