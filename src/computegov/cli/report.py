"""``computegov report``: the self-contained HTML report built from the bundled data."""

from __future__ import annotations

from pathlib import Path

import typer

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    console,
    guarded,
    load_catalog_for_cli,
    output_file,
    print_json,
    seed_option,
)
from computegov.errors import InputError

__all__ = ["register"]


@guarded
def report(
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write."),
    seed: int = seed_option(),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Rebuild every section and store nothing (see `computegov cache`)."
    ),
    jobs: str | None = typer.Option(
        None,
        "--jobs",
        "-j",
        help="Worker processes for sections that share nothing: a number, or 'auto' (default: "
        "$COMPUTEGOV_REPORT_JOBS, else auto: the idle CPUs, 1-4). Same HTML whatever the count.",
    ),
) -> None:
    """Build the HTML report: catalogue, trends, forecasts, backtests and every other section.

    One self-contained file (JavaScript inlined) that opens offline in any browser. Sections
    computed before from the same code, data, catalogue, seed and day are reused from the cache
    ($COMPUTEGOV_CACHE_DIR or the user cache folder); `--no-cache` bypasses it. Sections that
    share nothing build side by side in worker processes where CPUs are idle (`--jobs`).
    """
    import time

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from computegov.report.build import write_report

    workers = _jobs(jobs)
    output_file(output, what="report")
    started = time.perf_counter()
    catalog = load_catalog_for_cli(catalog_file)
    names: list[str] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} sections"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
        disable=as_json,
    ) as bar:
        task = bar.add_task("building report", total=None)

        def on_section(name: str, done: int, total: int) -> None:
            names.append(name)
            bar.update(task, completed=done, total=total)

        path = write_report(
            output,
            catalog,
            seed=seed,
            progress=lambda message: bar.update(task, description=message[:60]),
            on_section=on_section,
            cache=not no_cache,
            jobs=workers,
        )
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    if as_json:
        print_json({"path": str(path), "bytes": size, "seconds": seconds, "sections": names, "jobs": workers})
        return
    console.print(
        f"wrote {path} ({size / 1e6:.1f} MB, {len(names)} sections, {seconds:.1f} s); open it in any "
        "browser, no network needed"
    )


def _jobs(value: str | None) -> int:
    """Worker processes from ``--jobs`` or ``$COMPUTEGOV_REPORT_JOBS`` (a count or ``auto``)."""
    import os

    from computegov.report.parallel import JOBS_ENV, machine_auto_jobs

    where = "--jobs"
    if value is None:
        value, where = os.environ.get(JOBS_ENV, "").strip() or "auto", JOBS_ENV
    text = value.strip().lower()
    if text == "auto":
        return machine_auto_jobs()
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise InputError(f"{where}: expected a number of worker processes from 1 to 64 or 'auto', got {value!r}")
    return int(text)


def register(app: typer.Typer) -> None:
    """Add the top-level ``report`` command."""
    app.command("report")(report)
