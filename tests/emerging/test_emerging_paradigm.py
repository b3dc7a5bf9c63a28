"""Paradigm scenarios: p = 0 is the base fan exactly; p = 1 shifts the median by log10 M after Y."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from emerging_helpers import geometric_forecast

from computegov.emerging import ParadigmScenario, paradigm_forecast
from computegov.errors import InputError, UnknownNameError


def _run(p: float, low: float, high: float | None = None, year: int = 2028, seed: int = 1) -> tuple[Any, Any]:
    base = geometric_forecast()
    scenario = ParadigmScenario("photonic", "flop_per_j", p, year, low, high or low)
    return base, paradigm_forecast(base, scenario, np.random.default_rng(seed))


def test_probability_zero_leaves_the_fan_exactly_as_it_was() -> None:
    base, mixed = _run(0.0, 10.0, 1000.0)
    from computegov.trends.diagnostics import ensemble_quantiles

    assert np.array_equal(mixed.ensemble_log10, base.ensemble_log10)
    assert np.array_equal(mixed.quantiles, 10 ** ensemble_quantiles(base.ensemble_log10, base.quantile_levels))
    assert mixed.arrived_share == 0.0


def test_probability_one_shifts_the_median_by_log10_m_from_year_y() -> None:
    base, mixed = _run(1.0, 30.0, year=2028)
    mid = list(base.quantile_levels).index(0.5)
    before = np.log10(mixed.quantiles[:, mid]) - np.median(base.ensemble_log10, axis=1)
    for year, shift in zip(base.years, before, strict=True):
        assert shift == pytest.approx(math.log10(30.0) if year >= 2028 else 0.0, abs=1e-12)


def test_a_multiplier_range_puts_the_median_between_its_ends() -> None:
    base, mixed = _run(1.0, 10.0, 1000.0, year=2025)
    mid = list(base.quantile_levels).index(0.5)
    shift = math.log10(mixed.quantiles[-1, mid]) - float(np.median(base.ensemble_log10[-1]))
    assert 1.0 < shift < 3.0
    assert shift == pytest.approx(2.0, abs=0.2)  # log-uniform on [1, 3]: median 2


def test_the_landauer_bound_caps_the_jump() -> None:
    _base, mixed = _run(1.0, 1e12, year=2030)
    assert max(mixed.capped_fraction) == 1.0
    assert mixed.quantiles.max() <= 3.4831e20
    assert mixed.capped_fraction[0] == 0.0  # 2025: before Y


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"paradigm": "alchemy"}, UnknownNameError, "unknown paradigm"),
        ({"probability": 1.5}, InputError, r"in \[0, 1\]"),
        ({"probability": -0.1}, InputError, r"in \[0, 1\]"),
        ({"multiplier_low": 0.0}, InputError, "positive"),
        ({"multiplier_low": -2.0}, InputError, "positive"),
        ({"multiplier_low": 10.0, "multiplier_high": 2.0}, InputError, "below low"),
        ({"metric": "memory_bytes"}, InputError, "metric must be"),
    ],
)
def test_bad_scenarios_are_refused(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    args: dict[str, object] = {"paradigm": "photonic", "metric": "flop_per_j", "probability": 0.5, "year": 2030,
                               "multiplier_low": 2.0, "multiplier_high": 20.0}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        ParadigmScenario(**args)  # type: ignore[arg-type]
