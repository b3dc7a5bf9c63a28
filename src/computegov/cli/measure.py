"""``computegov measure``: meter a demo training run; summarise a meter records file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    console,
    csv_option,
    err_console,
    exit_with,
    guarded,
    int_option,
    load_catalog_for_cli,
    output_file,
    print_json,
    print_table,
    seed_option,
)
from computegov.errors import InputError

__all__ = ["register"]

#: Most demo steps (each is a CPU step of a tiny model, ~0.1 s: 10,000 is a quarter of an hour).
MAX_DEMO_STEPS = 10_000
#: Most CPU threads for the demo.
MAX_THREADS = 1024

measure_app = typer.Typer(
    help="Measure the compute of a PyTorch training run: exact FLOP, time, utilisation, energy.",
    no_args_is_help=True,
)


def _fmt(value: Any, unit: str = "", digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:.{digits}g}{unit}"
    return str(value)


_CONVENTIONS = {
    "full": "in full (FlopCounterMode's and PaLM's convention)",
    "causal_halved": "halved (FlashAttention's convention)",
}


def _render(summary: Any) -> None:
    d = summary.to_dict()
    table = Table(title="Compute meter summary", show_header=False, title_justify="left")
    table.add_column("quantity")
    table.add_column("value", overflow="fold")
    mfu_reason = f"— ({d['mfu_unavailable_reason']})"
    conv = d["causal_attention_convention"]
    rows: list[tuple[str, str]] = [
        ("steps (counted with FlopCounterMode)", f"{d['steps']} ({d['counted_steps']})"),
        ("causal attention counted", _CONVENTIONS.get(conv, conv)),
        ("hardware FLOP, counted", _fmt(d["flop"], " FLOP")),
        ("  causal attention in full", _fmt(d["flop_full_attention"], " FLOP")),
        ("  causal attention halved", _fmt(d["flop_causal_halved"], " FLOP")),
        ("  as FlopCounterMode counts", _fmt(d["flop_flopcounter_compatible"], " FLOP")),
        ("model FLOP 6·N·D", _fmt(d["model_flop_6nd"], " FLOP")),
        ("tokens D", _fmt(d["tokens"], digits=12)),
        ("time in steps", _fmt(d["seconds"], " s")),
        ("wall time, first step to last", _fmt(d["wall_seconds"], " s")),
        ("achieved", _fmt(d["flop_per_s"], " FLOP/s")),
        ("chip / precision", f"{d['chip'] or '—'} / {d['precision'] or '—'}"),
        ("peak of one device", _fmt(d["peak_flop_per_s"], " FLOP/s")),
        ("MFU (counted FLOP)", _fmt(d["mfu"]) if d["mfu"] is not None else mfu_reason),
        ("MFU (6·N·D)", _fmt(d["mfu_6nd"]) if d["mfu_6nd"] is not None else "—"),
        (
            "energy (measured)",
            f"{_fmt(d['energy_j'], ' J')} ({d['energy_source']})"
            if d["energy_j"] is not None
            else f"unavailable: {d['energy_unavailable_reason']}",
        ),
        ("timing", f"{d['timing_method']} on {d['device']}"),
        ("exact", "yes" if d["flop_exact"] else "no (see gaps)"),
    ]
    if d["energy_estimate_j"] is not None:
        rows.append(
            (
                "energy estimate",
                f"{_fmt(d['energy_estimate_j'], ' J')} ({d['energy_estimate_method']})",
            )
        )
    if d["world_size"] > 1:
        rows.append(("ranks", str(d["world_size"])))
    for name, value in rows:
        table.add_row(name, value)
    print_table(table)
    for gap in d["gaps"]:
        console.print(f"[yellow]gap:[/yellow] {gap}", highlight=False)


@measure_app.command("demo")
@guarded
def demo(
    steps: int = int_option(20, "--steps", help="Training steps.", low=1, high=MAX_DEMO_STEPS),
    seed: int = seed_option(0, "the model and the data"),
    chip: str | None = typer.Option(
        None,
        "--chip",
        help="Catalogue chip for MFU, e.g. 'H100 SXM' (the demo runs on this CPU, so the MFU "
        "only shows the arithmetic).",
    ),
    catalog_file: Path | None = CATALOG_OPTION,
    threads: int = int_option(
        1,
        "--threads",
        help="CPU threads for torch (the demo model is tiny: one thread is fastest on a busy machine).",
        low=1,
        high=MAX_THREADS,
    ),
    records: Path | None = typer.Option(
        None, "--records", help="Write the meter's JSON-lines records here."
    ),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="Record the run in a signed ledger at this path."
    ),
    key: Path | None = typer.Option(
        None, "--key", help="Signing key for --ledger (default: a new one)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Train a small GPT-style transformer on CPU for a few steps and print the meter's summary."""
    try:
        import torch
    except ImportError:
        exit_with("the demo needs torch: pip install 'computegov[torch]'")
    torch.set_num_threads(threads)
    if key is not None and ledger is None:
        raise InputError("--key needs --ledger PATH")
    if records is not None and ledger is not None:
        raise InputError(
            "--records and --ledger do not go together: the ledger holds the meter's records "
            "(see `computegov ledger show`)"
        )
    for path, what in ((records, "records file"), (ledger, "ledger")):
        if path is not None:
            if not path.parent.exists() and str(path).strip():
                path.parent.mkdir(parents=True, exist_ok=True)  # output folders are made as needed
            output_file(path, what=what)
    if key is not None and not key.is_file():
        raise InputError(f"{key}: no such key file; create one with `computegov keys new`")
    chip_obj = load_catalog_for_cli(catalog_file).get(chip) if chip is not None else None
    if ledger is not None:
        chip_name = chip_obj.name if chip_obj is not None else None
        _demo_with_ledger(steps, seed, ledger, key, records, chip_name, as_json)
        return
    from rich.progress import Progress

    from computegov.measure.demo import run_demo

    if as_json:
        summary = run_demo(steps=steps, seed=seed, records=records, chip=chip_obj)
        print_json(summary)
        return
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("training", total=steps)
        summary = run_demo(
            steps=steps,
            seed=seed,
            records=records,
            chip=chip_obj,
            on_step=lambda _i: progress.advance(task),
        )
    _render(summary)
    if records is not None:
        console.print(f"records: {records}")


def _demo_with_ledger(
    steps: int,
    seed: int,
    ledger: Path,
    key: Path | None,
    records: Path | None,
    chip: str | None,
    as_json: bool,
) -> None:
    try:
        from computegov.ledger.demo import run_demo_with_ledger
    except ImportError:
        exit_with(
            "the ledger demo is not available in this installation "
            "(computegov.ledger.demo.run_demo_with_ledger is missing)"
        )
    from rich.progress import Progress

    from computegov.ledger.report import load_report

    out_dir = ledger.parent
    with Progress(console=err_console, transient=True, disable=as_json) as progress:
        task = progress.add_task("training and recording", total=steps)
        result = run_demo_with_ledger(
            steps=steps, ledger_path=ledger, key_path=key, out_dir=out_dir, seed=seed, chip=chip,
            on_step=lambda _i: progress.advance(task),
        )
    totals = load_report(result.report_path).statement["predicate"]["totals"]
    if as_json:
        print_json({**result.to_dict(), "totals": totals})
        return
    flop, seconds = totals.get("flop"), totals.get("duration_s")
    console.print(
        f"recorded {totals.get('steps')} steps: {flop:.4g} FLOP in {seconds:.3g} s"
        if isinstance(flop, int | float) and isinstance(seconds, int | float)
        else f"recorded {totals.get('steps')} steps",
        highlight=False,
    )
    for name, value in result.to_dict().items():
        if value:
            console.print(f"{name}: {value}", highlight=False)


@measure_app.command("summarize")
@guarded
@csv_option()
def summarize(
    files: list[Path] = typer.Argument(
        ...,
        help="Records files written by ComputeMeter (JSON lines); give every rank's file "
        "(run.jsonl run.jsonl.rank1 ...) for a run total with per-rank detail.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Summarise meter records files: one rank's, or every rank's of a distributed run."""
    from computegov.measure.records import read_records
    from computegov.measure.summary import summarize_file

    summary = summarize_file([record for file in files for record in read_records(file)])
    if as_json:
        print_json(summary)
    else:
        _render(summary)


def register(app: typer.Typer) -> None:
    """Add the ``measure`` group to the main app."""
    app.add_typer(measure_app, name="measure")
