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
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from computegov.costs import CostModel, MissingCostDataError, default_assumptions
from computegov.errors import InputError, PlanInfeasibleError
from computegov.planning.configuration import (
    Late,
    chip_context,
    no_interconnect,
    option_at,
    option_unless_late,
    violations_of,
)
from computegov.planning.gaps import GapFill, fill_gaps
from computegov.planning.infeasible import explain_infeasible
from computegov.planning.option import Plan, PlanResult
from computegov.planning.price_trend import PricePerformanceTrend, price_performance_trend
from computegov.planning.reliability import ReliabilityAssumptions
from computegov.planning.request import MAX_CHIPS, RANK_KEYS, PlanRequest, Target, resolve_target
from computegov.planning.scaling import (
    INTRANODE,
    ScalingAssumptions,
)
from computegov.planning.utilisation import EvidenceTable
from computegov.units import W_PER_MW

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


class _Deferred:
    """A count the search left out as :class:`~computegov.planning.configuration.Late`, evaluated on demand (once)."""

    def __init__(self, evaluate: Callable[[], Plan | None], filled: GapFill) -> None:
        self._evaluate: Callable[[], Plan | None] | None = evaluate
        self._filled = filled
        self._result: Plan | None = None

    def resolve(self) -> Plan | None:
        """:func:`option_at`'s answer for the count (marked with the chip's estimated inputs)."""
        if self._evaluate is not None:
            got = self._evaluate()
            self._result = None if got is None else _marked(got, self._filled)
            self._evaluate = None
        return self._result


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
        ctx = chip_context(chip, model, scaling, target, evidence)
    except MissingCostDataError as err:
        raise MissingCostDataError(f"{err} ({_supplied_by(err.field)})", chip_name=chip.name,
                                   field=err.field) from err
    if INTRANODE in ctx.numbers.missing and chips > 1 and request.utilisation is None:
        raise no_interconnect(chip)
    option = option_at(ctx, chips, target, request, scaling, trend, model, failure_model)
    if option is None:
        # does not fit: report it with the generation's kernel MFU so the numbers still mean something
        fixed = dataclasses.replace(request, utilisation=ctx.kernel_mfu.central)
        option = option_at(ctx, chips, target, fixed, scaling, trend, model, failure_model)
        assert option is not None
        option = dataclasses.replace(
            option,
            utilisation_source="kernel MFU (model does not fit in memory)",
            memory_fits=False,
        )
        option = dataclasses.replace(option, violations=violations_of(option, request))
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
    every: list[Plan | _Deferred] = []
    deadline = request.deadline_days
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
            ctx = chip_context(chip, model, scaling, target, evidence)
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
        late: list[_Deferred] = []
        for n in sorted({*counts, *(c for c in extra if c >= 1)}):
            option = option_unless_late(ctx, n, target, request, scaling, trend, model, failure_model,
                                        late_after_days=deadline)
            if isinstance(option, Late):
                # never feasible; evaluated in full only if every option is needed (see below)
                late.append(_Deferred(functools.partial(option_at, ctx, n, target, request, scaling, trend,
                                                        model, failure_model), filled))
                every.append(late[-1])
                continue
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
        # a count left out as late is an option unless its full evaluation is None
        found = found or any(d.resolve() is not None for d in late)
        if not found:
            skipped[chip.name] = (
                "the model does not fit in memory at any size" if ctx.numbers.memory_bytes is not None
                else "no size gives a run that completes (memory unknown; failures outpace progress)"
            )
    feasible = [o for o in every if isinstance(o, Plan) and o.feasible]
    if not feasible:
        # the explanation looks at every option: the late ones are evaluated now, in their places
        whole = [o.resolve() if isinstance(o, _Deferred) else o for o in every]
        raise explain_infeasible([o for o in whole if o is not None], request, skipped)
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
