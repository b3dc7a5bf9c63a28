"""``computegov supply``: accelerators per year from wafer starts, with the binding bottleneck and intervals."""

from __future__ import annotations

import math
from typing import Any

import typer

from computegov.cli.common import (
    JSON_OPTION,
    console,
    csv_option,
    guarded,
    in_range,
    print_json,
    print_table,
    seed_option,
    table_with,
)
from computegov.errors import InputError

__all__ = ["register"]

supply_app = typer.Typer(
    help="Manufacturing capacity: wafers -> dies -> yield -> HBM and packaging bottlenecks -> accelerators/yr.",
    no_args_is_help=True,
)


#: Smallest logic die accepted, mm^2. Accelerator logic dies are tens to ~800 mm^2 (H100: 814);
#: a bound far below that keeps dies per wafer finite (5e-324 mm^2 gave "inf good dies/wafer").
MIN_DIE_AREA_MM2 = 1.0


def _refuse_overflow(obj: Any, where: str = "") -> None:
    """Refuse a result holding inf or NaN (inputs so extreme that floating point overflowed)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise InputError(f"the inputs give {obj} for {where.lstrip('.')}: a value over- or underflows; "
                         "check the options' magnitudes")
    if isinstance(obj, dict):
        for key, value in obj.items():
            _refuse_overflow(value, f"{where}.{key}")
    elif isinstance(obj, list | tuple):
        for index, value in enumerate(obj):
            _refuse_overflow(value, f"{where}[{index}]")


def _opt(flag: str, text: str) -> Any:
    # the library checks each given value's domain (SupplyParams.override), in use or not
    return typer.Option(None, flag, help=f"{text} (overrides the preset; fixes the value, no range).")


@supply_app.command("estimate")
@guarded
@csv_option()
def estimate_cmd(
    preset: str = typer.Option("tsmc-n4-reticle", "--preset", help="tsmc-n4-reticle or smic-7nm (see `supply presets`)."),
    die_area_mm2: float | None = typer.Option(
        None, "--die-area-mm2", callback=in_range(low=MIN_DIE_AREA_MM2),
        help=f"Logic die area, mm^2, at least {MIN_DIE_AREA_MM2:g} (overrides the preset; fixes the value, no range).",
    ),
    wafer_diameter_mm: float | None = _opt("--wafer-diameter-mm", "Wafer diameter, mm"),
    edge_exclusion_mm: float | None = _opt("--edge-exclusion-mm", "Edge exclusion, mm"),
    defect_density_per_cm2: float | None = _opt("--defect-density-per-cm2", "Fatal defect density D0, per cm^2"),
    yield_model: str | None = typer.Option(None, "--yield-model", help="poisson, murphy or negative-binomial."),
    alpha: float | None = _opt("--alpha", "Negative-binomial clustering parameter (> 0)"),
    wafer_starts_per_month: float | None = _opt("--wafer-starts-per-month", "Logic wafer starts per month"),
    dies_per_package: float | None = _opt("--dies-per-package", "Logic dies per accelerator"),
    hbm_stacks_per_package: float | None = _opt("--hbm-stacks-per-package", "HBM stacks per accelerator"),
    hbm_stacks_per_year: float | None = _opt("--hbm-stacks-per-year", "HBM stacks available per year"),
    packaging_wafers_per_month: float | None = _opt("--packaging-wafers-per-month", "2.5D interposer wafers per month"),
    interposer_area_mm2: float | None = _opt("--interposer-area-mm2", "Interposer area per package, mm^2"),
    interposers_per_wafer: float | None = _opt("--interposers-per-wafer",
                                               "Interposer sites per packaging wafer (instead of the count from the area)"),
    packaging_yield: float | None = _opt("--packaging-yield", "Packaging yield, a fraction 0-1"),
    samples: int = typer.Option(10_000, "--samples", help="Monte Carlo draws over the parameter ranges."),
    seed: int = seed_option(),
    as_json: bool = JSON_OPTION,
) -> None:
    """Accelerators per year: each stage's capacity, the binding one, and a 90% interval over the ranges."""
    import numpy as np

    from computegov.supply import get_preset, simulate

    params = get_preset(preset).override(
        die_area_mm2=die_area_mm2, wafer_diameter_mm=wafer_diameter_mm, edge_exclusion_mm=edge_exclusion_mm,
        defect_density_per_cm2=defect_density_per_cm2, yield_model=yield_model, alpha=alpha,
        wafer_starts_per_month=wafer_starts_per_month, dies_per_package=dies_per_package,
        hbm_stacks_per_package=hbm_stacks_per_package, hbm_stacks_per_year=hbm_stacks_per_year,
        packaging_wafers_per_month=packaging_wafers_per_month, interposer_area_mm2=interposer_area_mm2,
        packaging_yield=packaging_yield, interposers_per_wafer=interposers_per_wafer,
    )
    sim = simulate(params, rng=np.random.default_rng(seed), n_samples=samples)
    _refuse_overflow({k: v for k, v in sim.to_dict().items() if k != "inputs"})
    if as_json:
        print_json(sim.to_dict())
        return
    c = sim.central
    console.print(f"{params.name}: {c.gross_dies_per_wafer:.1f} gross dies/wafer x {c.die_yield:.1%} yield "
                  f"({params.yield_model}) = {c.good_dies_per_wafer:.1f} good dies/wafer")
    t = table_with("Capacity per year (packages)", ("stage", "central", "5%", "95%", "binds in"),
                   right={"central", "5%", "95%", "binds in"})
    for stage, value in c.capacity_per_year.items():
        q = sim.stage_quantiles[stage]
        if value is None or q is None:
            t.add_row(stage, "no limit", "-", "-", f"{sim.binding_share[stage]:.0%}")
            continue
        t.add_row(stage, f"{value:,.0f}", f"{q['0.05']:,.0f}", f"{q['0.95']:,.0f}", f"{sim.binding_share[stage]:.0%}")
    print_table(t)
    top = max(sim.binding_share, key=lambda k: sim.binding_share[k])
    console.print(f"[bold]{sim.median:,.0f} accelerators/yr[/bold] (Monte Carlo median), 90% interval "
                  f"{sim.quantiles['0.05']:,.0f}-{sim.quantiles['0.95']:,.0f} over {len(sim.ranged)} ranged parameters "
                  f"({sim.n_samples} draws); {top} binds most often ({sim.binding_share[top]:.0%})")
    console.print(f"[dim]all inputs at their central values: {c.accelerators_per_year:,.0f}, bound by {c.binding} "
                  "(the median of the smallest stage lies below the smallest central stage)[/dim]")


@supply_app.command("presets")
@guarded
@csv_option()
def presets_cmd(as_json: bool = JSON_OPTION) -> None:
    """The presets, every value with its range and its source (or 'estimate')."""
    from computegov.supply import PRESETS

    if as_json:
        print_json({name: p.to_dict() for name, p in PRESETS.items()})
        return
    for name, p in PRESETS.items():
        t = table_with(f"{name} ({p.yield_model} yield)", ("parameter", "value", "range", "year", "source"),
                       right={"value"})
        for key, param in p.params().items():
            span = "" if param.low is None else f"{param.low:g}-{param.high:g}"
            t.add_row(key, f"{param.value:g}", span, str(param.year or ""),
                      ("(estimate) " if param.estimate else "") + param.source)
        print_table(t)
    _print_hindcasts()


def _print_hindcasts(seed: int = 0) -> None:
    from computegov.supply.hindcast import run_hindcasts

    t = table_with("Hindcast: model vs published shipments (ratio = median / published)",
                   ("case", "median", "90% interval", "published", "inside", "ratio"),
                   right={"median", "ratio"})
    results = run_hindcasts(seed=seed)
    for r in results:
        c = r.case
        published = (f"{c.published_low:,.0f}-{c.published_high:,.0f}" if c.published_low and c.published_high
                     else f">= {c.published_low:,.0f}" if c.published_low else f"<= {c.published_high:,.0f}")
        t.add_row(c.name, f"{r.median:,.0f}", f"{r.low:,.0f}-{r.high:,.0f}", published,
                  "yes" if r.consistent else "NO", f"{r.ratio:.2f}")
    print_table(t)
    for r in results:
        console.print(f"[dim]{r.case.name}: {r.case.published_source}. {r.case.note}[/dim]", highlight=False)


@supply_app.command("hindcast")
@guarded
def hindcast_cmd(seed: int = seed_option(), as_json: bool = JSON_OPTION) -> None:
    """The model, fed each year's capacities, against published shipments (H100 2023-24, Ascend 2025)."""
    from computegov.supply.hindcast import run_hindcasts

    if as_json:
        print_json({"hindcasts": [r.to_dict() for r in run_hindcasts(seed=seed)]})
        return
    _print_hindcasts(seed)


def register(app: typer.Typer) -> None:
    """Add the ``supply`` group to the root app."""
    app.add_typer(supply_app, name="supply")
