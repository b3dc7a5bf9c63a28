"""CostModel: each cost component against a hand calculation, ranges, missing data."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.catalog import Chip
from computegov.costs import (
    HOURS_PER_YEAR,
    TCO_DOLLAR_YEAR,
    CostModel,
    MissingCostDataError,
    Range,
    capital_recovery_factor,
    chip_hour_price,
    compute_cost,
    cost_of_compute,
    default_assumptions,
)
from computegov.errors import InputError
from computegov.inflation import to_usd

PEAK = 1e15


def make_chip(**changes: object) -> Chip:
    base = {
        "name": "Test Accelerator X",
        "manufacturer": "Test",
        "kind": "gpu",
        "release_date": dt.date(2023, 6, 1),
        "peak_flop_per_s": {"bf16": PEAK},
        "memory_bytes": 80e9,
        "tdp_w": 500.0,
        "launch_price_usd": 10_000.0,
        "launch_price_year": TCO_DOLLAR_YEAR,
    }
    base.update(changes)
    return Chip(**base)  # type: ignore[arg-type]


#: Every assumption a point, so that low = central = high and the hand calculation is exact.
POINT = {
    "server_fraction": 0.2,
    "network_fraction": 0.1,
    "storage_fraction": 0.0,
    "chip_price_factor": 1.0,
    "lifetime_years": 4.0,
    "cost_of_capital": 0.0,
    "pue": 1.25,
    "electricity_usd_per_kwh": 0.10,
    "power_draw_fraction": 0.8,
    "server_power_overhead": 1.5,
    "datacenter_capex_usd_per_mw": 10e6,
    "datacenter_lifetime_years": 10.0,
    "utilisation": 0.5,
}


def test_capital_recovery_factor_matches_annuity_formula() -> None:
    assert capital_recovery_factor(0.0, 4) == pytest.approx(0.25)
    # 0.08 / (1 - 1.08**-4) = 0.3019208...
    assert capital_recovery_factor(0.08, 4) == pytest.approx(0.30192080, rel=1e-7)
    with pytest.raises(InputError):
        capital_recovery_factor(0.08, 0)


def test_each_ownership_component_matches_hand_calculation() -> None:
    model = CostModel(**POINT)
    cost = model.chip_hour_cost(make_chip())
    hardware = 10_000 * (1 + 0.2 + 0.1) / 4 / HOURS_PER_YEAR  # straight line at r = 0
    datacenter = 10e6 * (500 * 1.5) / 1e6 / 10 / HOURS_PER_YEAR
    electricity = 500 * 1.5 * 0.8 * 1.25 / 1000 * 0.10  # kWh per hour x USD/kWh
    assert cost.components_usd["hardware"].central == pytest.approx(hardware, rel=1e-12)
    assert cost.components_usd["datacenter"].central == pytest.approx(datacenter, rel=1e-12)
    assert cost.components_usd["electricity"].central == pytest.approx(electricity, rel=1e-12)
    assert cost.total_usd == pytest.approx(Range.point(hardware + datacenter + electricity))
    assert cost.energy_j.central == pytest.approx(500 * 1.5 * 0.8 * 1.25 * 3600)
    assert cost.dollar_year == TCO_DOLLAR_YEAR


def test_cost_of_capital_raises_hardware_cost_by_the_annuity_factor() -> None:
    flat = CostModel(**POINT).chip_hour_cost(make_chip()).components_usd["hardware"].central
    dear = CostModel(**{**POINT, "cost_of_capital": 0.08}).chip_hour_cost(make_chip())
    assert dear.components_usd["hardware"].central == pytest.approx(
        flat * capital_recovery_factor(0.08, 4) / 0.25
    )


def test_cost_per_flop_divides_by_peak_and_utilisation() -> None:
    model = CostModel(**POINT)
    hour = model.chip_hour_cost(make_chip()).total_usd.central
    assert model.cost_per_flop(make_chip()).central == pytest.approx(hour / (PEAK * 0.5 * 3600))
    assert model.flop_per_usd(make_chip()).central == pytest.approx(PEAK * 0.5 * 3600 / hour)


def test_rent_replaces_ownership_costs() -> None:
    model = CostModel(mode="rent", rent_usd_per_chip_hour=2.0, **POINT)
    cost = model.chip_hour_cost(make_chip(launch_price_usd=None))
    assert cost.total_usd == Range.point(2.0)
    assert cost_of_compute(1.8e18, make_chip(), model=model) == pytest.approx(Range.point(2.0))


def test_cost_of_compute_unpacks_to_low_central_high() -> None:
    low, central, high = cost_of_compute(1e24, make_chip())
    assert 0 < low < central < high
    assert all(math.isfinite(v) for v in (low, central, high))


def test_launch_price_is_converted_to_the_tco_dollar_year() -> None:
    model = CostModel(**POINT)
    chip = make_chip(launch_price_year=2020)
    price, _ = model.chip_price(chip)
    assert price == pytest.approx(to_usd(10_000.0, 2020, TCO_DOLLAR_YEAR))


def test_default_ranges_are_ordered_and_sourced() -> None:
    defaults = default_assumptions()
    assert defaults.dollar_year == TCO_DOLLAR_YEAR
    for entry in [*defaults.costs.values(), *defaults.planning.values()]:
        assert entry.value.low <= entry.value.central <= entry.value.high, entry.name
        assert len(entry.source) > 20, entry.name
    cost = CostModel().chip_hour_cost(make_chip())
    assert cost.total_usd.low < cost.total_usd.central < cost.total_usd.high


@pytest.mark.parametrize(
    ("field", "changes"),
    [("launch_price_usd", {"launch_price_usd": None}), ("tdp_w", {"tdp_w": None})],
)
def test_missing_price_or_tdp_names_the_field_and_the_way_out(field: str, changes: dict) -> None:
    with pytest.raises(MissingCostDataError) as info:
        CostModel().chip_hour_cost(make_chip(**changes))
    assert info.value.field == field
    assert field in str(info.value)
    assert "--rent" in str(info.value)


def test_user_values_fill_missing_price_and_tdp() -> None:
    chip = make_chip(launch_price_usd=None, tdp_w=None)
    cost = CostModel(chip_price_usd=10_000, tdp_w=500, **POINT).chip_hour_cost(chip)
    assert cost.total_usd == CostModel(**POINT).chip_hour_cost(make_chip()).total_usd


@pytest.mark.parametrize(
    "bad",
    [
        {"pue": -1.0},
        {"utilisation": 1.5},
        {"lifetime_years": 0.0},
        {"mode": "lease"},
        {"pue": (2, 1, 3)},
    ],
)
def test_bad_assumptions_are_rejected(bad: dict) -> None:
    with pytest.raises(InputError):
        CostModel(**bad)


def test_zero_or_negative_compute_is_rejected() -> None:
    with pytest.raises(InputError, match="positive"):
        compute_cost(0, make_chip())
    with pytest.raises(InputError, match="positive"):
        cost_of_compute(-1e20, make_chip())


@settings(max_examples=60, deadline=None)
@given(
    u1=st.floats(min_value=0.01, max_value=1.0),
    u2=st.floats(min_value=0.01, max_value=1.0),
    flop=st.floats(min_value=1e15, max_value=1e28),
)
def test_higher_utilisation_never_raises_the_cost(u1: float, u2: float, flop: float) -> None:
    lo, hi = sorted((u1, u2))
    model = CostModel()
    cheap = compute_cost(flop, make_chip(), hi, model)
    dear = compute_cost(flop, make_chip(), lo, model)
    for a, b in zip(cheap.cost_usd, dear.cost_usd, strict=True):
        assert a <= b * (1 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(POINT)),
    bump=st.floats(min_value=1.01, max_value=3.0),
)
def test_each_assumption_moves_the_cost_in_its_stated_direction(name: str, bump: float) -> None:
    if name == "utilisation":
        bump = min(bump, 1.0 / POINT[name])
    base = CostModel(**POINT)
    changed = CostModel(**{**POINT, name: POINT[name] * bump if POINT[name] else 0.05})
    before = base.cost_per_flop(make_chip()).central
    after = changed.cost_per_flop(make_chip()).central
    if name in {"lifetime_years", "datacenter_lifetime_years", "utilisation"}:
        assert after <= before
    else:
        assert after >= before


def test_a_price_means_the_chip_alone_for_catalogue_and_typed_prices_alike() -> None:
    """The H100 SXM catalogue price is a DGX H100 price / 8 (see data/cost_assumptions.yaml)."""
    model = CostModel(
        server_fraction=0.3,
        network_fraction=0.1,
        storage_fraction=0.05,
        chip_price_factor=1.0,
        cost_of_capital=0.0,
        lifetime_years=4.0,
    )
    dgx_share = make_chip(name="NVIDIA H100 SXM5 80GB")
    plain = make_chip()
    hours = 4 * HOURS_PER_YEAR
    # whole-server price per chip: 10,000 / 1.3 is the chip alone, then every share is added
    price, source = model.chip_price(dgx_share)
    assert price == pytest.approx(10_000 / 1.3)
    assert "whole-server price per chip" in source
    hardware = model.chip_hour_cost(dgx_share).components_usd["hardware"].central
    assert hardware == pytest.approx(10_000 / 1.3 * (1 + 0.3 + 0.1 + 0.05) / hours)
    added = model.chip_hour_cost(plain).components_usd["hardware"].central
    assert added == pytest.approx(10_000 * (1 + 0.3 + 0.1 + 0.05) / hours)
    # a typed price is the chip alone unless marked; marked, it goes through the same division
    user = model.replace(chip_price_usd=10_000.0)
    assert user.server_included(dgx_share) is None
    assert user.chip_hour_cost(dgx_share).components_usd["hardware"].central == pytest.approx(added)
    marked = model.replace(chip_price_usd=10_000.0, price_includes_server=True)
    assert marked.chip_hour_cost(plain).total_usd == model.chip_hour_cost(dgx_share).total_usd
    # the same price typed in or read from the catalogue costs the same per hour
    same = model.replace(chip_price_usd=10_000.0)
    assert same.chip_hour_cost(plain).total_usd == model.chip_hour_cost(plain).total_usd


def test_a_replay_is_priced_at_the_rental_quote_else_at_the_cost_of_ownership() -> None:
    from computegov.catalog import load_catalog

    h100 = load_catalog().get("H100")
    assert chip_hour_price(h100) == CostModel(mode="rent").chip_hour_cost(h100)
    unquoted = make_chip()  # a made-up chip has no rental quote, but a price and a TDP
    assert chip_hour_price(unquoted) == CostModel(mode="buy").chip_hour_cost(unquoted)
    with pytest.raises(MissingCostDataError):
        chip_hour_price(make_chip(launch_price_usd=None, launch_price_year=None))
