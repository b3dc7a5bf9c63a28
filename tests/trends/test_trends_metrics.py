"""Metrics: values, units, missing data and lookups."""

from __future__ import annotations

import sys

import pytest
from trends_helpers import chip

from computegov.errors import UnknownNameError
from computegov.inflation import to_usd
from computegov.trends.metrics import METRICS, PRICE_DOLLAR_YEAR, MetricUnavailableError, get_metric


def test_price_performance_is_training_peak_over_constant_dollar_price() -> None:
    c = chip(
        "X",
        2020.5,
        peak_flop_per_s={"bf16": 1e14, "fp32": 1e13},
        launch_price_usd=10_000.0,
        launch_price_year=2020,
    )
    expected = 1e14 / to_usd(10_000.0, 2020, PRICE_DOLLAR_YEAR)
    assert get_metric("flop_per_s_per_usd")(c) == pytest.approx(expected, rel=1e-12)
    assert get_metric("flop_per_s_per_usd").unit == f"FLOP/s per {PRICE_DOLLAR_YEAR} USD"
    assert get_metric("fp32_flop_per_s_per_usd")(c) == pytest.approx(
        1e13 / to_usd(10_000.0, 2020, PRICE_DOLLAR_YEAR)
    )


def test_energy_efficiency_is_peak_over_tdp() -> None:
    c = chip("X", 2020.0, peak_flop_per_s={"bf16": 1e15}, tdp_w=500.0)
    assert get_metric("flop_per_j")(c) == pytest.approx(2e12)


def test_training_peak_falls_back_to_fp32_and_memory_wall_uses_it() -> None:
    c = chip("X", 2015.0, peak_flop_per_s={"fp32": 5e12}, memory_bandwidth_bytes_per_s=5e11)
    assert get_metric("training_flop_per_s")(c) == 5e12
    assert get_metric("bytes_per_flop")(c) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "name", ["flop_per_s_per_usd", "flop_per_j", "transistors", "memory_bytes"]
)
def test_missing_inputs_give_none_never_a_guess(name: str) -> None:
    assert get_metric(name)(chip("bare", 2020.0)) is None


def test_non_positive_values_are_treated_as_missing() -> None:
    assert get_metric("memory_bytes")(chip("zero", 2020.0, memory_bytes=0.0)) is None


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("price-performance", "flop_per_s_per_usd"),
        ("bf16", "peak_flop_per_s_bf16"),
        ("bfloat16", "peak_flop_per_s_bf16"),
    ],
)
def test_aliases_resolve(alias: str, expected: str) -> None:
    assert get_metric(alias).name == expected


def test_unknown_metric_lists_what_is_available() -> None:
    with pytest.raises(UnknownNameError) as info:
        get_metric("flops_per_dollar_xyz")
    assert "flop_per_s_per_usd" in str(info.value)


def test_every_metric_has_a_title_for_people() -> None:
    for metric in METRICS.values():
        assert metric.title and metric.title != metric.name
        assert metric.to_dict()["title"] == metric.title


def test_every_metric_has_a_unit_and_description() -> None:
    for metric in METRICS.values():
        assert metric.unit and metric.description and metric.needs


def test_tco_metric_is_unavailable_with_a_clear_message_without_the_cost_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "computegov.costs", None)  # import now fails
    metric = get_metric("flop_per_usd_tco")
    with pytest.raises(MetricUnavailableError, match="cost model"):
        metric(chip("X", 2020.0))


def test_tco_metric_delegates_to_the_cost_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    fake = types.ModuleType("computegov.costs")
    fake.tco_flop_per_usd = lambda c: 4.2e17  # type: ignore[attr-defined]
    fake.TCO_DOLLAR_YEAR = 2024  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "computegov.costs", fake)
    assert get_metric("tco")(chip("X", 2020.0)) == 4.2e17
