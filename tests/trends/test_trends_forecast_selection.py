"""Forecast quantiles read a few order statistics (a partial selection), exactly what a full sort gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from computegov.trends.fit import fit_log_linear
from computegov.trends.forecast import forecast, load_scenarios, scenario_log10_paths


def _fit(seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    years = np.sort(2010 + 14 * rng.random(40))
    log_values = 12 + 0.15 * (years - 2010) + 0.3 * rng.standard_normal(40)
    return fit_log_linear(years, 10**log_values, rng=rng, n_boot=500, metric="flop_per_j")


@pytest.mark.parametrize(("seed", "n_paths", "scenario"), [(0, 101, "trend"), (1, 1000, "cotra_2020"), (2, 4321, "trend")])
def test_quantiles_equal_the_sorted_paths_read_at_numpys_linear_ranks(seed: int, n_paths: int, scenario: str) -> None:
    fit = _fit(seed)
    years = np.array([2026.0, 2031.0, 2040.0])
    fc = forecast(fit, years, scenario, rng=np.random.default_rng(seed), n_paths=n_paths, limits=[])
    # the same draws, sorted in full
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, fit.boot_slopes.size, size=n_paths)
    intercepts = fit.boot_intercepts[pick].astype(np.float32)
    slopes = fit.boot_slopes[pick].astype(np.float32)
    scatter = rng.standard_normal(n_paths, dtype=np.float32) * np.float32(fit.residual_sd_log10)
    chosen = load_scenarios()[scenario]
    for i, year in enumerate(years):
        path = scenario_log10_paths(chosen, years[i:i + 1], intercepts=intercepts, slopes=slopes,
                                    reference_year=fit.reference_year, start_year=fit.year_max)[:, 0] + scatter
        expected = np.quantile(np.sort(path).astype(float), fc.quantile_levels)
        assert np.allclose(np.log10(fc.quantiles[i]), expected, rtol=0, atol=1e-9), year
        assert math.isclose(float(np.log10(fc.quantiles[i, 2])), float(np.median(path.astype(float))), abs_tol=1e-9)
