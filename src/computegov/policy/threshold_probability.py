"""The probability that a training run's compute is over a threshold, and the verdict it gives.

Used by :mod:`computegov.policy.thresholds` (see its docstring for the model). An estimate is
weighed by its own ``quantile(p)`` when it has one (``ComputeEstimate``: log-normal or, for a
figure rounded to some significant figures, uniform), else as a two-piece log-normal through its
5th, 50th and 95th percentiles (``flop_low``, ``flop``, ``flop_high``). Phases are summed
comonotonically: the sum's p-quantile is the sum of the phases' p-quantiles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

from computegov.errors import InputError

__all__ = [
    "BORDERLINE",
    "Z90",
    "assumption_of",
    "probability_over",
    "probability_over_sum",
    "verdict_of",
]

#: z of the 95th percentile of the standard normal: [low, high] is a 90 % interval.
Z90 = 1.6448536269514722
#: P(over) strictly between these is "borderline": the 90 % interval straddles the threshold.
BORDERLINE: tuple[float, float] = (0.05, 0.95)


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def probability_over(value_flop: float, flop: float, flop_low: float, flop_high: float) -> float:
    """P(true compute > value_flop) under a two-piece log-normal.

    The median is ``flop``; ``flop_low`` and ``flop_high`` are the 5th and 95th percentiles, so
    the log-spread below the median is ln(flop/flop_low)/z95 and above it ln(flop_high/flop)/z95.
    A zero spread on a side makes that side a point mass at the median.

    Args:
        value_flop: the threshold, FLOP.
        flop: central (median) estimate, FLOP.
        flop_low: 5th percentile, FLOP.
        flop_high: 95th percentile, FLOP.

    Returns:
        A probability in [0, 1].

    Raises:
        InputError: non-positive values or low > central > high violated.
    """
    if min(value_flop, flop, flop_low, flop_high) <= 0:
        raise InputError("compute values must be positive FLOP")
    if not flop_low <= flop <= flop_high:
        raise InputError(f"expected flop_low <= flop <= flop_high, got {flop_low:g}, {flop:g}, {flop_high:g}")
    gap = math.log(value_flop) - math.log(flop)
    if gap == 0:  # the upper half of the mass lies above the median unless it is a point mass
        return 0.5 if flop_high > flop else 0.0
    spread = math.log(flop_high / flop) if gap > 0 else math.log(flop / flop_low)
    sigma = spread / Z90
    if sigma == 0:
        return 0.0 if gap > 0 else 1.0
    return 1.0 - _phi(gap / sigma)


def verdict_of(probability: float) -> str:
    """``over``, ``under`` or ``borderline`` for a probability of being over (see BORDERLINE)."""
    if probability >= BORDERLINE[1]:
        return "over"
    if probability <= BORDERLINE[0]:
        return "under"
    return "borderline"


def _quantile_of(part: Any) -> Any:
    """A p -> FLOP quantile function of one estimate (its own, else two-piece log-normal)."""
    own = getattr(part, "quantile", None)
    if callable(own) and not getattr(part, "components", ()):
        return own
    flop, low, high = part.flop, part.flop_low, part.flop_high

    def quantile(p: float) -> float:
        z = NormalDist().inv_cdf(p)
        spread = math.log(high / flop) if z > 0 else math.log(flop / low)
        return float(flop * math.exp(spread / Z90 * z))

    return quantile


def probability_over_sum(value_flop: float, parts: Sequence[Any], *, at_least: bool = False) -> float:
    """P(Σ parts > value_flop) (or >= with ``at_least``), the parts comonotone.

    The sum's p-quantile is the sum of the parts' p-quantiles, increasing in p, so
    P(sum > v) = 1 - sup{p : Q(p) <= v}, found by bisection to 1e-12 in p.

    Args:
        value_flop: the threshold, FLOP.
        parts: estimates (``flop``, ``flop_low``, ``flop_high``, optionally ``quantile``).
        at_least: count a sum equal to the value as over.
    """
    if not parts:
        return 0.0
    if value_flop <= 0:
        raise InputError("the threshold must be a positive number of FLOP")
    fns = [_quantile_of(p) for p in parts]

    def below(p: float) -> bool:
        total = sum(f(p) for f in fns)
        return total < value_flop if at_least else total <= value_flop

    lo, hi = 1e-12, 1.0 - 1e-12
    if not below(lo):
        return 1.0
    if below(hi):
        return 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if below(mid):
            lo = mid
        else:
            hi = mid
    return min(1.0, max(0.0, 1.0 - lo))


def assumption_of(parts: Sequence[Any]) -> str:
    """The probability model of a check over ``parts``, in words."""
    kinds = sorted({getattr(p, "distribution", "lognormal") for p in parts})
    text = {
        "lognormal": "two-piece log-normal with median = central estimate and [low, high] as its 90% interval",
        "uniform": "uniform on the rounding interval of a figure given to some significant figures",
    }
    out = "; ".join(text.get(k, k) for k in kinds) or text["lognormal"]
    if len(parts) > 1:
        out += "; phases summed comonotonically (quantiles added)"
    return out
