"""Has a trend slowed? Piecewise (hinge) fits with a tested break point.

:func:`fit_break` fits ``log10 v = a + b1 (t - t0) + d * max(0, t - t0)`` (continuous at the
break ``t0``) to a :class:`~computegov.trends.fit.TrendFit`'s points and compares it with the
single line by an F-test (Chow-type test for a slope change at a known date; Chow 1960,
doi:10.2307/1910133). Slopes before and after get pairs-bootstrap intervals, vectorised by
solving every resample's 3x3 normal equations at once.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from computegov.errors import InputError
from computegov.trends.distributions import f_sf
from computegov.trends.fit import DEFAULT_BOOTSTRAP, FloatArray, TrendFit, doubling_time_years

__all__ = ["BreakTest", "fit_break"]


@dataclasses.dataclass(frozen=True)
class BreakTest:
    """Has the trend changed slope at ``break_year``? A continuous (hinge) fit and an F-test.

    Model: ``log10 v = a + b1 (t - t0) + d * max(0, t - t0)``; slope before ``b1``, after
    ``b1 + d``. The F-test compares it with the single line (H0: ``d = 0``); with a break year
    chosen by looking at the data the p-value is optimistic (say so when reporting).

    Attributes:
        metric: metric name.
        chip_set: chips used.
        break_year: the tested break, decimal year.
        n_before: points before the break.
        n_after: points at or after the break.
        slope_before_log10_per_year: slope before the break.
        slope_after_log10_per_year: slope after the break.
        slope_after_ci_log10_per_year: bootstrap interval of the slope after.
        slope_before_ci_log10_per_year: bootstrap interval of the slope before.
        f_statistic: F for adding the hinge term (1 and n - 3 degrees of freedom).
        p_value: its p-value.
        slowed: True when the slope after is lower and p < 0.05.
    """

    metric: str
    chip_set: str
    break_year: float
    n_before: int
    n_after: int
    slope_before_log10_per_year: float
    slope_after_log10_per_year: float
    slope_before_ci_log10_per_year: tuple[float, float]
    slope_after_ci_log10_per_year: tuple[float, float]
    f_statistic: float
    p_value: float
    slowed: bool

    @property
    def doubling_time_before_years(self) -> float:
        """Doubling time before the break, years."""
        return doubling_time_years(self.slope_before_log10_per_year)

    @property
    def doubling_time_after_years(self) -> float:
        """Doubling time after the break, years."""
        return doubling_time_years(self.slope_after_log10_per_year)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["slope_before_ci_log10_per_year"] = list(self.slope_before_ci_log10_per_year)
        out["slope_after_ci_log10_per_year"] = list(self.slope_after_ci_log10_per_year)
        out["doubling_time_before_years"] = self.doubling_time_before_years
        out["doubling_time_after_years"] = self.doubling_time_after_years
        return out


def _hinge_design(x: FloatArray, break_year: float) -> FloatArray:
    return np.column_stack([np.ones_like(x), x - break_year, np.maximum(0.0, x - break_year)])


def fit_break(
    fit: TrendFit,
    break_year: float,
    *,
    rng: np.random.Generator,
    n_boot: int = DEFAULT_BOOTSTRAP,
) -> BreakTest:
    """Test whether ``fit``'s trend changed slope at ``break_year`` (hinge fit + F-test).

    Args:
        fit: a fitted trend (its points are reused).
        break_year: decimal year of the suspected break.
        rng: random generator for the bootstrap of the two slopes.
        n_boot: bootstrap resamples.

    Raises:
        InputError: fewer than 2 points on either side of the break.
    """
    x, y = fit.years, fit.log10_values
    n_before = int((x < break_year).sum())
    n_after = len(x) - n_before
    if n_before < 2 or n_after < 2:
        raise InputError(
            f"break at {break_year}: needs at least 2 points on each side, got {n_before} before "
            f"and {n_after} after (data span {fit.year_min:.1f}-{fit.year_max:.1f})"
        )
    design = _hinge_design(x, break_year)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    sse_full = float(((y - design @ coef) ** 2).sum())
    sse_line = float((fit.residuals_log10**2).sum())  # the single line: fit's own OLS
    dof = len(x) - 3
    if dof <= 0 or sse_full == 0:
        f_stat, p_value = math.inf, 0.0
    else:
        f_stat = (sse_line - sse_full) / (sse_full / dof)
        p_value = float(f_sf(f_stat, 1, dof))
    # Pairs bootstrap of the two slopes, vectorised: solve the 3x3 normal equations per resample.
    idx = rng.integers(0, len(x), size=(n_boot, len(x)))
    xs, ys = x[idx], y[idx]
    # the design (1, x - break, max(0, x - break)) of every resample, written in place
    d = np.empty((*xs.shape, 3))
    d[..., 0] = 1.0
    np.subtract(xs, break_year, out=d[..., 1])
    np.maximum(0.0, d[..., 1], out=d[..., 2])
    xtx = np.einsum("bni,bnj->bij", d, d)
    xty = np.einsum("bni,bn->bi", d, ys)
    det = np.linalg.det(xtx)
    ok = np.abs(det) > 1e-9
    sol = np.linalg.solve(xtx[ok], xty[ok][..., None])[..., 0]
    before_b = sol[:, 1]
    after_b = sol[:, 1] + sol[:, 2]
    lo_b, hi_b = np.quantile(before_b, [0.025, 0.975])
    lo_a, hi_a = np.quantile(after_b, [0.025, 0.975])
    before, after = float(coef[1]), float(coef[1] + coef[2])
    return BreakTest(
        metric=fit.metric,
        chip_set=fit.chip_set,
        break_year=float(break_year),
        n_before=n_before,
        n_after=n_after,
        slope_before_log10_per_year=before,
        slope_after_log10_per_year=after,
        slope_before_ci_log10_per_year=(float(lo_b), float(hi_b)),
        slope_after_ci_log10_per_year=(float(lo_a), float(hi_a)),
        f_statistic=float(f_stat),
        p_value=p_value,
        slowed=bool(after < before and p_value < 0.05),
    )
