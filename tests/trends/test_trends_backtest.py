"""Backtest bookkeeping on a hand-made example, and the summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from trends_helpers import synthetic_chips

from computegov.errors import InputError
from computegov.trends.backtest import backtest, backtest_points, simulate_record

# Records: 2010.5 -> 1, 2011.5 -> 2, 2012.5 -> 4 (then 3 is not a record), 2014.5 -> 16.
YEARS = [2010.5, 2011.5, 2012.5, 2013.5, 2014.5]
VALUES = [1.0, 2.0, 4.0, 3.0, 16.0]


def test_naive_and_moore_scores_match_hand_calculation() -> None:
    result = backtest_points(
        YEARS,
        VALUES,
        rng=np.random.default_rng(0),
        origins=[2013],
        horizon_years=2,
        methods=["naive_record", "moore_2yr"],
    )
    by = {(s.method, s.target_year): s for s in result.scores}
    # origin 2013: chips before 2013-01-01 give record 4; targets 2014-01-01 (record 4) and
    # 2015-01-01 (record 16, from the 2014.5 chip). 2015 > last release 2014.5: not scored.
    assert set(by) == {("naive_record", 2014), ("moore_2yr", 2014)}
    naive = by[("naive_record", 2014)]
    assert naive.observed_log10 == pytest.approx(math.log10(4))
    assert naive.error_log10 == pytest.approx(0.0)
    moore = by[("moore_2yr", 2014)]
    assert moore.median_log10 == pytest.approx(math.log10(4) + math.log10(2) / 2)
    assert moore.crps_log10 == pytest.approx(abs(moore.error_log10))  # point forecast
    assert moore.in_50 is None and moore.in_90 is None


def test_targets_beyond_the_last_release_are_not_scored() -> None:
    # origin 2012 has only 2 earlier chips (< 3): skipped; origin 2013 scores 2014 only.
    result = backtest_points(
        YEARS, VALUES, rng=np.random.default_rng(0), origins=[2012, 2013], horizon_years=5
    )
    assert {s.target_year for s in result.scores} == {2014}
    assert result.origins == (2013,)


def test_probabilistic_methods_report_coverage_and_summaries_aggregate() -> None:
    chips = synthetic_chips(2.0, n=60, noise_log10=0.1, start=2008, span=16)
    result = backtest(chips, "bf16", rng=np.random.default_rng(1), horizon_years=3)
    summaries = {s.method: s for s in result.summaries}
    frontier = summaries["loglinear_frontier"]
    assert frontier.n > 0 and frontier.coverage_90 is not None
    assert summaries["naive_record"].coverage_90 is None
    # naive never grows: it under-forecasts a growing record on average
    assert summaries["naive_record"].bias_log10 > 0
    assert result.best_method in summaries
    scored = [s for s in result.scores if s.method == "naive_record"]
    assert summaries["naive_record"].mean_abs_error_log10 == pytest.approx(
        np.mean([abs(s.error_log10) for s in scored])
    )


def test_no_usable_origin_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no origin"):
        backtest_points(
            [2010.0, 2011.0, 2012.0], [1.0, 2.0, 3.0], rng=np.random.default_rng(0), origins=[2030]
        )


def test_unknown_method_is_rejected() -> None:
    with pytest.raises(InputError, match="unknown backtest method"):
        backtest_points(YEARS, VALUES, rng=np.random.default_rng(0), methods=["oracle"])


def test_simulated_record_matches_the_poisson_closed_form() -> None:
    # No scatter, flat line one OOM above the last record, one chip a year: the record at
    # origin + t is above the last record iff at least one chip arrived, P = 1 - exp(-t).
    n = 200_000
    out = simulate_record(
        last_record=0.0,
        origin=2020.0,
        targets=np.array([2020.5, 2022.0]),
        intercepts=np.ones(n),
        slopes=np.zeros(n),
        residual_sd=0.0,
        rate_per_year=1.0,
        rng=np.random.default_rng(3),
    )
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert (out > 0).mean(axis=0) == pytest.approx(
        [1 - math.exp(-0.5), 1 - math.exp(-2.0)], abs=0.005
    )
    assert np.all(out[:, 1] >= out[:, 0])  # a record never falls


def test_slowdown_method_follows_the_bundled_scenario_from_the_last_record() -> None:
    result = backtest_points(
        YEARS,
        VALUES,
        rng=np.random.default_rng(0),
        origins=[2013],
        horizon_years=1,
        methods=["slowdown"],
        metric="flop_per_s_per_usd",
    )
    (score,) = result.scores
    assert score.median_log10 == pytest.approx(math.log10(4) + math.log10(2) / 2.5)
    # not scored for a metric the scenario is not about
    other = backtest_points(
        YEARS,
        VALUES,
        rng=np.random.default_rng(0),
        origins=[2013],
        horizon_years=1,
        methods=["slowdown", "naive_record"],
        metric="memory_bytes",
    )
    assert {s.method for s in other.summaries} == {"naive_record"}


def test_loglinear_intervals_are_calibrated_when_the_model_holds() -> None:
    # Chips scattered around a log-linear trend: the record forecast's 90 % interval should
    # cover about 90 % of outcomes (the old line-only interval covered far fewer). Pooled over
    # seeds because outcomes at nearby origins are strongly correlated.
    covered, total = 0.0, 0
    for seed in range(6):
        chips = synthetic_chips(2.0, n=150, noise_log10=0.15, start=2000, span=25, seed=seed)
        result = backtest(
            chips,
            "bf16",
            rng=np.random.default_rng(seed),
            horizon_years=3,
            methods=["loglinear_all"],
        )
        (summary,) = result.summaries
        assert summary.coverage_90 is not None
        covered += summary.coverage_90 * summary.n
        total += summary.n
    assert 0.8 <= covered / total <= 0.97


def test_a_missed_target_names_a_calibrated_method_left_out_for_too_few_forecasts() -> None:
    from computegov.trends.backtest import Backtest
    from computegov.trends.scoring import BacktestScore, summarise

    def scores(method: str, n: int, crps: float, inside_every: int) -> list[BacktestScore]:
        out = []
        for k in range(n):
            origin = 2000 + k // 5
            out.append(BacktestScore(
                method=method, origin_year=origin, target_year=origin + 1 + k % 5, observed_log10=1.0,
                median_log10=1.0, error_log10=0.0, crps_log10=crps, in_50=True,
                in_90=(k % inside_every != 0) if inside_every else True, in_80=True, in_95=True, pit=0.5,
                interval_score_90=crps * 4,
            ))
        return out

    by_method = {
        "loglinear_all": scores("loglinear_all", 55, 0.10, 0),
        "loglinear_all+cal": scores("loglinear_all+cal", 55, 0.13, 0),  # 100 % held, CRPS 1.3x
        "moore_2yr+cal": scores("moore_2yr+cal", 35, 0.08, 10),  # held 90 %, CRPS 0.8x, 35 of 55
    }
    result = Backtest(
        metric="m", unit="", chip_set="ml", origins=tuple(range(2000, 2011)), horizon_years=5,
        scores=tuple(s for v in by_method.values() for s in v),
        summaries=tuple(summarise(m, v, 2000) for m, v in by_method.items()),
    )
    check = result.calibration_check()
    assert not check["meets"]
    assert "moore_2yr+cal would meet it (held 89%" in check["statement"]
    assert "made 35 of 55 forecasts" in check["statement"]
