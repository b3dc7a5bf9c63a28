"""Invariants of the constraint arithmetic over random inputs (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.outlook import (
    data_limit_flop,
    latency_limit_flop,
    money_limit_flop,
    power_limit_flop,
)

positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
scale = st.floats(min_value=0.01, max_value=100.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(power=positive, eff=positive, overhead=st.floats(1.0, 4.0), util=st.floats(0.05, 1.0), k=scale)
def test_power_limit_scales_linearly_with_power_and_run_length(power: float, eff: float, overhead: float,
                                                              util: float, k: float) -> None:
    def run(p: float, t: float) -> float:
        return power_limit_flop(power_w=p * 1e9, flop_per_j=eff * 1e12, facility_overhead=overhead,
                                precision_gain=1.0, utilisation=util, duration_s=t * 1e7)

    base = run(power, 1.0)
    assert run(power * k, 1.0) == pytest.approx(base * k, rel=1e-9)
    assert run(power, k) == pytest.approx(base * k, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(text=positive, k=scale, ratio=st.floats(5.0, 100.0))
def test_data_limit_grows_with_the_square_of_the_tokens(text: float, k: float, ratio: float) -> None:
    one = data_limit_flop(text_tokens=text * 1e14, tokens_per_param=ratio)
    assert data_limit_flop(text_tokens=text * 1e14 * k, tokens_per_param=ratio) == pytest.approx(one * k * k, rel=1e-9)
    # epochs and extra tokens are interchangeable
    assert data_limit_flop(text_tokens=text * 1e14, data_epochs=k, tokens_per_param=ratio) == pytest.approx(
        data_limit_flop(text_tokens=text * 1e14 * k, tokens_per_param=ratio), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(t=positive, batch=positive, per_layer=positive, aspect=st.floats(16.0, 1024.0), ratio=st.floats(5.0, 100.0))
def test_latency_limit_always_fills_the_run_with_its_steps(t: float, batch: float, per_layer: float, aspect: float,
                                                           ratio: float) -> None:
    duration_s, batch_tokens, latency_s = t * 1e7, batch * 1e7, per_layer * 1e-5
    flop = latency_limit_flop(duration_s=duration_s, batch_tokens=batch_tokens, latency_per_layer_s=latency_s,
                              aspect_ratio=aspect, tokens_per_param=ratio)
    tokens = math.sqrt(flop * ratio / 6)
    layers = (tokens / ratio / (12 * aspect**2)) ** (1 / 3)
    assert tokens / batch_tokens * layers * latency_s == pytest.approx(duration_s, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(spend=positive, per_usd=positive, gain=st.floats(1.0, 4.0))
def test_money_limit_is_a_plain_product(spend: float, per_usd: float, gain: float) -> None:
    got = money_limit_flop(spend_usd=spend * 1e9, flop_per_usd=per_usd * 1e17, precision_gain=gain)
    assert got == pytest.approx(spend * 1e9 * per_usd * 1e17 * gain, rel=1e-9)
