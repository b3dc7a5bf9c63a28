"""The tables and notes ``computegov plan`` prints: ranked options, failures, assumptions."""

from __future__ import annotations

from typing import Any

from computegov.cli.common import console, print_table
from computegov.costs.money import format_usd, format_usd_range

__all__ = ["assumed_network_note", "chip_label", "render_footer", "render_options"]


def _layout(option: Any) -> str:
    if option.layout is None:
        return "-"
    lay = option.layout
    text = f"{lay.tp}/{lay.pp}/{lay.dp}"
    if lay.vp > 1:
        text += f" (v={lay.vp})"
    if lay.recompute != "selective":
        text += f", {lay.recompute} recompute"
    return text


def _fits(option: Any) -> str:
    return {True: "yes", False: "[red]no[/red]", None: "?"}[option.memory_fits]


def _short(value: float) -> str:
    """Whole numbers below 10,000; larger ones as 3.9e4."""
    if value < 1e4:
        return f"{value:,.0f}"
    return f"{value:.2g}".replace("e+0", "e").replace("e+", "e")


_VENDORS = ("NVIDIA ", "AMD ", "Intel ", "Google ", "Huawei ", "Amazon ", "Habana ", "Radeon ")


def chip_label(name: str) -> str:
    """The chip name without vendor words (the table is read next to the notes below it)."""
    changed = True
    while changed:
        changed = False
        for prefix in _VENDORS:
            if name.startswith(prefix):
                name = name.removeprefix(prefix)
                changed = True
    return name


def _mfu(option: Any) -> str:
    """MFU, ~ when the inter-node bandwidth was assumed, ? when no published run backs it."""
    text = f"{option.utilisation.central:.2f}" + ("~" if option.network_assumed else "")
    return text + ("" if option.utilisation_evidence else "?")


def render_options(options: Any, title: str) -> None:
    """The options table: fits 80 columns (drops chip-hours below 100), all columns from 100."""
    from rich import box
    from rich.table import Table

    wide = console.width >= 100
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        title_justify="left",
        caption=(
            "cost: central (low-high) USD; fit: memory fits (? = unknown); "
            "* = on the Pareto front; ~ = network bandwidth assumed; "
            "? = no published utilisation for the chip (interval widened)"
        ),
        caption_justify="left",
    )
    columns: list[tuple[str, str]] = [("#", "right")] if wide else []
    columns += [
        ("chip", "left"),
        ("chips", "right"),
        ("MFU", "right"),
        ("days", "right"),
    ]
    if wide:
        columns.append(("chip-h", "right"))
    columns += [("cost", "right"), ("low-high", "left"), ("MWh", "right"), ("MW", "right")]
    columns.append(("fit", "left"))
    for column, justify in columns:
        table.add_column(
            column,
            justify=justify,  # type: ignore[arg-type]
            overflow="fold",
            no_wrap=column not in ("chip",),
            min_width=15 if column == "chip" else None,
            max_width=22 if column == "chip" else None,
        )
    for rank, o in enumerate(options, start=1):
        cells = [str(rank)] if wide else []
        cells += [chip_label(o.chip_name), f"{o.chips:,}", _mfu(o), f"{o.days:,.0f}"]
        if wide:
            cells.append(_short(o.chip_hours.central))
        cells += [
            format_usd(o.cost_usd.central, compact=True),
            format_usd_range(o.cost_usd.low, o.cost_usd.high),
            _short(o.energy_mwh),
            f"{o.peak_power_mw:,.1f}",
            _fits(o) + ("*" if o.pareto else ""),
        ]
        table.add_row(*cells)
    print_table(table)
    if options and any(o.layout is not None and o.layout.vp > 1 for o in options):
        console.print(
            "layouts (tensor/pipeline/data parallel; v = virtual pipeline stages per chip):",
            style="dim",
        )
    for o in options:
        if o.layout is not None:
            console.print(
                f"{chip_label(o.chip_name)}: TP/PP/DP {_layout(o)}; "
                f"{o.layout.memory.total_bytes / 1e9:.0f} GB/chip; memory needs >= "
                f"{o.min_chips_memory or '?'} chips",
                style="dim",
                highlight=False,
            )
    _render_reliability(options)


def _render_reliability(options: Any) -> None:
    shown = [o for o in options if o.reliability is not None]
    if not shown:
        return
    console.print(
        "failures (every chip at Llama 3 405B's H100 rates, arXiv:2407.21783 Table 5; "
        "checkpoints at Daly's optimal interval; 5-95 % over the assumption ranges):",
        style="dim",
        highlight=False,
    )
    for o in shown:
        console.print(_reliability_line(o), style="dim", highlight=False)


def _minutes(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _reliability_line(o: Any) -> str:
    """Interruptions, checkpoint interval, goodput and days with and without failures."""
    r = o.reliability
    n = r.interruptions
    return (
        f"{chip_label(o.chip_name)}: {n.central:,.0f} ({n.low:,.0f}-{n.high:,.0f}) unexpected "
        f"interruptions (job MTBF {_minutes(r.job_mtbf_s.central)}), checkpoint "
        f"{_minutes(r.checkpoint_s.central)} every {_minutes(r.interval_s.central)}, lost "
        f"{r.lost_s.central / 86400:,.1f} days, goodput {r.goodput.central:.0%} "
        f"({r.goodput.low:.0%}-{r.goodput.high:.0%}); {o.days_without_failures:,.0f} days "
        f"without failures, {o.days:,.0f} with"
    )


def assumed_network_note(options: Any) -> None:
    """Print the legend for ``?``, ``$`` and ``~`` marks in the options table."""
    flagged = [chip_label(o.chip_name) for o in options if o.network_assumed]
    unproven = [chip_label(o.chip_name) for o in options if not o.utilisation_evidence]
    if unproven:
        console.print(
            f"? {', '.join(unproven)}: no published at-scale utilisation; the generation's MFU "
            "is used with its low end widened (see the notes in --json).",
            style="dim",
            highlight=False,
        )
    for o in options:
        for note in o.notes:
            if "no launch price;" in note or "no TDP;" in note:
                console.print(f"$ {note}", style="dim", highlight=False)
    if flagged:
        console.print(
            f"~ {', '.join(flagged)}: no inter-node bandwidth in the catalogue; the MFU assumes "
            "one 200 Gb/s NIC (25 GB/s) per chip, so it is less certain.",
            style="dim",
            highlight=False,
        )


def render_footer(target: Any, notes: Any, factor: Any, request: Any, year: int) -> None:
    """Print the target, the dollar year, the start-year factor and every note."""
    console.print(
        f"target {target.flop:.3g} FLOP ({target.method}); costs in USD {year}, central (low - high) "
        "with every assumption at its cheap/dear end; constraints checked on central values.",
        style="dim",
        highlight=False,
    )
    if request.start_year is not None and factor is not None:
        console.print(
            f"start {request.start_year}: cost x {factor.central:.2f} ({factor.low:.2f} - {factor.high:.2f}) "
            "from the price-performance trend.",
            style="dim",
            highlight=False,
        )
    for note in (*target.notes, *notes):
        console.print(f"note: {note}", style="dim", highlight=False)
