"""theil_sen equals scipy.stats.theilslopes (it selects three ranks instead of sorting)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from computegov.errors import InputError
from computegov.trends.fit import theil_sen


def _same(y: np.ndarray, x: np.ndarray, confidence: float) -> None:
    ours = theil_sen(y, x, confidence)
    ref = stats.theilslopes(y, x, alpha=confidence)
    theirs = (ref.slope, ref.intercept, ref.low_slope, ref.high_slope)
    np.testing.assert_array_equal(np.array(ours), np.array(theirs, dtype=float))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 60),
    seed=st.integers(0, 2**32 - 1),
    ties=st.booleans(),
    confidence=st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.05]),
)
def test_equals_scipy_on_random_data(n: int, seed: int, ties: bool, confidence: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(2000, 2026, n).astype(float) if ties else rng.uniform(2000, 2026, n)
    y = np.round(rng.normal(0, 1, n), 1) if ties else rng.normal(0, 1, n) + 0.3 * x
    if np.ptp(x) == 0:
        with pytest.raises(InputError):
            theil_sen(y, x, confidence)
        return
    _same(y, x, confidence)


def test_equals_scipy_on_a_large_fit() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(1990, 2026, 1500)
    y = 0.15 * x + rng.standard_t(3, 1500)
    _same(y, x, 0.95)


def _row_loop_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The straightforward pairwise slopes: one row at a time, a < b, pairs with equal x left out."""
    parts = [(y[a + 1:] - y[a])[x[a + 1:] != x[a]] / (x[a + 1:] - x[a])[x[a + 1:] != x[a]] for a in range(x.size - 1)]
    return np.concatenate(parts) if parts else np.empty(0)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 90), seed=st.integers(0, 2**32 - 1), block=st.sampled_from([1, 7, 64, 1_250_000]),
       ties=st.booleans())
def test_pairwise_slopes_in_blocks_equal_the_row_loop_bit_for_bit(n: int, seed: int, block: int, ties: bool) -> None:
    import computegov.trends.fit as fit_module

    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, n).astype(float) if ties else rng.normal(0, 3, n)
    y = rng.normal(0, 1, n)
    saved = fit_module._PAIRS_PER_BLOCK
    fit_module._PAIRS_PER_BLOCK = block
    try:
        got = fit_module.pairwise_slopes(x, y)
    finally:
        fit_module._PAIRS_PER_BLOCK = saved
    assert got.tobytes() == _row_loop_slopes(x, y).tobytes()


@pytest.mark.parametrize("ties", [False, True])
def test_equals_scipy_where_the_slopes_are_many(ties: bool) -> None:
    """Over 50,000 pairwise slopes the ranks are read through windows: still scipy's numbers."""
    rng = np.random.default_rng(11)
    n = 420  # 87,990 pairs
    x = np.round(rng.uniform(0, 30, n), 0 if ties else 6)
    y = 0.2 * x + rng.normal(0, 0.5, n)
    _same(y, x, 0.95)
