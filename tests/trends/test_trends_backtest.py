"""Backtest bookkeeping on a hand-made example, and the summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from trends_helpers import synthetic_chips

from computegov.errors import InputError
from computegov.trends.backtest import backtest, backtest_points

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
