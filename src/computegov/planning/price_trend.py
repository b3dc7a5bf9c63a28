"""Price-performance growth: what a run that starts in a future year costs relative to today."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import math
from typing import Any

from computegov.costs import Range, default_assumptions

__all__ = ["PricePerformanceTrend", "price_performance_trend"]

logger = logging.getLogger(__name__)


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
    # doubling time = log10(2) / slope (years); the steepest slope gives the fastest doubling
    slope = Range(lo, fit.slope_log10_per_year, hi)
    return PricePerformanceTrend(
        doubling_years=slope.inverse().scale(math.log10(2.0)),
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
