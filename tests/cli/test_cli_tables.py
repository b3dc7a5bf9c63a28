"""Table commands: ``--csv`` gives the rows of ``--json``; tables fit 80 columns uncut.

The rows each command's CSV must hold are named here independently of the command (the list
inside its JSON), and the flattening is re-implemented below, so a command that printed other
rows, other values or lost a column would fail.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from rich.table import Table
from typer.testing import CliRunner

from computegov.cli import app
from computegov.cli.render import print_table

runner = CliRunner()

#: (argv, dotted path of the rows inside the --json output, or None for the JSON as one row /
#: the only list of objects).
TABLE_COMMANDS: tuple[tuple[str, str | None], ...] = (
    ("catalog list", "chips"),
    ("catalog show H100", None),
    ("catalog anomalies", ""),
    ("clusters summary", "country_stocks.rows"),
    ("clusters trend", None),
    ("clusters stocks", "stocks"),
    ("clusters exposure", "countries"),
    ("clusters table", None),
    ("compute estimate --params 70B --tokens 15T", None),
    ("compute check --params 70B --tokens 15T", "checks"),
    ("compute threshold 1e26", "equivalents"),
    ("compute trend", "forecast"),
    ("costs tco H100", "summary"),
    ("costs table", "chips"),
    ("costs rental", ""),
    ("costs assumptions", "costs"),
    ("costs cottier H100", None),
    ("emerging register", "entries"),
    ("emerging compare", "comparisons"),
    ("emerging watch", "watch_list"),
    ("emerging quantum", "paper"),
    ("plan --flop 1e24 --chip H100", "options"),
    ("policy classify H100", None),
    ("policy classify --all", "classifications"),
    ("policy history H100", "classifications"),
    ("policy rules", "rules"),
    ("policy whatif --tpp 4000 --die-area 800", "classifications"),
    ("supply estimate --samples 200", None),
    ("supply presets", None),
    ("trends metrics", "metrics"),
    ("trends fit", None),
    ("trends forecast --to 2030 --paths 2000", "record_forecast.by_year"),
    ("trends forecast --method none --to 2030 --paths 2000", "forecasts"),
    ("trends backtest -m flop_per_j", "summaries"),
    ("trends prob --above 1e15", "by_year"),
)

IDS = [argv for argv, _ in TABLE_COMMANDS]


def _invoke(argv: list[str]) -> str:
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, f"{argv}: exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    return result.output


def _rows(data: Any, path: str | None) -> list[Any]:
    if path == "":
        return list(data)
    if path is None:
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
            if len(lists) == 1:
                return lists[0]
        return [data]
    for part in path.split("."):
        data = data[part]
    return data if isinstance(data, list) else [data]


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list | dict):
        return {prefix: json.dumps(value, separators=(",", ":"))}
    if value is None:
        return {prefix: ""}
    if isinstance(value, bool):
        return {prefix: "true" if value else "false"}
    return {prefix: str(value)}


@pytest.mark.parametrize(("argv", "rows"), TABLE_COMMANDS, ids=IDS)
def test_csv_rows_equal_the_json_rows(argv: str, rows: str | None) -> None:
    data = json.loads(_invoke([*argv.split(), "--json"]))
    text = _invoke([*argv.split(), "--csv"])
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    expected = [_flat(row) for row in _rows(data, rows)]
    assert len(parsed) == len(expected) >= 1
    for got, want in zip(parsed, expected, strict=True):
        assert {k: v for k, v in got.items() if k in want} == want
        assert all(v == "" for k, v in got.items() if k not in want)


def test_csv_headers_carry_si_units() -> None:
    header = next(csv.reader(io.StringIO(_invoke(["catalog", "list", "--csv"]))))
    assert "memory_bytes" in header
    assert "tdp_w" in header
    assert any(h.startswith("peak_flop_per_s.") for h in header)


def test_csv_records_end_with_crlf_as_rfc_4180_says() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "computegov", "costs", "rental", "--csv"],
        capture_output=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split(b"\r\n")
    assert len(lines) > 2 and b"\n" not in b"".join(lines)


def test_csv_and_json_together_are_refused() -> None:
    result = runner.invoke(app, ["catalog", "list", "--csv", "--json"])
    assert result.exit_code == 2
    assert "not both" in result.output


@pytest.mark.parametrize(("argv", "rows"), TABLE_COMMANDS, ids=IDS)
def test_tables_fit_80_columns_with_nothing_cut(argv: str, rows: str | None) -> None:
    output = _invoke(argv.split())  # CliRunner's console is 80 columns wide
    assert "…" not in output
    # table rows (prose printed with soft wrap, e.g. a long source URL, is the terminal's to wrap)
    too_wide = [line for line in output.splitlines() if len(line) > 80 and any(c in line for c in "│┃━─")]
    assert too_wide == []


@pytest.mark.parametrize(
    "argv",
    ["compute check --params 405B --tokens 15.6T", "catalog list"],
)
def test_at_columns_80_in_a_real_process_no_value_is_cut(argv: str) -> None:
    """As a user's shell runs it (``trends backtest -m flop_per_j`` is in the in-process sweep above)."""
    env = {**os.environ, "COLUMNS": "80", "LINES": "40"}
    done = subprocess.run(
        [sys.executable, "-m", "computegov", *argv.split()],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def _wide_table() -> Table:
    table = Table(title="wide")
    for name in ("name", "value_flop", "date", "note"):
        table.add_column(name)
    table.add_row("NVIDIA GeForce GTX TITAN Black Edition", "3.79e+25", "2025-10-01", "a long note " * 6)
    return table


@pytest.mark.parametrize("width", [30, 50, 80, 120])
def test_numbers_and_dates_are_never_split_at_any_width(width: int) -> None:
    from rich.console import Console

    out = Console(width=width, file=io.StringIO(), force_terminal=False)
    print_table(_wide_table(), out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in text
    assert "3.79e+25" in text and "2025-10-01" in text
    assert max(len(line) for line in text.splitlines()) <= width


def test_optional_columns_are_dropped_before_rows_become_blocks() -> None:
    from rich.console import Console

    table = Table()
    for name in ("method", "a", "b", "extra_one", "extra_two"):
        table.add_column(name)
    table.add_row("random_walk_drift+cal", "0.123456789", "0.98765", "12345678901234", "98765432109876")
    out = Console(width=50, file=io.StringIO(), force_terminal=False)
    print_table(table, out, optional=("extra_one", "extra_two"))
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "extra_one" not in text.split("(extra_one")[0]
    assert "left out at this width" in text
    assert "0.123456789" in text and "random_walk_drift+cal" in text
