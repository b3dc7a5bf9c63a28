"""Charts of the AI-supercomputer table: compute stocks by country over time, the leading systems' fan.

Both carry Epoch AI's "GPU Clusters" attribution (CC-BY 4.0,
:data:`computegov.clusters.CLUSTERS_ATTRIBUTION`), not the hardware table's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from computegov.clusters.table import CLUSTERS_ATTRIBUTION

if TYPE_CHECKING:
    from computegov.clusters.stocks import StockTable
    from computegov.clusters.table import ClusterSystem
    from computegov.trends.record import RecordForecast

__all__ = ["leading_fan_chart", "stock_chart", "stock_frame"]

_WIDTH, _HEIGHT = 620, 280


def _title(text: str, *lines: str) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=[*lines, CLUSTERS_ATTRIBUTION], anchor="start", subtitleFontSize=10)


def stock_frame(tables: Sequence[StockTable], top: int = 5) -> pd.DataFrame:
    """Long frame (date, country, value): the ``top`` countries of the last date, the rest as ``other``."""
    leaders = [r.group for r in tables[-1].rows[:top]] if tables else []
    rows: list[dict[str, Any]] = []
    for table in tables:
        other = 0.0
        for r in table.rows:
            if r.group in leaders:
                rows.append({"date": table.date.isoformat(), "country": r.group, "value": r.value})
            else:
                other += r.value
        rows.append({"date": table.date.isoformat(), "country": "other", "value": other})
    return pd.DataFrame(rows, columns=["date", "country", "value"])


def stock_chart(tables: Sequence[StockTable], *, top: int = 5, title: str | None = None) -> alt.Chart:
    """Stacked area of each country's operational compute on each date (the last date's top countries)."""
    frame = stock_frame(tables, top)
    unit = tables[0].unit if tables else ""
    metric = tables[0].metric if tables else ""
    leaders = [c for c in dict.fromkeys(frame["country"]) if c != "other"]
    return (
        alt.Chart(frame)
        .mark_area()
        .encode(
            x=alt.X("date:T", title="date"),
            y=alt.Y("value:Q", stack="zero", title=f"operational {metric} [{unit}]"),
            color=alt.Color("country:N", sort=[*leaders, "other"]),
            tooltip=["date:T", "country:N", alt.Tooltip("value:Q", format=",.4~g")],
        )
        .properties(width=_WIDTH, height=_HEIGHT,
                    title=_title(title or "Compute stock by country",
                                 "systems operational on each date (decommissioned removed)"))
    )


def leading_fan_chart(
    fan: RecordForecast, systems: Sequence[ClusterSystem] = (), *, target: float | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """The record's calibrated fan (5-95 %, 25-75 %, median) with the record-setting systems as dots.

    Args:
        fan: :func:`computegov.clusters.reaching.leading_forecast`.
        systems: the systems it was made from (their record setters are drawn).
        target: a size drawn as a dashed rule (e.g. 1e6 H100e).
        title: chart title.
    """
    from computegov.clusters.leading import leading_systems

    scale = alt.Scale(type="log")
    x = alt.X("year:Q", title="year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d"))
    frame = pd.DataFrame(fan.rows())
    outer = alt.Chart(frame).mark_area(opacity=0.15).encode(
        x=x, y=alt.Y("q05:Q", scale=scale, title=f"largest system [{fan.unit}]"), y2="q95:Q")
    inner = alt.Chart(frame).mark_area(opacity=0.3).encode(x=x, y=alt.Y("q25:Q", scale=scale), y2="q75:Q")
    median = alt.Chart(frame).mark_line().encode(
        x=x, y=alt.Y("q50:Q", scale=scale),
        tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("q05:Q", format=".3~g"),
                 alt.Tooltip("q50:Q", format=".3~g"), alt.Tooltip("q95:Q", format=".3~g")])
    layers: list[alt.Chart] = [outer, inner, median]
    records = leading_systems(systems, fan.metric, selection="record", since=None) if systems else ()
    if records:
        dots = pd.DataFrame([{"year": s.first_operational_year, "value": v, "system": s.name} for s, v in records])
        layers.append(alt.Chart(dots).mark_circle(size=35, color="#333333").encode(
            x=x, y=alt.Y("value:Q", scale=scale), tooltip=["system:N", alt.Tooltip("value:Q", format=".3~g")]))
    if target is not None:
        rule = pd.DataFrame([{"target": target}])
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[4, 4], color="#b22222").encode(
            y=alt.Y("target:Q", scale=scale), tooltip=[alt.Tooltip("target:Q", format=".3~g")]))
    subtitle = [f"record at 1 January by {fan.method} (chosen: {fan.chosen_by}); {fan.coverage_note}",
                "shaded: 25-75 % and 5-95 %; line: median; dots: record-setting systems at first operation"]
    return alt.LayerChart(layer=layers).properties(
        width=_WIDTH, height=_HEIGHT, title=_title(title or f"Largest AI supercomputer: {fan.metric}", *subtitle))
