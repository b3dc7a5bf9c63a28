"""A constraint constant over the years gets its quantiles once: the same numbers as column by column."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.outlook.feasible import LEVELS, _quantiles


def _column_by_column(x: np.ndarray, levels: np.ndarray) -> np.ndarray:
    return np.stack([np.quantile(np.array(x[:, j]), levels) for j in range(x.shape[1])])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 400), years=st.integers(1, 12), seed=st.integers(0, 2**32 - 1),
       ties=st.booleans(), levels=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6))
def test_broadcast_columns_give_the_quantiles_of_each_column(n: int, years: int, seed: int, ties: bool,
                                                             levels: list[float]) -> None:
    rng = np.random.default_rng(seed)
    column = rng.integers(0, 3, (n, 1)).astype(float) if ties else rng.standard_normal((n, 1)) * 10
    lv = np.asarray(levels)
    broadcast = np.broadcast_to(column, (n, years))
    got = _quantiles(broadcast, lv)
    assert got.shape == (years, lv.size)
    assert got.tobytes() == _column_by_column(broadcast, lv).tobytes()


def test_columns_that_differ_are_not_taken_for_one() -> None:
    x = np.random.default_rng(1).standard_normal((1000, 10)).cumsum(axis=1)
    lv = np.asarray(LEVELS)
    assert _quantiles(x, lv).tobytes() == _column_by_column(x, lv).tobytes()
