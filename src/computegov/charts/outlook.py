"""Charts of the outlook: each constraint's fan, the feasible run and the trend; the binding shares; the tornado.

Values are plotted as log10 FLOP (a log axis over 10+ orders of magnitude with bands would
hide the bands' asymmetry less well than plain log10 ticks). Shared by the report section, the
dashboard page and ``computegov outlook``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

if TYPE_CHECKING:
    from computegov.outlook import Outlook, Sensitivity

__all__ = ["binding_chart", "fan_chart", "fan_frame", "tornado_chart"]

_WIDTH, _HEIGHT = 620, 300
#: Constraint (and series) colours, fixed so every chart reads the same.
_DOMAIN = ["power", "chips", "data", "latency", "money", "feasible", "trend"]
_RANGE = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#000000", "#ff7f0e"]


def _title(text: str, *lines: str) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=list(lines), anchor="start", subtitleFontSize=10)


def fan_frame(out: Outlook) -> pd.DataFrame:
    """Long frame: year, series, log10 of the 5th, 50th and 95th percentiles."""
    i05, i50, i95 = (out.levels.index(x) for x in (0.05, 0.5, 0.95))
    rows: list[dict[str, Any]] = []

    def add(name: str, q: tuple[float, ...], year: int) -> None:
        rows.append({"year": year, "series": name, "lo": math.log10(q[i05]), "mid": math.log10(q[i50]),
                     "hi": math.log10(q[i95])})

    for i, y in enumerate(out.years):
        for c in out.constraints:
            add(c.name, c.quantiles_flop[i], y)
        add("feasible", out.feasible_flop[i], y)
        if out.trend is not None:
            add("trend", out.trend.quantiles_flop[i], y)
    return pd.DataFrame(rows, columns=["year", "series", "lo", "mid", "hi"])


def fan_chart(out: Outlook, *, title: str | None = None) -> alt.TopLevelMixin:
    """Each constraint's median and 90 % band, the feasible run and the trend, by year."""
    frame = fan_frame(out)
    color = alt.Color("series:N", scale=alt.Scale(domain=_DOMAIN, range=_RANGE), title=None)
    base = alt.Chart(frame).encode(x=alt.X("year:O", title="year"), color=color)
    bands = base.transform_filter(alt.datum.series != "feasible").mark_area(opacity=0.12).encode(
        y=alt.Y("lo:Q", title="log10 FLOP (largest run allowed)", scale=alt.Scale(zero=False)), y2="hi:Q")
    lines = base.mark_line(point=True).encode(
        y="mid:Q", strokeDash=alt.condition(alt.datum.series == "trend", alt.value([5, 3]), alt.value([1, 0])),
        size=alt.condition(alt.datum.series == "feasible", alt.value(3), alt.value(1.5)),
        tooltip=["year:O", "series:N", alt.Tooltip("mid:Q", format=".2f", title="median log10 FLOP"),
                 alt.Tooltip("lo:Q", format=".2f", title="5 %"), alt.Tooltip("hi:Q", format=".2f", title="95 %")])
    feasible_band = base.transform_filter(alt.datum.series == "feasible").mark_area(opacity=0.25).encode(
        y="lo:Q", y2="hi:Q")
    return alt.layer(bands, feasible_band, lines).properties(
        width=_WIDTH, height=_HEIGHT,
        title=_title(title or f"Largest training run feasible, {out.preset.name} preset",
                     "lines: medians; bands: 90 % intervals; black: the minimum per draw; dashed: the frontier "
                     "trend's extrapolation", f"{out.n_draws:,} joint Monte Carlo draws"))


def binding_chart(out: Outlook) -> alt.Chart:
    """Share of draws in which each constraint binds, by year (stacked)."""
    rows = [{"year": y, "constraint": c.name, "share": c.binding_share[i]}
            for i, y in enumerate(out.years) for c in out.constraints if c.in_minimum]
    return alt.Chart(pd.DataFrame(rows, columns=["year", "constraint", "share"])).mark_bar().encode(
        x=alt.X("year:O"), y=alt.Y("share:Q", stack="zero", axis=alt.Axis(format="%"), title="draws where it binds"),
        color=alt.Color("constraint:N", scale=alt.Scale(domain=_DOMAIN, range=_RANGE)),
        tooltip=["year:O", "constraint:N", alt.Tooltip("share:Q", format=".0%")],
    ).properties(width=_WIDTH, height=180, title=_title("Which constraint binds"))


def tornado_chart(sens: Sensitivity, *, top: int = 12) -> alt.TopLevelMixin:
    """Each input's swing of the feasible run's median: bars from its value at the 5th to the 95th percentile."""
    base = math.log10(sens.baseline_flop)
    rows = [{"input": r.input, "low": math.log10(r.feasible_at_low_flop) - base,
             "high": math.log10(r.feasible_at_high_flop) - base, "swing": r.swing_log10}
            for r in sens.rows[:top]]
    frame = pd.DataFrame(rows, columns=["input", "low", "high", "swing"])
    order = list(frame["input"])
    y = alt.Y("input:N", sort=order, title=None)
    at_low = alt.Chart(frame).mark_bar(color="#1f77b4").encode(
        y=y, x=alt.X("low:Q", title=f"change of the {sens.year} median, orders of magnitude"), x2=alt.datum(0),
        tooltip=["input:N", alt.Tooltip("low:Q", format="+.2f", title="input at 5th pct")])
    at_high = alt.Chart(frame).mark_bar(color="#d62728").encode(
        y=y, x="high:Q", x2=alt.datum(0),
        tooltip=["input:N", alt.Tooltip("high:Q", format="+.2f", title="input at 95th pct")])
    return alt.layer(at_low, at_high).properties(
        width=_WIDTH, height=22 * max(len(rows), 1),
        title=_title(f"Which input moves the {sens.year} answer most",
                     f"blue: input at its 5th percentile, red: at its 95th; baseline median {sens.baseline_flop:.2g} FLOP"))
