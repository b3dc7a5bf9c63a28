"""Calibration layer and scores: conformal coverage, no leakage, estimators against references."""

from __future__ import annotations

import numpy as np
import pytest
from test_trends_rwd import ima_series

from computegov.trends.backtest import backtest_points
from computegov.trends.calibration import calibrate_at
from computegov.trends.diagnostics import (
    central_interval,
    ensemble_crps,
    ensemble_pit,
    ensemble_quantiles,
    interval_score,
)
from computegov.trends.hindcast import run_hindcasts


def test_crps_matches_scoringrules_energy_form() -> None:
    import scoringrules as sr

    rng = np.random.default_rng(0)
    ens = np.sort(rng.standard_normal((50, 31)), axis=-1)
    obs = rng.standard_normal(50)
    expected = sr.crps_ensemble(obs, ens, estimator="nrg")
    assert ensemble_crps(obs, ens) == pytest.approx(expected, rel=1e-10)
    # NaN padding is ignored: the same rows padded give the same scores
    padded = np.concatenate([ens, np.full((50, 7), np.nan)], axis=-1)
    assert ensemble_crps(obs, padded) == pytest.approx(expected, rel=1e-10)


def test_point_forecast_crps_is_the_absolute_error_and_pit_is_mid() -> None:
    ens = np.array([[2.0]])
    assert ensemble_crps([2.5], ens)[0] == pytest.approx(0.5)
    assert ensemble_pit([2.0], ens)[0] == pytest.approx(0.5)
    assert ensemble_pit([1.0], ens)[0] == 0.0


def test_weibull_quantiles_and_winkler_score_by_hand() -> None:
    ens = np.arange(1.0, 20.0)[None, :]  # 19 members: the 5 % and 95 % ranks are exactly 1 and 19
    lo, hi = central_interval(ens, 0.9)
    assert (lo[0], hi[0]) == (1.0, 19.0)
    assert ensemble_quantiles(ens, [0.5])[0, 0] == 10.0
    # width 18, plus 2/0.1 x 3 for an outcome 3 above the band
    assert interval_score([22.0], lo, hi, 0.9)[0] == pytest.approx(18 + 20 * 3)


def test_split_conformal_covers_exchangeable_errors() -> None:
    # Forecasts with the right median but a spread 3x too narrow; the outcomes' errors are
    # exchangeable, so the calibrated 90 % bands must hold about 90 % of the time.
    rng = np.random.default_rng(4)
    n_series, n_origins = 2000, 40
    observed = rng.standard_normal((n_series, n_origins, 1))
    median = np.zeros_like(observed)
    scale = np.full_like(observed, 1 / 3)
    cal = calibrate_at(
        n_origins, past_origins=np.arange(n_origins), past_horizons=[1], past_median=median,
        past_scale=scale, past_observed=observed, median=np.zeros((n_series, 1)),
        scale=np.full((n_series, 1), 1 / 3), horizons=[1], observed_until=1e9,
    )
    assert cal is not None and cal.n_scores == n_origins
    lo, hi = central_interval(cal.ensemble, 0.9)
    outcome = rng.standard_normal((n_series, 1))
    coverage = float(((lo <= outcome) & (outcome <= hi)).mean())
    assert 0.87 <= coverage <= 0.93


@pytest.mark.slow
def test_calibrated_loglinear_reaches_the_band_on_2000_random_walks() -> None:
    # A line fitted to a random walk forecasts its record with bands that are too narrow; the
    # wrapper, fed only hindcasts scored before each origin, must bring the 90 % band to 87-93 %.
    n_years, horizon = 40, 4
    y = ima_series(np.random.default_rng(2), 2000, n_years - 1)
    years = 2000.5 + np.arange(n_years)
    origins = list(range(2003, 2000 + n_years))
    hc = run_hindcasts(years, y, methods=["loglinear_all"], origins=origins, horizon_years=horizon,
                       seed=3, n_samples=50, n_boot=50)["loglinear_all"]
    hs = np.arange(1, horizon + 1)
    raw, calibrated = [], []
    for i, origin in enumerate(origins):
        if origin < 2032:  # from here every horizon has at least 20 scored hindcasts of its own
            continue
        obs = hc.observed[:, i, :]
        ens = hc.ensembles[i]
        assert ens is not None
        cal = hc.calibrated(origin, hc.median[:, i, :], hc.scale[:, i, :], hs, own=ens,
                            floor_log10=y[:, years < origin].max(axis=1)[:, None, None])
        assert cal is not None and cal.per_horizon
        known = np.isfinite(obs)
        for ensemble, out in ((ens, raw), (cal.ensemble, calibrated)):
            lo, hi = central_interval(ensemble, 0.9)
            out.append(((lo <= obs) & (obs <= hi))[known])
    raw_cover = float(np.concatenate(raw).mean())
    cal_cover = float(np.concatenate(calibrated).mean())
    assert raw_cover < 0.85  # the uncalibrated method is over-confident here
    assert 0.87 <= cal_cover <= 0.93


def _chips() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    years = np.sort(2000 + 25 * rng.random(120))
    log_values = 10 + 0.2 * (years - 2000) + 0.3 * rng.standard_normal(120)
    return years, 10**log_values


@pytest.mark.parametrize("method", ["loglinear_all+cal", "random_walk_drift+cal", "moore_2yr+cal"])
def test_no_leakage_changing_every_later_value_leaves_the_forecast_identical(method: str) -> None:
    years, values = _chips()
    origin = 2016
    changed = values.copy()
    later = years >= origin
    # every value dated on or after 1 January of the origin year changes; no date changes
    changed[later] = changed[later] * np.exp(np.random.default_rng(1).normal(0, 2, later.sum()))
    runs = [
        backtest_points(years, v, rng=np.random.default_rng(7), origins=[origin], horizon_years=1,
                        methods=[method])
        for v in (values, changed)
    ]
    # The forecast made at the origin (median, bands) is the same bit for bit; only the
    # scores against the (changed) outcome may differ.
    a, b = (next(s for s in r.scores if s.origin_year == origin) for r in runs)
    assert a.median_log10 == b.median_log10
    assert a.observed_log10 != b.observed_log10 or later.sum() == 0
    base = method.removesuffix("+cal")
    hind = [
        run_hindcasts(years, np.log10(v), methods=[base], origins=list(range(2003, origin + 1)),
                      horizon_years=5, seed=11, n_samples=200, n_boot=200)[base]
        for v in (values, changed)
    ]
    i = origin - 2003
    ens = [h.ensembles[i] for h in hind]
    assert ens[0] is not None and np.array_equal(ens[0], ens[1])
    cals = [h.calibrated(origin, h.median[i], h.scale[i], np.arange(1, 6), own=e)
            for h, e in zip(hind, ens, strict=True)]
    assert cals[0] is not None and cals[1] is not None
    assert np.array_equal(cals[0].ensemble, cals[1].ensemble, equal_nan=True)
