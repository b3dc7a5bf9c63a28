"""Helpers for the emerging tests: a geometric record forecast."""

from __future__ import annotations

import numpy as np

from computegov.trends import QUANTILE_LEVELS, RecordForecast


def geometric_forecast(metric: str = "flop_per_j", start: float = 1e12, origin: int = 2024,
                       years: int = 10, members: int = 401) -> RecordForecast:
    """Median doubles every year from ``start`` at ``origin``; 5 % and 95 % at /2 and x2 (quantiles).

    The ensemble is the median plus an evenly spread symmetric log10 offset (sorted per year).
    """
    ys = np.arange(origin + 1, origin + 1 + years)
    median = start * 2.0 ** (ys - origin)
    factors = np.array([0.5, 0.75, 1.0, 1.0 / 0.75, 2.0])
    quantiles = median[:, None] * factors[None, :]
    offsets = np.linspace(-0.5, 0.5, members)
    ensemble = np.log10(median)[:, None] + offsets[None, :]
    return RecordForecast(
        metric=metric, unit="FLOP/J", chip_set="ml", method="fake", chosen_by="test", origin=origin,
        years=tuple(int(y) for y in ys), quantile_levels=QUANTILE_LEVELS, quantiles=quantiles,
        ensemble_log10=ensemble, hindcast_coverage_90=0.9, hindcast_n=50, hindcast_since=2012,
        calibration_statement="fake",
    )
