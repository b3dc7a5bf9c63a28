"""The outlook end to end: the anchor reproduced, the toolkit's rooms feeding it, the tornado, the hindcast."""

from __future__ import annotations

import math

import numpy as np
import pytest

from computegov.outlook import (
    ANCHOR_FACTOR,
    CONSTRAINT_INPUTS,
    CONSTRAINTS,
    Outlook,
    Preset,
    ToolkitSources,
    build_preset,
    feasible_runs,
    hindcast,
    largest_runs,
    load_preset,
    sensitivity,
    simulate,
    toolkit_preset,
)

FAST = ToolkitSources(n_samples=200, n_boot=40)


@pytest.fixture(scope="module")
def epoch() -> Outlook:
    return feasible_runs(load_preset("epoch2024"), range(2026, 2036), rng=np.random.default_rng(7), n_draws=20_000)


@pytest.fixture(scope="module")
def toolkit() -> Preset:
    return toolkit_preset(range(2026, 2031), sources=FAST)


def test_epoch2024_reproduces_each_anchor_median_within_a_factor_of_three(epoch: Outlook) -> None:
    anchors = {a.constraint for a in load_preset("epoch2024").anchors}
    assert anchors == {"power", "chips", "data", "latency"}
    assert {c.constraint for c in epoch.anchor_checks} == anchors
    for check in epoch.anchor_checks:
        assert 1 / ANCHOR_FACTOR <= check.model_median_flop / check.anchor_median_flop <= ANCHOR_FACTOR, check


def test_epoch2024_binds_on_the_anchor_s_constraint_in_2030(epoch: Outlook) -> None:
    preset = load_preset("epoch2024")
    assert epoch.binding[epoch.years.index(2030)] == preset.headline_binding
    medians = {c: epoch.median(c, 2030) for c in preset.binding}
    assert min(medians, key=lambda c: medians[c]) == preset.headline_binding


def test_feasible_run_is_never_above_any_binding_constraint(epoch: Outlook) -> None:
    for i in range(len(epoch.years)):
        for c in epoch.constraints:
            if c.in_minimum:
                assert all(f <= q * (1 + 1e-9) for f, q in zip(epoch.feasible_flop[i], c.quantiles_flop[i], strict=True))
        shares = sum(c.binding_share[i] for c in epoch.constraints)
        assert shares == pytest.approx(1.0)


def test_same_seed_same_numbers_and_another_seed_differs() -> None:
    preset = load_preset("epoch2024")
    a = feasible_runs(preset, [2030], rng=np.random.default_rng(1), n_draws=2000, with_trend=False)
    b = feasible_runs(preset, [2030], rng=np.random.default_rng(1), n_draws=2000, with_trend=False)
    c = feasible_runs(preset, [2030], rng=np.random.default_rng(2), n_draws=2000, with_trend=False)
    assert a.feasible_flop == b.feasible_flop != c.feasible_flop


def test_raising_power_raises_the_power_limit_in_proportion() -> None:
    rng = np.random.default_rng
    low = feasible_runs(build_preset("epoch2024", [2030], sets=["power_w=1e9"]), [2030], rng=rng(3), n_draws=4000,
                        with_trend=False)
    high = feasible_runs(build_preset("epoch2024", [2030], sets=["power_w=1e10"]), [2030], rng=rng(3), n_draws=4000,
                         with_trend=False)
    assert high.median("power", 2030) / low.median("power", 2030) == pytest.approx(10.0, rel=1e-6)


def test_json_and_csv_shapes_hold_every_year_and_series(epoch: Outlook) -> None:
    d = epoch.to_dict()
    assert [y["year"] for y in d["by_year"]] == list(epoch.years)
    assert set(d["by_year"][0]["constraints"]) == set(CONSTRAINTS)
    assert len(d["by_year"][0]["feasible_quantiles_flop"]) == len(epoch.levels)
    rows = epoch.rows()
    assert len(rows) == len(epoch.years) * (len(CONSTRAINTS) + 2)
    assert {r["series"] for r in rows} == {*CONSTRAINTS, "feasible", "trend"}


def test_trend_beside_it_grows_about_four_times_a_year(epoch: Outlook) -> None:
    assert epoch.trend is not None
    assert 3.0 < epoch.trend.growth_per_year < 6.0  # Epoch AI: ~4x/yr for frontier models since 2018
    ratio = epoch.trend.median(2031) / epoch.trend.median(2030)
    assert ratio == pytest.approx(epoch.trend.growth_per_year, rel=1e-6)


def test_toolkit_preset_derives_its_inputs_from_the_rooms(toolkit: Preset) -> None:
    got = toolkit.input_map()
    derived = {n for n, i in got.items() if i.derived_from}
    assert {"power_w", "flop_per_j", "flop_per_s_per_accelerator", "flop_per_usd", "facility_overhead",
            "utilisation", "duration_s", "accelerators_per_year"} <= derived
    for name in ("power_w", "flop_per_j", "flop_per_usd"):
        fan = got[name].fan
        assert fan is not None and fan.years == tuple(range(2026, 2031))
        medians = [row[fan.levels.index(0.5)] for row in fan.values]
        assert medians == sorted(medians)  # a record never falls
    assert all("[fallback" not in got[n].source for n in derived)


def test_toolkit_room_that_cannot_answer_falls_back_and_says_so() -> None:
    preset = toolkit_preset([2026], sources=ToolkitSources(systems=(), n_samples=100, n_boot=20))
    power = preset.input_map()["power_w"]
    assert "[fallback" in power.source and power.fan is None


def test_toolkit_outlook_runs_every_constraint(toolkit: Preset) -> None:
    out = feasible_runs(toolkit, range(2026, 2031), rng=np.random.default_rng(0), n_draws=5000)
    for c in out.constraints:
        assert all(math.isfinite(q) and q > 0 for row in c.quantiles_flop for q in row)
    assert out.median("feasible", 2030) > out.median("feasible", 2026)


def test_tornado_ranks_inputs_and_ignores_constraints_outside_the_minimum() -> None:
    preset = load_preset("epoch2024")
    s = sensitivity(preset, 2030, rng=np.random.default_rng(0), n_draws=3000)
    swings = [r.swing_log10 for r in s.rows]
    assert swings == sorted(swings, reverse=True)
    money_only = set(CONSTRAINT_INPUTS["money"]) - {n for c in preset.binding for n in CONSTRAINT_INPUTS[c]}
    for r in s.rows:
        if r.input in money_only or r.input in {"spend_usd_growth", "flop_per_usd_growth"}:
            assert r.swing_log10 == pytest.approx(0.0, abs=1e-12)
    assert s.rows[0].swing_log10 > 0.1
    assert all(n in preset.input_map() for n in (r.input for r in s.rows))


def test_largest_runs_come_from_the_bundled_notable_models() -> None:
    runs = largest_runs(2020, 2024)
    assert set(runs) == set(range(2020, 2025))
    assert runs[2020][1] >= 3e23  # GPT-3 175B, 3.14e23 FLOP (Epoch AI notable models)


def test_hindcast_scores_each_origin_year_against_what_happened() -> None:
    h = hindcast((2022,), rng=np.random.default_rng(0), n_draws=3000, sources=FAST)
    assert [(c.origin, c.year) for c in h.cases] == [(2022, 2022), (2022, 2023), (2022, 2024)]
    assert h.coverage_feasible_90 == sum(c.within_feasible_90 for c in h.cases) / 3
    for c in h.cases:
        assert c.feasible_flop[0] <= c.feasible_flop[1] <= c.feasible_flop[2]
        assert c.within_trend_90 == (c.trend_flop[0] <= c.actual_flop <= c.trend_flop[2])
    assert "n = 3" in h.note


def test_a_year_the_data_already_reach_uses_the_observed_record() -> None:
    from computegov.clusters import filter_systems, load_clusters
    from computegov.clusters.reaching import record_points

    systems, _ = filter_systems(load_clusters().systems, standard=True)
    x, v = record_points(systems, "power_w")
    year = int(x.max()) - 1  # the record at 1 January of the next year is in the data
    preset = toolkit_preset([year], sources=FAST)
    fan = preset.input_map()["power_w"].fan
    assert fan is not None and "observed record" in fan.method
    assert set(fan.row(year)) == {float(v[x < year + 1].max())}


def test_chance_the_trend_outruns_the_feasible_run_matches_sampling_both() -> None:
    from computegov.outlook.feasible import summarise
    from computegov.outlook.trend import frontier_trend

    preset = load_preset("epoch2024")
    years = [2027, 2030, 2033]
    d = simulate(preset.input_map(), preset.correlations, years, preset.binding, rng=np.random.default_rng(5),
                 n_draws=40_000)
    trend = frontier_trend(years, (0.05, 0.25, 0.5, 0.75, 0.95))
    out = summarise(d, preset, trend)
    rng = np.random.default_rng(6)
    for k in range(len(years)):
        sampled = rng.normal(trend.mean_log10[k], trend.sd_log10[k], d.feasible_log10.shape[0])
        empirical = float(np.mean(sampled > rng.permutation(d.feasible_log10[:, k])))
        assert out.p_trend_above_feasible[k] == pytest.approx(empirical, abs=0.01)
    assert list(out.p_trend_above_feasible) == sorted(out.p_trend_above_feasible)  # x4.3/yr outgrows the bound
