"""The planner's answers: one hardware option (:class:`Plan`) and the ranked set (:class:`PlanResult`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from computegov.costs import Range
from computegov.planning.price_trend import PricePerformanceTrend
from computegov.planning.reliability import Reliability
from computegov.planning.request import PlanRequest, Target
from computegov.planning.scaling import ClusterLayout
from computegov.units import J_PER_MWH, S_PER_DAY, W_PER_MW

__all__ = ["Plan", "PlanResult"]


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
        duration_s: wall-clock time (low, central, high) with interruptions, checkpoints and
            restarts when ``reliability`` is set, s.
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
        reliability: interruptions, checkpoint interval, goodput and days with and without
            failures (None when the request turns failures off).
        duration_no_failures_s: failure-free time (low, central, high), s.
        estimated_inputs: inputs not published for the chip and substituted to plan it (a rental
            quote for a missing price, an estimated price or TDP; see :mod:`computegov.planning.gaps`).
        utilisation_evidence: a published at-scale run backs the chip family's utilisation
            (False: generation default with a widened interval).
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
    reliability: Reliability | None = None
    duration_no_failures_s: Range | None = None
    utilisation_evidence: bool = True
    estimated_inputs: tuple[str, ...] = ()

    @property
    def days(self) -> float:
        """Central wall-clock duration (with failures when modelled), days."""
        return self.duration_s.central / S_PER_DAY

    @property
    def days_without_failures(self) -> float:
        """Central failure-free duration, days."""
        base = self.duration_no_failures_s or self.duration_s
        return base.central / S_PER_DAY

    @property
    def energy_mwh(self) -> float:
        """Central facility energy, MWh."""
        return self.energy_j.central / J_PER_MWH

    @property
    def peak_power_mw(self) -> float:
        """Installed facility power, MW."""
        return self.peak_power_w / W_PER_MW

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
            "duration_days_without_failures": self.days_without_failures,
            "utilisation_evidence": self.utilisation_evidence,
            "estimated_inputs": list(self.estimated_inputs),
            "reliability": self.reliability.to_dict() if self.reliability else None,
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
        recommended: the best-ranked option whose utilisation a published run backs and whose
            price is not estimated (None if none is); the first option when it qualifies.
    """

    request: PlanRequest
    target: Target
    options: tuple[Plan, ...]
    pareto: tuple[Plan, ...]
    skipped: dict[str, str]
    trend: PricePerformanceTrend | None
    assumptions: dict[str, Any]
    notes: tuple[str, ...] = ()
    recommended: Plan | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "notes": list(self.notes),
            "recommended": self.recommended.to_dict() if self.recommended else None,
            "request": self.request.to_dict(),
            "target": self.target.to_dict(),
            "options": [o.to_dict() for o in self.options],
            "pareto": [o.to_dict() for o in self.pareto],
            "skipped": dict(self.skipped),
            "trend": self.trend.to_dict() if self.trend else None,
            "assumptions": self.assumptions,
        }
