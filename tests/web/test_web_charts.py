"""Charts as the pages draw them: nothing below an axis, forecast fans start from the record today."""

from __future__ import annotations

import numpy as np


def test_reliability_axis_reaches_the_worst_coverage_and_clips_the_rest() -> None:
    from computegov.charts.trends import reliability_chart
    from computegov.trends.backtest import backtest_points

    rng = np.random.default_rng(1)
    years = np.sort(2004 + 20 * rng.random(60))
    values = 10 ** (12 + 0.15 * (years - 2004) + 0.2 * rng.standard_normal(60))
    bt = backtest_points(years, values, rng=rng, horizon_years=3, n_samples=300, n_boot=200,
                         methods=["random_walk_drift", "naive_record"])
    worst = min(v for s in bt.summaries if s.n for v in s.coverage.values() if v is not None)
    spec = reliability_chart(bt).to_dict()
    lines = spec["layer"][1]
    low, high = lines["encoding"]["x"]["scale"]["domain"]
    assert low <= worst and high == 1.0
    assert lines["encoding"]["y"]["scale"]["domain"] == [low, high]
    assert lines["mark"]["clip"] is True


def test_forecast_fan_marks_the_record_it_starts_from() -> None:
    from computegov.catalog import load_catalog
    from computegov.charts.trends import forecast_chart
    from computegov.trends import fit_trend, forecast, load_scenarios

    catalog = load_catalog(user_config=False)
    fit = fit_trend(catalog, "training_flop_per_s", chip_set="ml", rng=np.random.default_rng(0))
    scenario = next(iter(load_scenarios().values()))
    fan = forecast(fit, [2027, 2030], scenario, rng=np.random.default_rng(0), n_paths=200)
    spec = forecast_chart([fan], fit=fit).to_dict()
    labels = [row for data in spec.get("datasets", {}).values() for row in data if "label" in row]
    best = max(zip(fit.log10_values, fit.names, strict=True))[1]
    assert [row["label"] for row in labels] == [f"record: {best}"]
    assert "diamond: the record today" in " ".join(spec["title"]["subtitle"])
