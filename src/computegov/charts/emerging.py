"""Emerging-hardware charts: register claims beside the CMOS FLOP/J record, and a paradigm scenario's fan.

:func:`claims_chart` draws the catalogue's chips (peak 16-bit FLOP per joule of TDP), the record
forecast's 5-95 % band and median, and each comparable claim at its 16-bit equivalent, its mark
set by its evidence kind so a vendor claim or a projection is never read as a measurement
(filled circle: peer-reviewed measurement; hollow square: vendor claim; hollow triangle:
projection). :func:`paradigm_fan_chart` draws a paradigm scenario's mixture fan over the base
forecast's median, with a rule at the year the paradigm counts from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from computegov.charts.base import chart_title

if TYPE_CHECKING:
    from computegov.emerging import Comparison, ParadigmForecast
    from computegov.trends import RecordForecast

__all__ = ["EVIDENCE_STYLE", "claims_chart", "claims_frame", "paradigm_fan_chart"]

#: Evidence kind -> (legend label, shape, colour, filled). Filled only for a peer-reviewed measurement.
EVIDENCE_STYLE: Mapping[str, tuple[str, str, str, bool]] = {
    "peer_reviewed_measurement": ("peer-reviewed measurement", "circle", "#1b7837", True),
    "vendor_claim": ("vendor claim (unchecked)", "square", "#d95f02", False),
    "projection": ("projection (not built)", "triangle-up", "#7570b3", False),
}
_WIDTH, _HEIGHT = 640, 320


def claims_frame(comparisons: Sequence[Comparison], claim_years: Mapping[str, float]) -> pd.DataFrame:
    """One row per comparable energy-efficiency claim: year, 16-bit FLOP/J, evidence and the ratio.

    Args:
        comparisons: the register's comparisons (:func:`computegov.emerging.compare_claims`).
        claim_years: claim id -> its date as a decimal year.
    """
    rows = [
        {"year": claim_years[r.claim_id], "flop_per_j": r.bf16_equivalent, "claim": r.claim_id,
         "paradigm": r.paradigm, "evidence": EVIDENCE_STYLE[r.evidence][0],
         "filled": 1.0 if EVIDENCE_STYLE[r.evidence][3] else 0.0,
         "ratio_to_record": r.ratio_to_record, "years_ahead": r.years_ahead}
        for r in comparisons
        if r.comparable and r.quantity == "energy_efficiency" and r.bf16_equivalent and r.claim_id in claim_years
    ]
    columns = ["year", "flop_per_j", "claim", "paradigm", "evidence", "filled", "ratio_to_record", "years_ahead"]
    return pd.DataFrame(rows, columns=columns)


def claims_chart(comparisons: Sequence[Comparison], claim_years: Mapping[str, float], chips: Sequence[Any],
                 forecast: RecordForecast | None, *, to_year: float = 2045) -> alt.LayerChart:
    """Comparable claims (16-bit FLOP/J) on the catalogue's FLOP/J record and its forecast.

    Args:
        comparisons: the register's comparisons.
        claim_years: claim id -> decimal year.
        chips: the catalogue (its ``ml`` chips are drawn as grey dots).
        forecast: the ``flop_per_j`` record forecast (band and median), or None (history only).
        to_year: last forecast year drawn.
    """
    from computegov.trends import metric_points

    points = metric_points(list(chips), "flop_per_j", "ml")
    catalogue = pd.DataFrame({"year": points.years, "flop_per_j": points.values, "name": list(points.names)})
    y_scale = alt.Scale(type="log")
    x = alt.X("year:Q", title="year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d"))
    layers: list[alt.Chart] = []
    method = "history only"
    if forecast is not None:
        mid = list(forecast.quantile_levels).index(0.5)
        band = pd.DataFrame({"year": [float(v) for v in forecast.years], "q05": forecast.quantiles[:, 0],
                             "q50": forecast.quantiles[:, mid], "q95": forecast.quantiles[:, -1]})
        band = band[band.year <= to_year]
        method = forecast.method
        layers += [
            alt.Chart(band).mark_area(opacity=0.2, color="#4c78a8").encode(
                x=x, y=alt.Y("q05:Q", scale=y_scale), y2="q95:Q"),
            alt.Chart(band).mark_line(strokeDash=[4, 3], color="#4c78a8").encode(
                x=x, y=alt.Y("q50:Q", scale=y_scale),
                tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("q50:Q", format=".3g", title="median")]),
        ]
    layers.append(alt.Chart(catalogue).mark_circle(size=25, opacity=0.5, color="gray").encode(
        x=x, y=alt.Y("flop_per_j:Q", scale=y_scale, title="16-bit FLOP per joule", axis=alt.Axis(format="~e")),
        tooltip=["name:N", alt.Tooltip("flop_per_j:Q", format=".3g")]))
    claims = claims_frame(comparisons, claim_years)
    if not claims.empty:
        labels = [style[0] for style in EVIDENCE_STYLE.values()]
        shape = alt.Shape("evidence:N", title="evidence kind",
                          scale=alt.Scale(domain=labels, range=[s[1] for s in EVIDENCE_STYLE.values()]))
        colour = alt.Color("evidence:N", title="evidence kind",
                           scale=alt.Scale(domain=labels, range=[s[2] for s in EVIDENCE_STYLE.values()]))
        tooltip = ["claim:N", "paradigm:N", "evidence:N", alt.Tooltip("flop_per_j:Q", format=".3g"),
                   alt.Tooltip("ratio_to_record:Q", format=".3g", title="x record at date"),
                   alt.Tooltip("years_ahead:Q", format="+.1f", title="years ahead (median)")]
        for filled in (True, False):  # measurements filled, vendor claims and projections hollow
            part = claims[claims.filled == (1.0 if filled else 0.0)]
            if not part.empty:
                layers.append(alt.Chart(part).mark_point(size=110, strokeWidth=2, filled=filled, opacity=0.9).encode(
                    x=x, y=alt.Y("flop_per_j:Q", scale=y_scale), shape=shape, color=colour, tooltip=tooltip))
    return alt.LayerChart(layer=layers).properties(
        width=_WIDTH, height=_HEIGHT,
        title=chart_title("Emerging-hardware claims beside the CMOS FLOP/J record",
                          [f"claims converted to 16-bit FLOP/J; fan: record forecast by {method} (5-95 %)",
                           "filled: peer-reviewed measurement; hollow: vendor claim or projection"]))


def paradigm_fan_chart(result: ParadigmForecast) -> alt.LayerChart:
    """The mixture's 5-95 % and 25-75 % bands and median, the base median dashed, a rule at the year."""
    s = result.scenario
    frame = pd.DataFrame(result.rows())
    y_scale = alt.Scale(type="log")
    x = alt.X("year:Q", title="year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d"))
    title_y = f"record {result.base.metric} [{result.base.unit}]"
    layers = [
        alt.Chart(frame).mark_area(opacity=0.18, color="#e45756").encode(
            x=x, y=alt.Y("q05:Q", scale=y_scale, title=title_y), y2="q95:Q"),
        alt.Chart(frame).mark_area(opacity=0.3, color="#e45756").encode(
            x=x, y=alt.Y("q25:Q", scale=y_scale), y2="q75:Q"),
        alt.Chart(frame).mark_line(color="#e45756").encode(
            x=x, y=alt.Y("q50:Q", scale=y_scale),
            tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("q05:Q", format=".3g"),
                     alt.Tooltip("q50:Q", format=".3g"), alt.Tooltip("q95:Q", format=".3g"),
                     alt.Tooltip("base_q50:Q", format=".3g", title="base median"),
                     alt.Tooltip("capped_fraction:Q", format=".0%", title="capped")]),
        alt.Chart(frame).mark_line(color="#333333", strokeDash=[5, 4]).encode(
            x=x, y=alt.Y("base_q50:Q", scale=y_scale)),
        alt.Chart(pd.DataFrame({"year": [float(s.year)]})).mark_rule(color="#888888", strokeDash=[2, 2]).encode(x=x),
    ]
    return alt.LayerChart(layer=layers).properties(
        width=_WIDTH, height=_HEIGHT,
        title=chart_title(f"{s.paradigm}: p = {s.probability:g} from {s.year}, "
                          f"M = {s.multiplier_low:.3g}-{s.multiplier_high:.3g} on {result.base.metric}",
                          [f"red: mixture (1 - p) base + p (base x M), 25-75 % and 5-95 %; dashed: base median "
                           f"({result.base.method}); dotted rule: {s.year}", f"M from {s.source}"]))
