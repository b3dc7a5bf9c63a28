"""``computegov verify`` and ``computegov replay``: check a signed compute report.

Exit status: 0 every check passed, 1 a check failed, 2 unusable input (unreadable or garbled
report or ledger, a key in the wrong format, a missing checkpoint file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import JSON_OPTION, console, err_console, guarded, print_json

__all__ = ["register"]

_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "skip": "dim"}


def _find_ledger(report_path: Path) -> Path | None:
    """The ledger named in the report, next to it (None if absent or unreadable)."""
    from computegov.errors import ComputegovError
    from computegov.ledger.report import parse_report

    try:
        report = parse_report(report_path.read_bytes())
        name = report.predicate.get("ledger", {}).get("name")
    except (OSError, ComputegovError, AttributeError):  # verify_report says what is wrong
        return None
    if isinstance(name, str) and "/" not in name and (report_path.parent / name).is_file():
        return report_path.parent / name
    return None


def verify_command(
    report: Path = typer.Argument(..., help="The signed compute report (DSSE envelope, JSON)."),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="The run's ledger (default: the one the report names, next to it)."
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="The signer's public key: a PEM file, or its raw 32 bytes as 64 hex digits. "
        "Without it only integrity is shown.",
    ),
    checkpoints: Path | None = typer.Option(
        None, "--checkpoints", help="Base directory of checkpoint files (default: the ledger's)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a compute report: signatures, ledger chain, totals, plausibility, attestation."""
    from computegov.ledger.verify import verify_report

    if ledger is None:
        ledger = _find_ledger(report)
    verdict = verify_report(report, ledger, key, checkpoints_dir=checkpoints)
    if as_json:
        print_json(verdict)
        raise typer.Exit(verdict.exit_code)
    table = Table(title=f"verify {report}", title_justify="left")
    table.add_column("check")
    table.add_column("result")
    table.add_column("evidence")
    for c in verdict.checks:
        style = _STYLE.get(c.status, "")
        table.add_row(c.name, f"[{style}]{c.status}[/{style}]", c.summary)
    console.print(table)
    if ledger is None and verdict.check("report_format").status == "pass":
        console.print("[dim]no ledger found: pass --ledger FILE for the chain checks[/dim]")
    if verdict.ok:
        skipped = [c.name for c in verdict.checks if c.status == "skip"]
        passed = sum(c.status in ("pass", "warn") for c in verdict.checks)
        console.print(
            f"[bold green]VERIFIED[/bold green]: {passed} checks passed"
            + (f", {len(skipped)} skipped ({', '.join(skipped)})" if skipped else ""),
            highlight=False,
        )
        if "key_trust" in skipped:
            console.print(
                "[yellow]integrity only[/yellow]: no trusted key was given, so this does not "
                "show who signed; pass --key SIGNER.pub",
                highlight=False,
            )
    else:
        for c in verdict.failed:
            err_console.print(
                f"[bold red]FAILED {c.name}[/bold red]: {c.summary}",
                highlight=False,
                soft_wrap=True,
            )
    raise typer.Exit(verdict.exit_code)


def _cost_lines(cost: Any, total_segments: int) -> list[str]:
    lines = [
        f"segments to replay: {cost.segments - 1} of {total_segments} (+1 calibration repeat)",
        f"steps to re-run:    {cost.steps} ({cost.share_of_run:.1%} of the original run)",
    ]
    if cost.chip_hours is not None:
        lines.append(f"chip-hours:         {cost.chip_hours:.4g}")
    lines.append(
        f"cost:               {f'${cost.usd:.4g}' if cost.usd is not None else 'n/a'} ({cost.usd_note})"
    )
    return lines


def replay_command(
    report: Path = typer.Argument(..., help="The signed compute report."),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="The run's ledger (default: next to the report)."
    ),
    checkpoints: Path | None = typer.Option(
        None, "--checkpoints", help="Base directory of checkpoint files."
    ),
    sample_rate: float = typer.Option(
        0.1, "--sample-rate", help="Fraction of segments to replay (0-1]."
    ),
    largest: int = typer.Option(
        1, "--largest", help="How many sampled segments are the largest updates."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the random segment choice."),
    ray_address: str | None = typer.Option(
        None,
        "--ray",
        help="Ray cluster address ('auto', 'ray://host:10001', 'local'); default in-process.",
    ),
    trust_trainer: list[str] | None = typer.Option(
        None,
        "--trust-trainer",
        help="Allow the ledger's replay trainer MODULE:CLASS to run here (repeatable); "
        "computegov's own trainers are always allowed.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="State the audit cost and stop."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-run sampled training segments from checkpoints and compare (Proof-of-Learning style)."""
    import numpy as np
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from computegov.errors import InputError
    from computegov.ledger.replay import plan_replay, replay_report

    if ledger is None:
        ledger = _find_ledger(report)
        if ledger is None:
            raise InputError(f"no ledger next to {report}; pass --ledger FILE")
    plan = plan_replay(
        report,
        ledger,
        sample_rate=sample_rate,
        largest=largest,
        rng=np.random.default_rng(seed),
        checkpoints_dir=checkpoints,
        trust_trainers=tuple(trust_trainer or ()),
    )
    if not as_json:
        console.print("[bold]audit cost, before replaying[/bold]")
        for line in _cost_lines(plan.cost, plan.total_segments):
            console.print("  " + line, highlight=False)
    if dry_run:
        if as_json:
            print_json({"plan": plan})
        raise typer.Exit(0)
    if as_json:
        result = replay_report(plan, ray_address=ray_address)
        print_json(result)
        raise typer.Exit(result.exit_code)
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("replay", total=len(plan.segments))
        result = replay_report(
            plan, ray_address=ray_address, progress=lambda d, t: progress.update(task, completed=d)
        )
    table = Table(
        title=f"replay ({result.backend}), tolerance {result.tolerance:.3g}", title_justify="left"
    )
    for col in ("segment", "steps", "why", "distance", "result"):
        table.add_column(col)
    for s in result.segments:
        style = "green" if s.ok else "bold red"
        table.add_row(
            str(s.spec.index),
            f"{s.spec.start_step}-{s.spec.end_step}",
            s.spec.reason,
            "—" if s.distance is None else f"{s.distance:.3g}",
            f"[{style}]{'pass' if s.ok else 'fail'}[/{style}] {'' if s.ok else s.message}",
        )
    console.print(table)
    console.print(f"measured nondeterminism: {result.nondeterminism}", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if result.ok:
        console.print("[bold green]REPLAY PASSED[/bold green]", highlight=False)
    else:
        for s in result.segments:
            if not s.ok:
                err_console.print(
                    f"[bold red]segment {s.spec.index} ({s.spec.start_step}-{s.spec.end_step})"
                    f"[/bold red]: {s.message}",
                    highlight=False,
                    soft_wrap=True,
                )
        err_console.print("[bold red]REPLAY FAILED[/bold red]", highlight=False)
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    """Add the top-level ``verify`` and ``replay`` commands."""
    app.command("verify")(guarded(verify_command))
    app.command("replay")(guarded(replay_command))
