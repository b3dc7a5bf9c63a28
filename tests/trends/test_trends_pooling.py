"""Pooled calibration across metrics: strictly out of sample, only scale-free scores pooled."""

from __future__ import annotations

import numpy as np
import pytest

from computegov.trends.backtest import backtest_points
from computegov.trends.hindcast import pool_hindcasts, run_hindcasts


def _series(seed: int, n: int = 80, slope: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    years = np.sort(2000 + 25 * rng.random(n))
    return years, 10 ** (10 + slope * (years - 2000) + 0.3 * rng.standard_normal(n))


def _at(result, method: str, origin: int):  # type: ignore[no-untyped-def]
    return [s for s in result.scores if s.method == method and s.origin_year == origin]


@pytest.mark.parametrize("method", ["loglinear_all+cal", "random_walk_drift+cal"])
def test_changing_every_later_value_of_a_pooled_series_leaves_the_forecast_identical(method: str) -> None:
    years, values = _series(1)
    other_x, other_v = _series(2, slope=0.3)
    origin = 2016
    later = other_x >= origin
    changed = other_v.copy()
    changed[later] *= np.exp(np.random.default_rng(3).normal(0, 2, later.sum()))
    runs = [
        backtest_points(years, values, rng=np.random.default_rng(7), origins=[origin], horizon_years=2,
                        methods=[method], n_samples=300, n_boot=200, pool_series=[(other_x, v)])
        for v in (other_v, changed)
    ]
    a, b = (_at(r, method, origin) for r in runs)
    assert a and [s.crps_log10 for s in a] == [s.crps_log10 for s in b]
    assert [s.median_log10 for s in a] == [s.median_log10 for s in b]


def test_pooling_changes_a_probabilistic_method_but_not_a_point_method() -> None:
    years, values = _series(4, n=40)
    pool = [_series(5, slope=0.1), _series(6, slope=0.35)]
    kwargs = {"rng": None, "horizon_years": 3, "n_samples": 300, "n_boot": 200}
    runs = []
    for series in ((), pool):
        kwargs["rng"] = np.random.default_rng(8)
        runs.append(backtest_points(years, values, methods=["loglinear_all+cal", "moore_2yr+cal"],
                                    pool_series=series, **kwargs))
    alone, pooled = runs
    crps = {m: [r.summary(m).mean_crps_log10 for r in runs] for m in ("loglinear_all+cal", "moore_2yr+cal")}
    assert crps["moore_2yr+cal"][0] == crps["moore_2yr+cal"][1]  # sqrt(h)-scaled scores stay per metric
    assert crps["loglinear_all+cal"][0] != crps["loglinear_all+cal"][1]
    # more scores sooner: the pooled method calibrates from earlier origins on
    assert pooled.summary("loglinear_all+cal").n >= alone.summary("loglinear_all+cal").n


def test_pool_hindcasts_stacks_origins_and_refuses_mixed_methods() -> None:
    x1, v1 = _series(1)
    x2, v2 = _series(2)
    h1 = run_hindcasts(x1, np.log10(v1), methods=["loglinear_all", "random_walk_drift"], origins=[2010, 2011],
                       horizon_years=2, seed=1, n_samples=100, n_boot=100)
    h2 = run_hindcasts(x2, np.log10(v2), methods=["loglinear_all"], origins=[2012],
                       horizon_years=2, seed=1, n_samples=100, n_boot=100)
    both = pool_hindcasts([h1["loglinear_all"], h2["loglinear_all"]])
    assert both.origins.tolist() == [2010, 2011, 2012]
    assert both.median.shape == (3, 2) and len(both.ensembles) == 3
    with pytest.raises(ValueError, match="same method"):
        pool_hindcasts([h1["random_walk_drift"], h2["loglinear_all"]])


def test_every_checked_metric_meets_the_target_or_says_why_with_numbers() -> None:
    import re

    from computegov.catalog import load_catalog
    from computegov.trends.backtest import POOLED_METRICS, backtest

    catalog = list(load_catalog())
    for metric in POOLED_METRICS:
        check = backtest(catalog, metric, "ml", rng=np.random.default_rng(0), n_samples=200, n_boot=200,
                         horizon_years=3).calibration_check()
        statement = check["statement"]
        assert statement.startswith(metric)
        assert re.search(r"held \d+% of \d+ hindcasts", statement), statement
        if not check["meets"]:
            why = statement.split("does NOT meet the calibration target:")[1]
            assert re.search(r"\d+\.\d\dx|\d+%|only \d+ forecasts", why), statement
