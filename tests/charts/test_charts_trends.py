"""Trend charts: specs carry the data, the attribution, and export without a browser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from computegov.charts.base import ATTRIBUTION, chart_html, save_chart
from computegov.charts.trends import (
    backtest_chart,
    forecast_chart,
    index_chart,
    reliability_chart,
    trend_chart,
)
from computegov.trends.backtest import backtest_points
from computegov.trends.fit import fit_log_linear
from computegov.trends.forecast import forecast
from computegov.trends.index import IndexComponent, ProgressIndex


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(0)
    years = np.sort(2010 + 14 * rng.random(30))
    values = 10 ** (12 + 0.15 * (years - 2010) + 0.2 * rng.standard_normal(30))
    return fit_log_linear(
        years,
        values,
        rng=rng,
        metric="flop_per_j",
        unit="FLOP/J",
        names=[f"chip {i}" for i in range(30)],
    )


def _spec_text(chart) -> str:
    return json.dumps(chart.to_dict())


def test_trend_chart_has_points_band_labels_and_attribution(fit) -> None:
    text = _spec_text(trend_chart(fit))
    assert ATTRIBUTION in text
    assert '"type": "log"' in text
    assert "chip 29" in text or "chip 2" in text
    assert "doubling every" in text
    # people read the metric's title and unit, not its registry name
    assert "Energy efficiency (training FLOP per joule) [FLOP/J]" in text


def test_labels_skip_record_setters_that_would_overlap() -> None:
    from computegov.charts.trends import _notable

    frame = pd.DataFrame(
        {
            "chip": ["a", "b", "b2", "c"],
            "year": [2010.0, 2015.0, 2015.1, 2020.0],
            "value": [1.0, 1e3, 1.01e3, 1e6],
        }
    )
    # b2 is a record but sits on top of b: c and b2 are kept (newest first), b is skipped
    assert list(_notable(frame, 5)["chip"]) == ["c", "b2", "a"]
    assert list(_notable(frame, 1)["chip"]) == ["c"]


def test_forecast_chart_draws_near_caps_and_names_far_ones(fit) -> None:
    fcs = [
        forecast(fit, range(2025, 2041), s, rng=np.random.default_rng(0), n_paths=2000)
        for s in ("trend", "moore_2yr")
    ]
    text = _spec_text(forecast_chart(fcs, fit=fit))
    assert ATTRIBUTION in text
    assert "cmos_limit_ho2023" in text  # within 3 OOM of the forecast: drawn
    assert "caps far above: landauer_300k" in text


def test_backtest_and_index_charts_build() -> None:
    bt = backtest_points(
        [2010.5, 2011.5, 2012.5, 2013.5, 2014.5, 2015.5],
        [1.0, 2.0, 4.0, 3.0, 16.0, 20.0],
        rng=np.random.default_rng(0),
    )
    assert ATTRIBUTION in _spec_text(backtest_chart(bt))
    index = ProgressIndex(
        "ml", 0.15, (0.1, 0.2), (IndexComponent("training_flop_per_s", 1.0, 10, 0.15, 0.15, 1.0),)
    )
    assert "contribution_log10_per_year" in _spec_text(index_chart(index))


@pytest.mark.parametrize("suffix", [".svg", ".png", ".html"])
def test_charts_export_without_a_browser(fit, tmp_path: Path, suffix: str) -> None:
    out = save_chart(trend_chart(fit), tmp_path / f"trend{suffix}")
    data = out.read_bytes()
    assert len(data) > 1000
    if suffix == ".svg":
        assert b"<svg" in data[:500]
    if suffix == ".png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_html_embeds_the_spec_for_the_report(fit) -> None:
    fragment = chart_html(trend_chart(fit), "trend-x")
    assert 'id="trend-x"' in fragment and 'data-chart-for="trend-x"' in fragment


def test_reliability_chart_plots_nominal_against_empirical_coverage() -> None:
    rng = np.random.default_rng(1)
    years = np.sort(2004 + 20 * rng.random(60))
    values = 10 ** (12 + 0.15 * (years - 2004) + 0.2 * rng.standard_normal(60))
    bt = backtest_points(years, values, rng=rng, horizon_years=3, n_samples=300, n_boot=200,
                         methods=["random_walk_drift", "random_walk_drift+cal", "naive_record"])
    spec = reliability_chart(bt).to_dict()
    rows = next(v for v in spec["datasets"].values() if v and "nominal" in v[0] and "method" in v[0])
    summary = bt.summary("random_walk_drift")
    assert summary is not None
    plotted = {r["nominal"]: r["empirical"] for r in rows if r["method"] == "random_walk_drift"}
    assert plotted == pytest.approx({0.5: summary.coverage["50"], 0.8: summary.coverage["80"],
                                     0.9: summary.coverage["90"], 0.95: summary.coverage["95"]})
    assert not any(r["method"] == "naive_record" for r in rows)  # a point forecast has no band
    assert "calibration target" in _spec_text(reliability_chart(bt))
