"""The planner on a small hand-made catalogue: ranking, Pareto front, constraints, bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.catalog import Chip
from computegov.costs import TCO_DOLLAR_YEAR, CostModel, MissingCostDataError, Range
from computegov.errors import InputError
from computegov.planning import (
    PlanInfeasibleError,
    PlanRequest,
    PricePerformanceTrend,
    candidate_counts,
    evaluate,
    plan,
)
from computegov.planning.planner import _pareto_mask

POINT_MODEL = CostModel(
    server_fraction=0.0,
    network_fraction=0.0,
    storage_fraction=0.0,
    chip_price_factor=1.0,
    lifetime_years=4.0,
    cost_of_capital=0.0,
    pue=1.0,
    electricity_usd_per_kwh=0.0,
    power_draw_fraction=1.0,
    server_power_overhead=1.0,
    datacenter_capex_usd_per_mw=0.0,
    datacenter_lifetime_years=10.0,
    utilisation=0.5,
)
HOURS_4Y = 4 * 365.25 * 24


def chip(name: str, peak: float, price: float | None, tdp: float | None = 500.0) -> Chip:
    return Chip(
        name=name,
        kind="gpu",
        release_date=dt.date(2023, 1, 1),
        peak_flop_per_s={"bf16": peak},
        memory_bytes=80e9,
        intranode_bandwidth_bytes_per_s=900e9,
        internode_bandwidth_bytes_per_s=50e9,
        tdp_w=tdp,
        launch_price_usd=price,
        launch_price_year=TCO_DOLLAR_YEAR,
    )


CHEAP = chip("Cheap Slow", 1e14, 1_000.0)  # 1e14 FLOP/s per (1000/HOURS_4Y) USD/h
FAST = chip("Dear Fast", 1e15, 40_000.0)  # 10x faster, 40x dearer per hour
NO_PRICE = chip("No Price", 1e15, None)
CATALOG = [CHEAP, FAST, NO_PRICE]


def hand_cost(c: Chip, flop: float, util: float) -> float:
    chip_hours = flop / (c.peak_flop_per_s["bf16"] * util * 3600)
    return chip_hours * c.launch_price_usd / HOURS_4Y  # type: ignore[operator]


def test_ranking_by_cost_and_by_time_on_a_hand_made_catalogue() -> None:
    request = PlanRequest(failures=False, flop=1e22, utilisation=0.5, deadline_days=30)
    # reference=CATALOG: no data-centre peers to estimate No Price's price from, so it stays out
    by_cost = plan(request, CATALOG, model=POINT_MODEL, reference=CATALOG)
    assert [o.chip_name for o in by_cost.options] == ["Cheap Slow", "Dear Fast"]
    best = by_cost.options[0]
    assert best.cost_usd.central == pytest.approx(hand_cost(CHEAP, 1e22, 0.5))
    # the cheapest count is the smallest that meets the deadline
    seconds = 1e22 / (best.chips * 1e14 * 0.5)
    assert seconds / 86400 <= 30
    smaller = [n for n in candidate_counts(best.chips) if n < best.chips]
    assert 1e22 / (max(smaller) * 1e14 * 0.5) / 86400 > 30
    by_time = plan(dataclasses.replace(request, rank_by="time"), CATALOG, model=POINT_MODEL, reference=CATALOG)
    assert by_time.options[0].chip_name == "Dear Fast"
    assert by_cost.skipped == {
        "No Price": "missing launch_price_usd (give --price-usd with --chip, or plan with --rent)"
    }


def test_pareto_front_keeps_only_non_dominated_options() -> None:
    points = [(1, 5, 1), (2, 2, 2), (3, 3, 3), (1, 5, 1), (0.5, 9, 9)]
    assert _pareto_mask(points) == [True, True, False, True, True]
    result = plan(
        PlanRequest(failures=False, flop=1e22, utilisation=0.5, deadline_days=30), CATALOG, model=POINT_MODEL,
        reference=CATALOG,
    )
    front = [(o.cost_usd.central, o.duration_s.central, o.energy_j.central) for o in result.pareto]
    assert front == sorted(front)
    for a in front:
        assert not any(all(x <= y for x, y in zip(b, a, strict=True)) and b != a for b in front)


def test_infeasible_deadline_says_it_binds_and_by_how_much() -> None:
    request = PlanRequest(failures=False, flop=1e24, utilisation=0.5, deadline_days=10, max_chips=64)
    with pytest.raises(PlanInfeasibleError) as info:
        plan(request, CATALOG, model=POINT_MODEL, reference=CATALOG)
    message = str(info.value)
    assert "deadline binds" in message
    fastest_days = 1e24 / (64 * 1e15 * 0.5) / 86400  # 64 of the fast chip
    value, limit = info.value.binding["deadline"]
    assert value == pytest.approx(fastest_days)
    assert limit == 10
    assert f"{fastest_days - 10:,.1f} days" in message
    assert "chip limit binds" in message  # more chips would meet the deadline


def test_infeasible_budget_and_power_cap_are_named() -> None:
    with pytest.raises(PlanInfeasibleError, match="budget binds"):
        plan(PlanRequest(failures=False, flop=1e22, utilisation=0.5, budget_usd=1.0), CATALOG, model=POINT_MODEL)
    with pytest.raises(PlanInfeasibleError, match="power cap binds"):
        plan(
            PlanRequest(failures=False, flop=1e24, utilisation=0.5, deadline_days=30, power_cap_mw=0.01),
            CATALOG,
            model=POINT_MODEL,
        )


def test_fixed_configuration_is_evaluated_by_hand() -> None:
    request = PlanRequest(failures=False, flop=3.8e25, utilisation=0.35)
    _, option = evaluate(request, FAST, 16384, model=POINT_MODEL)
    seconds = 3.8e25 / (16384 * 1e15 * 0.35)
    assert option.duration_s.central == pytest.approx(seconds)
    assert option.chip_hours.central == pytest.approx(seconds * 16384 / 3600)
    assert option.cost_usd.central == pytest.approx(hand_cost(FAST, 3.8e25, 0.35))
    assert option.energy_mwh == pytest.approx(500 * seconds * 16384 / 3.6e9)
    assert option.peak_power_mw == pytest.approx(500 * 16384 / 1e6)
    assert option.utilisation_source == "user"


def test_chip_without_tdp_or_price_gets_a_clear_error_naming_the_option() -> None:
    # with nothing to estimate from (no reference chips, no rental quote), the error names the option
    with pytest.raises(MissingCostDataError, match=r"tdp_w.*--tdp-w"):
        evaluate(PlanRequest(failures=False, flop=1e22), chip("No TDP", 1e15, 1000.0, tdp=None), 8, reference=[])
    with pytest.raises(MissingCostDataError, match=r"launch_price_usd.*--price-usd"):
        evaluate(PlanRequest(failures=False, flop=1e22), NO_PRICE, 8, reference=[])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"flop": 0},
        {"flop": -1e20},
        {"flop": math.nan},
        {},
        {"params": 7e9},
        {"flop": 1e22, "utilisation": 1.5},
        {"flop": 1e22, "deadline_days": 0},
        {"flop": 1e22, "max_chips": 0},
        {"flop": 1e22, "rank_by": "speed"},
    ],
)
def test_bad_requests_are_rejected(kwargs: dict) -> None:
    with pytest.raises(InputError):
        PlanRequest(failures=False, **kwargs)


def test_params_and_tokens_give_six_n_d_plus_attention() -> None:
    result = plan(PlanRequest(failures=False, params=7e9, tokens=1e12, utilisation=0.5), [FAST], model=POINT_MODEL)
    arch = result.target.architecture
    expected = 6 * 7e9 * 1e12
    if result.target.method.startswith("computegov.compute"):
        # Kaplan et al. (2020), Table 1: + 6 n_layer n_ctx d_attn per token
        expected += 6 * arch.layers * arch.seq_len * arch.hidden * 1e12
    assert result.target.flop == pytest.approx(expected, rel=1e-9)


def test_future_start_year_divides_cost_by_the_trend() -> None:
    trend = PricePerformanceTrend(Range(2.0, 2.5, 3.0), base_year=2025, source="test")
    now = evaluate(PlanRequest(failures=False, flop=1e22, utilisation=0.5), FAST, 64, model=POINT_MODEL)[1]
    later = evaluate(
        PlanRequest(failures=False, flop=1e22, utilisation=0.5, start_year=2030),
        FAST,
        64,
        model=POINT_MODEL,
        trend=trend,
    )[1]
    assert later.cost_usd.central == pytest.approx(now.cost_usd.central * 2 ** (-5 / 2.5))
    assert later.cost_factor.low == pytest.approx(2 ** (-5 / 2.0))
    assert later.cost_factor.high == pytest.approx(2 ** (-5 / 3.0))


def test_candidate_counts_are_powers_of_two_and_halves() -> None:
    assert candidate_counts(20) == [1, 2, 3, 4, 6, 8, 12, 16, 20]


def test_nothing_in_a_result_is_nan() -> None:
    result = plan(PlanRequest(failures=False, flop=1e23, deadline_days=60), CATALOG, model=CostModel())

    def walk(value: object) -> None:
        if isinstance(value, float):
            assert math.isfinite(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(result.to_dict())


@settings(max_examples=25, deadline=None)
@given(n=st.integers(min_value=1, max_value=5000), extra=st.integers(min_value=1, max_value=5000))
def test_more_chips_never_lengthen_a_run(n: int, extra: int) -> None:
    request = PlanRequest(failures=False, params=8e9, tokens=1e12)
    _, small = evaluate(request, FAST, n, model=POINT_MODEL)
    _, large = evaluate(request, FAST, n + extra, model=POINT_MODEL)
    assert large.duration_s.central <= small.duration_s.central * (1 + 1e-9)


def test_option_reports_minimum_chips_for_memory() -> None:
    from computegov.planning import min_chips_for_memory

    target, option = evaluate(PlanRequest(failures=False, params=70e9, tokens=1e12), FAST, 64, model=POINT_MODEL)
    usable = 80e9 * (1 - 0.10)  # bundled memory reserve, central
    assert option.min_chips_memory == min_chips_for_memory(target.architecture, usable)
    assert option.min_chips_memory is not None and option.min_chips_memory > 1


def test_consumer_chips_are_skipped_unless_asked_for() -> None:
    consumer = dataclasses.replace(CHEAP, name="Gaming Card", datacenter=False)
    result = plan(PlanRequest(failures=False, flop=1e22, utilisation=0.5), [consumer, FAST], model=POINT_MODEL)
    assert result.skipped["Gaming Card"] == "not a datacenter chip"
    every = plan(
        PlanRequest(failures=False, flop=1e22, utilisation=0.5),
        [consumer, FAST],
        model=POINT_MODEL,
        datacenter_only=False,
    )
    assert "Gaming Card" in {o.chip_name for o in every.options}


NO_LINKS = dataclasses.replace(
    chip("No Links", 1e15, 5_000.0),
    intranode_bandwidth_bytes_per_s=None,
    internode_bandwidth_bytes_per_s=None,
)
NO_NETWORK = dataclasses.replace(
    chip("No Network", 1e15, 40_000.0), internode_bandwidth_bytes_per_s=None
)


def test_a_chip_without_chip_to_chip_bandwidth_is_left_out_and_says_why() -> None:
    request = PlanRequest(failures=False, flop=1e23, deadline_days=60)
    result = plan(request, [FAST, NO_LINKS], model=POINT_MODEL)
    assert [o.chip_name for o in result.options] == ["Dear Fast"]
    assert "intranode_bandwidth_bytes_per_s" in result.skipped["No Links"]
    assert "--utilisation" in result.skipped["No Links"]


def test_a_chip_without_chip_to_chip_bandwidth_is_planned_at_a_given_utilisation() -> None:
    request = PlanRequest(failures=False, flop=1e23, deadline_days=60, utilisation=0.4)
    result = plan(request, [NO_LINKS], model=POINT_MODEL)
    best = result.options[0]
    assert best.utilisation == Range.point(0.4)
    assert best.layout is None and not best.network_assumed
    assert best.memory_fits is True  # pooled-memory lower bound met


def test_evaluating_a_chip_without_chip_to_chip_bandwidth_names_the_field() -> None:
    with pytest.raises(MissingCostDataError, match="--utilisation") as info:
        evaluate(PlanRequest(failures=False, flop=1e23), NO_LINKS, 64, model=POINT_MODEL)
    assert info.value.field == "intranode_bandwidth_bytes_per_s"
    _, option = evaluate(PlanRequest(failures=False, flop=1e23, utilisation=0.4), NO_LINKS, 64, model=POINT_MODEL)
    assert option.days == pytest.approx(1e23 / (64 * 1e15 * 0.4) / 86400)


def test_an_assumed_network_bandwidth_is_flagged() -> None:
    _, flagged = evaluate(PlanRequest(failures=False, flop=1e23), NO_NETWORK, 256, model=POINT_MODEL)
    _, clean = evaluate(PlanRequest(failures=False, flop=1e23), FAST, 256, model=POINT_MODEL)
    assert flagged.network_assumed and not clean.network_assumed
    assert any("internode_bandwidth_bytes_per_s" in note for note in flagged.notes)
    assert flagged.to_dict()["network_bandwidth_assumed"] is True
    # 25 GB/s instead of 50 GB/s between nodes can only slow the run
    assert flagged.utilisation.central <= clean.utilisation.central
