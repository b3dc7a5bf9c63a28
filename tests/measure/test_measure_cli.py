"""``computegov measure demo`` and ``computegov measure summarize``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from computegov.cli import app
from computegov.measure.demo import GPTConfig, gpt_training_flop

runner = CliRunner()


def test_demo_json_reports_the_closed_form_flop(tmp_path: Path) -> None:
    records = tmp_path / "run.jsonl"
    result = runner.invoke(
        app, ["measure", "demo", "--steps", "5", "--json", "--records", str(records)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    config = GPTConfig()
    full = gpt_training_flop(config, 8, config.context)["total"]
    short = gpt_training_flop(config, 8, config.context // 2)["total"]
    assert data["flop"] == 4 * full + short  # every fifth batch is half length
    assert data["steps"] == 5 and data["counted_steps"] == 2
    assert data["causal_attention_convention"] == "full"
    assert data["mfu"] is None and data["mfu_unavailable_reason"]
    again = runner.invoke(app, ["measure", "summarize", str(records), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["flop"] == data["flop"]


def test_demo_table_for_people() -> None:
    result = runner.invoke(app, ["measure", "demo", "--steps", "2"])
    assert result.exit_code == 0, result.output
    assert "FlopCounterMode" in result.output and "MFU" in result.output


def test_summarize_a_bad_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["measure", "summarize", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
    assert "no such records file" in result.output


def test_ledger_demo_without_the_ledger_module_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "computegov.ledger.demo", None)  # import fails
    result = runner.invoke(
        app, ["measure", "demo", "--steps", "1", "--ledger", str(tmp_path / "l.jsonl")]
    )
    assert result.exit_code == 2
    assert "run_demo_with_ledger" in result.output


def test_key_without_ledger_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["measure", "demo", "--key", str(tmp_path / "k")])
    assert result.exit_code == 2 and "--ledger" in result.output
