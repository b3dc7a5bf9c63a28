"""Invariants of the ensemble scores (hypothesis), whatever the members."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.trends.diagnostics import (
    central_interval,
    ensemble_crps,
    ensemble_pit,
    ensemble_quantiles,
    interval_score,
)

members = st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=40)
outcome = st.floats(-60, 60, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(members, outcome, st.integers(0, 5))
def test_scores_are_proper_ranges_with_or_without_padding(xs: list[float], y: float, pad: int) -> None:
    ens = np.concatenate([np.sort(xs), np.full(pad, np.nan)])[None, :]
    crps = ensemble_crps([y], ens)[0]
    assert crps >= -1e-9
    assert crps <= np.mean(np.abs(np.array(xs) - y)) + 1e-9  # E|X-y| minus a non-negative spread
    pit = ensemble_pit([y], ens)[0]
    assert 0.0 <= pit <= 1.0
    q = ensemble_quantiles(ens, [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975])[0]
    assert np.all(np.diff(q) >= -1e-12) and min(xs) <= q[0] and q[-1] <= max(xs)


@settings(max_examples=200, deadline=None)
@given(members, outcome, st.sampled_from([0.5, 0.8, 0.9, 0.95]))
def test_interval_score_is_the_width_when_covered_and_more_when_not(xs: list[float], y: float, level: float) -> None:
    ens = np.sort(xs)[None, :]
    lo, hi = central_interval(ens, level)
    score = interval_score([y], lo, hi, level)[0]
    width = float(hi[0] - lo[0])
    if lo[0] <= y <= hi[0]:
        assert abs(score - width) < 1e-9
    else:
        miss = float(lo[0] - y) if y < lo[0] else float(y - hi[0])
        assert score >= width
        assert abs(score - width - 2.0 / (1.0 - level) * miss) <= 1e-9 * (1.0 + abs(score))


def _quantiles_row_by_row(ens: np.ndarray, levels: list[float]) -> np.ndarray:
    """The straightforward rule: each row's own member count, positions taken along the last axis."""
    p = np.asarray(levels, dtype=float)
    n = np.isfinite(ens).sum(axis=-1)[..., None].astype(float)
    pos = np.clip(p * (n + 1.0), 1.0, np.maximum(n, 1.0)) - 1.0
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n.astype(np.int64) - 1, 0))
    a = np.take_along_axis(ens, lo, axis=-1)
    b = np.take_along_axis(ens, hi, axis=-1)
    return np.asarray(a + (b - a) * (pos - lo))


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from([(1, 1), (5, 1), (5, 7), (3, 4, 40), (2000,), (2, 3, 2000)]),
    odd=st.sampled_from(["none", "nan_pad", "inf", "huge"]),
    levels=st.sampled_from([[0.05, 0.5, 0.95], [0.5], [0.0, 1.0, 0.3], [0.025, 0.975, 0.1, 0.9, 0.25, 0.75]]),
)
def test_quantiles_of_full_ensembles_equal_the_row_by_row_rule(seed: int, shape: tuple[int, ...], odd: str,
                                                               levels: list[float]) -> None:
    rng = np.random.default_rng(seed)
    ens = np.sort(rng.normal(12, 2, shape), axis=-1)
    if odd == "nan_pad" and shape[-1] > 1:
        ens[..., -1] = np.nan  # NaN padding at the end, as calibrated ensembles have
    elif odd == "inf":
        ens[..., -1] = np.inf
    elif odd == "huge":  # the finite sum overflows: the long way, same answer
        ens = np.sort(rng.choice([1e308, -1e308, 1.0], shape), axis=-1)
    with np.errstate(invalid="ignore"):  # inf - inf between two infinite members, both ways
        got, expected = ensemble_quantiles(ens, levels), _quantiles_row_by_row(ens, levels)
    np.testing.assert_array_equal(got, expected)
    assert got.shape == (*shape[:-1], len(levels))
