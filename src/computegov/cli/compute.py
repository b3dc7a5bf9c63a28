"""``computegov compute``: estimate training compute, check it against thresholds, inverse, trend."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from computegov.cli.common import (
    CATALOG_OPTION,
    DEFAULT_SEED,
    JSON_OPTION,
    console,
    csv_option,
    guarded,
    load_catalog_for_cli,
    print_json,
    print_table,
    seed_option,
    table_with,
)
from computegov.cli.compute_options import (
    DEX,
    FORWARD_ONLY,
    PHASE,
    PRECISION,
    SIG_FIGS,
    UTIL,
    RunOptions,
    build_run,
    run_options,
)
from computegov.cli.compute_options import figure as flop_figure
from computegov.cli.compute_options import years as parse_years
from computegov.errors import InputError

__all__ = ["register"]

compute_app = typer.Typer(
    help="Training compute: estimate with an interval, check against regulatory thresholds, "
    "what an amount of FLOP means, and the frontier trend.",
    no_args_is_help=True,
)

def _pct(p: float) -> str:
    if 0 < p < 0.001:
        return "<0.1%"
    if 0.999 < p < 1:
        return ">99.9%"
    return f"{p:.1%}"


def _flop(value: float) -> str:
    return f"{value:.3g}"


def _amount(value: float) -> str:
    """3 significant digits with a k/M/B/T suffix for people (2.92M chip-days, 140M USD)."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale and abs(value) < 1e15:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _range(central: float, low: float, high: float) -> str:
    return f"{_amount(central)} ({_amount(low)}–{_amount(high)})"


def _print_estimate(est: Any) -> None:
    console.print(
        f"[bold]{_flop(est.flop)} FLOP[/bold]  (90% interval {_flop(est.flop_low)} – {_flop(est.flop_high)}), "
        f"method: [bold]{est.method}[/bold], phase: {est.phase}"
    )
    if est.uncertainty and not est.assumptions:
        console.print(f"  [dim]uncertainty: {escape(est.uncertainty)}[/dim]")
    if est.formula:
        console.print(f"  formula: {escape(est.formula)}")
    for assumption in est.assumptions:
        console.print(f"  [dim]assumption: {escape(assumption)}[/dim]")
    for alt in est.alternatives:
        console.print(
            f"  {'route' if est.method == 'combined' else 'also'} {alt.method}: {_flop(alt.flop)} FLOP "
            f"({_flop(alt.flop_low)} – {_flop(alt.flop_high)})"
        )
    gap = est.disagreement_oom()
    if gap is not None:
        colour = "red" if gap > 0.5 else "green"
        console.print(f"  methods differ by [{colour}]{gap:.2f}[/{colour}] orders of magnitude")
    for part in est.components:
        console.print(f"  {part.phase}: {_flop(part.flop)} FLOP ({part.method})")


@compute_app.command("estimate")
@guarded
@csv_option()
@run_options
def estimate_cmd(
    run: RunOptions,
    phase: str = PHASE,
    forward_only: bool = FORWARD_ONLY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Training compute with a 90% interval, by every method the inputs allow."""
    from computegov.compute import estimate

    est = estimate(build_run(run, phase=phase, forward_only=forward_only))
    if as_json:
        print_json(est)
        return
    _print_estimate(est)


@compute_app.command("check")
@guarded
@csv_option("checks")
@run_options
def check_cmd(
    flop: str | None = typer.Option(
        None, "--flop", help="Pre-training compute, FLOP, instead of a run: 1e25, or a 90% interval 8e24..4e25."
    ),
    *,
    run: RunOptions,
    flop_low: str | None = typer.Option(None, "--flop-low", help="5th percentile of the pre-training FLOP (with --flop-high)."),
    flop_high: str | None = typer.Option(None, "--flop-high", help="95th percentile of the pre-training FLOP (with --flop-low)."),
    dex: float | None = DEX,
    sig_figs: int | None = SIG_FIGS,
    fine_tuning_flop: str | None = typer.Option(None, "--fine-tuning-flop", help="Fine-tuning compute, FLOP (or LOW..HIGH)."),
    rl_flop: str | None = typer.Option(None, "--rl-flop", help="Reinforcement-learning compute, FLOP (or LOW..HIGH)."),
    synthetic_flop: str | None = typer.Option(None, "--synthetic-data-flop", help="Synthetic-data generation compute, FLOP (or LOW..HIGH)."),
    date: str | None = typer.Option(None, "--date", help="Check the thresholds in force on this day (YYYY-MM-DD; default today)."),
    history: bool = typer.Option(False, "--all", help="Check every threshold, including revoked ones."),
    tag: list[str] | None = typer.Option(
        None, "--tag", help="What the model is (repeatable): biological-sequence-data, generates-language-image-or-video. "
        "Given any, thresholds limited to other kinds of model are left out.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Over, under or borderline for each regulatory threshold in force, with margin and P(over).

    Give a FLOP figure's uncertainty as a 90% interval (--flop 8e24..4e25, or --flop-low and
    --flop-high), a relative error (--dex 0.1: log-normal) or its significant figures (--sig-figs 1:
    uniform on the rounding interval); a figure without one is taken as exact. P(over) between
    5% and 95% is reported as borderline.
    """
    from computegov.compute import estimate, estimate_total
    from computegov.policy.thresholds import BORDERLINE, check

    try:
        day = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError as err:
        raise InputError(f"--date {date!r}: expected YYYY-MM-DD") from err
    phase_texts = ((fine_tuning_flop, "fine-tuning"), (rl_flop, "reinforcement-learning"), (synthetic_flop, "synthetic-data"))
    if flop is not None or flop_low is not None or flop_high is not None:
        main = flop_figure(flop, "pre-training", dex, sig_figs, low=flop_low, high=flop_high)
    else:
        if (dex is not None or sig_figs is not None) and not any(text for text, _ in phase_texts):
            raise InputError("--dex and --sig-figs describe a FLOP figure: give --flop (or a phase's FLOP)")
        main = estimate(build_run(run, phase="pre-training", forward_only=False))
    parts = [main]
    for text, phase in phase_texts:
        if text is not None:
            parts.append(flop_figure(text, phase, dex, sig_figs))
    total = estimate_total(parts, name="run")
    results = check(total, day, all_dates=history, tags=tag if tag else None)
    if as_json:
        print_json({"date": day, "estimate": total, "checks": list(results)})
        return
    _print_estimate(total)
    if not results:
        console.print(
            f"No threshold {'matches' if history else f'is in force on {day}'}"
            + (" for these --tag values" if tag else "") + "; see every one, revoked included, with --all"
        )
        return
    table = table_with(
        f"Thresholds {'(all, any date)' if history else f'in force on {day}'}",
        ("where", "threshold", "status", "value FLOP", "counted FLOP", "result", "margin OOM", "P(over)"),
        right={"value FLOP", "counted FLOP", "margin OOM", "P(over)"},
    )
    for r in results:
        verdict = {"over": "[red]OVER[/red]", "under": "[green]under[/green]"}.get(r.verdict, "[yellow]BORDERLINE[/yellow]")
        table.add_row(
            r.threshold.jurisdiction,
            r.threshold.short_name + ("*" if r.unconfirmed else ""),
            r.threshold.status.replace("_", " "),
            _flop(r.threshold.value_flop),
            _flop(r.flop) if r.flop else "0",
            verdict,
            f"{r.margin_oom:+.2f}" if math.isfinite(r.margin_oom) else "—",
            _pct(r.probability_over),
        )
    print_table(table)
    phases = [c.phase for c in total.components] or [total.phase]
    for r in results:
        console.print(f"[dim]{escape(r.threshold.short_name)}: {escape(r.threshold.instrument)}, {escape(r.threshold.legal_reference)}[/dim]")
        left_out = [p for p in phases if p not in r.threshold.counts]
        if left_out:
            console.print(f"[dim]  does not count: {', '.join(left_out)}[/dim]")
    if any(r.unconfirmed for r in results):
        console.print("[dim]* applies only to some models (see its scope); say what the model is with --tag[/dim]")
    if results:
        console.print(
            f"[dim]P(over): {escape(results[0].assumption)}; borderline when {BORDERLINE[0]:.0%} < P(over) < "
            f"{BORDERLINE[1]:.0%}. Not legal advice.[/dim]"
        )


DEFAULT_CHIPS = ("H100", "H200", "B200", "A100 SXM4 80 GB", "TPU v5p", "MI300X")


@compute_app.command("threshold")
@guarded
@csv_option("equivalents")
def threshold_cmd(
    flop: str = typer.Argument(..., help="Amount of compute, FLOP: 1e26, 1e25, 3e24, or a 90% interval 8e24..4e25."),
    dex: float | None = DEX,
    sig_figs: int | None = SIG_FIGS,
    chip: list[str] | None = typer.Option(None, "--chip", help="Chip(s) to express it on (repeatable)."),
    days: float | None = typer.Option(None, "--days", help="Finish in this many days: how many chips?"),
    utilisation: float | None = UTIL,
    precision: str | None = PRECISION,
    pue: float | None = typer.Option(None, "--pue", help="Power usage effectiveness, a ratio in 1-5 (default 1.2)."),
    rent: bool = typer.Option(
        False, "--rent/--buy", help="Cost from cloud rental quotes, or of owning the chips (default)."
    ),
    years: str | None = typer.Option(None, "--years", help="Also by year on a typical new accelerator, e.g. 2025-2030."),
    chip_set: str = typer.Option(
        "datacenter", "--chip-set", "--set", help="Chips the by-year forecast is fitted to: datacenter, ml, frontier, all."
    ),
    seed: int = seed_option(0, "the by-year forecast"),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """What an amount of FLOP means: chip-days, chips for N days, MWh and cost, by chip and year."""
    import numpy as np

    from computegov.compute import flop_equivalent, flop_equivalents, flop_equivalents_by_year
    from computegov.compute.inverse import with_flop_interval
    from computegov.errors import UnknownNameError

    figure = flop_figure(flop, "pre-training", dex, sig_figs)
    value = figure.flop
    cat = load_catalog_for_cli(catalog_file)
    options: dict[str, Any] = {
        "days": days, "utilisation": utilisation, "precision": precision, "pue": pue,
        "cost_mode": "rent" if rent else "buy",
    }
    if chip:  # asked for by name: every problem is an error
        rows = [flop_equivalent(value, cat.get(name), **options) for name in chip]
    else:  # the default list: leave out chips this catalogue lacks or that lack the precision
        known = []
        for name in DEFAULT_CHIPS:
            try:
                known.append(cat.get(name))
            except UnknownNameError:
                continue
        rows = list(flop_equivalents(value, known, **options))
        if not rows:
            raise InputError(
                f"none of the default chips ({', '.join(DEFAULT_CHIPS)}) has "
                f"{'a ' + precision if precision else 'a training'} peak in the catalogue; name chips with --chip"
            )
    by_year = (
        flop_equivalents_by_year(
            value, parse_years(years), cat, days=days, utilisation=utilisation, chip_set=chip_set,
            rng=np.random.default_rng(seed),
        )
        if years
        else ()
    )
    uncertain = figure.flop_low < figure.flop_high
    if uncertain:
        rows = [with_flop_interval(r, figure.flop_low, figure.flop_high) for r in rows]
        by_year = tuple(with_flop_interval(y, figure.flop_low, figure.flop_high) for y in by_year)
    if as_json:
        print_json({
            "flop": value, "equivalents": rows, "by_year": list(by_year),
            "flop_low": figure.flop_low, "flop_high": figure.flop_high,
            "flop_distribution": figure.distribution, "flop_uncertainty": figure.uncertainty,
        })
        return
    columns = ["chip", "precision", "chip-days (range)"]
    if days:
        columns.append(f"chips for {days:g} days")
    columns += ["MWh (TDP×PUE)", "rental cost USD" if rent else "cost USD (own)"]
    title = f"{_flop(value)} FLOP" + (f" (90% {_flop(figure.flop_low)} – {_flop(figure.flop_high)})" if uncertain else "")
    table = table_with(f"{title} in practice", columns, right=set(columns[2:]))
    for r in rows:
        cells = [r.chip, r.precision, _range(r.chip_days, r.chip_days_low, r.chip_days_high)]
        if days:
            cells.append(f"{r.chips_needed:,.0f}" if r.chips_needed else "—")
        cost = (
            _range(r.cost_usd, r.cost_usd_low, r.cost_usd_high)
            if r.cost_usd is not None and r.cost_usd_low is not None and r.cost_usd_high is not None
            else "—"
        )
        cells += [_amount(r.energy_mwh) if r.energy_mwh else "—", cost]
        table.add_row(*cells)
    print_table(table)
    priced = [r for r in rows if r.cost_usd is not None]
    util_note = f"utilisation {rows[0].utilisation:g}" + ("" if utilisation else " (range 0.3–0.5)")
    console.print(f"[dim]{util_note}; energy = TDP × chip-time × PUE {rows[0].pue:g}[/dim]")
    if uncertain:
        console.print(f"[dim]FLOP {escape(figure.uncertainty)}; chip-day and cost ranges widened by it[/dim]")
    if priced:
        console.print(f"[dim]cost: {escape(priced[0].cost_note)}[/dim]")
    for r in rows:
        if r.cost_usd is None:
            console.print(f"[dim]{escape(r.cost_note)}[/dim]")
        if r.energy_mwh is None:
            console.print(f"[dim]no energy for {escape(r.chip)}: no TDP in the catalogue[/dim]")
    if by_year:
        columns = ["year", "peak TFLOP/s (90% range)", "chip-days (range)"]
        columns += [f"chips for {days:g} days"] if days else []
        columns.append("cost USD (own)")
        yt = table_with("On a typical new datacenter accelerator of each year", columns, right=set(columns))
        for y in by_year:
            cells = [str(y.year), f"{y.peak_flop_per_s / 1e12:,.0f} ({y.peak_flop_per_s_low / 1e12:,.0f}–{y.peak_flop_per_s_high / 1e12:,.0f})",
                     _range(y.chip_days, y.chip_days_low, y.chip_days_high)]
            if days:
                cells.append(f"{y.chips_needed:,.0f}" if y.chips_needed else "—")
            has_cost = y.cost_usd is not None and y.cost_usd_low is not None and y.cost_usd_high is not None
            cells.append(_range(y.cost_usd, y.cost_usd_low, y.cost_usd_high) if has_cost else "—")  # type: ignore[arg-type]
            yt.add_row(*cells)
        print_table(yt)
        console.print(f"[dim]{escape(by_year[0].basis)}: peak grows {by_year[0].growth_per_year:.2f}x/yr[/dim]")
        console.print(f"[dim]{escape(by_year[0].cost_note)}[/dim]")


@compute_app.command("trend")
@guarded
@csv_option("forecast")
def trend_cmd(
    since: float = typer.Option(2010.0, "--since", help="First year fitted, a year (e.g. 2010)."),
    frontier: bool = typer.Option(False, "--frontier", help="Only Epoch AI's frontier models."),
    years: str = typer.Option("2025-2030", "--years", help="Forecast years, e.g. 2025-2030."),
    seed: int = seed_option(DEFAULT_SEED, "the Monte Carlo forecast"),
    backtest: bool = typer.Option(False, "--backtest", help="Also backtest the crossing forecast on 2019-2024."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Growth of training compute (x/yr with 95% CI) and models crossing each threshold per year."""
    import numpy as np

    from computegov.compute.trend import backtest_crossings, fit_compute_trend, forecast_crossings
    from computegov.policy.thresholds import load_thresholds

    if not (math.isfinite(since) and 1950 <= since <= 2024):
        raise InputError(f"--since {since!r}: expected a year within 1950-2024 (the data end in early 2025)")
    span = parse_years(years)
    trend = fit_compute_trend(since=since, frontier_only=frontier)
    values = sorted({t.value_flop for t in load_thresholds()})
    rng = np.random.default_rng(seed)
    forecasts = forecast_crossings(values, span, rng)
    rows = backtest_crossings(values, list(range(2019, 2025)), rng) if backtest else ()
    if as_json:
        print_json({"trend": trend, "forecast": list(forecasts), "backtest": list(rows), "seed": seed})
        return
    lo, hi = trend.growth_ci95
    console.print(
        f"[bold]{trend.subset}[/bold] models {int(trend.start_year)}–{int(trend.end_year)} (n={trend.n}): "
        f"training compute grows [bold]{trend.growth_per_year:.2f}x/yr[/bold] (95% CI {lo:.2f}–{hi:.2f}), "
        f"doubling every {trend.doubling_time_months:.1f} months"
    )
    if trend.published:
        console.print(f"  Epoch AI published: {trend.published[0]:g}–{trend.published[1]:g}x/yr ({escape(trend.published[2])})")
    table = Table(title="Notable models above each threshold per year (forecast, 80% interval)", title_justify="left")
    table.add_column("year")
    for v in values:
        table.add_column(f">{v:.0e}", justify="right")
    for year in span:
        cells = [str(year)]
        for v in values:
            fc = next(f for f in forecasts if f.year == year and f.threshold_flop == v)
            cells.append(f"{fc.mean:.1f} ({fc.p10:.0f}–{fc.p90:.0f})")
        table.add_row(*cells)
    print_table(table)
    if rows:
        inside = sum(r.inside_80 for r in rows) / len(rows)
        console.print(f"backtest 2019–2024: actual count inside the 80% interval in {inside:.0%} of {len(rows)} cases")
    console.print("[dim]Data: Epoch AI, Notable AI Models (snapshot 2025-02-24), https://epoch.ai/data (CC-BY 4.0)[/dim]")


def register(app: typer.Typer) -> None:
    """Add the ``compute`` group to the main app."""
    app.add_typer(compute_app, name="compute")
