"""``computegov plan``: hardware options for a training run, or one fixed configuration priced."""

from __future__ import annotations

from pathlib import Path

import typer

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    chart_output,
    console,
    csv_option,
    float_option,
    guarded,
    int_option,
    load_catalog_for_cli,
    print_json,
    utilisation_option,
)
from computegov.cli.costs import (
    ASSUMPTIONS_FILE_OPTION,
    INCLUDES_SERVER_OPTION,
    SET_OPTION,
    cottier_for_options,
)
from computegov.cli.plan_tables import (
    assumed_network_note,
    chip_label,
    render_footer,
    render_options,
)
from computegov.costs.model import MAX_CHIP_PRICE_USD, MAX_RENT_USD_PER_CHIP_HOUR, MAX_TDP_W
from computegov.costs.money import format_usd
from computegov.planning.request import (
    FIRST_START_YEAR,
    LAST_START_YEAR,
    MAX_CHIPS,
    MAX_DEADLINE_DAYS,
    MAX_POWER_CAP_MW,
)

#: Most ranked options shown (the table would not be read past this).
MAX_TOP = 1000

__all__ = ["plan_command", "register"]


def _quantity(text: str | None, what: str) -> float | None:
    from computegov.units import parse_quantity

    return None if text is None else parse_quantity(text, what=what)


def plan_command(
    flop: str | None = typer.Option(
        None, "--flop", help="Target training compute, FLOP (e.g. 3e25)."
    ),
    params: str | None = typer.Option(None, "--params", help="Parameters (e.g. 70e9 or 70B)."),
    tokens: str | None = typer.Option(
        None, "--tokens", help="Training tokens (e.g. 15e12 or 15T)."
    ),
    deadline_days: float | None = float_option(
        None,
        "--deadline-days",
        help="Wall-clock limit, days.",
        low=0,
        low_open=True,
        high=MAX_DEADLINE_DAYS,
    ),
    budget_usd: str | None = typer.Option(
        None, "--budget-usd", help="Budget, USD (e.g. 100e6 or 100M)."
    ),
    max_chips: int | None = int_option(
        None, "--max-chips", help="Most chips available (a count).", low=1, high=MAX_CHIPS
    ),
    power_cap_mw: float | None = float_option(
        None,
        "--power-cap-mw",
        help="Facility power cap, MW.",
        low=0,
        low_open=True,
        high=MAX_POWER_CAP_MW,
    ),
    rent: bool = typer.Option(
        False, "--rent/--buy", help="Rent at public prices, or buy (default)."
    ),
    start_year: int | None = int_option(
        None,
        "--start-year",
        help="Year the run starts; future years use the price-performance trend.",
        low=FIRST_START_YEAR,
        high=LAST_START_YEAR,
    ),
    chip: str | None = typer.Option(
        None, "--chip", help="Only this chip (with --chips: evaluate it)."
    ),
    chips: int | None = int_option(
        None,
        "--chips",
        help="Evaluate exactly this many chips (needs --chip).",
        low=1,
        high=MAX_CHIPS,
    ),
    utilisation: float | None = utilisation_option(
        "fixes the MFU instead of the cluster-scaling model."
    ),
    rank_by: str = typer.Option("cost", "--rank-by", help="Rank by cost, time or energy."),
    top: int = int_option(
        10, "--top", help="Show this many ranked options (a count).", low=1, high=MAX_TOP
    ),
    price_usd: float | None = float_option(
        None,
        "--price-usd",
        help="Price of the chip alone (with --chip), USD; server, network and storage shares "
        "are added, as for catalogue prices.",
        low=0,
        low_open=True,
        high=MAX_CHIP_PRICE_USD,
    ),
    tdp_w: float | None = float_option(
        None, "--tdp-w", help="Chip TDP (with --chip), W.", low=0, low_open=True, high=MAX_TDP_W
    ),
    rent_usd_per_hour: float | None = float_option(
        None,
        "--rent-usd-per-hour",
        help="Rental price per chip-hour (with --chip; implies --rent).",
        low=0,
        low_open=True,
        high=MAX_RENT_USD_PER_CHIP_HOUR,
    ),
    all_chips: bool = typer.Option(
        False, "--all-chips", help="Also consider consumer and workstation chips."
    ),
    failures: bool = typer.Option(
        True,
        "--failures/--no-failures",
        help="Model interruptions, checkpoints and restarts (default: Llama 3 405B's rates, "
        "arXiv:2407.21783 Table 5), or plan failure-free.",
    ),
    failure_rate_x: float | None = float_option(
        None,
        "--failure-rate-x",
        help="Multiply every default interruption rate by this factor.",
        low=0,
        low_open=True,
        high=1e3,
    ),
    restart_min: float | None = float_option(
        None,
        "--restart-min",
        help="Minutes from an interruption to training again (default 10, range 3-30).",
        low=0,
        high=1e4,
    ),
    storage_gbps_per_chip: float | None = float_option(
        None,
        "--storage-gbps-per-chip",
        help="Checkpoint write bandwidth per chip, GB/s (default 0.122: Llama 3's 2 TB/s "
        "over 16,384 GPUs).",
        low=0,
        low_open=True,
        high=1e4,
    ),
    checkpoint_bytes_per_param: float | None = float_option(
        None,
        "--checkpoint-bytes-per-param",
        help="Checkpoint bytes per parameter (default 14: BF16 weights + FP32 Adam states).",
        low=0,
        low_open=True,
        high=1e3,
    ),
    chart: Path | None = typer.Option(
        None, "--chart", "--output", "-o", help="Save the options chart (.html/.svg/.png/.json)."
    ),
    utilisation_evidence: Path | None = typer.Option(
        None,
        "--utilisation-evidence",
        help="YAML of chip families with their kernel MFU and the published runs behind it "
        "(schema of the bundled data/utilisation_evidence.yaml); its families match first.",
    ),
    price_includes_server: bool = INCLUDES_SERVER_OPTION,
    assumptions: Path | None = ASSUMPTIONS_FILE_OPTION,
    settings: list[str] | None = SET_OPTION,
    as_json: bool = JSON_OPTION,
    catalog: Path | None = CATALOG_OPTION,
) -> None:
    """Plan a training run: ranked chips, counts, days, cost, energy, memory fit, Pareto front.

    In the table, fit says whether the model fits in the chips' memory with the chosen layout
    (TP/PP/DP, shown below the table; ? = memory unknown) and * marks options on the Pareto front
    over cost, time and energy.

    Examples: ``computegov plan --flop 3e25 --deadline-days 90``;
    ``computegov plan --params 70e9 --tokens 15e12 --rent``;
    ``computegov plan --flop 3.8e25 --chip "H100 SXM" --chips 16384 --utilisation 0.35``.
    """
    from computegov.cli.costs import build_model
    from computegov.errors import InputError
    from computegov.planning import PlanRequest, evaluate, plan

    if chips is not None and chip is None:
        raise InputError("--chips needs --chip (the chip to evaluate)")
    if (price_usd or tdp_w or rent_usd_per_hour) and chip is None:
        raise InputError(
            "--price-usd, --tdp-w and --rent-usd-per-hour apply to one chip: add --chip"
        )
    request = PlanRequest(
        flop=_quantity(flop, "--flop"),
        params=_quantity(params, "--params"),
        tokens=_quantity(tokens, "--tokens"),
        deadline_days=deadline_days,
        budget_usd=_quantity(budget_usd, "--budget-usd"),
        max_chips=max_chips,
        power_cap_mw=power_cap_mw,
        mode="rent" if (rent or rent_usd_per_hour) else "buy",
        start_year=start_year,
        utilisation=utilisation,
        rank_by=rank_by,  # type: ignore[arg-type]
        failures=failures,
    )
    from computegov.planning.reliability import ReliabilityAssumptions

    failure_model = ReliabilityAssumptions.default().with_overrides(
        rate_factor=failure_rate_x,
        restart_s=None if restart_min is None else restart_min * 60.0,
        storage_bytes_per_s_per_chip=(
            None if storage_gbps_per_chip is None else storage_gbps_per_chip * 1e9
        ),
        checkpoint_bytes_per_param=checkpoint_bytes_per_param,
    )
    from computegov.planning.utilisation import load_evidence

    evidence = None if utilisation_evidence is None else load_evidence(utilisation_evidence)
    if not 1 <= top <= MAX_TOP:
        raise InputError(f"--top must be between 1 and {MAX_TOP}, got {top}")
    if chart is not None:
        chart_output(chart)
    cat = load_catalog_for_cli(catalog)
    model = build_model(
        rent,
        price_usd,
        tdp_w,
        rent_usd_per_hour,
        price_includes_server=price_includes_server,
        assumptions=assumptions,
        settings=settings,
    )
    if chip is not None and chips is not None:
        target, option = evaluate(
            request,
            cat.get(chip),
            chips,
            model=model,
            failure_model=failure_model,
            evidence=evidence,
            reference=list(cat),  # a missing price or TDP is estimated from this catalogue's chips
        )
        if as_json:
            print_json({"target": target, "option": option, "assumptions": model.to_dict()})
            return
        render_options([option], f"{target.flop:.3g} FLOP on {chips:,} x {option.chip_name}")
        if option.violations:
            console.print(f"[yellow]breaks: {', '.join(option.violations)}[/yellow]")
        render_footer(target, option.notes, option.cost_factor, request, option.dollar_year)
        return
    pool = [cat.get(chip)] if chip is not None else list(cat)
    result = plan(
        request,
        pool,
        model=model,
        top=top,
        datacenter_only=not (all_chips or chip),
        failure_model=failure_model,
        evidence=evidence,
        reference=list(cat),
    )
    if chart is not None:
        from computegov.charts.base import save_chart
        from computegov.charts.planning import plan_chart

        save_chart(plan_chart(result), chart)
    beside = cottier_for_options(result.options, cat, model)
    if as_json:
        print_json({**result.to_dict(), "cottier2024": beside})
        return
    render_options(
        result.options,
        f"{result.target.flop:.3g} FLOP: best option per chip, ranked by {request.rank_by} "
        f"({'rent' if request.mode == 'rent' else 'buy'})",
    )
    assumed_network_note(result.options)
    if result.recommended is not None and result.options and result.recommended is not result.options[0]:
        console.print(f"[bold]Recommended:[/bold] {result.recommended.chip_name} (the best option with published "
                      "utilisation evidence and a known price; see the note below on the first-ranked)",
                      highlight=False)
    console.print(
        f"{len(result.pareto)} options on the Pareto front over cost, time and energy (* = the "
        f"chip's shown option is on it); {len(result.skipped)} chips left out (--json lists all).",
        style="dim",
    )
    by_reason: dict[str, list[str]] = {}
    for name, why in result.skipped.items():
        found = cat.find(name)
        if found and found[0].datacenter and (found[0].release_year or 0) >= 2020:
            by_reason.setdefault(why, []).append(chip_label(name))
    for why, names in by_reason.items():
        console.print(f"left out, {why}: {', '.join(names)}", style="dim", highlight=False)
    if result.trend is not None and request.start_year is not None:
        console.print(
            f"price-performance trend: {result.trend.source}", style="dim", highlight=False
        )
    factor = result.options[0].cost_factor if result.options else None
    render_footer(
        result.target,
        result.notes,
        factor,
        request,
        result.options[0].dollar_year if result.options else 0,
    )
    if beside:
        costs = ", ".join(f"{n} {format_usd(c['total_usd'], compact=True)}" for n, c in beside.items())
        console.print(f"Cottier et al. 2024 cost (2023 prices): {costs}", style="dim", highlight=False)
    if chart is not None:
        console.print(f"chart saved to {chart}")


def register(app: typer.Typer) -> None:
    """Add the top-level ``plan`` command."""
    app.command("plan")(guarded(csv_option("options")(plan_command)))
