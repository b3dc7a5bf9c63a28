"""``computegov ledger``: inspect a run ledger."""

from __future__ import annotations

import datetime as dt
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
)
from computegov.cli.verify import MAX_FILE_OPTION, MAX_RECORD_OPTION, read_limits

__all__ = ["register"]

ledger_app = typer.Typer(
    help="Inspect a run ledger (hash-chained JSON lines).", no_args_is_help=True
)


def _num(value: Any, unit: str = "") -> str:
    """``value`` as ``1.234e+07`` (+ unit), or ``?`` for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    return f"{value:.4g}{unit}"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _short(value: Any) -> str:
    return f"{str(value)[:16]}..."


def _describe(kind: str, data: dict[str, Any]) -> str:
    """One line about a record; tolerates any content (a rehashed ledger may hold anything)."""
    if kind == "meta":
        meta = _obj(data.get("metadata"))
        hw = _obj(meta.get("hardware"))
        return f"{meta.get('model', '?')} on {hw.get('chip_count', '?')} x {hw.get('chip', '?')}"
    if kind == "measurement":
        i = _obj(data.get("interval"))
        energy = i.get("energy_j")
        e = f", {_num(energy, ' J')}" if energy is not None else ""
        return (
            f"{i.get('steps')} steps -> {data.get('step_end')}, {_num(i.get('flop'), ' FLOP')}, "
            f"{_num(i.get('seconds', i.get('duration_s')), ' s')}{e}"
        )
    if kind == "checkpoint":
        blake3 = _obj(data.get("state")).get("blake3")
        return f"step {data.get('step')}: blake3 {_short(blake3)} {data.get('path') or ''}"
    if kind == "batch":
        return f"step {data.get('step')}: {_short(data.get('digest'))}"
    if kind == "head":
        return (
            f"signs record {data.get('signed_seq')} ({_short(data.get('signed_hash'))}) "
            f"key {_short(data.get('keyid'))}"
        )
    if kind == "end":
        t = _obj(data.get("totals"))
        return (
            f"{t.get('steps')} steps, {_num(t.get('flop'), ' FLOP')}, "
            f"{_num(t.get('duration_s'), ' s')}"
        )
    return ""


def _utc(time_unix_s: float) -> str:
    try:
        return dt.datetime.fromtimestamp(time_unix_s, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"{time_unix_s:.6g} (out of range)"


@ledger_app.command("show")
@guarded
@csv_option("records")
def show(
    file: Path = typer.Argument(..., help="The ledger (JSON lines)."),
    kinds: str | None = typer.Option(
        None, "--kind", help="Only these record kinds, comma-separated."
    ),
    max_record_bytes: int | None = MAX_RECORD_OPTION,
    max_file_bytes: int | None = MAX_FILE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List a ledger's records and say whether its chain holds (exit 1 if not, 2 if unreadable).

    Only a regular file is read (not a directory, device or FIFO), and at most
    ``--max-file-bytes`` of it; a line longer than ``--max-record-bytes`` is a format problem.
    ``--csv`` writes the JSON's ``records`` (one row each, their data as dotted columns); the
    exit status is the same.
    """
    from computegov.errors import InputError, LedgerError
    from computegov.ledger.evidence import read_regular_file
    from computegov.ledger.records import RECORD_KINDS
    from computegov.ledger.scan import scan_ledger

    wanted = {k.strip() for k in kinds.split(",")} if kinds else None
    unknown = sorted(wanted - set(RECORD_KINDS)) if wanted else []
    if unknown:
        raise InputError(
            f"unknown record kind {', '.join(unknown)}; expected some of {', '.join(RECORD_KINDS)}"
        )

    limits = read_limits(max_record_bytes, max_file_bytes)
    try:
        data = read_regular_file(file, limits.max_file_bytes, "ledger")
    except InputError as err:
        raise LedgerError(str(err)) from err
    scan = scan_ledger(data, max_record_bytes=limits.max_record_bytes)
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
        table.add_row(
            str(r.seq), r.kind, _utc(r.time_unix_s), r.hash[:12], _describe(r.kind, r.data)
        )
    print_table(table)
    if scan.ok:
        console.print(f"[green]chain intact[/green]: head {scan.head_hash}", highlight=False)
    else:
        for p in scan.problems[:10]:
            err_console.print(f"[bold red]{p.kind}:[/bold red] {p}", highlight=False)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the ``ledger`` group."""
    app.add_typer(ledger_app, name="ledger")
