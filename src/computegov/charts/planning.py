"""Charts of the planner and of TCO price-performance (Altair)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from computegov.charts.base import chart_title

if TYPE_CHECKING:
    from computegov.costs import TcoSummary
    from computegov.planning import PlanResult

__all__ = ["plan_chart", "plan_frame", "tco_frame", "tco_trend_chart"]


def plan_frame(result: PlanResult) -> pd.DataFrame:
    """One row per option shown (ranked options and the Pareto front), SI units plus days/MWh."""
    rows: list[dict[str, Any]] = []
    seen = set()
    for group, options in (("ranked", result.options), ("Pareto front", result.pareto)):
        for o in options:
            key = (o.chip_name, o.chips)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "chip": o.chip_name,
                    "chips": o.chips,
                    "days": o.days,
                    "cost_usd": o.cost_usd.central,
                    "cost_usd_low": o.cost_usd.low,
                    "cost_usd_high": o.cost_usd.high,
                    "energy_mwh": o.energy_mwh,
                    "mfu": o.utilisation.central,
                    "pareto": "on the Pareto front" if o.pareto else "dominated",
                    "group": group,
                }
            )
    return pd.DataFrame(rows)


_USD_LABEL = (
    "datum.value >= 1e9 ? '$' + format(datum.value / 1e9, '~g') + 'B' : "
    "datum.value >= 1e6 ? '$' + format(datum.value / 1e6, '~g') + 'M' : "
    "datum.value >= 1e3 ? '$' + format(datum.value / 1e3, '~g') + 'k' : "
    "'$' + format(datum.value, '~g')"
)


def plan_chart(result: PlanResult) -> alt.TopLevelMixin:
    """Cost against days for the planner's options; size = energy; Pareto points ringed.

    Vertical bars show each option's low-high cost; a dashed line marks the deadline.
    """
    frame = plan_frame(result)
    year = result.options[0].dollar_year if result.options else ""
    base = alt.Chart(frame).encode(
        x=alt.X("days:Q", scale=alt.Scale(type="log"), title="wall-clock days (central)"),
        y=alt.Y(
            "cost_usd:Q",
            scale=alt.Scale(type="log"),
            title=f"cost, USD {year} (central; bar = low-high)",
            axis=alt.Axis(labelExpr=_USD_LABEL),
        ),
    )
    color = alt.Color(
        "chip:N", legend=alt.Legend(title="chip"), scale=alt.Scale(scheme="tableau10")
    )
    bars = base.mark_rule(opacity=0.45, strokeWidth=2).encode(
        y="cost_usd_low:Q", y2="cost_usd_high:Q", color=color
    )
    points = base.mark_circle(opacity=0.9).encode(
        color=color,
        size=alt.Size("energy_mwh:Q", title="energy, MWh", scale=alt.Scale(range=[30, 400])),
        tooltip=[
            "chip",
            "chips",
            alt.Tooltip("days:Q", format=".1f"),
            alt.Tooltip("cost_usd:Q", format="$,.3s"),
            alt.Tooltip("energy_mwh:Q", format=",.0f"),
            alt.Tooltip("mfu:Q", format=".2f"),
            "pareto",
        ],
    )
    rings = (
        base.transform_filter(alt.datum.pareto == "on the Pareto front")
        .mark_point(shape="circle", size=160, color="black", filled=False, strokeWidth=1)
        .encode()
    )
    layers: list[Any] = [bars, points, rings]
    deadline = result.request.deadline_days
    if deadline is not None:
        rule = (
            alt.Chart(pd.DataFrame({"days": [deadline], "label": [f"deadline {deadline:g} d"]}))
            .mark_rule(strokeDash=[4, 3], color="gray")
            .encode(x="days:Q")
        )
        text = rule.mark_text(align="right", dx=-4, dy=8, color="gray", baseline="top").encode(
            text="label:N", y=alt.value(0)
        )
        layers += [rule, text]
    title = chart_title(
        f"Options for {result.target.flop:.3g} FLOP: cost against time "
        "(ringed: Pareto front over cost, time, energy)"
    )
    return alt.layer(*layers).properties(width=560, height=360, title=title)


def tco_frame(rows: Sequence[TcoSummary]) -> pd.DataFrame:
    """Long frame: release year, chip, measure (chip price only / whole TCO), FLOP per USD."""
    records = []
    for row in rows:
        if row.release_year is None or row.sticker_flop_per_usd is None:
            continue
        records.append(
            {
                "chip": row.chip_name,
                "release_year": row.release_year,
                "measure": "chip price only",
                "flop_per_usd": row.sticker_flop_per_usd,
            }
        )
        records.append(
            {
                "chip": row.chip_name,
                "release_year": row.release_year,
                "measure": "total cost of ownership",
                "flop_per_usd": row.tco_flop_per_usd.central,
            }
        )
    return pd.DataFrame(records)


def tco_trend_chart(rows: Sequence[TcoSummary], dollar_year: int) -> alt.TopLevelMixin:
    """Sticker-price vs TCO price-performance over release year, log scale, with OLS trend lines."""
    frame = tco_frame(rows)
    y = alt.Y(
        "flop_per_usd:Q", scale=alt.Scale(type="log"), title=f"useful FLOP per USD {dollar_year}"
    )
    base = alt.Chart(frame).encode(
        x=alt.X("release_year:Q", title="release year", scale=alt.Scale(zero=False),
              axis=alt.Axis(format="d", tickMinStep=1)),
        y=y,
        color=alt.Color("measure:N", title=None),
    )
    points = base.mark_circle(size=50, opacity=0.75).encode(
        tooltip=["chip", "measure", alt.Tooltip("flop_per_usd:Q", format=".3g"), "release_year"]
    )
    lines = base.transform_regression(
        "release_year", "flop_per_usd", groupby=["measure"], method="exp"
    ).mark_line()
    title = chart_title(
        "Price-performance: chip price only vs total cost of ownership",
        "Same chips, same MFU; TCO adds server, network, storage, datacenter, power, cost of capital",
    )
    return alt.layer(points, lines).properties(width=560, height=340, title=title)
