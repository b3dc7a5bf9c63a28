"""``computegov ledger``: inspect a run ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import JSON_OPTION, console, err_console, guarded, print_json

__all__ = ["register"]

ledger_app = typer.Typer(
    help="Inspect a run ledger (hash-chained JSON lines).", no_args_is_help=True
)


def _describe(kind: str, data: dict[str, Any]) -> str:
    if kind == "meta":
        meta = data.get("metadata") or {}
        hw = meta.get("hardware") or {}
        return f"{meta.get('model', '?')} on {hw.get('chip_count', '?')} x {hw.get('chip', '?')}"
    if kind == "measurement":
        i = data.get("interval") or {}
        energy = i.get("energy_j")
        e = f", {energy:.4g} J" if isinstance(energy, int | float) else ""
        flop = i.get("flop")
        f = f"{flop:.4g} FLOP" if isinstance(flop, int | float) else "FLOP unknown"
        return (
            f"{i.get('steps')} steps -> {data.get('step_end')}, {f}, {i.get('seconds', 0):.4g} s{e}"
        )
    if kind == "checkpoint":
        return f"step {data.get('step')}: blake3 {str((data.get('state') or {}).get('blake3'))[:16]}... {data.get('path') or ''}"
    if kind == "batch":
        return f"step {data.get('step')}: {str(data.get('digest'))[:16]}..."
    if kind == "head":
        return f"signs record {data.get('signed_seq')} ({str(data.get('signed_hash'))[:16]}...) key {str(data.get('keyid'))[:16]}..."
    if kind == "end":
        t = data.get("totals") or {}
        return (
            f"{t.get('steps')} steps, {t.get('flop', 0):.4g} FLOP, {t.get('duration_s', 0):.4g} s"
        )
    return ""


@ledger_app.command("show")
@guarded
def show(
    file: Path = typer.Argument(..., help="The ledger (JSON lines)."),
    kinds: str | None = typer.Option(
        None, "--kind", help="Only these record kinds, comma-separated."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List a ledger's records and say whether its chain holds (exit 1 if not, 2 if unreadable)."""
    from computegov.errors import LedgerError
    from computegov.ledger.chain import scan_ledger

    try:
        data = file.read_bytes()
    except OSError as err:
        raise LedgerError(f"cannot read ledger {file}: {err.strerror}") from err
    scan = scan_ledger(data)
    wanted = set(kinds.split(",")) if kinds else None
    records = [r for r in scan.records if wanted is None or r.kind in wanted]
    code = 0 if scan.ok else (2 if any(p.kind in ("format", "torn") for p in scan.problems) else 1)
    if as_json:
        print_json(
            {
                "path": str(file),
                "ok": scan.ok,
                "head_hash": scan.head_hash,
                "size_bytes": scan.size_bytes,
                "problems": [p.to_dict() for p in scan.problems],
                "records": [r.to_dict() for r in records],
            }
        )
        raise typer.Exit(code)
    table = Table(title=f"{file} — {len(scan.records)} records", title_justify="left")
    for col in ("seq", "kind", "time (UTC)", "hash", "content"):
        table.add_column(col, justify="right" if col == "seq" else "left")
    for r in records:
        when = dt.datetime.fromtimestamp(r.time_unix_s, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(str(r.seq), r.kind, when, r.hash[:12], _describe(r.kind, r.data))
    console.print(table)
    if scan.ok:
        console.print(f"[green]chain intact[/green]: head {scan.head_hash}", highlight=False)
    else:
        for p in scan.problems[:10]:
            err_console.print(f"[bold red]{p.kind}:[/bold red] {p}", highlight=False)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the ``ledger`` group."""
    app.add_typer(ledger_app, name="ledger")
