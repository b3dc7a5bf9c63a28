"""What the planner is asked: :class:`PlanRequest` (a run and its constraints) and its :class:`Target`.

:func:`resolve_target` turns a request into the compute to plan for and the model shape that the
memory and scaling models use.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

from computegov.costs import default_assumptions
from computegov.errors import InputError
from computegov.planning.memory import Architecture, architecture_from_params
from computegov.planning.scaling import ScalingAssumptions

__all__ = [
    "FIRST_START_YEAR",
    "LAST_START_YEAR",
    "MAX_CHIPS",
    "MAX_DEADLINE_DAYS",
    "MAX_POWER_CAP_MW",
    "RANK_KEYS",
    "PlanRequest",
    "RankKey",
    "Target",
    "resolve_target",
]

RankKey = Literal["cost", "time", "energy"]
RANK_KEYS: tuple[str, ...] = ("cost", "time", "energy")

# Upper bounds of a request (refused above them, stated in the CLI's --help). Sanity bounds
# against typos and overflow, not published figures: each is far beyond any run so far.
#: Longest deadline, days (100 years).
MAX_DEADLINE_DAYS = 36_500.0
#: Most chips in one run or cluster (ten million).
MAX_CHIPS = 10_000_000
#: Largest facility power cap, MW (100 GW).
MAX_POWER_CAP_MW = 1e5
#: Earliest and latest start year (the price-performance trend is not extrapolated further).
FIRST_START_YEAR, LAST_START_YEAR = 1990, 2100


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
        failures: model interruptions, checkpoints and restarts
            (:mod:`computegov.planning.reliability`); False gives failure-free arithmetic.
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
    failures: bool = True

    def __post_init__(self) -> None:
        """Check every number is meaningful (clear messages for the CLI)."""
        for name in ("flop", "params", "tokens", "deadline_days", "budget_usd", "power_cap_mw"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputError(
                    f"{name.replace('_', ' ')} must be a positive number, got {value!r}"
                )
        for name, most in (
            ("deadline_days", MAX_DEADLINE_DAYS),
            ("power_cap_mw", MAX_POWER_CAP_MW),
            ("max_chips", MAX_CHIPS),
        ):
            value = getattr(self, name)
            if value is not None and value > most:
                raise InputError(f"{name.replace('_', ' ')} must be at most {most:g}, got {value!r}")
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
        if self.start_year is not None and not FIRST_START_YEAR <= self.start_year <= LAST_START_YEAR:
            raise InputError(
                f"start year must be between {FIRST_START_YEAR} and {LAST_START_YEAR}, "
                f"got {self.start_year}"
            )

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
    With params and tokens, :func:`computegov.compute.architecture_estimate` is used (6ND plus the
    attention term), falling back to 6ND if it refuses the inputs.
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
    from computegov.compute import TrainingRun, architecture_estimate

    try:
        estimate = architecture_estimate(
            TrainingRun(
                name="planned run",
                params=params,
                tokens=tokens,
                epochs=1,  # a planned run's tokens are what it will process: one pass
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
