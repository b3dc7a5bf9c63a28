"""The shared CLI helpers: options shared between commands, chart paths, tables, JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from computegov.cli.common import (
    chart_output,
    guarded,
    print_json,
    shared_options,
    table_with,
    utilisation_option,
)
from computegov.errors import InputError

runner = CliRunner()


@dataclasses.dataclass(frozen=True)
class Pair:
    first: int = typer.Option(1, "--first", help="First number.")
    second: float | None = typer.Option(None, "--second", help="Second number.")


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @guarded
    @shared_options("pair", Pair)
    def add(
        label: str = typer.Argument("sum"),
        *,
        pair: Pair,
        loud: bool = typer.Option(False, "--loud"),
        utilisation: float | None = utilisation_option("unused here."),
    ) -> None:
        total = pair.first + (pair.second or 0)
        typer.echo(f"{label.upper() if loud else label}={total:g} {type(pair).__name__}")

    @app.command()
    def other() -> None:  # a second command keeps `add` a named sub-command
        """Nothing."""

    return app


def test_shared_options_become_options_and_arrive_as_one_bundle() -> None:
    result = runner.invoke(_app(), ["add", "total", "--first", "2", "--second", "0.5", "--loud"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "TOTAL=2.5 Pair"


def test_shared_options_keep_their_defaults_and_types() -> None:
    assert runner.invoke(_app(), ["add"]).stdout.strip() == "sum=1 Pair"
    bad = runner.invoke(_app(), ["add", "--first", "two"])
    assert bad.exit_code == 2  # Typer's own type check: unusable input


def test_shared_options_listed_in_help_where_the_bundle_stands() -> None:
    result = runner.invoke(_app(), ["add", "--help"], env={"COLUMNS": "200"})
    text = result.stdout
    assert text.index("--first") < text.index("--second") < text.index("--loud")
    assert "--utilization" in text and "0-1" in text


def test_shared_options_refuses_a_command_without_the_parameter_or_with_a_clash() -> None:
    def no_bundle(first: int = 0) -> None: ...

    with pytest.raises(TypeError, match="no parameter 'pair'"):
        shared_options("pair", Pair)(no_bundle)

    def clash(*, pair: Pair, first: int = 0) -> None: ...

    with pytest.raises(TypeError, match="first"):
        shared_options("pair", Pair)(clash)


@pytest.mark.parametrize("name", ["a.html", "b.SVG", "c.png", "d.json"])
def test_chart_output_accepts_the_formats_save_chart_writes(name: str) -> None:
    assert chart_output(Path(name)) == Path(name)


@pytest.mark.parametrize("name", ["chart.txt", "chart", "chart.pdf"])
def test_chart_output_refuses_other_formats_before_any_work(name: str) -> None:
    with pytest.raises(InputError, match=r"\.html, \.svg, \.png or \.json"):
        chart_output(Path(name))


def test_table_with_right_aligns_only_the_named_columns() -> None:
    table = table_with("t", ("name", "value"), right={"value"})
    assert [c.header for c in table.columns] == ["name", "value"]
    assert [c.justify for c in table.columns] == ["left", "right"]
    assert table.title_justify == "left"


def test_print_json_writes_null_for_nan_and_infinity(capsys: pytest.CaptureFixture[str]) -> None:
    print_json({"a": float("nan"), "b": [float("inf"), 1.5]})
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [None, 1.5]}


def test_an_error_message_keeps_its_square_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from computegov.cli.common import exit_with

    with pytest.raises(typer.Exit) as info:
        exit_with("the web server needs the 'server' extra: pip install 'computegov[server]' (uvicorn)")
    assert info.value.exit_code == 2
    assert "pip install 'computegov[server]' (uvicorn)" in capsys.readouterr().err.replace("\n", "")
