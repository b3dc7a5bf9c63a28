"""TrendFit against closed forms, coverage of the bootstrap, Theil-Sen and break tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trends_helpers import chip, synthetic_chips

from computegov.errors import InputError
from computegov.trends.breaks import fit_break
from computegov.trends.fit import bootstrap_ols, fit_log_linear, fit_trend


def test_fit_matches_closed_form_ols_on_exact_data() -> None:
    years = np.array([2010.0, 2012.0, 2015.0, 2019.0, 2023.0])
    doubling = 2.5
    values = 1e12 * 2 ** ((years - 2010) / doubling)
    fit = fit_log_linear(years, values, rng=np.random.default_rng(0), n_boot=1000)
    assert fit.doubling_time_years == pytest.approx(doubling, rel=1e-12)
    assert fit.growth_per_year == pytest.approx(2 ** (1 / doubling), rel=1e-12)
    assert fit.residual_sd_log10 == pytest.approx(0.0, abs=1e-12)
    assert fit.predict(2030.0) == pytest.approx(1e12 * 2 ** (20 / doubling), rel=1e-9)


def test_fit_matches_numpy_polyfit_on_noisy_data() -> None:
    rng = np.random.default_rng(1)
    years = np.sort(2005 + 18 * rng.random(60))
    log_values = 10 + 0.15 * (years - 2005) + 0.3 * rng.standard_normal(60)
    fit = fit_log_linear(years, 10**log_values, rng=rng, n_boot=1000)
    slope, _ = np.polyfit(years, log_values, 1)
    assert fit.slope_log10_per_year == pytest.approx(slope, rel=1e-10)
    resid = log_values - np.polyval(np.polyfit(years, log_values, 1), years)
    assert fit.residual_sd_log10 == pytest.approx(math.sqrt((resid**2).sum() / 58), rel=1e-10)


def test_fit_trend_recovers_a_known_doubling_time_from_chips() -> None:
    fit = fit_trend(synthetic_chips(2.0, n=80, noise_log10=0.05), "bf16", seed=3)
    lo, hi = fit.doubling_time_ci_years
    assert lo < 2.0 < hi
    assert fit.doubling_time_years == pytest.approx(2.0, rel=0.05)
    ts = np.log10(2) / fit.theil_sen_slope_log10_per_year
    assert ts == pytest.approx(2.0, rel=0.05)


def test_bootstrap_interval_covers_the_true_slope_at_about_its_nominal_rate() -> None:
    rng = np.random.default_rng(2024)
    true_slope, trials, hits = 0.12, 200, 0
    for _ in range(trials):
        years = 2010 + 12 * rng.random(40)
        log_values = 12 + true_slope * (years - 2010) + 0.25 * rng.standard_normal(40)
        fit = fit_log_linear(years, 10**log_values, rng=rng, n_boot=1000, confidence=0.9)
        lo, hi = fit.slope_ci_log10_per_year
        hits += lo <= true_slope <= hi
    # 90 % nominal; the percentile bootstrap runs a little narrow at n = 40. Binomial SD at 200
    # trials is 2.1 points, so 0.84-0.96 is a 3-SD band around a slightly undercovering 0.88-0.90.
    assert 0.82 <= hits / trials <= 0.96


def test_bootstrap_is_seeded_and_drops_degenerate_resamples() -> None:
    x = np.array([0.0, 0.0, 0.0, 1.0])
    y = np.array([1.0, 1.0, 1.0, 2.0])
    a, _ = bootstrap_ols(x, y, rng=np.random.default_rng(5), n_boot=2000)
    b, _ = bootstrap_ols(x, y, rng=np.random.default_rng(5), n_boot=2000)
    assert np.array_equal(a, b)
    assert 0 < a.size < 2000  # resamples with only x = 0 have no slope
    assert np.allclose(a, 1.0)


def test_fewer_than_three_chips_is_a_clear_error() -> None:
    chips = [
        chip("a", 2010.0, peak_flop_per_s={"bf16": 1e12}),
        chip("b", 2012.0, launch_price_usd=1.0),
    ]
    with pytest.raises(InputError, match="n = 1 of 2 chips"):
        fit_trend(chips, "training_flop_per_s")


def test_same_release_date_everywhere_is_rejected() -> None:
    with pytest.raises(InputError, match="same release date"):
        fit_log_linear([2020.0] * 4, [1.0, 2.0, 3.0, 4.0], rng=np.random.default_rng(0))


def test_doubling_interval_is_infinite_when_the_slope_interval_reaches_zero() -> None:
    rng = np.random.default_rng(0)
    years = 2010 + 10 * rng.random(12)
    fit = fit_log_linear(years, 10 ** (rng.standard_normal(12)), rng=rng)
    lo, hi = fit.slope_ci_log10_per_year
    if lo < 0 < hi:
        assert math.isinf(fit.doubling_time_ci_years[1])


def test_break_test_finds_a_planted_slowdown_and_not_a_phantom_one() -> None:
    rng = np.random.default_rng(7)
    years = np.sort(2000 + 24 * rng.random(120))
    slope = np.where(years < 2012, 0.3, 0.05)
    log_values = 10 + np.cumsum(np.r_[0, np.diff(years)] * slope) + 0.05 * rng.standard_normal(120)
    fit = fit_log_linear(years, 10**log_values, rng=rng, n_boot=1000)
    test = fit_break(fit, 2012.0, rng=rng, n_boot=1000)
    assert test.slowed and test.p_value < 1e-6
    assert test.slope_before_log10_per_year == pytest.approx(0.3, abs=0.03)
    assert test.slope_after_log10_per_year == pytest.approx(0.05, abs=0.03)
    straight = fit_log_linear(
        years, 10 ** (10 + 0.2 * (years - 2000) + 0.05 * rng.standard_normal(120)), rng=rng
    )
    assert not fit_break(straight, 2012.0, rng=rng, n_boot=1000).slowed


def test_break_needs_points_on_both_sides() -> None:
    fit = fit_log_linear(
        [2010.0, 2011.0, 2012.0, 2013.0], [1.0, 2.0, 4.0, 8.0], rng=np.random.default_rng(0)
    )
    with pytest.raises(InputError, match="each side"):
        fit_break(fit, 2012.5, rng=np.random.default_rng(0))


def test_to_dict_is_json_ready_with_units_in_keys() -> None:
    import json

    fit = fit_trend(synthetic_chips(2.0), "bf16", seed=1)
    data = fit.to_dict()
    json.dumps(data)
    assert {"doubling_time_years", "slope_ci_log10_per_year", "n", "coverage_note"} <= set(data)


def test_break_bootstrap_equals_the_stacked_design_bit_for_bit() -> None:
    """The design written in place gives the very intervals np.stack of its columns gave."""
    rng = np.random.default_rng(21)
    years = np.sort(2000 + 24 * rng.random(300))
    fit = fit_log_linear(years, 10 ** (10 + 0.2 * (years - 2000) + 0.1 * rng.standard_normal(300)),
                         rng=rng, n_boot=200)
    got = fit_break(fit, 2012.0, rng=np.random.default_rng(5), n_boot=400)
    draw = np.random.default_rng(5)
    idx = draw.integers(0, fit.n, size=(400, fit.n))
    xs, ys = fit.years[idx], fit.log10_values[idx]
    d = np.stack([np.ones_like(xs), xs - 2012.0, np.maximum(0.0, xs - 2012.0)], axis=-1)
    xtx, xty = np.einsum("bni,bnj->bij", d, d), np.einsum("bni,bn->bi", d, ys)
    ok = np.abs(np.linalg.det(xtx)) > 1e-9
    sol = np.linalg.solve(xtx[ok], xty[ok][..., None])[..., 0]
    before = tuple(float(v) for v in np.quantile(sol[:, 1], [0.025, 0.975]))
    after = tuple(float(v) for v in np.quantile(sol[:, 1] + sol[:, 2], [0.025, 0.975]))
    assert got.slope_before_ci_log10_per_year == before
    assert got.slope_after_ci_log10_per_year == after


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 2**32 - 1), series=st.sampled_from([(), (3,)]),
       ties=st.booleans())
def test_bootstraps_in_place_equal_the_plain_formulas_bit_for_bit(n: int, seed: int, series: tuple[int, ...],
                                                                  ties: bool) -> None:
    """The bootstrap OLS worked in place gives what the plain temporaries gave (fit and methods)."""
    from computegov.trends.methods import _ols_boot

    draw = np.random.default_rng(seed)
    x = draw.integers(0, 3, n).astype(float) if ties else draw.normal(0, 4, n)
    y = draw.normal(10, 1, (*series, n))

    def plain(xv: np.ndarray, yv: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        idx = rng.integers(0, xv.size, size=(50, xv.size))
        xs, ys = xv[idx], yv[..., idx]
        dx = xs - xs.mean(axis=1, keepdims=True)
        sxx = (dx * dx).sum(axis=1)
        ok = sxx > 0
        ym = ys.mean(axis=-1)
        slopes = (dx * (ys - ym[..., None])).sum(axis=-1)[..., ok] / sxx[ok]
        return slopes, ym[..., ok] - slopes * xs.mean(axis=1)[ok]

    with np.errstate(invalid="ignore", divide="ignore"):  # every x equal: the full fit's slope is NaN
        slopes, intercepts, _ = _ols_boot(x, y, np.random.default_rng(seed), 50)
    ref_slopes, ref_intercepts = plain(x, y, np.random.default_rng(seed))
    assert slopes.tobytes() == ref_slopes.tobytes() and intercepts.tobytes() == ref_intercepts.tobytes()
    if not series:
        got = bootstrap_ols(x, y, rng=np.random.default_rng(seed), n_boot=50)
        assert got[0].tobytes() == ref_slopes.tobytes() and got[1].tobytes() == ref_intercepts.tobytes()
