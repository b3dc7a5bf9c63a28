"""Trend fit, crossing forecast and backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from computegov.compute.trend import (
    backtest_crossings,
    counts_over,
    fit_compute_trend,
    forecast_crossings,
    load_notable_models,
)
from computegov.errors import InputError


def _synthetic(slope: float = 0.5, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.linspace(2012, 2024.9, 200)
    logc = 20 + slope * (years - 2012) + rng.normal(0, noise, years.size)
    return pd.DataFrame(
        {"year": years, "training_compute_flop": 10**logc, "frontier_model": False, "domain": "Language"}
    )


def test_fit_recovers_an_exact_exponential() -> None:
    trend = fit_compute_trend(_synthetic(0.5), since=2010, until=2025)
    assert trend.slope_log10_per_year == pytest.approx(0.5, abs=1e-9)
    assert trend.growth_per_year == pytest.approx(10**0.5)
    assert trend.doubling_time_months == pytest.approx(12 * np.log10(2) / 0.5)
    assert trend.year_reaching(1e25) == pytest.approx(2012 + 5 / 0.5)


def test_bundled_notable_models_grow_like_epoch_reports() -> None:
    # Epoch AI (2024): 4-5x per year for notable models 2010 - May 2024 (4.6x in their data insight).
    trend = fit_compute_trend()
    assert 4.0 <= trend.growth_per_year <= 5.0
    lo, hi = trend.growth_ci95
    assert lo < 4.6 < hi


def test_too_few_models_is_an_input_error() -> None:
    with pytest.raises(InputError):
        fit_compute_trend(_synthetic().head(2), since=2010)


def test_counts_over_by_hand() -> None:
    df = pd.DataFrame({"year": [2020.1, 2020.5, 2021.2], "training_compute_flop": [1e22, 1e24, 1e26]})
    assert counts_over([1e23, 1e25], df) == {2020: {1e23: 1, 1e25: 0}, 2021: {1e23: 1, 1e25: 1}}


def test_forecast_is_reproducible_and_ordered() -> None:
    a = forecast_crossings([1e25, 1e26], [2026], np.random.default_rng(7), draws=500)
    b = forecast_crossings([1e25, 1e26], [2026], np.random.default_rng(7), draws=500)
    assert a == b
    low, high = a
    assert low.mean >= high.mean  # more models above a lower line
    assert low.p10 <= low.p50 <= low.p90


def test_forecast_at_the_fitted_median_line_expects_half_the_models() -> None:
    df = _synthetic(0.5, noise=0.5, seed=3)
    trend = fit_compute_trend(df, since=2010, until=2025)
    fc = forecast_crossings([10**trend.predict_log10(2026.5)], [2026], np.random.default_rng(1), trend=trend, models=df, models_per_year=40, draws=4000)
    assert fc[0].mean == pytest.approx(20, rel=0.1)  # half of 40 models sit above the median line


def test_backtest_covers_most_past_years() -> None:
    rows = backtest_crossings([1e23, 1e24, 1e25], list(range(2020, 2025)), np.random.default_rng(1), draws=800)
    assert len(rows) == 15
    assert sum(r.inside_80 for r in rows) / len(rows) >= 0.6


def test_bundled_table_has_attribution_and_expected_columns() -> None:
    from importlib import resources

    first = resources.files("computegov.data").joinpath("notable_models.csv").read_text().splitlines()[0]
    assert "Epoch AI" in first and "CC-BY 4.0" in first and "2025-02-24" in first
    df = load_notable_models()
    assert len(df) == 895
    assert {"parameters", "training_compute_flop", "active_parameters", "base_model", "year"} <= set(df.columns)
