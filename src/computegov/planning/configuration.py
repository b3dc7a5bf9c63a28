"""One configuration of a planned run: a chip at a given count, timed, priced and checked.

:func:`chip_context` gathers what a chip brings to every count (peak, kernel MFU, hourly cost and
energy, memory floor); :func:`option_at` evaluates one count with the cluster-scaling model
(:mod:`computegov.planning.scaling`) and, unless turned off, interruptions and restarts
(:mod:`computegov.planning.reliability`), and names the request's constraints it breaks. The
search over chips and counts is :func:`computegov.planning.planner.plan`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

from computegov.costs import CostModel, MissingCostDataError, Range
from computegov.errors import InputError
from computegov.planning.memory import min_chips_for_memory
from computegov.planning.option import Plan
from computegov.planning.price_trend import PricePerformanceTrend
from computegov.planning.reliability import ReliabilityAssumptions, central_wall_s, reliability
from computegov.planning.request import PlanRequest, Target
from computegov.planning.scaling import (
    INTERNODE,
    INTRANODE,
    ChipNumbers,
    ScalingAssumptions,
    best_layout,
)
from computegov.planning.utilisation import EvidenceTable, kernel_mfu_for
from computegov.units import S_PER_DAY, S_PER_HOUR

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["ChipContext", "Late", "chip_context", "no_interconnect", "option_at", "option_unless_late", "violations_of"]


@dataclasses.dataclass(frozen=True)
class ChipContext:
    """What one chip brings to every count: peak, kernel MFU, hourly cost and energy, memory floor."""

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


def chip_context(
    chip: Chip,
    model: CostModel,
    scaling: ScalingAssumptions,
    target: Target,
    evidence: EvidenceTable | None = None,
) -> ChipContext:
    """What ``chip`` brings to every count under ``model`` and ``scaling``.

    Raises:
        MissingCostDataError: the chip lacks a price, rental quote or TDP the model needs.
    """
    precision, peak = model.peak_flop_per_s(chip)
    hour = model.chip_hour_cost(chip)
    if hour.energy_j is None or hour.installed_power_w is None:
        model.chip_tdp_w(chip)  # raises MissingCostDataError naming tdp_w
    assert hour.energy_j is not None and hour.installed_power_w is not None
    kernel = kernel_mfu_for(chip, evidence)
    return ChipContext(
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


@dataclasses.dataclass(frozen=True)
class Late:
    """A count not evaluated in full because its central wall-clock time already misses the deadline.

    Its full evaluation (:func:`option_at`) would be None or an option whose violations include
    ``deadline``: never a feasible one. The planner evaluates it only when it needs every option.

    Attributes:
        chips: the count.
        days: its central wall-clock time, days (as :attr:`Plan.days` would be).
    """

    chips: int
    days: float


def option_at(
    ctx: ChipContext,
    chips: int,
    target: Target,
    request: PlanRequest,
    scaling: ScalingAssumptions,
    trend: PricePerformanceTrend | None,
    model: CostModel,
    failure_model: ReliabilityAssumptions | None = None,
) -> Plan | None:
    """Evaluate ``chips`` of one chip; None if the model does not fit in memory."""
    got = option_unless_late(ctx, chips, target, request, scaling, trend, model, failure_model,
                             late_after_days=None)
    assert not isinstance(got, Late)
    return got


def option_unless_late(
    ctx: ChipContext,
    chips: int,
    target: Target,
    request: PlanRequest,
    scaling: ScalingAssumptions,
    trend: PricePerformanceTrend | None,
    model: CostModel,
    failure_model: ReliabilityAssumptions | None = None,
    *,
    late_after_days: float | None,
) -> Plan | Late | None:
    """:func:`option_at`, or :class:`Late` when the run's central time exceeds ``late_after_days``.

    ``late_after_days`` None: never late (the same as :func:`option_at`).

    The central time is the one :func:`option_at` would give (the central layout's MFU, then the
    central failure model, :func:`~computegov.planning.reliability.central_wall_s`), computed the
    same way; only the layouts at the kernel MFU's ends and the failure model's Monte Carlo ranges
    are skipped. So an option that is not :class:`Late` is exactly :func:`option_at`'s.
    """
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
        if late_after_days is not None:
            days = _central_days(chips * peak, util.central, chips, target, request, failure_model)
            if days is not None and days > late_after_days:
                return Late(chips, days)
    else:
        if layout is None:
            return None
        if late_after_days is not None:
            days = _central_days(chips * peak, layout.mfu, chips, target, request, failure_model)
            if days is not None and days > late_after_days:
                return Late(chips, days)
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
    return dataclasses.replace(option, violations=violations_of(option, request))


def _central_days(
    throughput: float, util_central: float, chips: int, target: Target, request: PlanRequest,
    failure_model: ReliabilityAssumptions | None,
) -> float | None:
    """The central wall-clock days :func:`option_at` gives (None where it would not get that far)."""
    work_s = target.flop / (throughput * util_central)
    if request.failures:
        try:
            work_s = central_wall_s(work_s, chips, target.architecture.params, failure_model)
        except InputError:
            return None  # the full evaluation raises it
    return work_s / S_PER_DAY


def _notes(ctx: ChipContext, scaling_used: bool) -> tuple[str, ...]:
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


def no_interconnect(chip: Chip) -> MissingCostDataError:
    """The error for a multi-chip plan of a chip without a chip-to-chip bandwidth."""
    return MissingCostDataError(
        f"{chip.name}: no chip-to-chip bandwidth ({INTRANODE}) in the catalogue or the bundled "
        "interconnect table, so its utilisation across chips cannot be modelled; give the MFU "
        "(CLI --utilisation, PlanRequest(utilisation=...))",
        chip_name=chip.name,
        field=INTRANODE,
    )


def violations_of(option: Plan, request: PlanRequest) -> tuple[str, ...]:
    """The request's constraints ``option`` breaks (deadline, budget, max_chips, power_cap, memory)."""
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
