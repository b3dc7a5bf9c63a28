"""The record simulation works on the chips alone and gives exactly what the plain slot loop gives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.trends.methods import simulate_record


def _plain(*, last_record: Any, origin: float, targets: np.ndarray, intercepts: np.ndarray, slopes: np.ndarray,
           residual_sd: Any, rate_per_year: float, rng: np.random.Generator) -> np.ndarray:
    """The straightforward version: every slot masked by its count, one masked max per target."""
    shape = intercepts.shape
    span = float(targets.max() - origin)
    mean_count = rate_per_year * span
    slots = math.ceil(mean_count + 6.0 * math.sqrt(mean_count) + 5.0)
    counts = rng.poisson(mean_count, size=shape)
    times = rng.random((*shape, slots)) * span
    active = np.arange(slots) < counts[..., None]
    sd = np.asarray(residual_sd, dtype=float)[..., None, None]
    values = intercepts[..., None] + slopes[..., None] * times + sd * rng.standard_normal((*shape, slots))
    values = np.where(active, values, -np.inf)
    floor = np.asarray(last_record, dtype=float)[..., None]
    out = np.empty((*shape, targets.size))
    for j, target in enumerate(targets):
        released = np.where(times < target - origin, values, -np.inf)
        out[..., j] = np.maximum(released.max(axis=-1), floor)
    return out


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    series=st.sampled_from([(), (1,), (3,)]),
    paths=st.integers(1, 60),
    rate=st.sampled_from([0.01, 0.3, 2.0, 25.0]),
    n_targets=st.integers(1, 6),
    offset=st.sampled_from([0.0, 0.5]),
)
def test_simulation_equals_the_plain_slot_loop_bit_for_bit(
    seed: int, series: tuple[int, ...], paths: int, rate: float, n_targets: int, offset: float
) -> None:
    draw = np.random.default_rng(seed)
    shape = (*series, paths)
    kwargs: dict[str, Any] = {
        "last_record": draw.normal(12, 1, series) if series else 12.0,
        "origin": 2020.0,
        "targets": 2020.0 + offset + np.arange(1, n_targets + 1),
        "intercepts": draw.normal(12, 1, shape),
        "slopes": draw.normal(0.2, 0.1, shape),
        "residual_sd": draw.uniform(0.05, 0.5, series) if series else 0.3,
        "rate_per_year": rate,
    }
    ours = simulate_record(rng=np.random.default_rng(seed + 1), **kwargs)
    plain = _plain(rng=np.random.default_rng(seed + 1), **kwargs)
    assert ours.shape == plain.shape == (*shape, n_targets)
    assert ours.tobytes() == plain.tobytes()


@pytest.mark.parametrize("rate", [1e-6, 40.0])
def test_paths_without_chips_keep_the_last_record(rate: float) -> None:
    out = simulate_record(last_record=5.0, origin=2000.0, targets=np.array([2001.0, 2003.0]),
                          intercepts=np.full(500, -50.0), slopes=np.zeros(500), residual_sd=0.0,
                          rate_per_year=rate, rng=np.random.default_rng(0))
    assert np.all(out == 5.0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    paths=st.integers(1, 40),
    rate=st.sampled_from([0.05, 1.0, 12.0]),
    rel=st.lists(st.sampled_from([-1.0, 0.0, 0.25, 1.0, 1.0, 2.5, 3.0, 7.0]), min_size=1, max_size=7),
    nan_share=st.sampled_from([0.0, 0.1]),
)
def test_binned_record_equals_one_masked_max_per_target(
    seed: int, paths: int, rate: float, rel: list[float], nan_share: float
) -> None:
    """The one-pass binned maximum gives what a masked maximum per target gives, NaN included."""
    from computegov.trends.methods import _binned_record, _record_by_target

    draw = np.random.default_rng(seed)
    n = draw.poisson(rate * 4, paths)
    times = draw.random(int(n.sum())) * 7.0
    times[: min(2, times.size)] = 1.0  # a chip exactly at a target date is not released before it
    values = draw.normal(10, 2, times.size)
    values[draw.random(times.size) < nan_share] = np.nan
    ordered = np.sort(np.asarray(rel))
    with np.errstate(invalid="ignore"):  # NaN values are meant
        fast = _binned_record(n, times, values, ordered)
        plain = _record_by_target(n, times, values, ordered)
    assert fast.shape == plain.shape == (paths, ordered.size)
    np.testing.assert_array_equal(fast, plain)  # NaN where NaN; -0.0 and 0.0 would count as equal


def test_unordered_or_odd_targets_take_the_per_target_path() -> None:
    """Targets out of order (or not finite) are answered by the masked maximum per target."""
    kwargs: dict[str, Any] = {"last_record": 11.0, "origin": 2020.0, "intercepts": np.full(300, 11.0),
                              "slopes": np.full(300, 0.3), "residual_sd": 0.2, "rate_per_year": 3.0}
    shuffled = simulate_record(targets=np.array([2023.0, 2021.0, 2022.0]), rng=np.random.default_rng(4), **kwargs)
    plain = _plain(targets=np.array([2023.0, 2021.0, 2022.0]), rng=np.random.default_rng(4), **kwargs)
    assert shuffled.tobytes() == plain.tobytes()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), paths=st.integers(0, 30), slots=st.integers(1, 40))
def test_chip_slots_are_the_masked_slots(seed: int, paths: int, slots: int) -> None:
    """The chips' flat slot indices built from the counts equal those of the mask over every slot."""
    from computegov.trends.methods import _chip_slots

    n = np.random.default_rng(seed).integers(0, slots + 1, paths)
    expected = np.flatnonzero(np.arange(slots) < n[:, None])
    assert _chip_slots(n, slots).tolist() == expected.tolist()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    paths=st.integers(1, 40),
    first=st.sampled_from([-2, 0, 1, 2, 5]),
    n_targets=st.integers(1, 12),
    scale=st.sampled_from([0.5, 6.0, 20.0]),
)
def test_binned_record_on_whole_year_targets_equals_one_masked_max_per_target(
    seed: int, paths: int, first: int, n_targets: int, scale: float
) -> None:
    """Targets a whole number of years apart take the one-pass floor binning: same numbers as the masks."""
    from computegov.trends.methods import _binned_record, _record_by_target

    draw = np.random.default_rng(seed)
    n = draw.poisson(6, paths)
    times = draw.random(int(n.sum())) * scale
    whole = draw.random(times.size) < 0.2
    times[whole] = np.floor(times[whole])  # chips exactly at a target date are not released before it
    values = draw.normal(10, 2, times.size)
    rel = first + np.arange(n_targets, dtype=float)
    fast = _binned_record(n, times, values, rel)
    plain = _record_by_target(n, times, values, rel)
    assert fast.tobytes() == plain.tobytes()
