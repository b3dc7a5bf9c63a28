"""Altair charts of training compute.

Notable models over time with the regulatory thresholds, and the forecast number of models
above each threshold.

Every chart carries the Epoch AI attribution (:data:`computegov.charts.base.ATTRIBUTION`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from computegov.charts.base import chart_title

if TYPE_CHECKING:
    from computegov.compute.trend import ComputeTrend, CrossingForecast
    from computegov.policy.thresholds import Threshold

__all__ = ["crossing_forecast_chart", "models_over_time_chart"]

_WIDTH = 640
_HEIGHT = 380


def _threshold_frame(thresholds: Sequence[Threshold]) -> pd.DataFrame:
    """One row per distinct value, labelled with every instrument at that value."""
    by_value: dict[float, list[str]] = {}
    for t in thresholds:
        label = t.short_name + (" (revoked)" if t.status == "revoked" else "")
        by_value.setdefault(t.value_flop, []).append(label)
    return pd.DataFrame(
        {"flop": list(by_value), "label": ["; ".join(v)[:90] for v in by_value.values()]}
    )


def models_over_time_chart(
    models: pd.DataFrame,
    thresholds: Sequence[Threshold],
    trend: ComputeTrend | None = None,
    *,
    since: float = 2010.0,
) -> alt.LayerChart:
    """Training compute of notable models against publication date, threshold lines, trend.

    Args:
        models: the notable-models table (``load_notable_models()``).
        thresholds: thresholds to draw as horizontal lines.
        trend: a fitted trend to draw (optional).
        since: first decimal year shown.
    """
    df = models[models["training_compute_flop"].gt(0) & models["year"].ge(since)].copy()
    df["kind"] = np.where(df["frontier_model"], "frontier (Epoch AI)", "notable")
    points = (
        alt.Chart(df[["model", "organization", "year", "training_compute_flop", "kind", "domain"]])
        .mark_circle(size=28, opacity=0.65)
        .encode(
            x=alt.X("year:Q", title="publication date (year)", scale=alt.Scale(zero=False), axis=alt.Axis(format="d")),
            y=alt.Y("training_compute_flop:Q", title="training compute (FLOP)", scale=alt.Scale(type="log"), axis=alt.Axis(format="~e")),
            color=alt.Color("kind:N", title=None),
            tooltip=["model:N", "organization:N", "domain:N", alt.Tooltip("training_compute_flop:Q", format=".2e"), alt.Tooltip("year:Q", format=".2f")],
        )
    )
    tf = _threshold_frame(thresholds)
    rules = alt.Chart(tf).mark_rule(strokeDash=[6, 3], color="#b22222").encode(y="flop:Q", tooltip=["label:N", alt.Tooltip("flop:Q", format=".0e")])
    labels = (
        alt.Chart(tf.assign(year=float(since)))
        .mark_text(align="left", baseline="bottom", dy=-2, fontSize=10, color="#b22222")
        .encode(x="year:Q", y="flop:Q", text="label:N")
    )
    layers: list[alt.Chart] = [points, rules, labels]
    if trend is not None:
        xs = np.linspace(max(since, trend.start_year), trend.end_year, 50)
        line = pd.DataFrame({"year": xs, "training_compute_flop": 10 ** (trend.intercept_log10 + trend.slope_log10_per_year * xs)})
        layers.append(alt.Chart(line).mark_line(color="black").encode(x="year:Q", y="training_compute_flop:Q"))
    subtitle = None
    if trend is not None:
        lo, hi = trend.growth_ci95
        subtitle = f"Trend: {trend.growth_per_year:.1f}x per year (95% CI {lo:.1f}-{hi:.1f}), n={trend.n}"
    return alt.LayerChart(layer=list(layers)).properties(
        width=_WIDTH, height=_HEIGHT, title=chart_title("Training compute of notable AI models and regulatory thresholds", subtitle)
    )


def crossing_forecast_chart(
    forecasts: Sequence[CrossingForecast],
    actual: dict[int, dict[float, int]] | None = None,
    *,
    since: int = 2015,
    until: int = 2024,
) -> alt.LayerChart:
    """Forecast count of notable models above each threshold per year (80 % band), with history.

    Args:
        forecasts: from :func:`computegov.compute.trend.forecast_crossings`.
        actual: past counts from :func:`computegov.compute.trend.counts_over` (optional).
        since: first year of history drawn.
        until: last complete year of history (the 2025-02-24 snapshot has only part of 2025).
    """
    fc = pd.DataFrame(
        {
            "year": [f.year for f in forecasts],
            "threshold": [f"> {f.threshold_flop:.0e} FLOP" for f in forecasts],
            "mean": [f.mean for f in forecasts],
            "p10": [f.p10 for f in forecasts],
            "p90": [f.p90 for f in forecasts],
        }
    )
    color = alt.Color("threshold:N", title=None)
    x = alt.X("year:Q", axis=alt.Axis(format="d"), title="year")
    band = alt.Chart(fc).mark_area(opacity=0.2).encode(x=x, y=alt.Y("p10:Q", title="models above threshold"), y2="p90:Q", color=color)
    line = alt.Chart(fc).mark_line(point=True, strokeDash=[4, 2]).encode(
        x=x, y="mean:Q", color=color, tooltip=["year:Q", "threshold:N", alt.Tooltip("mean:Q", format=".1f"), "p10:Q", "p90:Q"]
    )
    layers = [band, line]
    if actual:
        values = sorted({f.threshold_flop for f in forecasts})
        rows = [
            {"year": year, "threshold": f"> {v:.0e} FLOP", "count": counts.get(v, 0)}
            for year, counts in actual.items()
            if since <= year <= until
            for v in values
        ]
        hist = pd.DataFrame(rows)
        layers.append(alt.Chart(hist).mark_line(point=True).encode(x=x, y="count:Q", color=color, tooltip=["year:Q", "threshold:N", "count:Q"]))
    return alt.LayerChart(layer=list(layers)).properties(
        width=_WIDTH,
        height=300,
        title=chart_title("Notable models above each threshold per year", "solid: Epoch AI data; dashed + band: forecast mean and 80% interval"),
    )
