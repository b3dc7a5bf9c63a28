"""Altair charts of trends, forecasts, backtests and the progress index.

Every chart carries the Epoch AI attribution (:data:`computegov.charts.base.ATTRIBUTION`) under its
title. Export with :func:`computegov.charts.base.save_chart` (HTML, SVG, PNG via vl-convert).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from computegov.charts.base import chart_title

if TYPE_CHECKING:
    from computegov.trends.backtest import Backtest
    from computegov.trends.fit import TrendFit
    from computegov.trends.forecast import Forecast
    from computegov.trends.index import ProgressIndex

__all__ = ["backtest_chart", "forecast_chart", "index_chart", "reliability_chart", "trend_chart"]

_WIDTH = 640
_HEIGHT = 360
_LOG_AXIS = alt.Axis(format="~e")
#: Caps more than this many orders of magnitude above the forecast are named, not drawn.
_CAP_DRAW_OOM = 3.0


def _label(metric: str) -> str:
    """A metric's title for people (its name when it is not a registered metric)."""
    from computegov.errors import ComputegovError
    from computegov.trends.metrics import get_metric

    try:
        return get_metric(metric).label
    except ComputegovError:
        return metric


def _points_frame(fit: TrendFit) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chip": list(fit.names),
            "year": fit.years,
            "value": np.power(10.0, fit.log10_values),
            "residual_log10": fit.residuals_log10,
        }
    )


def _notable(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Chips to label: up to k of the most recent record setters.

    These are the frontier people know by name; any whose label would sit on top of one already
    chosen is skipped.
    """
    if frame.empty:
        return frame
    ordered = frame.sort_values("year")
    records = ordered[ordered["value"] >= ordered["value"].cummax()]
    years = frame["year"].to_numpy(dtype=float)
    log_values = np.log10(frame["value"].to_numpy(dtype=float))
    y_span = max(float(np.ptp(log_values)), 1e-9)
    x_span = max(float(np.ptp(years)), 1e-9)
    position = {label: i for i, label in enumerate(frame.index)}
    kept: list[int] = []
    for label in reversed(records.index.tolist()):
        i = position[label]
        clash = any(
            abs(years[i] - years[j]) < 0.25 * x_span
            and abs(log_values[i] - log_values[j]) < 0.06 * y_span
            for j in kept
        )
        if not clash:
            kept.append(i)
        if len(kept) == k:
            break
    return frame.iloc[kept]


def trend_chart(fit: TrendFit, *, label_top: int = 6, title: str | None = None) -> alt.LayerChart:
    """Log-scale scatter of the chips, the OLS line and its bootstrap confidence band.

    Args:
        fit: the fitted trend.
        label_top: label this many of the most recent record-setting chips.
        title: chart title (default: metric and chip set).
    """
    frame = _points_frame(fit)
    grid = np.linspace(fit.year_min, fit.year_max, 60)
    lo, hi = fit.band_log10(grid)
    line = pd.DataFrame(
        {
            "year": grid,
            "fit": fit.predict(grid),
            "lo": np.power(10.0, lo),
            "hi": np.power(10.0, hi),
        }
    )
    y_title = f"{_label(fit.metric)} [{fit.unit}]"
    scale = alt.Scale(type="log")
    x = alt.X(
        "year:Q",
        title="release date (year)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format="d"),
    )
    band = (
        alt.Chart(line)
        .mark_area(opacity=0.25, color="#4c78a8")
        .encode(x=x, y=alt.Y("lo:Q", scale=scale, title=y_title, axis=_LOG_AXIS), y2="hi:Q")
    )
    fit_line = alt.Chart(line).mark_line(color="#4c78a8").encode(x=x, y=alt.Y("fit:Q", scale=scale))
    dots = (
        alt.Chart(frame)
        .mark_circle(
            size=40 if fit.n <= 300 else 12, opacity=0.7 if fit.n <= 300 else 0.3, color="#333333"
        )
        .encode(
            x=x,
            y=alt.Y("value:Q", scale=scale),
            tooltip=[
                alt.Tooltip("chip:N"),
                alt.Tooltip("year:Q", format=".2f"),
                alt.Tooltip("value:Q", format=".3~e"),
            ],
        )
    )
    labels = (
        alt.Chart(_notable(frame, label_top))
        .mark_text(align="left", dx=5, dy=-6, fontSize=10)
        .encode(x=x, y=alt.Y("value:Q", scale=scale), text="chip:N")
    )
    lo_d, hi_d = fit.doubling_time_ci_years
    subtitle = [
        f"chip set '{fit.chip_set}': {fit.coverage_note}",
        f"doubling every {fit.doubling_time_years:.2f} years ({fit.confidence:.0%} CI "
        f"{lo_d:.2f}-{hi_d:.2f}); line: least-squares fit on log10; shaded: its "
        f"{fit.confidence:.0%} bootstrap confidence band; labels: latest record-setting chips",
    ]
    layered = alt.LayerChart(layer=[band, fit_line, dots, labels])
    return layered.properties(
        width=_WIDTH, height=_HEIGHT, title=chart_title(title or _label(fit.metric), subtitle)
    )


def forecast_chart(
    forecasts: Sequence[Forecast], *, fit: TrendFit | None = None, title: str | None = None
) -> alt.LayerChart:
    """Fan chart: 5-95 % and 25-75 % bands and the median by year, one colour per scenario.

    Args:
        forecasts: forecasts of the same metric (one per scenario).
        fit: the fit they came from, to show its chips as dots.
        title: chart title.

    Raises:
        ValueError: no forecasts.
    """
    if not forecasts:
        raise ValueError("forecast_chart needs at least one forecast")
    rows = [{**row, "scenario": fc.scenario_title} for fc in forecasts for row in fc.rows()]
    frame = pd.DataFrame(rows)
    first = forecasts[0]
    scale = alt.Scale(type="log")
    x = alt.X("year:Q", title="year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d"))
    colour = alt.Color("scenario:N", legend=alt.Legend(orient="bottom", columns=1, labelLimit=600))
    outer = (
        alt.Chart(frame)
        .mark_area(opacity=0.15)
        .encode(
            x=x,
            y=alt.Y(
                "q05:Q", scale=scale, title=f"{_label(first.metric)} [{first.unit}]", axis=_LOG_AXIS
            ),
            y2="q95:Q",
            color=colour,
        )
    )
    inner = (
        alt.Chart(frame)
        .mark_area(opacity=0.3)
        .encode(x=x, y=alt.Y("q25:Q", scale=scale), y2="q75:Q", color=colour)
    )
    median = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("q50:Q", scale=scale),
            color=colour,
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("year:Q", format="d"),
                alt.Tooltip("q05:Q", format=".3~e"),
                alt.Tooltip("q50:Q", format=".3~e"),
                alt.Tooltip("q95:Q", format=".3~e"),
            ],
        )
    )
    layers: list[alt.Chart] = [outer, inner, median]
    if fit is not None:
        dots = (
            alt.Chart(_points_frame(fit))
            .mark_circle(size=25, opacity=0.5, color="#333333")
            .encode(x=x, y=alt.Y("value:Q", scale=scale), tooltip=["chip:N"])
        )
        layers.append(dots)
        points = _points_frame(fit)
        if not points.empty:  # the record today: where the fans start from
            best = points.loc[[points["value"].idxmax()]].assign(label=lambda f: "record: " + f["chip"])
            marker = alt.Chart(best).encode(x=x, y=alt.Y("value:Q", scale=scale))
            layers.append(marker.mark_point(shape="diamond", size=140, filled=True, color="black").encode(
                tooltip=["label:N", alt.Tooltip("year:Q", format=".1f"), alt.Tooltip("value:Q", format=".3~e")]))
            layers.append(marker.mark_text(align="right", dx=-8, dy=-8, fontWeight="bold").encode(text="label:N"))
    caps = sorted({c for fc in forecasts for c in fc.caps})
    top = max(float(fc.quantiles.max()) for fc in forecasts)
    far = [name for name, value in caps if value > top * 10**_CAP_DRAW_OOM]
    caps = [(name, value) for name, value in caps if value <= top * 10**_CAP_DRAW_OOM]
    if caps:
        cap_frame = pd.DataFrame([{"cap": name, "value": value} for name, value in caps])
        layers.append(
            alt.Chart(cap_frame)
            .mark_rule(strokeDash=[4, 4], color="#b22222")
            .encode(
                y=alt.Y("value:Q", scale=scale),
                tooltip=["cap:N", alt.Tooltip("value:Q", format=".3~e")],
            )
        )
    legend = "line: median; shaded: 25-75 % and 5-95 % of a chip released that year; dots: chips"
    if fit is not None:
        legend += "; diamond: the record today"
    if caps:
        legend += "; dashed: physical caps"
    if far:
        legend += f"; caps far above: {', '.join(far)}"
    scenario_fans = [fc for fc in forecasts if not fc.scenario_title.startswith("record by ")]
    subtitle = [
        f"chip set '{first.chip_set}'; {scenario_fans[0].n_paths:,} Monte Carlo paths per scenario"
        if scenario_fans else f"chip set '{first.chip_set}'",
        legend,
    ]
    if any(fc.scenario_title.startswith("record by ") for fc in forecasts):
        subtitle.append("'record by' fans: the best chip released before 1 January of the year, "
                        "with the method's hindcast coverage in its name")
    layered = alt.LayerChart(layer=layers)
    return layered.properties(
        width=_WIDTH,
        height=_HEIGHT,
        title=chart_title(title or f"Forecast: {_label(first.metric)}", subtitle),
    )


def backtest_chart(result: Backtest, *, title: str | None = None) -> alt.Chart:
    """Mean absolute log10 error by horizon, one line per method."""
    frame = pd.DataFrame([s.to_dict() for s in result.scores])
    if frame.empty:
        frame = pd.DataFrame({"method": [], "horizon_years": [], "error_log10": []})
    frame["abs_error_log10"] = frame["error_log10"].abs()
    grouped = frame.groupby(["method", "horizon_years"], as_index=False)["abs_error_log10"].mean()
    return (
        alt.Chart(grouped)
        .mark_line(point=True)
        .encode(
            x=alt.X("horizon_years:O", title="years ahead"),
            y=alt.Y("abs_error_log10:Q", title="mean |log10 error| (0.3 = factor of 2)"),
            color=alt.Color("method:N", legend=alt.Legend(orient="bottom")),
            tooltip=["method:N", "horizon_years:O", alt.Tooltip("abs_error_log10:Q", format=".3f")],
        )
        .properties(
            width=_WIDTH,
            height=280,
            title=chart_title(
                title or f"Backtest: {result.metric}",
                f"record forecasts from origins {result.origins[0]}-{result.origins[-1]}",
            ),
        )
    )


def reliability_chart(result: Backtest, *, title: str | None = None) -> alt.LayerChart:
    """Nominal vs empirical coverage of each probabilistic method's central bands (diagonal = honest)."""
    rows = [
        {"method": s.method, "nominal": int(level) / 100, "empirical": value, "n": s.n}
        for s in result.summaries
        for level, value in s.coverage.items()
        if value is not None and s.n
    ]
    frame = pd.DataFrame(rows or [{"method": "", "nominal": 0.5, "empirical": None, "n": 0}])
    # the axis reaches down to the worst coverage (a method can hold far less often than 40 %),
    # and marks are clipped to it, so nothing is drawn below the axis
    lowest = min([0.4, *(value for s in result.summaries if s.n for value in s.coverage.values()
                         if value is not None)])
    low = max(0.0, math.floor(lowest * 10) / 10)
    axis = alt.Scale(domain=[low, 1.0], clamp=True)
    diagonal = (
        alt.Chart(pd.DataFrame({"nominal": [low, 1.0], "empirical": [low, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#888888")
        .encode(x=alt.X("nominal:Q", scale=axis), y=alt.Y("empirical:Q", scale=axis))
    )
    lines = (
        alt.Chart(frame)
        .mark_line(point=True, clip=True)
        .encode(
            x=alt.X("nominal:Q", scale=axis, title="nominal coverage of the central band",
                    axis=alt.Axis(format="%")),
            y=alt.Y("empirical:Q", scale=axis, title="share of hindcasts inside",
                    axis=alt.Axis(format="%")),
            color=alt.Color("method:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=300)),
            tooltip=["method:N", alt.Tooltip("nominal:Q", format=".0%"),
                     alt.Tooltip("empirical:Q", format=".0%"), "n:Q"],
        )
    )
    check = result.calibration_check()["statement"]
    return alt.LayerChart(layer=[diagonal, lines]).properties(
        width=_WIDTH,
        height=300,
        title=chart_title(
            title or f"Reliability: {result.metric}",
            [f"rolling-origin hindcasts {result.origins[0]}-{result.origins[-1]}, 1-{result.horizon_years} "
             "years ahead; on the dashed diagonal a band holds as often as it claims", check],
        ),
    )


def index_chart(index: ProgressIndex, *, title: str | None = None) -> alt.Chart:
    """Bars: each component's contribution (weight x slope) to the index's growth, OOM/yr."""
    frame = pd.DataFrame([c.to_dict() for c in index.components])
    frame["component"] = [_label(str(m)) for m in frame["metric"]]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("component:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("contribution_log10_per_year:Q", title="contribution to index growth (OOM/yr)"),
            tooltip=[
                "metric:N",
                alt.Tooltip("weight:Q", format=".3f"),
                alt.Tooltip("slope_log10_per_year:Q", format=".3f"),
                alt.Tooltip("share:Q", format=".0%"),
            ],
        )
        .properties(
            width=_WIDTH,
            height=160,
            title=chart_title(
                title or "Hardware progress index",
                f"{index.growth_per_year:.2f}x per year; doubling every {index.doubling_time_years:.2f} years",
            ),
        )
    )
