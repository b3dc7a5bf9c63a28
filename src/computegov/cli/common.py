"""Shared pieces of the CLI: output, error handling, common options.

Exit status: 0 success, 1 a check that failed (verification), 2 unusable input (any
:class:`~computegov.errors.ComputegovError`).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from computegov.errors import ComputegovError, UnknownNameError

__all__ = [
    "CATALOG_OPTION",
    "JSON_OPTION",
    "console",
    "err_console",
    "exit_with",
    "guarded",
    "load_catalog_for_cli",
    "print_json",
]

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON (SI units, unit in each key).")
CATALOG_OPTION = typer.Option(
    None,
    "--catalog",
    help="Extra catalogue file (YAML or CSV in computegov's schema) adding or overriding chips.",
    exists=False,
)


def _clean(obj: Any) -> Any:
    """Make ``obj`` JSON-safe: no NaN or infinity (they become null), tuples become lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return _clean(obj.to_dict())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return _clean(obj.item())
    return obj


def print_json(obj: Any) -> None:
    """Write ``obj`` as indented JSON to stdout (no NaN: they are written as null)."""
    sys.stdout.write(json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n")


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


def load_catalog_for_cli(catalog_file: Path | None = None) -> Any:
    """The bundled catalogue plus the user's config file and ``--catalog FILE`` if given."""
    from computegov.catalog import load_catalog

    return load_catalog(extra_files=[catalog_file] if catalog_file else ())
