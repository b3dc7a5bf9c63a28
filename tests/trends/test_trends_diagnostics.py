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
