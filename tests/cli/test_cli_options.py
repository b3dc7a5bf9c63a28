"""The shared option checks: numbers in a stated range, output files that can be written."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from computegov.cli.common import float_option, int_option, output_file
from computegov.errors import InputError

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def run(
        price: float | None = float_option(
            None, "--price", help="A price.", low=0, low_open=True, high=1e6
        ),
        count: int = int_option(1, "--count", help="A count.", low=1, high=100),
    ) -> None:
        typer.echo(f"price={price} count={count}")

    @app.command()
    def other() -> None:
        """Nothing."""

    return app


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_option_accepts_exactly_the_finite_numbers_in_its_range(value: float) -> None:
    result = runner.invoke(_app(), ["run", "--price", repr(value)])
    inside = math.isfinite(value) and 0 < value <= 1e6
    assert result.exit_code == (0 if inside else 2), result.output
    if not inside:
        assert "Invalid value for '--price'" in result.output
        assert "above 0, at most 1e6" in " ".join(result.output.replace("│", " ").split())


@pytest.mark.parametrize(("text", "code"), [("1", 0), ("100", 0), ("0", 2), ("101", 2),
                                            ("1.5", 2), ("1e400", 2), ("abc", 2)])
def test_an_int_option_accepts_whole_numbers_in_its_range(text: str, code: int) -> None:
    result = runner.invoke(_app(), ["run", "--count", text])
    assert result.exit_code == code, result.output


def test_the_range_is_stated_in_the_help() -> None:
    flat = " ".join(runner.invoke(_app(), ["run", "--help"]).output.replace("│", " ").split())
    assert "A price. Range: above 0, at most 1e6." in flat
    assert "A count. Range: at least 1, at most 100." in flat


def test_output_file_accepts_a_new_file_in_an_existing_folder(tmp_path: Path) -> None:
    assert output_file(tmp_path / "a.html", suffixes=(".html",)) == tmp_path / "a.html"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "is a directory"),
        (lambda d: d / "missing" / "a.html", "no such directory"),
        (lambda d: (d / "file.txt", (d / "file.txt").write_text("x"))[0] / "a.html",
         "is not a directory"),
        (lambda d: d / "a.pdf", "chart format must be .html, .svg, .png or .json"),
        (lambda d: Path(""), "is a directory"),
    ],
)
def test_output_file_refuses_what_cannot_be_written(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(InputError, match=message):
        output_file(make(tmp_path), suffixes=(".html", ".svg", ".png", ".json"), what="chart")


def _guarded_app(error: BaseException) -> typer.Typer:
    from computegov.cli.common import guarded

    app = typer.Typer()

    @app.command()
    @guarded
    def fail() -> None:
        raise error

    @app.command()
    def other() -> None:
        """Nothing."""

    return app


@pytest.mark.parametrize(
    ("error", "needle"),
    [
        (FileNotFoundError(2, "No such file or directory", "/no/such/file.csv"), "/no/such/file.csv"),
        (IsADirectoryError(21, "Is a directory", "/tmp"), "Is a directory"),
        (PermissionError(13, "Permission denied", "/root/x"), "Permission denied"),
        (UnicodeDecodeError("utf-8", b"ab\xff", 2, 3, "invalid start byte"), "byte 2"),
    ],
)
def test_guarded_turns_a_stray_file_error_into_exit_2(error: BaseException, needle: str) -> None:
    result = runner.invoke(_guarded_app(error), ["fail"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert needle in " ".join(result.output.split())


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_utilisation_refuses_non_finite_values_naming_the_option(value: str) -> None:
    from computegov.cli import app

    result = runner.invoke(app, ["costs", "tco", "H100", "--utilisation", value])
    assert result.exit_code == 2
    assert "--utilisation" in result.output
