"""Answers people can read: a short licence answer first, one forecast table, numbers as people write them."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from computegov.cli import app

runner = CliRunner()


def _out(*argv: str) -> str:
    result = runner.invoke(app, list(argv))
    assert result.exit_code == 0, result.output
    return result.output


def test_destination_answer_is_short_and_names_outcome_rule_clause_and_margin() -> None:
    out = _out("policy", "classify", "MI325X", "--destination", "CN")
    data = json.loads(_out("policy", "classify", "MI325X", "--destination", "CN", "--json"))
    lines = out.strip().splitlines()
    assert len(lines) <= 8, out
    assert "licence required" in lines[0] and "case by case" in lines[0]
    assert f"rule: {data['rule']}" in out
    assert "decides: " in out and data["review_clause"] in " ".join(out.split())
    # the deciding clause is the review condition nearest its threshold, with its margin
    nearest = min(data["checks"], key=lambda k: abs(k["relative_margin"]))
    assert f"{abs(nearest['relative_margin']):.1%}" in out
    assert "20,919" in out and "21,000" in out
    assert not re.search(r"\d\.\d+e[+-]\d", out), "numbers in scientific notation"


def test_explain_shows_every_clause_and_the_sources() -> None:
    short = _out("policy", "classify", "MI325X", "--destination", "CN")
    full = _out("policy", "classify", "MI325X", "--destination", "CN", "--explain")
    assert "review thresholds" in full and "review thresholds" not in short
    assert "source:" in full
    assert len(full.splitlines()) > len(short.splitlines())


def test_no_research_notes_in_text_output() -> None:
    data = json.loads(_out("policy", "classify", "MI325X", "--destination", "CN", "--json"))
    assert data["notes"], "the JSON keeps the notes"
    for argv in (("policy", "classify", "MI325X", "--destination", "CN"),
                 ("policy", "classify", "MI325X", "--destination", "CN", "--explain"),
                 ("policy", "classify", "H100")):
        out = " ".join(_out(*argv).split())
        for note in data["notes"]:
            assert " ".join(note.split())[:60] not in out


def test_rule_conditions_have_thousands_separators() -> None:
    out = _out("policy", "classify", "H100")
    assert "TPP >= 4,800" in out
    assert "TPP >= 4800" not in out.split("why:")[1].split("\n", 2)[2]  # the table, not the library's reason


def test_forecast_prints_one_table_with_the_chosen_method_and_labelled_alternatives() -> None:
    out = _out("trends", "forecast", "--to", "2030", "--scenario", "trend", "--scenario", "moore_2yr")
    data = json.loads(_out("trends", "forecast", "--to", "2030", "--scenario", "trend", "--scenario",
                           "moore_2yr", "--json"))
    method = data["record_forecast"]["method"]
    assert out.count("┏") == 1, "one table"
    assert "chosen: the record on" in " ".join(out.split()) and method in out
    assert "alt. 1: trend" in out and "alt. 2: moore_2yr" in out
    median_2030 = next(r["q50"] for r in data["record_forecast"]["by_year"] if int(r["year"]) == 2030)
    assert f"{median_2030:.3g}" in out
    assert set(data) >= {"fit", "forecasts", "record_forecast", "record_forecast_note"}
