"""The progress index: weights, contributions and bad weights."""

from __future__ import annotations

import numpy as np
import pytest
from trends_helpers import chip

from computegov.errors import InputError
from computegov.trends.index import progress_index


def _chips() -> list:
    out = []
    for i, year in enumerate(np.linspace(2010, 2024, 12)):
        t = year - 2010
        out.append(
            chip(
                f"c{i}",
                float(year),
                peak_flop_per_s={"bf16": 1e12 * 10 ** (0.2 * t)},
                memory_bytes=1e9 * 10 ** (0.1 * t),
            )
        )
    return out


def test_index_slope_is_the_weighted_sum_of_component_slopes() -> None:
    index = progress_index(
        _chips(),
        [("training_flop_per_s", 0.75), ("memory_bytes", 0.25)],
        rng=np.random.default_rng(0),
    )
    assert index.slope_log10_per_year == pytest.approx(0.75 * 0.2 + 0.25 * 0.1, abs=1e-3)
    shares = [c.share for c in index.components]
    assert sum(shares) == pytest.approx(1.0)
    assert shares[0] == pytest.approx(0.15 / 0.175, abs=1e-3)


@pytest.mark.parametrize(
    "weights",
    [[("training_flop_per_s", 0.5)], [("training_flop_per_s", 1.2), ("memory_bytes", -0.2)]],
)
def test_weights_must_be_positive_and_sum_to_one(weights: list) -> None:
    with pytest.raises(InputError, match="sum to 1"):
        progress_index(_chips(), weights)
