"""The training-run planner: which chips, how many, how long, what cost and energy, does it fit.

:func:`plan` searches the catalogue's chips and cluster sizes for a target run under constraints
(deadline, budget, maximum chips, power cap; buy or rent; start year), ranks the feasible options
by cost, time or energy and marks the Pareto front over all three. :func:`evaluate` prices one
fixed configuration. Utilisation comes from the cluster-scaling model
(:mod:`computegov.planning.scaling`) on top of a kernel-level MFU by hardware generation, unless
the user fixes it.

Constraints are checked on central values; every money figure is in USD of the cost model's
dollar year. A start year in the future divides the cost by the price-performance growth
between now and then (a trend fit when :mod:`computegov.trends` can provide one, else the cited
fixed doubling time), with its range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from computegov.costs import CostModel, MissingCostDataError, Range, default_assumptions
from computegov.errors import InputError, PlanInfeasibleError
from computegov.planning.memory import Architecture, architecture_from_params, min_chips_for_memory
from computegov.planning.scaling import (
    INTERNODE,
    INTRANODE,
    ChipNumbers,
    ClusterLayout,
    ScalingAssumptions,
    best_layout,
)
from computegov.units import J_PER_MWH, S_PER_DAY, S_PER_HOUR

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

logger = logging.getLogger(__name__)

RankKey = Literal["cost", "time", "energy"]
RANK_KEYS: tuple[str, ...] = ("cost", "time", "energy")


@dataclasses.dataclass(frozen=True)
class PlanRequest:
    """A run to plan and its constraints.

    Attributes:
        flop: target training compute, FLOP (or give params and tokens).
        params: parameters (dense), for 6ND / the architecture estimator and the memory model.
        tokens: training tokens.
        deadline_days: wall-clock limit, days.
        budget_usd: cost limit, USD of the cost model's dollar year (central cost).
        max_chips: most chips available.
        power_cap_mw: facility power limit (installed, at full draw), MW.
        mode: ``buy`` or ``rent``.
        start_year: calendar year the run starts (future years use the price-performance trend).
        utilisation: fixed MFU instead of the scaling model (fraction of dense peak).
        rank_by: ``cost``, ``time`` or ``energy``.
    """

    flop: float | None = None
    params: float | None = None
    tokens: float | None = None
    deadline_days: float | None = None
    budget_usd: float | None = None
    max_chips: int | None = None
    power_cap_mw: float | None = None
    mode: Literal["buy", "rent"] = "buy"
    start_year: int | None = None
    utilisation: float | None = None
    rank_by: RankKey = "cost"

    def __post_init__(self) -> None:
        """Check every number is meaningful (clear messages for the CLI)."""
        for name in ("flop", "params", "tokens", "deadline_days", "budget_usd", "power_cap_mw"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputError(
                    f"{name.replace('_', ' ')} must be a positive number, got {value!r}"
                )
        if self.flop is None and (self.params is None or self.tokens is None):
            raise InputError("give the target compute (--flop) or both --params and --tokens")
        if self.max_chips is not None and self.max_chips < 1:
            raise InputError(f"max chips must be at least 1, got {self.max_chips}")
        if self.utilisation is not None and not 0 < self.utilisation <= 1:
            raise InputError(f"utilisation must be a fraction in (0, 1], got {self.utilisation}")
        if self.mode not in ("buy", "rent"):
            raise InputError(f"mode must be 'buy' or 'rent', got {self.mode!r}")
        if self.rank_by not in RANK_KEYS:
            raise InputError(f"rank by must be one of {', '.join(RANK_KEYS)}, got {self.rank_by!r}")
        if self.start_year is not None and not 1990 <= self.start_year <= 2100:
            raise InputError(f"start year must be between 1990 and 2100, got {self.start_year}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Target:
    """The run's compute and the model shape the memory and scaling models use.

    Attributes:
        flop: central compute, FLOP.
        flop_low / flop_high: interval of the estimate (equal to flop when given directly).
        method: how the compute was obtained.
        architecture: shape used for memory and communication.
        notes: assumptions made.
    """

    flop: float
    flop_low: float
    flop_high: float
    method: str
    architecture: Architecture
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "flop": self.flop,
            "flop_low": self.flop_low,
            "flop_high": self.flop_high,
            "method": self.method,
            "architecture": self.architecture.to_dict(),
            "notes": list(self.notes),
        }


def resolve_target(request: PlanRequest, scaling: ScalingAssumptions | None = None) -> Target:
    """The compute of the requested run and its model shape.

    With ``flop`` alone the parameter count is taken compute-optimal (Hoffmann et al. 2022,
    arXiv:2203.15556: about 20 tokens per parameter, so C = 6 N (20 N) and N = sqrt(C / 120)).
    With params and tokens, :func:`computegov.compute.architecture_estimate` is used when that
    module is importable (6ND plus the attention term), else 6ND.
    """
    scaling = scaling or ScalingAssumptions.default()
    plan_defaults = default_assumptions().planning
    aspect = plan_defaults["aspect_ratio"].value.central
    head_dim = int(plan_defaults["head_dim"].value.central)
    notes: list[str] = []
    params = request.params
    if params is None:
        assert request.flop is not None
        params = math.sqrt(request.flop / 120.0)
        notes.append(
            f"parameters not given: assumed compute-optimal, N = sqrt(C/120) = {params:.3g} "
            "(Hoffmann et al. 2022, arXiv:2203.15556, ~20 tokens per parameter)"
        )
    arch = architecture_from_params(
        params, aspect_ratio=aspect, head_dim=head_dim, seq_len=scaling.seq_len
    )
    notes.append(
        f"architecture inferred from the parameter count: {arch.layers} layers, width {arch.hidden} "
        f"(aspect ratio {aspect:g}, Kaplan et al. 2020), sequence {arch.seq_len} tokens"
    )
    if request.flop is not None:
        if request.params is not None and request.tokens is not None:
            notes.append(
                "--flop given: it is used as the target; --params/--tokens set the shape only"
            )
        return Target(request.flop, request.flop, request.flop, "given", arch, tuple(notes))
    assert request.tokens is not None
    flop, low, high, method = _estimate_flop(request.params or params, request.tokens, arch)
    return Target(flop, low, high, method, arch, tuple(notes))


def _estimate_flop(
    params: float, tokens: float, arch: Architecture
) -> tuple[float, float, float, str]:
    try:
        from computegov.compute import TrainingRun, architecture_estimate
    except ImportError:
        flop = 6.0 * params * tokens
        return flop, flop, flop, "6ND (Kaplan et al. 2020)"
    try:
        estimate = architecture_estimate(
            TrainingRun(
                name="planned run",
                params=params,
                tokens=tokens,
                n_layers=arch.layers,
                d_model=arch.hidden,
                n_ctx=arch.seq_len,
            )
        )
    except InputError:
        flop = 6.0 * params * tokens
        return flop, flop, flop, "6ND (Kaplan et al. 2020)"
    return (
        estimate.flop,
        estimate.flop_low,
        estimate.flop_high,
        f"computegov.compute architecture estimate: {estimate.formula}",
    )


@dataclasses.dataclass(frozen=True)
class PricePerformanceTrend:
    """Growth of price-performance used to price a run that starts in a future year.

    Attributes:
        doubling_years: years for FLOP per USD to double, (fast, central, slow).
        base_year: the year today's prices refer to.
        source: where the rate came from.
    """

    doubling_years: Range
    base_year: int
    source: str

    def cost_factor(self, start_year: int | None) -> Range:
        """Multiplier on today's cost for a run starting in ``start_year`` (1 for now or the past)."""
        years = 0.0 if start_year is None else max(0.0, start_year - self.base_year)
        fast, central, slow = self.doubling_years
        return Range(2.0 ** (-years / fast), 2.0 ** (-years / central), 2.0 ** (-years / slow))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "doubling_years": self.doubling_years.to_dict(),
            "base_year": self.base_year,
            "source": self.source,
        }


@functools.cache
def _trend_from_catalog(base_year: int) -> PricePerformanceTrend | None:
    try:
        from computegov.catalog import load_catalog
        from computegov.trends import fit_trend

        fit = fit_trend(load_catalog(), "flop_per_usd_tco", "all", n_boot=400, seed=0)
    except Exception as err:  # the trends module is optional here; fall back to the cited rate
        logger.info("price-performance trend fit unavailable (%s); using the fixed rate", err)
        return None
    lo, hi = fit.slope_ci_log10_per_year
    if not (fit.slope_log10_per_year > 0 and lo > 0):
        return None
    to_doubling = lambda slope: math.log10(2.0) / slope  # noqa: E731
    return PricePerformanceTrend(
        doubling_years=Range(
            to_doubling(hi), to_doubling(fit.slope_log10_per_year), to_doubling(lo)
        ),
        base_year=base_year,
        source=(
            f"computegov trend fit of TCO FLOP per USD over {fit.n} chips "
            f"({fit.year_min:.0f}-{fit.year_max:.0f}), {fit.confidence:.0%} bootstrap interval"
        ),
    )


def price_performance_trend(
    base_year: int | None = None, *, use_fit: bool = True
) -> PricePerformanceTrend:
    """The price-performance growth for future start years.

    Tries a trend fit of ``flop_per_usd_tco`` with :mod:`computegov.trends`; falls back to the
    cited fixed doubling time (``price_performance_doubling_years`` in the bundled assumptions).
    """
    base = base_year if base_year is not None else dt.date.today().year
    if use_fit:
        fitted = _trend_from_catalog(base)
        if fitted is not None:
            return fitted
    entry = default_assumptions().planning["price_performance_doubling_years"]
    return PricePerformanceTrend(entry.value, base, entry.source)


@dataclasses.dataclass(frozen=True)
class Plan:
    """One option: a chip, a count, and what the run costs on it.

    Attributes:
        chip_name: accelerator.
        chips: chip count.
        mode: ``buy`` or ``rent``.
        precision: precision of the dense peak.
        peak_flop_per_s: dense peak per chip, FLOP/s.
        utilisation: MFU (fast end, central, slow end).
        utilisation_source: ``scaling model`` or ``user``.
        layout: parallel layout from the scaling model (None if the memory does not fit / unknown).
        memory_fits: True/False, None when the chip's memory is unknown.
        duration_s: wall-clock time (low, central, high), s.
        chip_hours: accelerator-hours (low, central, high).
        cost_usd: cost (low, central, high) in USD of ``dollar_year``, after the start-year factor.
        dollar_year: year of the USD.
        energy_j: facility energy (low, central, high), J.
        peak_power_w: installed facility power at full draw (central), W.
        start_year: start year used for the cost factor.
        cost_factor: the start-year multiplier applied to the cost.
        violations: constraints this option breaks (empty when feasible).
        pareto: on the Pareto front over cost, time and energy among feasible options.
        notes: assumptions specific to this option (bandwidths filled in, memory unknown).
        min_chips_memory: fewest chips of this kind whose memory holds the run (fully sharded
            states plus one micro-batch of activations); None if the memory is unknown.
        network_assumed: the scaling model used the assumed inter-node bandwidth (the chip's is
            not catalogued), so the utilisation is less certain.
    """

    chip_name: str
    chips: int
    mode: str
    precision: str
    peak_flop_per_s: float
    utilisation: Range
    utilisation_source: str
    layout: ClusterLayout | None
    memory_fits: bool | None
    duration_s: Range
    chip_hours: Range
    cost_usd: Range
    dollar_year: int
    energy_j: Range
    peak_power_w: float
    start_year: int | None = None
    cost_factor: Range = dataclasses.field(default_factory=lambda: Range.point(1.0))
    violations: tuple[str, ...] = ()
    pareto: bool = False
    notes: tuple[str, ...] = ()
    min_chips_memory: int | None = None
    network_assumed: bool = False

    @property
    def days(self) -> float:
        """Central duration, days."""
        return self.duration_s.central / S_PER_DAY

    @property
    def energy_mwh(self) -> float:
        """Central facility energy, MWh."""
        return self.energy_j.central / J_PER_MWH

    @property
    def peak_power_mw(self) -> float:
        """Installed facility power, MW."""
        return self.peak_power_w / 1e6

    @property
    def feasible(self) -> bool:
        """Meets every constraint."""
        return not self.violations

    def key(self, rank_by: str) -> float:
        """The central value ranked on."""
        if rank_by == "time":
            return self.duration_s.central
        if rank_by == "energy":
            return self.energy_j.central
        return self.cost_usd.central

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (SI units, unit in each key)."""
        year = self.dollar_year
        return {
            "chip": self.chip_name,
            "chips": self.chips,
            "mode": self.mode,
            "precision": self.precision,
            "peak_flop_per_s": self.peak_flop_per_s,
            "utilisation": self.utilisation.to_dict(),
            "utilisation_source": self.utilisation_source,
            "layout": self.layout.to_dict() if self.layout else None,
            "memory_fits": self.memory_fits,
            "duration_s": self.duration_s.to_dict(),
            "duration_days": self.days,
            "chip_hours": self.chip_hours.to_dict(),
            f"cost_usd_{year}": self.cost_usd.to_dict(),
            "dollar_year": year,
            "energy_mwh": self.energy_j.scale(1 / J_PER_MWH).to_dict(),
            "peak_power_mw": self.peak_power_mw,
            "start_year": self.start_year,
            "cost_factor": self.cost_factor.to_dict(),
            "violations": list(self.violations),
            "feasible": self.feasible,
            "pareto": self.pareto,
            "notes": list(self.notes),
            "min_chips_memory": self.min_chips_memory,
            "network_bandwidth_assumed": self.network_assumed,
        }


@dataclasses.dataclass(frozen=True)
class PlanResult:
    """The planner's answer.

    Attributes:
        request: what was asked.
        target: the compute and model shape planned for.
        options: the best feasible option per chip, ranked by ``request.rank_by``.
        pareto: feasible options on the Pareto front over cost, time and energy (by cost).
        skipped: chip name -> why it was not considered (missing data, does not fit).
        trend: price-performance growth used for the start year.
        assumptions: the cost model's assumptions and sources.
        notes: assumptions the planner added (e.g. the default longest run).
    """

    request: PlanRequest
    target: Target
    options: tuple[Plan, ...]
    pareto: tuple[Plan, ...]
    skipped: dict[str, str]
    trend: PricePerformanceTrend | None
    assumptions: dict[str, Any]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "notes": list(self.notes),
            "request": self.request.to_dict(),
            "target": self.target.to_dict(),
            "options": [o.to_dict() for o in self.options],
            "pareto": [o.to_dict() for o in self.pareto],
            "skipped": dict(self.skipped),
            "trend": self.trend.to_dict() if self.trend else None,
            "assumptions": self.assumptions,
        }


# ---- evaluation -----------------------------------------------------------------------------


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


def _min_chips(chip: Chip, target: Target, scaling: ScalingAssumptions) -> int | None:
    if not chip.memory_bytes:
        return None
    usable = chip.memory_bytes * (1.0 - scaling.memory_reserve_fraction)
    try:
        return min_chips_for_memory(target.architecture, usable)
    except InputError:
        return None


def _context(
    chip: Chip, model: CostModel, scaling: ScalingAssumptions, target: Target
) -> _ChipContext:
    precision, peak = model.peak_flop_per_s(chip)
    hour = model.chip_hour_cost(chip)
    if hour.energy_j is None or hour.installed_power_w is None:
        model.chip_tdp_w(chip)  # raises MissingCostDataError naming tdp_w
    assert hour.energy_j is not None and hour.installed_power_w is not None
    generation = default_assumptions().mfu_for(chip.release_date)
    return _ChipContext(
        min_chips_memory=_min_chips(chip, target, scaling),
        chip=chip,
        numbers=ChipNumbers.from_chip(chip, peak, scaling),
        precision=precision,
        kernel_mfu=generation.value,
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
        # the fast/slow ends rerun the same layout's arithmetic at the kernel MFU's ends
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
    chip_hours = duration.scale(chips / S_PER_HOUR)
    factor = trend.cost_factor(request.start_year) if trend else Range.point(1.0)
    cost = Range(
        ctx.hour_usd.low * chip_hours.low * factor.low,
        ctx.hour_usd.central * chip_hours.central * factor.central,
        ctx.hour_usd.high * chip_hours.high * factor.high,
    )
    energy = Range(
        ctx.energy_per_hour_j.low * chip_hours.low,
        ctx.energy_per_hour_j.central * chip_hours.central,
        ctx.energy_per_hour_j.high * chip_hours.high,
    )
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
    )
    return dataclasses.replace(option, violations=_violations(option, request))


def _notes(ctx: _ChipContext, scaling_used: bool) -> tuple[str, ...]:
    numbers = ctx.numbers
    notes = []
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
) -> tuple[Target, Plan]:
    """Days, chip-hours, cost, energy and memory fit of one fixed configuration.

    Args:
        request: the run (constraints are reported as violations, not enforced).
        chip: the accelerator.
        chips: how many.
        model: cost model (default: bundled assumptions, the request's mode).
        scaling: scaling assumptions (default: bundled central values).
        trend: price-performance growth for a future start year (default: :func:`price_performance_trend`).

    Raises:
        InputError: chips < 1.
        MissingCostDataError: the chip lacks price or TDP (buy) or a rental quote (rent).
    """
    if chips < 1:
        raise InputError(f"chip count must be at least 1, got {chips}")
    scaling = scaling or ScalingAssumptions.default()
    model = _model_for(request, model)
    if trend is None and request.start_year is not None:
        trend = price_performance_trend()
    target = resolve_target(request, scaling)
    ctx = _context(chip, model, scaling, target)
    if INTRANODE in ctx.numbers.missing and chips > 1 and request.utilisation is None:
        raise _no_interconnect(chip)
    option = _option(ctx, chips, target, request, scaling, trend, model)
    if option is None:
        # does not fit: report it with the generation's kernel MFU so the numbers still mean something
        fixed = dataclasses.replace(request, utilisation=ctx.kernel_mfu.central)
        option = _option(ctx, chips, target, fixed, scaling, trend, model)
        assert option is not None
        option = dataclasses.replace(
            option,
            utilisation_source="kernel MFU (model does not fit in memory)",
            memory_fits=False,
        )
        option = dataclasses.replace(option, violations=_violations(option, request))
    return target, option


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


def _money(value: float) -> str:
    for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"${value / scale:,.3g}{unit}"
    return f"${value:,.0f}"


def _describe(constraint: str, best: Plan, request: PlanRequest) -> tuple[str, float, float]:
    if constraint == "deadline":
        limit = float(request.deadline_days or 0)
        value = best.days
        over = value - limit
        text = (
            f"deadline binds: the fastest option that meets the other constraints "
            f"({best.chips:,} x {best.chip_name}) takes {value:,.1f} days, "
            f"{over:,.1f} days ({over / limit:.0%}) past the {limit:g}-day deadline"
        )
    elif constraint == "budget":
        limit = float(request.budget_usd or 0)
        value = best.cost_usd.central
        over = value - limit
        text = (
            f"budget binds: the cheapest option that meets the other constraints "
            f"({best.chips:,} x {best.chip_name}) costs {_money(value)} (USD {best.dollar_year}), "
            f"{_money(over)} ({over / limit:.0%}) over the {_money(limit)} budget"
        )
    elif constraint == "power_cap":
        limit = float(request.power_cap_mw or 0)
        value = best.peak_power_mw
        over = value - limit
        text = (
            f"power cap binds: the option that meets the other constraints with the least power "
            f"({best.chips:,} x {best.chip_name}) needs {value:,.2f} MW, "
            f"{over:,.2f} MW ({over / limit:.0%}) above the {limit:g} MW cap"
        )
    else:
        limit = float(request.max_chips or 0)
        value = float(best.chips)
        over = value - limit
        text = (
            f"chip limit binds: the option that meets the other constraints with the fewest chips "
            f"({best.chip_name}) needs {value:,.0f} chips, {over:,.0f} ({over / limit:.0%}) more "
            f"than the {limit:,.0f} allowed"
        )
    return text, value, limit


_METRIC_OF = {
    "deadline": lambda p: p.days,
    "budget": lambda p: p.cost_usd.central,
    "power_cap": lambda p: p.peak_power_mw,
    "max_chips": lambda p: float(p.chips),
}


def _explain_infeasible(
    options: list[Plan], request: PlanRequest, skipped: dict[str, str]
) -> PlanInfeasibleError:
    fitting = [o for o in options if o.memory_fits is not False]
    if not fitting:
        reasons = "; ".join(f"{k}: {v}" for k, v in list(skipped.items())[:5])
        return PlanInfeasibleError(
            "no chip in the catalogue can run this: none has the data needed or the model fits in "
            f"none of them at any size ({reasons})",
            binding={},
        )
    active = sorted({v for o in fitting for v in o.violations if v != "memory"})
    lines = []
    binding: dict[str, tuple[float, float]] = {}
    for constraint in active:
        others = [o for o in fitting if set(o.violations) <= {constraint}]
        if not others:
            continue
        best = min(others, key=_METRIC_OF[constraint])
        text, value, limit = _describe(constraint, best, request)
        lines.append(text)
        binding[constraint] = (value, limit)
    if not lines:
        for constraint in active:
            best = min(fitting, key=_METRIC_OF[constraint])
            text, value, limit = _describe(constraint, best, request)
            lines.append(text.replace("that meets the other constraints ", "of any kind "))
            binding[constraint] = (value, limit)
        header = "no option meets the constraints together; each alone is short by"
    else:
        header = "no option meets the constraints"
    return PlanInfeasibleError(header + ":\n  " + "\n  ".join(lines), binding=binding)


def plan(
    request: PlanRequest,
    chips: Iterable[Chip],
    *,
    model: CostModel | None = None,
    scaling: ScalingAssumptions | None = None,
    trend: PricePerformanceTrend | None = None,
    top: int | None = None,
    datacenter_only: bool = True,
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
    for chip in chips:
        if datacenter_only and chip.datacenter is False:
            skipped[chip.name] = "not a datacenter chip"
            continue
        if chip.training_peak() is None:
            skipped[chip.name] = "no BF16/TF32/FP32 peak"
            continue
        try:
            ctx = _context(chip, model, scaling, target)
        except MissingCostDataError as err:
            skipped[chip.name] = f"missing {err.field}"
            continue
        if INTRANODE in ctx.numbers.missing and request.utilisation is None:
            skipped[chip.name] = (
                f"missing {INTRANODE}: utilisation at cluster size cannot be modelled "
                "(give --utilisation to include it)"
            )
            continue
        extra = []
        if request.power_cap_mw is not None:
            extra.append(int(request.power_cap_mw * 1e6 // ctx.installed_power_w))
        found = False
        for n in sorted({*counts, *(c for c in extra if c >= 1)}):
            option = _option(ctx, n, target, request, scaling, trend, model)
            if option is None:
                continue
            found = True
            every.append(option)
            if (
                option.violations
                and "max_chips" in option.violations
                and "deadline" not in option.violations
            ):
                break  # more chips only break the chip limit further
        if not found:
            skipped[chip.name] = "the model does not fit in memory at any size"
    feasible = [o for o in every if o.feasible]
    if not feasible:
        raise _explain_infeasible(every, request, skipped)
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
    if top is not None:
        ranked = ranked[:top]
    return PlanResult(
        request=request,
        target=target,
        options=tuple(ranked),
        pareto=tuple(front),
        skipped=skipped,
        trend=trend,
        assumptions=model.to_dict(),
        notes=tuple(notes),
    )
