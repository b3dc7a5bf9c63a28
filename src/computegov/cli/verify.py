"""``computegov verify`` and ``computegov replay``: check a signed compute report.

Exit status: 0 verified (every check passed and all the evidence the report names was there),
1 a check failed or evidence is missing (incomplete), 2 unusable input (unreadable or garbled
report or ledger, a key in the wrong format, a file over the size caps).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import (
    JSON_OPTION,
    console,
    csv_option,
    err_console,
    guarded,
    print_json,
    print_table,
    seed_option,
)

__all__ = ["register"]

_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "warn": "yellow",
    "skip": "dim",
    "missing": "bold yellow",
}


def _find_ledger(report_path: Path) -> Path | None:
    """The ledger the report names, inside the report's directory (None if absent or unusable).

    Raises:
        LedgerError: the report itself cannot be read (not a regular file, over the cap, garbled).
    """
    from computegov.ledger.evidence import locate
    from computegov.ledger.report import load_report

    ledger = load_report(report_path).predicate.get("ledger")
    found = locate(report_path.parent, ledger.get("name") if isinstance(ledger, dict) else None)
    return found.path if found.state == "ok" else None


ALLOW_MISSING_OPTION = typer.Option(
    None,
    "--allow-missing",
    help="Accept missing evidence of these kinds, comma-separated (ledger, checkpoints, "
    "replay_inputs, trusted_key, chip_peak); the verdict then says it was partial. Default: missing evidence makes "
    "the verdict INCOMPLETE (exit 1).",
)
MAX_RECORD_OPTION = typer.Option(
    None,
    "--max-record-bytes",
    min=1,
    help="Longest ledger line (record) read, bytes (default 1048576 = 1 MiB).",
)
MAX_FILE_OPTION = typer.Option(
    None,
    "--max-file-bytes",
    min=1,
    help="Largest ledger or report file read, bytes (default 1073741824 = 1 GiB).",
)


def read_limits(max_record_bytes: int | None, max_file_bytes: int | None) -> Any:
    """The :class:`~computegov.ledger.evidence.ReadLimits` of the size options (None: default)."""
    from computegov.ledger.evidence import ReadLimits

    caps = {"max_record_bytes": max_record_bytes, "max_file_bytes": max_file_bytes}
    return ReadLimits(**{k: v for k, v in caps.items() if v is not None})


@csv_option("checks")
def verify_command(
    report: Path = typer.Argument(..., help="The signed compute report (DSSE envelope, JSON)."),
    ledger: Path | None = typer.Option(
        None, "--ledger", help="The run's ledger (default: the one the report names, next to it)."
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="The signer's trusted public key: a PEM file, or its raw 32 bytes as 64 hex "
        "digits. Without it the verdict is INCOMPLETE (no trusted key), exit 1.",
    ),
    integrity_only: bool = typer.Option(
        False,
        "--integrity-only",
        help="Without --key, accept checking signatures against the key the report names: "
        "exit 0 is then UNAUTHENTICATED (integrity, not who signed).",
    ),
    peak_flop_per_s: float | None = typer.Option(
        None,
        "--peak-flop-per-s",
        help="Your own peak FLOP/s per chip for the plausibility bound (FLOP <= chips x peak x "
        "seconds); needed when the report's chip is not in the catalogue, and used instead of "
        "the catalogue when given.",
    ),
    checkpoints: Path | None = typer.Option(
        None,
        "--checkpoints",
        help="Directory checkpoint paths are resolved under (default: the ledger's); paths "
        "leaving it are refused.",
    ),
    allow_missing: str | None = ALLOW_MISSING_OPTION,
    max_record_bytes: int | None = MAX_RECORD_OPTION,
    max_file_bytes: int | None = MAX_FILE_OPTION,
    attest_trust: Path | None = typer.Option(
        None,
        "--attest-trust",
        help="Trust file for hardware evidence: trusted TPM attestation-key fingerprints and "
        "location landmarks (see docs/attestation.md). Without it TPM quotes and location "
        "claims fail: no key or landmark is trusted.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a compute report: signatures, ledger chain, totals, checkpoints, plausibility.

    VERIFIED (exit 0) only when no check failed and all the evidence the report names was
    checked; FAILED (exit 1); INCOMPLETE (exit 1) when evidence is missing; exit 2 when an
    input is unusable. ``--csv`` writes the JSON's ``checks``: one row per check (name, status,
    summary, ...); the exit status is the same.
    """
    from computegov.attest import checkers_for
    from computegov.attest.trust import load_trust
    from computegov.ledger.attestation import registered_checkers
    from computegov.ledger.verify import parse_allow_missing, verify_report

    trust = load_trust(attest_trust) if attest_trust is not None else None
    with _reading_bar(disable=as_json) as on_read:
        verdict = verify_report(
            report,
            ledger,
            key,
            checkers={**registered_checkers(), **checkers_for(trust)},
            checkpoints_dir=checkpoints,
            allow_missing=parse_allow_missing(allow_missing),
            limits=read_limits(max_record_bytes, max_file_bytes),
            integrity_only=integrity_only,
            peak_flop_per_s=_peak_option(peak_flop_per_s),
            progress=on_read,
        )
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
    print_table(table)
    _print_outcome(verdict)
    raise typer.Exit(verdict.exit_code)


@contextlib.contextmanager
def _reading_bar(*, disable: bool) -> Iterator[Callable[[int, int | None], None]]:
    """A transient bar on stderr while the ledger is read: bytes, rate, time left.

    Shown only on a terminal and only for a large ledger (:data:`_BAR_AFTER_BYTES`); rich's
    progress module is imported only then.
    """
    shown: list[Any] = []  # (progress, task) once the bar is up

    def on_read(done: int, size: int | None) -> None:
        if not shown:
            small = done < _BAR_AFTER_BYTES and (size is None or size < _BAR_AFTER_BYTES)
            if disable or small or not err_console.is_terminal:
                return
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            bar = Progress(
                TextColumn("reading the ledger"), BarColumn(), DownloadColumn(),
                TransferSpeedColumn(), TimeRemainingColumn(), console=err_console, transient=True,
            )
            bar.start()
            shown.append((bar, bar.add_task("ledger", total=size)))
        bar, task = shown[0]
        bar.update(task, completed=done)

    try:
        yield on_read
    finally:
        if shown:
            shown[0][0].stop()


#: Ledgers smaller than this are read without a bar (a fraction of a second).
_BAR_AFTER_BYTES = 16 << 20


def _peak_option(value: float | None) -> float | None:
    """``--peak-flop-per-s`` checked: a finite number > 0 (InputError, exit 2, otherwise)."""
    import math

    from computegov.errors import InputError

    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"--peak-flop-per-s: expected a positive number of FLOP/s, got {value}")
    return value


def _print_outcome(verdict: Any) -> None:
    skipped = [c.name for c in verdict.checks if c.status == "skip"]
    passed = sum(c.status in ("pass", "warn") for c in verdict.checks)
    if verdict.outcome == "verified":
        label = "VERIFIED (PARTIAL)" if verdict.partial else "VERIFIED"
        if not verdict.authenticated:
            label = "UNAUTHENTICATED (integrity only)"
        console.print(
            f"[bold green]{label}[/bold green]: {passed} checks passed"
            + (
                f", {len(skipped)} {'not checked' if verdict.partial else 'not applicable'} "
                f"({', '.join(skipped)})"
                if skipped
                else ""
            ),
            highlight=False,
        )
        if verdict.partial:
            console.print(
                f"[yellow]partial[/yellow]: accepted as missing ({', '.join(verdict.allowed_missing)}): "
                + ", ".join(verdict.missing),
                highlight=False,
                soft_wrap=True,
            )
        if not verdict.authenticated:
            console.print(
                "[yellow]UNAUTHENTICATED[/yellow]: no trusted key was given, so this does not "
                "show who signed; pass --key SIGNER.pub",
                highlight=False,
            )
    elif verdict.outcome == "incomplete":
        for c in verdict.unaccepted_missing:
            err_console.print(
                f"[bold yellow]MISSING {c.name}[/bold yellow]: {c.summary}",
                highlight=False,
                soft_wrap=True,
            )
        kinds = sorted({str(c.missing_kind) for c in verdict.unaccepted_missing})
        why = " (no trusted key)" if "trusted_key" in kinds else ""
        err_console.print(
            f"[bold yellow]INCOMPLETE{why}[/bold yellow]: missing evidence: "
            f"{', '.join(verdict.missing)}; not verified (accept it explicitly with "
            f"--allow-missing {','.join(kinds)}"
            + (", or --integrity-only for the key" if why else "")
            + ")",
            highlight=False,
            soft_wrap=True,
        )
    else:
        for c in verdict.failed:
            err_console.print(
                f"[bold red]FAILED {c.name}[/bold red]: {c.summary}",
                highlight=False,
                soft_wrap=True,
            )


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


@csv_option("segments|plan.segments")
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
    seed: int = seed_option(0, "the random segment choice"),
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
    allow_missing: str | None = ALLOW_MISSING_OPTION,
    max_record_bytes: int | None = MAX_RECORD_OPTION,
    max_file_bytes: int | None = MAX_FILE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-run sampled training segments from checkpoints and compare (Proof-of-Learning style).

    REPLAY PASSED (exit 0) only when every sampled segment was replayed and landed within
    tolerance; a segment whose checkpoint files are missing makes the replay INCOMPLETE
    (exit 1) unless --allow-missing replay_inputs.
    """
    import numpy as np
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from computegov.errors import InputError
    from computegov.ledger.replay import plan_replay, replay_report
    from computegov.ledger.verify import parse_allow_missing

    allowed = parse_allow_missing(allow_missing)
    if largest < 0:
        raise InputError(f"--largest must be a count >= 0, got {largest}")
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
        limits=read_limits(max_record_bytes, max_file_bytes),
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
        result = replay_report(plan, ray_address=ray_address, allow_missing=allowed)
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
            plan,
            ray_address=ray_address,
            progress=lambda d, t: progress.update(task, completed=d),
            allow_missing=allowed,
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
            f"[{style}]{'pass' if s.ok else ('missing' if s.missing else 'fail')}[/{style}] "
            f"{'' if s.ok else s.message}",
        )
    print_table(table)
    console.print(f"measured nondeterminism: {result.nondeterminism}", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if result.ok:
        label = "REPLAY PASSED (PARTIAL)" if result.partial else "REPLAY PASSED"
        console.print(f"[bold green]{label}[/bold green]", highlight=False)
        for m in result.missing:
            console.print(f"[yellow]accepted as missing:[/yellow] {m}", highlight=False)
    elif result.outcome == "incomplete":
        for m in result.missing:
            err_console.print(f"[bold yellow]MISSING[/bold yellow] {m}", highlight=False)
        err_console.print(
            "[bold yellow]REPLAY INCOMPLETE[/bold yellow]: checkpoint files are missing; "
            "accept it explicitly with --allow-missing replay_inputs",
            highlight=False,
            soft_wrap=True,
        )
    else:
        for s in result.segments:
            if not s.ok and not s.missing:
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
