"""``computegov cache``: where computed results are remembered across runs, and clearing them."""

from __future__ import annotations

import typer

from computegov.cli.common import JSON_OPTION, console, guarded, print_json

__all__ = ["register"]

#: Namespaces the package stores results under (see :mod:`computegov.cache`).
NAMESPACES = ("report-sections", "report-javascript")

cache_app = typer.Typer(help="Results remembered across runs (the report's sections).", no_args_is_help=True)


@cache_app.command("info")
@guarded
def info(as_json: bool = JSON_OPTION) -> None:
    """Where the cache is and how much each part of it holds."""
    from computegov.cache import ResultCache, cache_dir

    parts = {name: ResultCache(name) for name in NAMESPACES}
    rows = [{"namespace": n, "entries": c.count(), "size_bytes": c.size_bytes()} for n, c in parts.items()]
    if as_json:
        print_json({"path": str(cache_dir()), "namespaces": rows})
        return
    console.print(f"cache folder: {cache_dir()} (set COMPUTEGOV_CACHE_DIR to move it)")
    for n, c in parts.items():
        console.print(f"  {n}: {c.count()} entries, {c.size_bytes() / 1e6:.1f} MB")


@cache_app.command("clear")
@guarded
def clear(as_json: bool = JSON_OPTION) -> None:
    """Delete every remembered result (the next report build computes everything again)."""
    from computegov.cache import ResultCache, cache_dir

    removed = {name: ResultCache(name).clear() for name in NAMESPACES}
    if as_json:
        print_json({"path": str(cache_dir()), "removed": removed})
        return
    console.print(f"removed {sum(removed.values())} cached results from {cache_dir()}")


def register(app: typer.Typer) -> None:
    """Add the ``cache`` group."""
    app.add_typer(cache_app, name="cache")
