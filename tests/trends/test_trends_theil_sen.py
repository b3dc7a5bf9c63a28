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


@pytest.mark.parametrize("ties", [False, True])
def test_equals_scipy_where_the_slopes_are_many(ties: bool) -> None:
    """Over 50,000 pairwise slopes the ranks are read through windows: still scipy's numbers."""
    rng = np.random.default_rng(11)
    n = 420  # 87,990 pairs
    x = np.round(rng.uniform(0, 30, n), 0 if ties else 6)
    y = 0.2 * x + rng.normal(0, 0.5, n)
    _same(y, x, 0.95)
