"""The sensitivity's reruns reuse the common draws: each is bitwise the Monte Carlo run afresh."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.outlook import load_preset, sensitivity, simulate
from computegov.outlook.inputs import Z90
from computegov.outlook.model import Draws, pinned_reruns

PRESET = load_preset("epoch2024")
NAMES = sorted(PRESET.input_map())


def _same(a: Draws, b: Draws) -> None:
    assert a.years == b.years and a.binding_set == b.binding_set
    assert a.feasible_log10.tobytes() == b.feasible_log10.tobytes()
    assert a.binding_index.tobytes() == b.binding_index.tobytes()
    assert a.log10.keys() == b.log10.keys()
    for c in a.log10:
        assert np.ascontiguousarray(a.log10[c]).tobytes() == np.ascontiguousarray(b.log10[c]).tobytes(), c


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), n=st.integers(1, 3000),
       pins=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from([-Z90, Z90, 0.0, 3.7])), max_size=3),
       years=st.sampled_from([[2030], [2026, 2030, 2035], list(range(2026, 2036))]))
def test_each_rerun_equals_simulate_with_the_same_seed_and_pins(
    seed: int, n: int, pins: list[tuple[str, float]], years: list[int]
) -> None:
    inputs = PRESET.input_map()
    rerun = pinned_reruns(inputs, PRESET.correlations, years, PRESET.binding, seed=seed, n_draws=n)
    for pinned in (None, dict(pins), dict(pins[:1]), None):  # in any order, the common draws unchanged
        expected = simulate(inputs, PRESET.correlations, years, PRESET.binding,
                            rng=np.random.default_rng(seed), n_draws=n, pinned=pinned)
        _same(rerun(pinned), expected)


def test_reruns_of_a_preset_with_fans_equal_simulate() -> None:
    # a fan input (a calibrated forecast's quantiles per year), as the toolkit preset has
    from computegov.outlook import Fan

    years = [2026, 2027, 2028]
    inputs = dict(PRESET.input_map())
    base = inputs["flop_per_j"]
    rows = tuple((1e11 * 1.3**i, 2e11 * 1.3**i, 3e11 * 1.3**i, 4e11 * 1.3**i, 6e11 * 1.3**i) for i in range(3))
    inputs["flop_per_j"] = dataclasses.replace(base, fan=Fan(tuple(years), (0.05, 0.25, 0.5, 0.75, 0.95), rows, "test"))
    rerun = pinned_reruns(inputs, PRESET.correlations, years, PRESET.binding, seed=5, n_draws=500)
    for pinned in (None, {"flop_per_j": Z90}, {"flop_per_j": -Z90, "power_w": Z90}):
        _same(rerun(pinned), simulate(inputs, PRESET.correlations, years, PRESET.binding,
                                      rng=np.random.default_rng(5), n_draws=500, pinned=pinned))


def test_a_pin_on_an_unknown_input_is_refused_as_before() -> None:
    rerun = pinned_reruns(PRESET.input_map(), PRESET.correlations, [2030], PRESET.binding, seed=1, n_draws=10)
    with pytest.raises(ValueError):
        simulate(PRESET.input_map(), PRESET.correlations, [2030], PRESET.binding, rng=np.random.default_rng(1),
                 n_draws=10, pinned={"no_such_input": 1.0})
    with pytest.raises(ValueError):
        rerun({"no_such_input": 1.0})


def test_the_tornado_is_the_one_made_from_fresh_reruns(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    sens = importlib.import_module("computegov.outlook.sensitivity")  # the package's name is the function

    fast = sensitivity(PRESET, 2030, rng=np.random.default_rng(3), n_draws=400)

    def fresh(inputs, correlations, years, binding, *, seed, n_draws):  # type: ignore[no-untyped-def]
        return lambda pinned: simulate(inputs, correlations, years, binding, rng=np.random.default_rng(seed),
                                       n_draws=n_draws, pinned=pinned)

    monkeypatch.setattr(sens, "pinned_reruns", fresh)
    assert sensitivity(PRESET, 2030, rng=np.random.default_rng(3), n_draws=400) == fast
