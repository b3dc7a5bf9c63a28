"""order_statistics (windows placed by a sample) gives what a full sort gives, on any values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.trends.fit import fit_log_linear
from computegov.trends.forecast import forecast
from computegov.trends.selection import _WINDOW_MIN_SIZE, _WINDOW_STRIDE, order_statistics


def _quantile_ranks(n: int) -> np.ndarray:
    pos = np.array([0.05, 0.25, 0.5, 0.75, 0.95]) * (n - 1)
    low = np.floor(pos).astype(int)
    return np.unique(np.concatenate([low, np.minimum(low + 1, n - 1)]))


def _values(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(np.float32)
    if kind == "capped":  # a third of the paths held at one value, as a physical cap does
        x = np.minimum(x, np.float32(0.43))
    elif kind == "few_values":  # heavy ties everywhere
        x = np.round(x * 2).astype(np.float32)
    elif kind == "nan_inf":
        x[rng.random(n) < 0.02] = np.nan
        x[rng.random(n) < 0.01] = np.inf
        x[rng.random(n) < 0.01] = -np.inf
    elif kind == "misleading_sample":  # every sampled value is huge: the windows miss
        x[::_WINDOW_STRIDE] = np.float32(1e30)
    elif kind == "constant":
        x[:] = np.float32(7.0)
    elif kind == "sorted_desc":
        x = np.sort(x)[::-1].copy()
    return x


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["normal", "capped", "few_values", "nan_inf", "misleading_sample", "constant", "sorted_desc"]),
    extra=st.integers(0, 30_000),
    seed=st.integers(0, 2**32 - 1),
    use_quantile_ranks=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_order_statistics_equal_a_full_sort(kind: str, extra: int, seed: int, use_quantile_ranks: bool,
                                            dtype: type) -> None:
    n = _WINDOW_MIN_SIZE + extra
    values = _values(kind, n, seed).astype(dtype)
    if use_quantile_ranks:
        ranks = _quantile_ranks(n)
    else:
        ranks = np.unique(np.random.default_rng(seed).integers(0, n, 6))
    expected = np.sort(values)[ranks]
    got = order_statistics(values.copy(), ranks)
    assert got.dtype == values.dtype
    np.testing.assert_array_equal(got, expected)  # NaN where NaN


def test_small_arrays_and_odd_ranks_take_the_plain_partition() -> None:
    values = np.random.default_rng(3).standard_normal(1000)
    np.testing.assert_array_equal(order_statistics(values.copy(), [0, 999, 500]), np.sort(values)[[0, 999, 500]])


def test_a_large_forecast_equals_its_fully_sorted_paths() -> None:
    """A forecast with enough paths to use the windows reads the same quantiles as a full sort."""
    rng = np.random.default_rng(5)
    years = np.sort(2010 + 14 * rng.random(40))
    log_values = 12 + 0.15 * (years - 2010) + 0.3 * rng.standard_normal(40)
    fit = fit_log_linear(years, 10**log_values, rng=rng, n_boot=500, metric="flop_per_j")
    n_paths = _WINDOW_MIN_SIZE + 1234
    fc = forecast(fit, [2026.0, 2035.0], "trend", rng=np.random.default_rng(9), n_paths=n_paths, limits=[])
    draw = np.random.default_rng(9)
    pick = draw.integers(0, fit.boot_slopes.size, size=n_paths)
    a, b = fit.boot_intercepts[pick].astype(np.float32), fit.boot_slopes[pick].astype(np.float32)
    scatter = draw.standard_normal(n_paths, dtype=np.float32) * np.float32(fit.residual_sd_log10)
    for i, year in enumerate([2026.0, 2035.0]):
        rel = np.float32(year - fit.reference_year)
        path = np.sort(a + b * rel + scatter).astype(float)
        pos = np.asarray(fc.quantile_levels) * (n_paths - 1)
        low = np.floor(pos).astype(int)
        lo, hi = path[low], path[np.minimum(low + 1, n_paths - 1)]
        assert np.array_equal(fc.quantiles[i], np.power(10.0, lo + (hi - lo) * (pos - low)))
