"""Each constraint's arithmetic on hand-computed cases, and the Monte Carlo's mechanics."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from computegov.errors import InputError
from computegov.outlook import (
    CONSTRAINT_INPUTS,
    Correlation,
    Fan,
    Input,
    chips_limit_flop,
    data_limit_flop,
    latency_limit_flop,
    load_preset,
    money_limit_flop,
    power_limit_flop,
    simulate,
)
from computegov.outlook.model import correlation_matrix, draw_inputs


def test_power_limit_is_power_over_overhead_times_efficiency_utilisation_and_time() -> None:
    # 1 GW facility, half to accelerators, 1e12 FLOP/J, all FP8 (x2), 50 % MFU, 1e7 s:
    # 1e9 / 2 x 1e12 x 2 x 0.5 x 1e7 = 5e27 FLOP
    got = power_limit_flop(power_w=1e9, flop_per_j=1e12, facility_overhead=2.0, precision_gain=2.0,
                           utilisation=0.5, duration_s=1e7)
    assert got == pytest.approx(5e27, rel=1e-12)


def test_a_distributed_run_multiplies_the_site_power_it_joins() -> None:
    one = power_limit_flop(power_w=1e9, flop_per_j=1e12, facility_overhead=2.0, precision_gain=1.0,
                           utilisation=0.5, duration_s=1e7)
    three = power_limit_flop(power_w=1e9, flop_per_j=1e12, facility_overhead=2.0, precision_gain=1.0,
                             utilisation=0.5, duration_s=1e7, network_factor=3.0)
    assert three == pytest.approx(3 * one, rel=1e-12)


def test_chips_limit_is_count_share_and_throughput_over_the_run() -> None:
    # 1e6/yr x 2 years x 25 % x 1e15 FLOP/s x 0.4 x 1e7 s = 2e27 FLOP
    got = chips_limit_flop(accelerators_per_year=1e6, pooled_years=2.0, share_one_run=0.25,
                           flop_per_s_per_accelerator=1e15, precision_gain=1.0, utilisation=0.4, duration_s=1e7)
    assert got == pytest.approx(2e27, rel=1e-12)


def test_data_limit_is_six_d_squared_over_tokens_per_parameter() -> None:
    # (1e14 + 2e14 + 1e14) tokens x 2 epochs = 8e14; 6 x (8e14)^2 / 20 = 1.92e29 FLOP
    got = data_limit_flop(text_tokens=1e14, multimodal_tokens=2e14, synthetic_tokens=1e14, data_epochs=2.0,
                          tokens_per_param=20.0)
    assert got == pytest.approx(1.92e29, rel=1e-12)


def test_data_limit_with_no_synthetic_tokens_counts_only_the_rest() -> None:
    assert data_limit_flop(text_tokens=1e14, synthetic_tokens=0.0) == pytest.approx(6 * 1e28 / 20, rel=1e-12)


def test_latency_limit_fills_the_run_with_its_sequential_steps_exactly() -> None:
    t_s, batch, per_layer_s, aspect, ratio = 1e7, 1e8, 1e-4, 100.0, 20.0
    flop = latency_limit_flop(duration_s=t_s, batch_tokens=batch, latency_per_layer_s=per_layer_s,
                              aspect_ratio=aspect, tokens_per_param=ratio)
    # Undo the run independently: C = 6 N D with D = ratio x N; N = 12 L d^2 with d = aspect x L.
    tokens = math.sqrt(flop * ratio / 6)
    params = tokens / ratio
    layers = (params / (12 * aspect**2)) ** (1 / 3)
    steps = tokens / batch
    assert steps * layers * per_layer_s == pytest.approx(t_s, rel=1e-9)
    assert flop == pytest.approx(1.469e31, rel=1e-3)  # hand value: D = 7.0e15 tokens


def test_money_limit_is_budget_times_useful_flop_per_dollar() -> None:
    assert money_limit_flop(spend_usd=1e9, flop_per_usd=1e18, precision_gain=2.0) == pytest.approx(2e27, rel=1e-12)


def test_negative_input_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="flop_per_usd"):
        money_limit_flop(spend_usd=1e9, flop_per_usd=-1.0)


def _fixed(preset_name: str = "epoch2024") -> dict[str, Input]:
    """Every input of a preset fixed at its median (no interval, no growth)."""
    return {n: dataclasses.replace(i, low=None, high=None, fan=None) for n, i in
            load_preset(preset_name).input_map().items()}


def test_fixed_inputs_give_every_draw_the_hand_formula() -> None:
    inputs = _fixed()
    d = simulate(inputs, [], [2030], ["power", "chips"], rng=np.random.default_rng(0), n_draws=50)
    v = {n: i.value for n, i in inputs.items()}
    g = v["flop_per_j_growth"] ** (2030 - inputs["flop_per_j"].at_year)
    expected = power_limit_flop(power_w=v["power_w"], flop_per_j=v["flop_per_j"] * g,
                                facility_overhead=v["facility_overhead"], precision_gain=v["precision_gain"],
                                utilisation=v["utilisation"], duration_s=v["duration_s"])
    assert np.allclose(10 ** d.log10["power"][:, 0], expected, rtol=1e-9)


def test_growth_multiplies_the_value_per_year_from_its_year() -> None:
    inputs = _fixed()
    d = draw_inputs(inputs, [], [2028, 2031], rng=np.random.default_rng(0), n_draws=3)
    spend, growth = inputs["spend_usd"], inputs["spend_usd_growth"]
    assert spend.at_year is not None
    for k, year in enumerate((2028, 2031)):
        want = spend.value * growth.value ** (year - spend.at_year)
        assert 10 ** d["spend_usd"][0, k] == pytest.approx(want, rel=1e-9)


def test_an_interval_is_reproduced_by_the_draws() -> None:
    inputs = _fixed()
    inputs["power_w"] = dataclasses.replace(inputs["power_w"], value=4e9, low=1e9, high=3.2e10, growth=None)
    d = draw_inputs(inputs, [], [2030], rng=np.random.default_rng(1), n_draws=40_000)
    q05, q50, q95 = 10 ** np.quantile(d["power_w"][:, 0], [0.05, 0.5, 0.95])
    assert q50 == pytest.approx(4e9, rel=0.03)
    assert q05 == pytest.approx(1e9, rel=0.06)
    assert q95 == pytest.approx(3.2e10, rel=0.06)


def test_a_fan_is_drawn_through_its_own_quantiles_each_year() -> None:
    inputs = _fixed()
    fan = Fan((2030, 2031), (0.05, 0.5, 0.95), ((1e9, 2e9, 8e9), (2e9, 5e9, 3e10)), "test fan")
    inputs["power_w"] = dataclasses.replace(inputs["power_w"], fan=fan)
    d = draw_inputs(inputs, [], [2030, 2031], rng=np.random.default_rng(2), n_draws=40_000)
    for k, row in enumerate(fan.values):
        got = 10 ** np.quantile(d["power_w"][:, k], [0.05, 0.5, 0.95])
        assert got == pytest.approx(row, rel=0.06)


def test_stated_correlation_appears_between_the_inputs_scores() -> None:
    inputs = _fixed()
    for n in ("power_w", "accelerators_per_year"):
        inputs[n] = dataclasses.replace(inputs[n], low=inputs[n].value / 10, high=inputs[n].value * 10, growth=None)
    d = draw_inputs(inputs, [Correlation("power_w", "accelerators_per_year", 0.7)], [2030],
                    rng=np.random.default_rng(3), n_draws=20_000)
    r = np.corrcoef(d["power_w"][:, 0], d["accelerators_per_year"][:, 0])[0, 1]
    assert r == pytest.approx(0.7, abs=0.03)


def test_inconsistent_correlations_are_made_valid() -> None:
    names = ["a", "b", "c"]
    pairs = [Correlation("a", "b", 0.9), Correlation("b", "c", 0.9), Correlation("a", "c", -0.9)]
    m = correlation_matrix(names, pairs)
    assert np.linalg.eigvalsh(m).min() > 0
    assert np.allclose(np.diag(m), 1.0)


def test_feasible_run_is_the_minimum_and_names_its_constraint() -> None:
    inputs = _fixed()
    inputs["power_w"] = dataclasses.replace(inputs["power_w"], value=1.0)  # 1 W: power must bind
    d = simulate(inputs, [], [2030], ["power", "chips", "data", "latency"], rng=np.random.default_rng(0), n_draws=20)
    assert np.all(d.binding_index == 0)
    assert np.array_equal(d.feasible_log10, d.log10["power"])


def test_a_constraint_outside_the_binding_set_never_binds() -> None:
    inputs = _fixed()
    inputs["spend_usd"] = dataclasses.replace(inputs["spend_usd"], value=1.0)  # $1: money would bind
    d = simulate(inputs, [], [2030], ["power", "chips"], rng=np.random.default_rng(0), n_draws=20)
    assert np.all(d.feasible_log10 <= d.log10["power"]) and np.all(d.feasible_log10 > d.log10["money"])


def test_every_constraint_reads_only_inputs_that_exist() -> None:
    names = set(load_preset("epoch2024").input_map())
    assert {n for group in CONSTRAINT_INPUTS.values() for n in group} <= names


def test_draw_count_is_checked() -> None:
    with pytest.raises(InputError, match="draws"):
        simulate(_fixed(), [], [2030], ["power"], rng=np.random.default_rng(0), n_draws=0)
