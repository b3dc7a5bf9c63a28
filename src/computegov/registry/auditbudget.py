"""How many training segments to replay to catch a faked run, and what the replay costs.

A run is cut into ``N`` segments (checkpoint to checkpoint); a prover fakes ``K = ceil(f * N)`` of
them. A verifier replays ``n`` segments drawn at random *without replacement* (``computegov
replay``, Proof-of-Learning style: Jia et al. 2021, "Proof-of-Learning: Definitions and Practice",
IEEE S&P, arXiv:2103.05633). The chance that no faked segment is drawn is the hypergeometric
probability of zero successes::

    P_miss(n) = C(N - K, n) / C(N, n) = prod_{i=0}^{n-1} (N - K - i) / (N - i)

and the budget is the smallest ``n`` with ``P_miss(n) <= delta``, so the run is caught with
probability ``>= 1 - delta``. Since ``P_miss(n) <= (1 - K/N)^n``, ``n`` never exceeds
``ceil(ln(delta) / ln(1 - K/N))`` (the with-replacement bound). Replaying ``n`` of ``N`` equal
segments performs ``n / N`` of the run's FLOP; its chip-hours, energy and dollars come from
:func:`computegov.costs.tco.compute_cost` (the project's cost model, with its ranges).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from computegov.errors import InputError

__all__ = [
    "AuditBudget",
    "YearlyAuditBudget",
    "audit_budget",
    "miss_probability",
    "segments_to_replay",
    "yearly_audit_budget",
]


def miss_probability(total_segments: int, faked_segments: int, replayed: int) -> float:
    """Hypergeometric P(no faked segment among ``replayed`` drawn without replacement)."""
    if replayed > total_segments - faked_segments:
        return 0.0
    p = 1.0
    for i in range(replayed):
        p *= (total_segments - faked_segments - i) / (total_segments - i)
    return p


def _check(total_segments: int, fake_fraction: float, delta: float) -> int:
    if not isinstance(total_segments, int) or total_segments < 1:
        raise InputError(f"segments: expected a whole number >= 1, got {total_segments!r}")
    if not 0 < fake_fraction <= 1:
        raise InputError(f"fake fraction: expected a share in (0, 1], got {fake_fraction!r}")
    if not 0 < delta < 1:
        raise InputError(f"delta: expected a probability in (0, 1), got {delta!r}")
    return max(1, math.ceil(fake_fraction * total_segments - 1e-9))


def segments_to_replay(total_segments: int, fake_fraction: float, delta: float) -> int:
    """Smallest ``n`` with hypergeometric P_miss(n) <= ``delta`` (see the module docstring).

    Raises:
        InputError: segments < 1, ``fake_fraction`` outside (0, 1] or ``delta`` outside (0, 1).
    """
    faked = _check(total_segments, fake_fraction, delta)
    bound = math.ceil(math.log(delta) / math.log1p(-faked / total_segments)) if faked < total_segments else 1
    lo, hi = 0, min(bound, total_segments - faked + 1)  # P_miss is non-increasing in n
    while lo < hi:
        mid = (lo + hi) // 2
        if miss_probability(total_segments, faked, mid) <= delta:
            hi = mid
        else:
            lo = mid + 1
    return lo


@dataclasses.dataclass(frozen=True)
class AuditBudget:
    """What catching a faked share of a run costs (ranges are (low, central, high))."""

    total_segments: int
    faked_segments: int
    fake_fraction: float
    delta: float
    segments: int
    miss_probability: float
    replay_flop: float | None
    chip: str | None
    chip_hours: tuple[float, float, float] | None
    energy_j: tuple[float, float, float] | None
    cost_usd: tuple[float, float, float] | None
    dollar_year: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (SI units in the keys)."""
        return dataclasses.asdict(self)


def audit_budget(total_segments: int, fake_fraction: float, delta: float, *, total_flop: float | None = None,
                 chip: Any = None, utilisation: float | None = None) -> AuditBudget:
    """Segments to replay and, given the run's FLOP and a chip, the replay's cost.

    Args:
        total_segments: segments the run was cut into.
        fake_fraction: share of segments faked (0-1].
        delta: accepted chance of missing the fake.
        total_flop: the run's total FLOP (None: no cost).
        chip: a :class:`~computegov.catalog.Chip` to replay on (None: no cost).
        utilisation: MFU of the replay, 0-1; None uses the cost model's default.
    """
    n = segments_to_replay(total_segments, fake_fraction, delta)
    faked = _check(total_segments, fake_fraction, delta)
    flop = total_flop * n / total_segments if total_flop else None
    hours = energy = usd = None
    year = None
    if flop and chip is not None:
        from computegov.costs.tco import compute_cost

        cost = compute_cost(flop, chip, utilisation)
        hours, usd, year = tuple(cost.chip_hours), tuple(cost.cost_usd), cost.dollar_year
        energy = tuple(cost.energy_j) if cost.energy_j is not None else None
    return AuditBudget(total_segments, faked, fake_fraction, delta, n, miss_probability(total_segments, faked, n),
                       flop, getattr(chip, "name", None), hours, energy, usd, year)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class YearlyAuditBudget:
    """A funder's compute to replay-audit every run above a threshold in one year (lower bound).

    ``runs`` is the forecast count of notable runs above ``threshold_flop`` that year (p10, p50,
    p90, from :func:`computegov.compute.trend.forecast_crossings`); each run is costed *at the
    threshold* (a run above it costs more), so every figure is a lower bound for its quantile.
    """

    year: int
    threshold_flop: float
    runs: tuple[float, float, float]
    per_run: AuditBudget
    replay_flop: tuple[float, float, float]
    chip_hours: tuple[float, float, float] | None
    cost_usd: tuple[float, float, float] | None
    energy_j: tuple[float, float, float] | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (SI units in the keys)."""
        return dataclasses.asdict(self)


def yearly_audit_budget(year: int, threshold_flop: float, total_segments: int, fake_fraction: float, delta: float,
                        chip: Any, rng: Any, *, draws: int = 2000) -> YearlyAuditBudget:
    """Replay budget for every run above ``threshold_flop`` forecast for ``year`` (see :class:`YearlyAuditBudget`).

    The count interval is the forecast's p10-p90; the per-run cost uses the cost model's central
    chip-hours, so chip-hours, dollars and energy scale with the count's p10, p50 and p90.
    """
    from computegov.compute.trend import forecast_crossings

    (crossing,) = forecast_crossings([threshold_flop], [year], rng, draws=draws)
    runs = (crossing.p10, crossing.p50, crossing.p90)
    per_run = audit_budget(total_segments, fake_fraction, delta, total_flop=threshold_flop, chip=chip)

    def scaled(value: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
        return None if value is None else (runs[0] * value[1], runs[1] * value[1], runs[2] * value[1])

    flop = per_run.replay_flop or 0.0
    return YearlyAuditBudget(year, threshold_flop, runs, per_run, (runs[0] * flop, runs[1] * flop, runs[2] * flop),
                             scaled(per_run.chip_hours), scaled(per_run.cost_usd), scaled(per_run.energy_j))
