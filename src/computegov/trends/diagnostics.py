"""Scores of ensemble forecasts, vectorised: quantiles, CRPS, PIT, interval coverage and score.

An ensemble is an array whose last axis holds the members **sorted ascending**, padded with NaN
at the end when rows hold different numbers of members (the calibrated forecasts do). All scores
are in the forecast's units (here log10).

- Quantiles use the Weibull plotting position ``p (n + 1)`` (1-based, clipped to ``[1, n]``,
  linear between members): with ``n`` exchangeable past errors the interval between the
  positions ``(n + 1) alpha / 2`` and ``(n + 1)(1 - alpha / 2)`` covers with probability
  ``1 - alpha`` (the split-conformal rank; Vovk, Gammerman & Shafer 2005, *Algorithmic Learning
  in a Random World*, ch. 2). With fewer than ``2 / alpha - 1`` members the band is the range
  of the members, which covers ``(n - 1) / (n + 1)`` in expectation.
- CRPS of the empirical distribution: ``E|X - y| - E|X - X'| / 2`` (Gneiting & Raftery 2007,
  JASA 102:359-378, doi:10.1198/016214506000001437, eq. 21), computed from sorted members in
  O(n); it equals ``scoringrules.crps_ensemble(..., estimator="nrg")`` (tested).
- PIT: the mid-distribution value ``(F(y-) + F(y)) / 2``, so ties with point masses (the record
  often stays put) land in the middle of the jump instead of at an edge.
- Interval (Winkler) score of the central ``1 - alpha`` band ``[l, u]``:
  ``(u - l) + 2/alpha (l - y)+ + 2/alpha (y - u)+`` (Gneiting & Raftery 2007, eq. 43).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "NOMINAL_LEVELS",
    "PIT_BINS",
    "central_interval",
    "ensemble_crps",
    "ensemble_pit",
    "ensemble_quantiles",
    "interval_score",
    "member_count",
]

FloatArray = npt.NDArray[np.float64]

#: Nominal central-interval coverages every backtest reports.
NOMINAL_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)

#: Bins of the PIT histogram.
PIT_BINS = 10


def member_count(ens: FloatArray) -> npt.NDArray[np.int64]:
    """Members per row (finite values along the last axis)."""
    return np.asarray(np.isfinite(ens).sum(axis=-1), dtype=np.int64)


def ensemble_quantiles(ens: FloatArray, levels: npt.ArrayLike) -> FloatArray:
    """Quantiles at ``levels`` of each row, shape ``(..., n_levels)`` (Weibull positions)."""
    p = np.asarray(levels, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        total = ens.sum() if ens.ndim else np.nan
    if np.isfinite(total):
        # Every member finite (a NaN or infinite member makes the sum NaN or infinite; an overflow
        # only sends finite ensembles the long way): every row has all its members, so the
        # positions are the same for every row and are read by plain indexing.
        n = np.full(1, float(ens.shape[-1]))
        pos = np.clip(p * (n + 1.0), 1.0, np.maximum(n, 1.0)) - 1.0  # 0-based
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(n.astype(np.int64) - 1, 0))
        frac = pos - lo
        a, b = ens[..., lo], ens[..., hi]
        return np.asarray(a + (b - a) * frac)
    n = member_count(ens)[..., None].astype(float)
    pos = np.clip(p * (n + 1.0), 1.0, np.maximum(n, 1.0)) - 1.0  # 0-based
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n.astype(np.int64) - 1, 0))
    frac = pos - lo
    a = np.take_along_axis(ens, lo, axis=-1)
    b = np.take_along_axis(ens, hi, axis=-1)
    return np.asarray(a + (b - a) * frac)


def central_interval(ens: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """Lower and upper ends of the central ``level`` interval of each row."""
    q = ensemble_quantiles(ens, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return q[..., 0], q[..., 1]


def ensemble_crps(observed: npt.ArrayLike, ens: FloatArray) -> FloatArray:
    """CRPS of each row's empirical distribution at ``observed`` (broadcast to the rows)."""
    y = np.asarray(observed, dtype=float)
    n = member_count(ens).astype(float)
    finite = np.isfinite(ens)
    x = np.where(finite, ens, 0.0)
    abs_dev = np.where(finite, np.abs(x - y[..., None]), 0.0).sum(axis=-1) / n
    i = np.arange(1, ens.shape[-1] + 1, dtype=float)
    weights = np.where(finite, 2.0 * i - n[..., None] - 1.0, 0.0)
    spread = 2.0 * (x * weights).sum(axis=-1) / n**2
    return np.asarray(abs_dev - 0.5 * spread)


def ensemble_pit(observed: npt.ArrayLike, ens: FloatArray) -> FloatArray:
    """Mid-distribution PIT of ``observed`` under each row."""
    y = np.asarray(observed, dtype=float)[..., None]
    n = member_count(ens).astype(float)
    below = (ens < y).sum(axis=-1)
    at_or_below = (ens <= y).sum(axis=-1)
    return np.asarray((below + at_or_below) / (2.0 * n))


def interval_score(
    observed: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike, level: float
) -> FloatArray:
    """Winkler interval score of the central ``level`` interval (lower is better)."""
    y = np.asarray(observed, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    alpha = 1.0 - level
    return np.asarray(
        (hi - lo) + 2.0 / alpha * np.maximum(lo - y, 0.0) + 2.0 / alpha * np.maximum(y - hi, 0.0)
    )
