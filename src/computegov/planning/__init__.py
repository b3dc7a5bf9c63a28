"""Planning a training run: memory fit, utilisation at cluster size, and ranked hardware options.

- :mod:`computegov.planning.memory`: per-chip memory of weights, gradients, optimiser states and
  activations under tensor/pipeline/data parallelism and ZeRO stages; minimum chips for memory.
- :mod:`computegov.planning.scaling`: communication time and pipeline bubbles against the chip's
  intra- and inter-node bandwidth, so utilisation falls as clusters grow.
- :mod:`computegov.planning.planner`: :func:`plan` (search, rank, Pareto front) and
  :func:`evaluate` (one fixed configuration); it reads :mod:`~computegov.planning.request`
  (:class:`PlanRequest`, :class:`Target`), answers with :mod:`~computegov.planning.option`
  (:class:`Plan`, :class:`PlanResult`), prices future start years with
  :mod:`~computegov.planning.price_trend` and explains infeasibility with
  :mod:`~computegov.planning.infeasible`.
- :mod:`computegov.planning.reliability`: interruptions, checkpoints (Young/Daly) and goodput at
  scale; :mod:`computegov.planning.utilisation`: achievable utilisation per chip family from
  published runs.
"""

from __future__ import annotations

from computegov.planning.checkpointing import (
    daly_interval_s,
    expected_wall_s,
    simulate_wall_s,
    young_interval_s,
)
from computegov.planning.memory import (
    OPTIMIZER_BYTES_PER_PARAM,
    Architecture,
    MemoryNeed,
    activation_bytes_per_layer,
    architecture_from_params,
    min_chips_for_memory,
    training_memory,
)
from computegov.planning.planner import (
    RANK_KEYS,
    Plan,
    PlanInfeasibleError,
    PlanRequest,
    PlanResult,
    PricePerformanceTrend,
    Target,
    candidate_counts,
    evaluate,
    plan,
    price_performance_trend,
    resolve_target,
)
from computegov.planning.reliability import Reliability, ReliabilityAssumptions, reliability
from computegov.planning.scaling import (
    ChipNumbers,
    ClusterLayout,
    ScalingAssumptions,
    best_layout,
    cluster_mfu,
)
from computegov.planning.utilisation import KernelMfu, kernel_mfu_for

__all__ = [
    "OPTIMIZER_BYTES_PER_PARAM",
    "RANK_KEYS",
    "Architecture",
    "ChipNumbers",
    "ClusterLayout",
    "KernelMfu",
    "MemoryNeed",
    "Plan",
    "PlanInfeasibleError",
    "PlanRequest",
    "PlanResult",
    "PricePerformanceTrend",
    "Reliability",
    "ReliabilityAssumptions",
    "ScalingAssumptions",
    "Target",
    "activation_bytes_per_layer",
    "architecture_from_params",
    "best_layout",
    "candidate_counts",
    "cluster_mfu",
    "daly_interval_s",
    "evaluate",
    "expected_wall_s",
    "kernel_mfu_for",
    "min_chips_for_memory",
    "plan",
    "price_performance_trend",
    "reliability",
    "resolve_target",
    "simulate_wall_s",
    "training_memory",
    "young_interval_s",
]
