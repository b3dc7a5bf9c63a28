"""The CLI as scripts see it: each command's ``--json`` keeps the top-level keys that
docs/cli-json.md documents, never writes NaN or Infinity, and the same options and exit statuses
hold in every command group."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from computegov.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-json.md"

runner = CliRunner()

#: A user catalogue with one made-up chip: commands that look chips up must accept --catalog.
USER_CATALOG = """\
- name: Acme X1
  manufacturer: Acme
  kind: gpu
  release_date: 2025-06-01
  peak_flop_per_s_bf16: 2e15
  memory_bytes: 1.4e11
  die_area_mm2: 800
  tdp_w: 1000
  datacenter: true
  source: test fixture (made up)
"""

FIT_KEYS = (
    "metric", "unit", "chip_set", "n", "n_selected", "coverage_note", "method", "reference_year",
    "slope_log10_per_year", "slope_ci_log10_per_year", "growth_per_year", "growth_per_year_ci",
    "doubling_time_years", "doubling_time_ci_years", "intercept_log10_at_reference_year",
    "confidence", "residual_sd_log10", "theil_sen_slope_log10_per_year",
    "theil_sen_ci_log10_per_year", "theil_sen_doubling_time_years", "year_min", "year_max", "n_boot",
)  # fmt: skip
CHIP_KEYS = (
    "name", "aliases", "manufacturer", "kind", "release_date", "peak_flop_per_s", "memory_bytes",
    "memory_bandwidth_bytes_per_s", "intranode_bandwidth_bytes_per_s",
    "internode_bandwidth_bytes_per_s", "die_area_mm2", "tdp_w", "process_nm", "transistors",
    "launch_price_usd", "launch_price_year", "foundry", "datacenter", "origin", "sources", "notes",
)  # fmt: skip
ESTIMATE_KEYS = (
    "name", "phase", "method", "flop", "flop_low", "flop_high", "log10_flop", "interval", "formula",
    "inputs", "assumptions", "disagreement_oom", "alternatives", "components",
)  # fmt: skip
CLASSIFICATION_KEYS = (
    "chip", "rule", "rule_status", "status", "eccn", "outcome", "reason", "possible_eccns",
    "paragraphs", "checks", "exclusions", "license_exceptions", "missing", "boundary", "facts",
    "notes",
)  # fmt: skip

#: (heading in docs/cli-json.md, arguments, documented keys; "[]" first = a JSON array of objects
#: with these keys). {catalog}, {epoch_csv} and {tmp} are filled in by the test.
CASES: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("computegov catalog list", ["catalog", "list", "--since", "2024"], ("count", "chips")),
    ("computegov catalog show NAME", ["catalog", "show", "Acme X1", "--catalog", "{catalog}"], CHIP_KEYS),
    ("computegov catalog validate FILE", ["catalog", "validate", "{catalog}"],
     ("file", "format", "valid", "rows", "anomalies")),
    ("computegov catalog import FILE", ["catalog", "import", "{epoch_csv}"],
     ("added", "removed", "changed", "saved")),
    ("computegov catalog anomalies", ["catalog", "anomalies"], ("[]", "chip", "field", "kind", "message")),
    ("computegov trends metrics", ["trends", "metrics"], ("metrics",)),
    ("computegov trends fit", ["trends", "fit", "--n-boot", "1000"], FIT_KEYS),
    ("computegov trends forecast", ["trends", "forecast", "--paths", "1000", "--to", "2027"],
     ("fit", "forecasts")),
    ("computegov trends backtest", ["trends", "backtest"],
     ("metric", "unit", "chip_set", "target", "origins", "horizon_years", "best_method", "summaries",
      "scores")),
    ("computegov trends chart -o FILE", ["trends", "chart", "--type", "backtest", "-o", "{tmp}/b.json"],
     ("path", "type", "metric")),
    ("computegov report", ["report", "-o", "{tmp}/r.html"], ("path", "bytes", "seconds", "sections", "jobs")),
    ("computegov compute estimate", ["compute", "estimate", "--params", "70B", "--tokens", "15T"],
     ESTIMATE_KEYS),
    ("computegov compute check", ["compute", "check", "--flop", "3e25", "--date", "2026-01-01"],
     ("date", "estimate", "checks")),
    ("computegov compute threshold FLOP",
     ["compute", "threshold", "1e25", "--chip", "Acme X1", "--catalog", "{catalog}"],
     ("flop", "equivalents", "by_year")),
    ("computegov compute trend", ["compute", "trend", "--years", "2025-2026"],
     ("trend", "forecast", "backtest", "seed")),
    ("computegov costs tco CHIP", ["costs", "tco", "H100"], ("summary", "model")),
    ("computegov costs table", ["costs", "table"], ("chips", "model")),
    ("computegov costs rental [CHIP]", ["costs", "rental", "H100"],
     ("[]", "chip_label", "provider", "kind", "usd_per_chip_hour", "dollar_year", "quoted_on", "source")),
    ("computegov costs assumptions", ["costs", "assumptions"],
     ("dollar_year", "costs", "planning", "mfu_by_generation")),
    ("computegov costs compute FLOP --chip CHIP", ["costs", "compute", "1e24", "--chip", "H100"],
     ("flop", "chip", "mode", "dollar_year", "precision", "peak_flop_per_s", "utilisation",
      "chip_hours", "cost_usd_<Y>", "energy_mwh")),
    ("computegov plan --flop F ...", ["plan", "--flop", "3e25", "--deadline-days", "90", "--top", "2"],
     ("request", "target", "options", "pareto", "skipped", "trend", "assumptions", "notes")),
    ("computegov plan --chip CHIP --chips N ...",
     ["plan", "--flop", "3.8e25", "--chip", "H100 SXM", "--chips", "16384", "--utilization", "0.35"],
     ("target", "option", "assumptions")),
    ("computegov policy classify CHIP", ["policy", "classify", "Acme X1", "--catalog", "{catalog}"],
     CLASSIFICATION_KEYS),
    ("computegov policy classify --all", ["policy", "classify", "--all"],
     ("rule", "count", "summary", "classifications")),
    ("computegov policy history CHIP", ["policy", "history", "A800"], ("chip", "classifications")),
    ("computegov policy rules", ["policy", "rules"], ("rules", "actions")),
    ("computegov policy whatif --tpp T [--die-area A]",
     ["policy", "whatif", "--tpp", "4000", "--die-area", "600"], ("facts", "classifications", "limits")),
    ("computegov policy whatif --tpp T [--die-area A]", ["policy", "whatif", "--die-area", "600"],
     ("die_area_mm2", "datacenter", "limits")),
    ("computegov policy chart -o FILE", ["policy", "chart", "-o", "{tmp}/p.json"], ("path", "rules")),
    ("computegov emerging register", ["emerging", "register", "--paradigm", "photonic"],
     ("path", "maturity_levels", "entries")),
    ("computegov emerging compare", ["emerging", "compare", "--history-only", "--catalog", "{catalog}"],
     ("comparisons",)),
    ("computegov emerging scenario",
     ["emerging", "scenario", "--paradigm", "photonic", "-p", "0.5", "--multiplier", "10", "--to", "2029"],
     ("scenario", "metric", "unit", "chip_set", "base_method", "base_coverage_note", "origin",
      "quantile_levels", "arrived_share", "caps", "mixture", "by_year")),
    ("computegov emerging watch", ["emerging", "watch", "--p", "photonic=0.2", "--evidence", "vendor_claim"],
     ("metric", "evidence", "watch_list")),
    ("computegov emerging quantum", ["emerging", "quantum", "--top", "1"],
     ("paper", "yours", "against_chips", "source")),
]  # fmt: skip


@pytest.fixture
def user_catalog(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(USER_CATALOG, encoding="utf-8")
    return path


@pytest.fixture
def stub_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """``computegov report`` without building it (tests/report builds the real one)."""
    import computegov.report.build as build

    def write_report(path: Any, catalog: Any = None, **kwargs: Any) -> Path:
        for done, name in enumerate(("summary", "trends"), start=1):
            kwargs["on_section"](name, done, 2)
        out = Path(path)
        out.write_text("<html></html>", encoding="utf-8")
        return out

    monkeypatch.setattr(build, "write_report", write_report)


def _fill(args: list[str], tmp_path: Path, catalog: Path) -> list[str]:
    epoch_csv = resources.files("computegov.data") / "epoch_ml_hardware.csv"
    values = {"catalog": str(catalog), "epoch_csv": str(epoch_csv), "tmp": str(tmp_path)}
    return [a.format(**values) for a in args]


def _strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"--json wrote {constant}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def _expected(key: str, data: dict[str, Any]) -> str:
    """Money keys carry the dollar year: ``cost_usd_<Y>`` -> ``cost_usd_2024``."""
    return key.replace("<Y>", str(data.get("dollar_year")))


@pytest.mark.usefixtures("stub_report")
@pytest.mark.parametrize(
    ("heading", "args", "keys"), CASES, ids=[" ".join(c[1][:3]) for c in CASES]
)
def test_json_output_keeps_documented_top_level_keys(
    heading: str, args: list[str], keys: tuple[str, ...], tmp_path: Path, user_catalog: Path
) -> None:
    result = runner.invoke(app, [*_fill(args, tmp_path, user_catalog), "--json"])
    assert result.exit_code == 0, result.output
    data = _strict_json(result.stdout)
    if keys[0] == "[]":
        assert isinstance(data, list) and data, "expected a non-empty JSON array"
        items, keys = data, keys[1:]
    else:
        assert isinstance(data, dict)
        items = [data]
    for item in items:
        missing = [k for k in keys if _expected(k, item) not in item]
        assert not missing, f"{heading}: documented keys missing from --json: {missing}"


def _doc_section(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.find(f"### `{heading}`")
    assert start >= 0, f"docs/cli-json.md has no section '### `{heading}`'"
    end = re.search(r"^##", text[start + 4 :], flags=re.MULTILINE)
    return text[start : start + 4 + end.start()] if end else text[start:]


@pytest.mark.parametrize(
    ("heading", "keys"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_doc_lists_every_pinned_key(heading: str, keys: tuple[str, ...]) -> None:
    section = _doc_section(heading)
    assert "```json" in section, f"{heading}: no example"
    undocumented = [k for k in keys if k != "[]" and f"`{k}`" not in section]
    assert not undocumented, (
        f"{heading}: keys pinned here but not in docs/cli-json.md: {undocumented}"
    )


def _commands() -> Iterator[tuple[str, Any]]:
    """The click commands of the groups this contract covers, by their command line."""
    root: Any = typer.main.get_command(app)
    for name in ("catalog", "trends", "compute", "costs", "policy", "emerging"):
        for sub, command in root.commands[name].commands.items():
            yield f"{name} {sub}", command
    for name in ("plan", "report"):
        yield name, root.commands[name]


def _options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


#: Commands that take or look up chips: each accepts the user's extra catalogue.
CHIP_COMMANDS = {
    "catalog list", "catalog show", "catalog anomalies", "trends metrics", "trends fit",
    "trends forecast", "trends backtest", "trends chart", "report", "compute estimate",
    "compute check", "compute threshold", "costs tco", "costs table", "costs rental",
    "costs compute", "plan", "policy classify", "policy history", "policy chart", "emerging compare",
    "emerging scenario", "emerging watch", "emerging quantum",
}  # fmt: skip


def test_every_command_has_json_and_chip_commands_take_a_catalogue() -> None:
    commands = dict(_commands())
    assert commands.keys() >= CHIP_COMMANDS
    no_json = [name for name, command in commands.items() if "--json" not in _options(command)]
    assert not no_json, f"commands without --json: {no_json}"
    no_catalog = [name for name in CHIP_COMMANDS if "--catalog" not in _options(commands[name])]
    assert not no_catalog, f"chip commands without --catalog: {no_catalog}"


def test_same_option_same_spellings_everywhere() -> None:
    for name, command in _commands():
        options = _options(command)
        if "--utilisation" in options:
            assert "--utilization" in options, name
        if "--rent" in options:
            assert "--buy" in options, name
        help_texts = {p.opts[0]: (getattr(p, "help", "") or "") for p in command.params}
        if "--utilisation" in options:
            assert "0-1" in help_texts["--utilisation"], name


@pytest.mark.parametrize(
    "args",
    [
        ["catalog", "show", "no-such-chip-xyz"],
        ["trends", "fit", "--metric", "no_such_metric"],
        ["trends", "chart", "-o", "{tmp}/chart.txt"],
        ["compute", "threshold", "lots"],
        ["costs", "tco", "no-such-chip-xyz"],
        ["plan", "--flop", "1e25", "--chart", "{tmp}/chart.txt"],
        ["policy", "classify", "H100", "--rule", "1999-01"],
        ["policy", "chart", "-o", "{tmp}/chart.txt"],
        ["emerging", "scenario", "--paradigm", "alchemy", "-p", "0.5"],
        ["emerging", "scenario", "--paradigm", "photonic", "-p", "1.5"],
        ["emerging", "scenario", "--paradigm", "photonic", "-p", "0.5", "--multiplier", "0"],
        ["emerging", "watch", "--p", "photonic=nan"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_unusable_input_exits_2_with_a_message_and_no_json(
    args: list[str], tmp_path: Path, user_catalog: Path
) -> None:
    result = runner.invoke(app, [*_fill(args, tmp_path, user_catalog), "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "error" in result.stderr.lower()
    assert result.exception is None or isinstance(result.exception, SystemExit)
