"""The ``computegov`` command line: one module per command group, each thin.

Each module in :data:`GROUP_MODULES` defines ``register(app)``, which adds its sub-app or its
top-level commands. Modules import heavy libraries only inside their commands.
"""

from __future__ import annotations

import importlib
import logging

import typer

__all__ = ["app", "main"]

#: Command-group modules under ``computegov.cli``, in help order. A missing module is skipped
#: so that groups can land one at a time.
GROUP_MODULES: tuple[str, ...] = (
    "catalog",
    "trends",
    "report",
    "cache",
    "costs",
    "plan",
    "compute",
    "policy",
    "measure",
    "keys",
    "ledger",
    "verify",
    "serve",
    "registry",
    "log",
    "clusters",
    "supply",
    "attest",
    "emerging",
    "outlook",
)

app = typer.Typer(
    name="computegov",
    help="AI hardware and training compute: catalogue, trends, policy, verifiable claims, planning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log library messages to stderr."),
) -> None:
    """AI hardware and training compute: catalogue, trends, policy, verifiable claims, planning."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


def _register_all() -> None:
    for name in GROUP_MODULES:
        try:
            module = importlib.import_module(f"computegov.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"computegov.cli.{name}":
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    """Entry point of the ``computegov`` script."""
    app()
