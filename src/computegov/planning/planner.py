"""The training-run planner: which chips, how many, how long, what cost and energy, does it fit.

:func:`plan` searches the catalogue's chips and cluster sizes for a target run under constraints
(deadline, budget, maximum chips, power cap; buy or rent; start year), ranks the feasible options
by cost, time or energy and marks the Pareto front over all three. :func:`evaluate` prices one
fixed configuration. Utilisation comes from the cluster-scaling model
(:mod:`computegov.planning.scaling`) on top of a kernel-level MFU from published runs of the chip's
family (:mod:`computegov.planning.utilisation`; the generation default, widened, when there are
none), unless the user fixes it. Interruptions, checkpoints and restarts
(:mod:`computegov.planning.reliability`) lengthen every run unless the request turns them off.

Constraints are checked on central values; every money figure is in USD of the cost model's
dollar year. A start year in the future divides the cost by the price-performance growth
between now and then (a trend fit when :mod:`computegov.trends` can provide one, else the cited
fixed doubling time), with its range.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from computegov.costs import CostModel, MissingCostDataError, Range, default_assumptions
from computegov.errors import InputError, PlanInfeasibleError
from computegov.planning.gaps import GapFill, fill_gaps
from computegov.planning.infeasible import explain_infeasible
from computegov.planning.memory import min_chips_for_memory
from computegov.planning.option import Plan, PlanResult
from computegov.planning.price_trend import PricePerformanceTrend, price_performance_trend
from computegov.planning.reliability import ReliabilityAssumptions, reliability
from computegov.planning.request import MAX_CHIPS, RANK_KEYS, PlanRequest, Target, resolve_target
from computegov.planning.scaling import (
    INTERNODE,
    INTRANODE,
    ChipNumbers,
    ScalingAssumptions,
    best_layout,
)
from computegov.planning.utilisation import EvidenceTable, kernel_mfu_for
from computegov.units import S_PER_HOUR, W_PER_MW

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "RANK_KEYS",
    "Plan",
    "PlanInfeasibleError",
    "PlanRequest",
    "PlanResult",
    "PricePerformanceTrend",
    "Target",
    "candidate_counts",
    "evaluate",
    "plan",
    "price_performance_trend",
    "resolve_target",
]


@dataclasses.dataclass(frozen=True)
class _ChipContext:
    chip: Chip
    numbers: ChipNumbers
    precision: str
    kernel_mfu: Range
    hour_usd: Range
    energy_per_hour_j: Range
    installed_power_w: float
    min_chips_memory: int | None
    mfu_evidence: bool = True
    mfu_note: str = ""


def _min_chips(chip: Chip, target: Target, scaling: ScalingAssumptions) -> int | None:
    if not chip.memory_bytes:
        return None
    usable = chip.memory_bytes * (1.0 - scaling.memory_reserve_fraction)
    try:
        return min_chips_for_memory(target.architecture, usable)
    except InputError:
        return None


def _context(
    chip: Chip,
    model: CostModel,
    scaling: ScalingAssumptions,
    target: Target,
    evidence: EvidenceTable | None = None,
) -> _ChipContext:
    precision, peak = model.peak_flop_per_s(chip)
    hour = model.chip_hour_cost(chip)
    if hour.energy_j is None or hour.installed_power_w is None:
        model.chip_tdp_w(chip)  # raises MissingCostDataError naming tdp_w
    assert hour.energy_j is not None and hour.installed_power_w is not None
    kernel = kernel_mfu_for(chip, evidence)
    return _ChipContext(
        min_chips_memory=_min_chips(chip, target, scaling),
        chip=chip,
        numbers=ChipNumbers.from_chip(chip, peak, scaling),
        precision=precision,
        kernel_mfu=kernel.value,
        mfu_evidence=kernel.has_evidence,
        mfu_note=kernel.note,
        hour_usd=hour.total_usd,
        energy_per_hour_j=hour.energy_j,
        installed_power_w=hour.installed_power_w.central,
    )


def _option(
    ctx: _ChipContext,
    chips: int,
    target: Target,
    request: PlanRequest,
    scaling: ScalingAssumptions,
    trend: PricePerformanceTrend | None,
    model: CostModel,
    failure_model: ReliabilityAssumptions | None = None,
) -> Plan | None:
    """Evaluate ``chips`` of one chip; None if the model does not fit in memory."""
    peak = ctx.numbers.peak_flop_per_s
    layout = None
    if not (INTRANODE in ctx.numbers.missing and chips > 1):
        layout = best_layout(
            ctx.numbers,
            chips,
            target.architecture,
            kernel_mfu=ctx.kernel_mfu.central,
            assumptions=scaling,
        )
    if request.utilisation is not None:
        util = Range.point(request.utilisation)
        source = "user"
    else:
        if layout is None:
            return None
        # the fast/slow ends rerun the layout search at the kernel MFU's ends (memory is cached)
        ends = [
            best_layout(ctx.numbers, chips, target.architecture, kernel_mfu=k, assumptions=scaling)
            for k in (ctx.kernel_mfu.low, ctx.kernel_mfu.high)
        ]
        low_mfu = ends[0].mfu if ends[0] else layout.mfu
        high_mfu = ends[1].mfu if ends[1] else layout.mfu
        util = Range(min(low_mfu, layout.mfu), layout.mfu, max(high_mfu, layout.mfu))
        source = "scaling model"
    throughput = chips * peak
    duration = Range(
        target.flop / (throughput * util.high),
        target.flop / (throughput * util.central),
        target.flop / (throughput * util.low),
    )
    base_duration = duration
    rel = None
    if request.failures:
        rel = reliability(
            duration.central, chips, target.architecture.params, failure_model, samples=1000
        )
        if not all(math.isfinite(g) and g > 0 for g in (rel.goodput.low, rel.goodput.high)):
            return None  # a run so long that failures leave no useful work: no option at this size
        # slow end: slow MFU and low goodput; fast end: fast MFU and high goodput
        duration = Range(
            duration.low / rel.goodput.high,
            rel.wall_s.central,
            duration.high / rel.goodput.low,
        )
    chip_hours = duration.scale(chips / S_PER_HOUR)
    factor = trend.cost_factor(request.start_year) if trend else Range.point(1.0)
    cost = ctx.hour_usd.times(chip_hours).times(factor)
    energy = ctx.energy_per_hour_j.times(chip_hours)
    if ctx.numbers.memory_bytes is None:
        memory_fits: bool | None = None
    elif layout is None and INTRANODE in ctx.numbers.missing and chips > 1:
        # no layout can be modelled: check the pooled-memory lower bound only
        memory_fits = None if ctx.min_chips_memory is None else chips >= ctx.min_chips_memory
    else:
        memory_fits = layout is not None
    option = Plan(
        chip_name=ctx.chip.name,
        chips=chips,
        mode=model.mode,
        precision=ctx.precision,
        peak_flop_per_s=peak,
        utilisation=util,
        utilisation_source=source,
        layout=layout,
        memory_fits=memory_fits,
        duration_s=duration,
        chip_hours=chip_hours,
        cost_usd=cost,
        dollar_year=model.dollar_year,
        energy_j=energy,
        peak_power_w=ctx.installed_power_w * chips,
        start_year=request.start_year,
        cost_factor=factor,
        notes=_notes(ctx, request.utilisation is None),
        network_assumed=(
            request.utilisation is None
            and layout is not None
            and INTERNODE in ctx.numbers.assumed
            and layout.chips_used > 1
        ),
        min_chips_memory=ctx.min_chips_memory,
        reliability=rel,
        duration_no_failures_s=base_duration,
        utilisation_evidence=request.utilisation is not None or ctx.mfu_evidence,
    )
    return dataclasses.replace(option, violations=_violations(option, request))


def _notes(ctx: _ChipContext, scaling_used: bool) -> tuple[str, ...]:
    numbers = ctx.numbers
    notes = []
    if scaling_used and ctx.mfu_note:
        notes.append(ctx.mfu_note)
    if scaling_used:
        notes += [f"bandwidths not in the catalogue taken from {src}" for src in numbers.sources]
    if scaling_used and INTERNODE in numbers.assumed:
        notes.append(
            f"{INTERNODE} not in the catalogue: assumed {numbers.inter_bytes_per_s / 1e9:g} GB/s per "
            "chip (one 200 Gb/s NIC per accelerator, as in a DGX A100); its MFU is less certain"
        )
    if INTRANODE in numbers.missing:
        notes.append(
            f"{INTRANODE} not in the catalogue: no scaling model, the given utilisation is used and "
            "memory is checked only against the pooled-memory lower bound"
        )
    if numbers.memory_bytes is None:
        notes.append("memory_bytes not in the catalogue: memory fit not checked")
    return tuple(notes)


def _no_interconnect(chip: Chip) -> MissingCostDataError:
    return MissingCostDataError(
        f"{chip.name}: no chip-to-chip bandwidth ({INTRANODE}) in the catalogue or the bundled "
        "interconnect table, so its utilisation across chips cannot be modelled; give the MFU "
        "(CLI --utilisation, PlanRequest(utilisation=...))",
        chip_name=chip.name,
        field=INTRANODE,
    )


def _violations(option: Plan, request: PlanRequest) -> tuple[str, ...]:
    out = []
    if request.deadline_days is not None and option.days > request.deadline_days:
        out.append("deadline")
    if request.budget_usd is not None and option.cost_usd.central > request.budget_usd:
        out.append("budget")
    if request.max_chips is not None and option.chips > request.max_chips:
        out.append("max_chips")
    if request.power_cap_mw is not None and option.peak_power_mw > request.power_cap_mw:
        out.append("power_cap")
    if option.memory_fits is False:
        out.append("memory")
    return tuple(out)


#: The option that supplies each field a plan may lack.
_OPTIONS = {
    "launch_price_usd": "give --price-usd with --chip, or plan with --rent",
    "tdp_w": "give --tdp-w with --chip",
    "rental price": "give --rent-usd-per-hour with --chip, or buy",
}


def _supplied_by(field: str) -> str:
    """The CLI option that supplies a missing ``field``."""
    return _OPTIONS.get(field, "add it to a catalogue file given with --catalog")


def _reference(reference: Sequence[Chip] | None, chips: Sequence[Chip]) -> Sequence[Chip]:
    """Chips to estimate missing prices and TDPs from."""
    if reference is not None:
        return reference
    if len(chips) >= 20:
        return chips
    from computegov.catalog import load_catalog

    return tuple(load_catalog(user_config=False))


def _marked(option: Plan, filled: GapFill) -> Plan:
    """The option with the chip's substituted inputs named."""
    if not filled.estimated:
        return option
    return dataclasses.replace(option, estimated_inputs=filled.estimated, notes=(*option.notes, *filled.notes))


def _model_for(request: PlanRequest, model: CostModel | None) -> CostModel:
    model = model or CostModel()
    if model.mode != request.mode:
        model = model.replace(mode=request.mode)
    return model


def evaluate(
    request: PlanRequest,
    chip: Chip,
    chips: int,
    *,
    model: CostModel | None = None,
    scaling: ScalingAssumptions | None = None,
    trend: PricePerformanceTrend | None = None,
    failure_model: ReliabilityAssumptions | None = None,
    evidence: EvidenceTable | None = None,
    reference: Sequence[Chip] | None = None,
) -> tuple[Target, Plan]:
    """Days, chip-hours, cost, energy and memory fit of one fixed configuration.

    Args:
        request: the run (constraints are reported as violations, not enforced).
        chip: the accelerator.
        chips: how many.
        model: cost model (default: bundled assumptions, the request's mode).
        scaling: scaling assumptions (default: bundled central values).
        trend: price-performance growth for a future start year (default: :func:`price_performance_trend`).
        failure_model: failure, checkpoint and restart assumptions (default: bundled, Llama 3).
        evidence: utilisation evidence table (default: bundled;
            :func:`~computegov.planning.utilisation.load_evidence` adds a user's).
        reference: chips to estimate a missing price or TDP from (default: the bundled catalogue).

    Raises:
        InputError: chips < 1 or above :data:`~computegov.planning.request.MAX_CHIPS`.
        MissingCostDataError: the chip lacks price or TDP (buy) or a rental quote (rent).
    """
    if not 1 <= chips <= MAX_CHIPS:
        raise InputError(f"chip count must be between 1 and {MAX_CHIPS:,}, got {chips}")
    scaling = scaling or ScalingAssumptions.default()
    model = _model_for(request, model)
    if trend is None and request.start_year is not None:
        trend = price_performance_trend()
    target = resolve_target(request, scaling)
    filled = fill_gaps(chip, model, _reference(reference, [chip]))
    chip, model = filled.chip, filled.model
    try:
        ctx = _context(chip, model, scaling, target, evidence)
    except MissingCostDataError as err:
        raise MissingCostDataError(f"{err} ({_supplied_by(err.field)})", chip_name=chip.name,
                                   field=err.field) from err
    if INTRANODE in ctx.numbers.missing and chips > 1 and request.utilisation is None:
        raise _no_interconnect(chip)
    option = _option(ctx, chips, target, request, scaling, trend, model, failure_model)
    if option is None:
        # does not fit: report it with the generation's kernel MFU so the numbers still mean something
        fixed = dataclasses.replace(request, utilisation=ctx.kernel_mfu.central)
        option = _option(ctx, chips, target, fixed, scaling, trend, model, failure_model)
        assert option is not None
        option = dataclasses.replace(
            option,
            utilisation_source="kernel MFU (model does not fit in memory)",
            memory_fits=False,
        )
        option = dataclasses.replace(option, violations=_violations(option, request))
    return target, _marked(option, filled)


def candidate_counts(limit: int) -> list[int]:
    """Chip counts searched: 1, 2, 3, 4, 6, 8, 12, 16, ... (powers of two and 1.5x) up to ``limit``."""
    out = set()
    value = 1
    while value <= limit:
        out.add(value)
        if value * 3 // 2 <= limit and value >= 2:
            out.add(value * 3 // 2)
        value *= 2
    out.add(limit)
    return sorted(out)


def _pareto_mask(points: Sequence[tuple[float, float, float]]) -> list[bool]:
    import numpy as np

    if not points:
        return []
    arr = np.asarray(points, dtype=float)
    le = np.all(arr[None, :, :] <= arr[:, None, :], axis=2)
    lt = np.any(arr[None, :, :] < arr[:, None, :], axis=2)
    dominated = np.any(le & lt, axis=1)
    return [not bool(d) for d in dominated.tolist()]


def plan(
    request: PlanRequest,
    chips: Iterable[Chip],
    *,
    model: CostModel | None = None,
    scaling: ScalingAssumptions | None = None,
    trend: PricePerformanceTrend | None = None,
    top: int | None = None,
    datacenter_only: bool = True,
    failure_model: ReliabilityAssumptions | None = None,
    evidence: EvidenceTable | None = None,
    reference: Sequence[Chip] | None = None,
) -> PlanResult:
    """Ranked hardware options for a run across ``chips``.

    For each chip with a training peak, a TDP and a price (buy) or rental quote (rent), chip
    counts 1, 2, 3, 4, 6, 8, ... up to the largest allowed are evaluated with the scaling model;
    the best feasible count per chip (by ``request.rank_by``; fewer chips on ties) is ranked.

    Args:
        request: the run and its constraints.
        chips: candidate accelerators (a Catalog works).
        model: cost model (default: bundled assumptions, the request's mode).
        scaling: scaling assumptions (default: bundled central values).
        trend: price-performance growth for a future start year.
        top: keep this many ranked options (None: all).
        datacenter_only: skip chips the catalogue marks as not for datacenters (consumer and
            workstation cards lack the interconnect for large clusters).
        failure_model: failure, checkpoint and restart assumptions (default: bundled, Llama 3).
        evidence: utilisation evidence table (default: bundled;
            :func:`~computegov.planning.utilisation.load_evidence` adds a user's).
        reference: chips to estimate a missing price or TDP from (default: ``chips`` when they
            are a whole catalogue, else the bundled catalogue).

    A chip without a price is planned at its rental quote or an estimated price, one without a
    TDP at an estimated power (:func:`~computegov.planning.gaps.fill_gaps`); such options say so
    in ``estimated_inputs`` and their notes.

    Raises:
        PlanInfeasibleError: no option meets the constraints (says which binds, by how much).
    """
    scaling = scaling or ScalingAssumptions.default()
    model = _model_for(request, model)
    if trend is None and request.start_year is not None:
        trend = price_performance_trend()
    target = resolve_target(request, scaling)
    notes: list[str] = []
    if request.deadline_days is None:
        entry = default_assumptions().planning["default_max_days"]
        request = dataclasses.replace(request, deadline_days=entry.value.central)
        notes.append(
            f"no deadline given: runs longer than {entry.value.central:g} days are not considered "
            "(Sevilla et al. 2022, Epoch AI, 'The longest training run')"
        )
    limit = int(default_assumptions().planning["max_chips"].value.central)
    if request.max_chips is not None:
        limit = max(limit, request.max_chips)
    counts = candidate_counts(limit)
    if request.max_chips is not None and request.max_chips not in counts:
        counts = sorted({*counts, request.max_chips})
    skipped: dict[str, str] = {}
    every: list[Plan] = []
    chips = list(chips)
    pool = _reference(reference, chips)
    fills: dict[str, GapFill] = {}
    base_model = model
    for chip in chips:
        if datacenter_only and chip.datacenter is False:
            skipped[chip.name] = "not a datacenter chip"
            continue
        if chip.training_peak() is None:
            skipped[chip.name] = "no BF16/TF32/FP32 peak"
            continue
        filled = fills[chip.name] = fill_gaps(chip, base_model, pool)
        chip, model = filled.chip, filled.model
        try:
            ctx = _context(chip, model, scaling, target, evidence)
        except MissingCostDataError as err:
            skipped[chip.name] = f"missing {err.field} ({_supplied_by(err.field)})"
            continue
        if INTRANODE in ctx.numbers.missing and request.utilisation is None:
            skipped[chip.name] = (
                f"missing {INTRANODE}: utilisation at cluster size cannot be modelled "
                "(give --utilisation to include it)"
            )
            continue
        extra = []
        if request.power_cap_mw is not None:
            extra.append(int(request.power_cap_mw * W_PER_MW // ctx.installed_power_w))
        found = False
        for n in sorted({*counts, *(c for c in extra if c >= 1)}):
            option = _option(ctx, n, target, request, scaling, trend, model, failure_model)
            if option is None:
                continue
            found = True
            option = _marked(option, filled)
            every.append(option)
            if (
                option.violations
                and "max_chips" in option.violations
                and "deadline" not in option.violations
            ):
                break  # more chips only break the chip limit further
        if not found:
            skipped[chip.name] = (
                "the model does not fit in memory at any size" if ctx.numbers.memory_bytes is not None
                else "no size gives a run that completes (memory unknown; failures outpace progress)"
            )
    feasible = [o for o in every if o.feasible]
    if not feasible:
        raise explain_infeasible(every, request, skipped)
    mask = _pareto_mask(
        [(o.cost_usd.central, o.duration_s.central, o.energy_j.central) for o in feasible]
    )
    feasible = [dataclasses.replace(o, pareto=m) for o, m in zip(feasible, mask, strict=True)]
    per_chip: dict[str, Plan] = {}
    for option in feasible:
        current = per_chip.get(option.chip_name)
        rank = (option.key(request.rank_by), option.chips)
        if current is None or rank < (current.key(request.rank_by), current.chips):
            per_chip[option.chip_name] = option
    ranked = sorted(per_chip.values(), key=lambda o: (o.key(request.rank_by), o.chips))
    front = sorted((o for o in feasible if o.pareto), key=lambda o: o.cost_usd.central)
    recommended = next((o for o in ranked if o.utilisation_evidence
                        and not any(e.endswith("estimated") for e in o.estimated_inputs)), None)
    if ranked and recommended is not None and recommended is not ranked[0]:
        first = ranked[0]
        why = []
        if not first.utilisation_evidence:
            why.append("no published at-scale utilisation backs its MFU")
        if any(e.endswith("estimated") for e in first.estimated_inputs):
            why.append("its price or power is estimated")
        notes.append(f"the first-ranked {first.chip_name} is not the recommendation: {' and '.join(why)}; "
                     f"the best option with published utilisation evidence and a known price is "
                     f"{recommended.chip_name}")
    if top is not None:
        ranked = ranked[:top]
    return PlanResult(
        request=request,
        target=target,
        options=tuple(ranked),
        pareto=tuple(front),
        skipped=skipped,
        trend=trend,
        assumptions=base_model.to_dict(),
        notes=tuple(notes),
        recommended=recommended,
    )
