"""The frontier training-compute trend extrapolated beside the outlook (where the trend meets the wall).

The fit is :func:`computegov.compute.trend.fit_compute_trend` (OLS of log10 training compute of
Epoch AI's frontier models on publication date, 2018 on, Epoch's "4x per year since 2018"
window); nothing is fitted here. For a year ``Y`` the extrapolation at mid-year is
Normal(a + b (Y + 0.5), line variance + residual variance) in log10: where a frontier model of
that year is expected to land, with the fit's parameter uncertainty and the spread of models
around the line.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

__all__ = ["TREND_SINCE", "TrendExtrapolation", "frontier_trend"]

#: First year fitted: Epoch AI (2024) describe frontier growth since 2018 as ~4x per year
#: (https://epoch.ai/blog/training-compute-of-frontier-ai-models-grows-by-4-5x-per-year).
TREND_SINCE = 2018.0


@dataclasses.dataclass(frozen=True)
class TrendExtrapolation:
    """Quantiles of the frontier-compute trend by year.

    Attributes:
        years: the years.
        levels: quantile levels.
        quantiles_flop: ``[year][level]`` FLOP.
        growth_per_year: the fit's growth factor per year.
        growth_ci95: its 95 % interval.
        n_models: models fitted.
        fitted_until: first decimal year excluded from the fit.
        source: what was fitted.
        mean_log10: per year, the mean of log10 FLOP.
        sd_log10: per year, its standard deviation (fit uncertainty and residual spread).
    """

    years: tuple[int, ...]
    levels: tuple[float, ...]
    quantiles_flop: tuple[tuple[float, ...], ...]
    growth_per_year: float
    growth_ci95: tuple[float, float]
    n_models: int
    fitted_until: float
    source: str
    mean_log10: tuple[float, ...] = ()
    sd_log10: tuple[float, ...] = ()

    def median(self, year: int) -> float:
        """The trend's median for ``year``, FLOP."""
        return self.quantiles_flop[self.years.index(year)][self.levels.index(0.5)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "source": self.source, "growth_per_year": self.growth_per_year, "growth_ci95": list(self.growth_ci95),
            "n_models": self.n_models, "fitted_until": self.fitted_until, "levels": list(self.levels),
            "by_year": [{"year": y, "quantiles_flop": list(q)} for y, q in zip(self.years, self.quantiles_flop,
                                                                             strict=True)],
        }


def frontier_trend(years: Sequence[int], levels: Sequence[float], *, until: float | None = None) -> TrendExtrapolation:
    """The frontier-compute trend's extrapolation for ``years``.

    Args:
        years: years to extrapolate to (mid-year).
        levels: quantile levels, each in (0, 1).
        until: fit models published before this decimal year (None: the compute room's default,
            the snapshot's last complete year).

    Raises:
        InputError: too few models before ``until``.
    """
    from computegov.compute.trend import fit_compute_trend

    fit = (fit_compute_trend(since=TREND_SINCE, frontier_only=True) if until is None
           else fit_compute_trend(since=TREND_SINCE, frontier_only=True, until=until))
    (c00, c01), (_, c11) = fit.covariance
    rows, means, sds = [], [], []
    for y in years:
        x = y + 0.5
        mean = fit.predict_log10(x)
        sd = math.sqrt(c00 + 2 * x * c01 + x * x * c11 + fit.residual_sd_log10**2)
        rows.append(tuple(10 ** (mean + sd * NormalDist().inv_cdf(p)) for p in levels))
        means.append(mean)
        sds.append(sd)
    return TrendExtrapolation(
        years=tuple(int(y) for y in years), levels=tuple(levels), quantiles_flop=tuple(rows),
        growth_per_year=fit.growth_per_year, growth_ci95=fit.growth_ci95, n_models=fit.n,
        fitted_until=fit.end_year if until is None else until,
        source=f"computegov.compute.trend.fit_compute_trend(frontier_only, since {TREND_SINCE:.0f}): "
               f"{fit.n} frontier models, x{fit.growth_per_year:.2f}/yr; interval = fit uncertainty + residual spread "
               f"({fit.residual_sd_log10:.2f} orders of magnitude)",
        mean_log10=tuple(means), sd_log10=tuple(sds),
    )
