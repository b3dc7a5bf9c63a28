"""Forecasts: closed forms, caps that hold, scenarios and bad input."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computegov.errors import InputError, UnknownNameError
from computegov.trends.fit import fit_log_linear
from computegov.trends.forecast import (
    PhysicalLimit,
    Scenario,
    forecast,
    load_limits,
    load_scenarios,
    user_ceiling,
)


def _exact_fit(doubling: float = 2.0, start: float = 2010.0, level: float = 1e12):
    years = np.linspace(start, start + 14, 15)
    values = level * 2 ** ((years - start) / doubling)
    return fit_log_linear(
        years, values, rng=np.random.default_rng(0), n_boot=1000, metric="flop_per_j"
    )


def _noisy_fit(seed: int = 0):
    rng = np.random.default_rng(seed)
    years = np.sort(2010 + 14 * rng.random(50))
    log_values = 12 + 0.15 * (years - 2010) + 0.3 * rng.standard_normal(50)
    return fit_log_linear(years, 10**log_values, rng=rng, n_boot=1000, metric="flop_per_j")


def test_trend_forecast_of_an_exact_fit_is_the_line() -> None:
    fit = _exact_fit()
    fc = forecast(fit, [2030, 2040], rng=np.random.default_rng(1), n_paths=1000, limits=[])
    for q in fc.quantiles.T:
        assert q == pytest.approx([1e12 * 2**10, 1e12 * 2**15], rel=2e-5)  # float32 paths


def test_trend_forecast_quantiles_match_the_normal_closed_form() -> None:
    # slope uncertainty off (exact line), scatter sd s: quantiles are line * 10**(z s)
    fit = _exact_fit()
    sd = 0.2
    fit = type(fit)(**{**fit.__dict__, "residual_sd_log10": sd})
    fc = forecast(fit, [2030], rng=np.random.default_rng(2), n_paths=400_000, limits=[])
    line = math.log10(1e12 * 2**10)
    z = {0.05: -1.6448536, 0.25: -0.6744898, 0.5: 0.0, 0.75: 0.6744898, 0.95: 1.6448536}
    for j, level in enumerate(fc.quantile_levels):
        assert math.log10(fc.quantiles[0, j]) == pytest.approx(line + z[level] * sd, abs=0.005)


def test_fixed_growth_starts_from_the_fitted_level_at_the_last_data_year() -> None:
    fit = _exact_fit(doubling=2.0)
    scenario = Scenario(
        name="d4", title="4-year doubling", kind="fixed_growth", doubling_time_years=4.0
    )
    fc = forecast(
        fit,
        [2032.0],
        scenario,
        rng=np.random.default_rng(0),
        n_paths=1000,
        limits=[],
        include_scatter=False,
    )
    level_2024 = 1e12 * 2 ** (14 / 2.0)
    assert fc.median()[0] == pytest.approx(level_2024 * 2 ** (8 / 4.0), rel=2e-5)


def test_slowdown_never_passes_its_ceiling_and_starts_at_the_fitted_rate() -> None:
    fit = _exact_fit()
    ceiling = 1e12 * 2**7 * 100  # two OOM above the level at the last data year
    fc = forecast(
        fit,
        [2024.0, 2024.01, 2030, 2060, 2300],
        user_ceiling(ceiling),
        rng=np.random.default_rng(0),
        n_paths=1000,
        limits=[],
        include_scatter=False,
    )
    med = fc.median()
    assert np.all(med <= ceiling * (1 + 2e-5))
    assert med[-1] == pytest.approx(ceiling, rel=1e-3)
    assert np.all(np.diff(med) > 0)
    start_rate = (math.log10(med[1]) - math.log10(med[0])) / 0.01
    assert start_rate == pytest.approx(math.log10(2) / 2.0, rel=0.01)


def test_capped_slowdown_grows_at_its_rate_until_the_ceiling_above_the_reference_year() -> None:
    # Cotra-style: 2.5-year doubling from the fitted level at the last data year (2024), capped
    # 6 OOM above the fitted level in 2020; the line doubles every 2 years from 1e12 in 2010.
    fit = _exact_fit(doubling=2.0)
    scenario = Scenario(
        name="capped",
        title="capped",
        kind="slowdown",
        shape="capped",
        doubling_time_years=2.5,
        ceiling_ooms_above_start=6.0,
        ceiling_reference_year=2020,
    )
    years = [2030.0, 2060.0, 2100.0]
    fc = forecast(
        fit,
        years,
        scenario,
        rng=np.random.default_rng(0),
        n_paths=1000,
        limits=[],
        include_scatter=False,
    )
    level_2024 = 12 + math.log10(2) * 14 / 2.0
    cap = 12 + math.log10(2) * 10 / 2.0 + 6.0
    expected = [min(level_2024 + math.log10(2) / 2.5 * (y - 2024), cap) for y in years]
    assert np.log10(fc.median()) == pytest.approx(expected, abs=1e-4)
    assert expected[-1] == cap and expected[1] < cap  # the cap binds between 2060 and 2100


def test_bundled_cotra_scenario_is_capped_six_oom_above_2020() -> None:
    cotra = load_scenarios()["cotra_2020"]
    assert (cotra.shape, cotra.doubling_time_years, cotra.ceiling_ooms_above_start) == (
        "capped",
        2.5,
        6.0,
    )
    assert cotra.ceiling_reference_year == 2020


@settings(max_examples=25, deadline=None)
@given(
    cap_oom=st.floats(11.0, 16.0),
    seed=st.integers(0, 10_000),
    scenario=st.sampled_from(["trend", "moore_2yr", "irds_2022"]),
)
def test_forecasts_never_exceed_the_caps(cap_oom: float, seed: int, scenario: str) -> None:
    fit = _noisy_fit(seed % 7)
    cap = PhysicalLimit("test", "test cap", ("flop_per_j",), "FLOP/J", 10**cap_oom, True, "test")
    fc = forecast(
        fit,
        range(2025, 2061, 5),
        scenario,
        rng=np.random.default_rng(seed),
        n_paths=2000,
        limits=[cap],
    )
    assert np.all(fc.quantiles <= 10**cap_oom)
    assert fc.caps == (("test", 10**cap_oom),)


def test_bundled_landauer_cap_is_kT_ln2_at_300_K_with_one_bit_per_flop() -> None:
    landauer = next(lim for lim in load_limits() if lim.name == "landauer_300k")
    k_b = 1.380649e-23  # J/K, exact (SI 2019)
    assert landauer.value == pytest.approx(1 / (k_b * 300 * math.log(2)), rel=1e-4)
    assert landauer.hard
    fit = _noisy_fit()
    fc = forecast(fit, [2300.0], rng=np.random.default_rng(0), n_paths=5000)
    assert np.all(
        fc.quantiles <= min(lim.value for lim in load_limits() if "flop_per_j" in lim.applies_to)
    )
    assert fc.capped_fraction[0] > 0.9


def test_every_bundled_scenario_and_limit_cites_a_source() -> None:
    for scenario in load_scenarios().values():
        assert scenario.source
        if not scenario.available:
            assert scenario.notes  # says why instead of inventing figures
    for limit in load_limits():
        assert limit.source and limit.value > 0


def test_unavailable_scenario_says_why() -> None:
    missing = Scenario(
        name="roadmap_x",
        title="A roadmap we could not find",
        kind="roadmap",
        status="unavailable",
        notes="its table could not be retrieved",
    )
    with pytest.raises(InputError, match="not available: its table could not be retrieved"):
        forecast(_noisy_fit(), [2030], missing, rng=np.random.default_rng(0))


def _roadmap(relation: str = "inverse", **overrides: object) -> Scenario:
    fields: dict[str, object] = {
        "name": "rm",
        "title": "test roadmap",
        "kind": "roadmap",
        "applies_to": ("flop_per_j",),
        "roadmap_quantity": "energy per switch (fJ)",
        "roadmap_relation": relation,
        "roadmap": ((2020.0, 1.0), (2030.0, 0.1), (2040.0, 0.01)),
    }
    fields.update(overrides)
    return Scenario(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("relation", "sign"), [("inverse", 1.0), ("direct", -1.0)])
def test_roadmap_scenario_follows_the_roadmap_from_the_fitted_level(
    relation: str, sign: float
) -> None:
    # Exact fit: level at the last data year 2024 is 1e12 * 2**7. The roadmap quantity falls
    # 1 OOM per decade (log-linear between points), so from 2024 to 2030 it falls 0.6 OOM, to
    # 2035 1.1 OOM, and it is held after 2040 (1.6 OOM by then, also in 2050).
    fit = _exact_fit(doubling=2.0)
    fc = forecast(
        fit,
        [2024.0, 2030.0, 2035.0, 2040.0, 2050.0],
        _roadmap(relation),
        rng=np.random.default_rng(0),
        n_paths=1000,
        limits=[],
        include_scatter=False,
    )
    level0 = math.log10(1e12 * 2**7)
    expected = [level0 + sign * ooms for ooms in (0.0, 0.6, 1.1, 1.6, 1.6)]
    assert np.log10(fc.median()) == pytest.approx(expected, abs=1e-5)


def test_roadmap_scenario_interpolates_in_log_between_uneven_points() -> None:
    fit = _exact_fit(doubling=2.0)
    # 2024 is the last data year; between 2024 (value 4) and 2028 (value 1) a quarter of the way
    # is 2025: value 4 * (1/4)**0.25 = 2.83, so the metric (inverse) rises by 4/2.83 = 2**0.5.
    scenario = _roadmap(roadmap=((2024.0, 4.0), (2028.0, 1.0)))
    fc = forecast(
        fit, [2025.0], scenario, rng=np.random.default_rng(0), n_paths=1000, limits=[],
        include_scatter=False,
    )
    assert fc.median()[0] == pytest.approx(1e12 * 2**7 * 2**0.5, rel=2e-5)


def test_roadmap_scenario_runs_only_for_its_metrics() -> None:
    fit = fit_log_linear(
        np.linspace(2010, 2024, 15),
        np.logspace(9, 11, 15),
        rng=np.random.default_rng(0),
        n_boot=200,
        metric="memory_bytes",
    )
    with pytest.raises(InputError, match="maps to flop_per_j only, not memory_bytes"):
        forecast(fit, [2030], _roadmap(), rng=np.random.default_rng(0))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"roadmap": ((2020.0, 1.0),)}, "at least 2"),
        ({"roadmap": ((2020.0, 1.0), (2020.0, 0.5))}, "must increase"),
        ({"roadmap": ((2020.0, 1.0), (2025.0, 0.0))}, "positive number"),
        ({"roadmap_relation": "sideways"}, "direct, inverse"),
        ({"applies_to": ()}, "needs applies_to"),
    ],
)
def test_malformed_roadmaps_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _roadmap(**overrides)


def test_bundled_irds_roadmaps_carry_the_transcribed_table_values() -> None:
    scenarios = load_scenarios()
    energy = scenarios["irds_2022"]
    assert energy.available and energy.kind == "roadmap"
    assert energy.roadmap_relation == "inverse"
    assert dict(energy.roadmap) == {
        2022.0: 0.65, 2025.0: 0.49, 2028.0: 0.47, 2031.0: 0.40, 2034.0: 0.40, 2037.0: 0.40
    }
    assert set(energy.applies_to) == {"flop_per_j", "fp32_flop_per_j"}
    density = scenarios["irds_2022_density"]
    assert density.roadmap_relation == "direct" and density.applies_to == ("transistors_per_mm2",)
    assert dict(density.roadmap)[2037.0] / dict(density.roadmap)[2022.0] == pytest.approx(284 / 21)
    for scenario in (energy, density):
        assert "IRDS 2022" in scenario.source and "2037" in scenario.notes


def test_irds_scenario_is_far_flatter_than_the_trend_and_stops_in_2037() -> None:
    fit = _noisy_fit()
    irds = forecast(fit, [2030, 2037, 2040], "irds_2022", rng=np.random.default_rng(0), n_paths=5000)
    trend = forecast(fit, [2030, 2037, 2040], "trend", rng=np.random.default_rng(0), n_paths=5000)
    assert np.all(irds.median() < trend.median())
    assert irds.median()[2] == pytest.approx(irds.median()[1], rel=1e-6)


def test_unknown_scenario_lists_the_scenarios() -> None:
    with pytest.raises(UnknownNameError) as info:
        forecast(_noisy_fit(), [2030], "cotra", rng=np.random.default_rng(0))
    assert "cotra_2020" in str(info.value)


def test_a_year_before_the_data_is_rejected() -> None:
    with pytest.raises(InputError, match="before the data"):
        forecast(_noisy_fit(), [1999], rng=np.random.default_rng(0))


def test_forecast_is_reproducible_with_the_same_seed() -> None:
    fit = _noisy_fit()
    a = forecast(fit, [2030, 2035], "cotra_2020", rng=np.random.default_rng(9), n_paths=5000)
    b = forecast(fit, [2030, 2035], "cotra_2020", rng=np.random.default_rng(9), n_paths=5000)
    assert np.array_equal(a.quantiles, b.quantiles)


def test_a_million_paths_take_well_under_a_second() -> None:
    fit = _noisy_fit()
    forecast(fit, [2030], rng=np.random.default_rng(0), n_paths=1000)  # warm up
    started = time.perf_counter()
    forecast(fit, range(2026, 2041), rng=np.random.default_rng(0), n_paths=1_000_000)
    # generous for a shared 2-core CI box; the benchmark measures it properly
    assert time.perf_counter() - started < 3.0
