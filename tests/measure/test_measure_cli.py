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


def test_demo_table_for_people_states_units_and_the_convention() -> None:
    result = runner.invoke(app, ["measure", "demo", "--steps", "2"])
    assert result.exit_code == 0, result.output
    for text in ("FlopCounterMode", "causal attention counted", " FLOP", " FLOP/s", " s", "MFU"):
        assert text in result.output


def test_demo_with_a_catalogue_chip_reports_mfu_against_its_peak() -> None:
    result = runner.invoke(app, ["measure", "demo", "--steps", "1", "--chip", "H100 SXM", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "H100" in data["chip"] and data["precision"] == "fp32"
    assert data["mfu"] == pytest.approx(data["flop_per_s"] / data["peak_flop_per_s"], rel=1e-12)
    assert data["mfu_6nd"] == pytest.approx(
        data["model_flop_6nd"] / data["seconds"] / data["peak_flop_per_s"], rel=1e-12
    )


def test_demo_with_an_unknown_chip_suggests_names() -> None:
    result = runner.invoke(app, ["measure", "demo", "--steps", "1", "--chip", "H100 SXMM"])
    assert result.exit_code == 2
    assert "did you mean" in result.output and "H100" in result.output


def test_summarize_combines_several_rank_files(tmp_path: Path) -> None:
    start = {"kind": "meter_start", "causal_attention_convention": "full", "peak_flop_per_s": None}
    files = []
    for rank in (0, 1):
        interval = {
            "kind": "interval",
            "steps": 2,
            "flop": 100 * (rank + 1),
            "flop_full_attention": 100 * (rank + 1),
            "flop_causal_halved": 100 * (rank + 1),
            "flop_flopcounter_compatible": 100 * (rank + 1),
            "seconds": 1.0 + rank,
            "time_start_unix_s": 10.0,
            "time_end_unix_s": 12.0 + rank,
            "energy_j": None,
        }
        path = tmp_path / f"run{rank}.jsonl"
        path.write_text(
            "\n".join(json.dumps({**r, "rank": rank}) for r in (start, interval)) + "\n"
        )
        files.append(str(path))
    result = runner.invoke(app, ["measure", "summarize", *files, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["world_size"] == 2 and data["flop"] == 300 and data["seconds"] == 2.0
    assert [r["flop"] for r in data["ranks"]] == [100, 200]


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


def test_records_with_ledger_is_refused_with_a_reason(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["measure", "demo", "--steps", "2", "--ledger", str(tmp_path / "run.jsonl"), "--records", str(tmp_path / "r.jsonl")],
    )
    assert result.exit_code == 2
    assert "ledger holds the meter's records" in result.output
