"""The web dashboard's charts: the library's Altair charts as HTML fragments for the pages.

Each function builds one chart with a builder from :mod:`computegov.charts` and returns
:func:`computegov.charts.base.chart_html` (the spec in a JSON script tag, drawn by the
vega-embed bundle the app serves itself, never a CDN). Altair and the library modules are
imported inside the functions, so importing this module is cheap. Every chart built from Epoch
AI's data carries :data:`computegov.charts.base.ATTRIBUTION` (the builders add it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["compute_chart_html", "plan_chart_html", "region_chart_html", "trend_charts_html"]


def region_chart_html(facts: list[Any], chart_id: str = "region-chart") -> str:
    """The export-control region chart (``charts.policy.export_control_chart``) as HTML."""
    from computegov.charts.base import chart_html
    from computegov.charts.policy import export_control_chart

    return chart_html(export_control_chart(facts, width=360, height=300), chart_id)


def trend_charts_html(fit: Any, forecasts: list[Any]) -> str:
    """Trend and fan charts (``charts.trends``) as HTML."""
    from computegov.charts.base import chart_html
    from computegov.charts.trends import forecast_chart, trend_chart

    out = chart_html(trend_chart(fit), "trend-chart")
    if forecasts:
        out += chart_html(forecast_chart(forecasts, fit=fit), "forecast-chart")
    return out


def plan_chart_html(result: Any) -> str:
    """The planner's chart (``charts.planning.plan_chart``) as HTML."""
    from computegov.charts.base import chart_html
    from computegov.charts.planning import plan_chart

    return chart_html(plan_chart(result), "plan-chart")


def compute_chart_html(result: Mapping[str, Any]) -> str:
    """Notable models and thresholds (``charts.compute.models_over_time_chart``) with this estimate.

    Args:
        result: the web's compute check (``{"estimate": {"flop", "flop_low", "flop_high"}, "date"}``,
            FLOP and an ISO date); the run is drawn as a diamond at that date with its interval.

    Returns:
        The HTML fragment, or "" when the compute-trend module or its data is missing.
    """
    try:
        import altair as alt
        import pandas as pd

        from computegov.charts.base import chart_html
        from computegov.charts.compute import models_over_time_chart
        from computegov.compute.trend import load_notable_models
        from computegov.policy.thresholds import thresholds_in_force
    except ImportError:
        return ""
    estimate = result["estimate"]
    on = dt.date.fromisoformat(result["date"])
    year = on.year + (on.timetuple().tm_yday - 1) / 365.25
    base = models_over_time_chart(load_notable_models(), thresholds_in_force(on))
    mark = pd.DataFrame({"year": [year], "training_compute_flop": [estimate["flop"]],
                         "low": [estimate["flop_low"]], "high": [estimate["flop_high"]], "label": ["this run"]})
    point = alt.Chart(mark).mark_point(shape="diamond", size=160, filled=True, color="black").encode(
        x="year:Q", y="training_compute_flop:Q",
        tooltip=[
            alt.Tooltip("label:N", title="run"),
            alt.Tooltip("training_compute_flop:Q", format=".2e", title="training compute, FLOP"),
            alt.Tooltip("low:Q", format=".2e", title="90% low, FLOP"),
            alt.Tooltip("high:Q", format=".2e", title="90% high, FLOP"),
        ],
    )
    bar = alt.Chart(mark).mark_rule(color="black").encode(x="year:Q", y="low:Q", y2="high:Q")
    label = alt.Chart(mark).mark_text(align="left", dx=8, fontWeight="bold").encode(
        x="year:Q", y="training_compute_flop:Q", text="label:N"
    )
    return chart_html(alt.layer(base, bar, point, label), "compute-chart")
