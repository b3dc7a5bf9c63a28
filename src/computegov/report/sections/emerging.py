"""Report section: emerging hardware claims beside the CMOS energy-efficiency trend (order 68).

Every number comes from the public functions ``computegov emerging register`` and ``emerging
compare`` call (:func:`computegov.emerging.load_register`, :func:`computegov.emerging.compare_claims`)
with the report's seed, so the page and ``--json`` agree. Kept cheap: one record forecast per
trend metric at modest ensemble sizes (about a second).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from computegov.report.section import Section, fmt_number, html_table, note_html

if TYPE_CHECKING:
    from computegov.emerging import Comparison
    from computegov.report.section import ReportContext

__all__ = ["ORDER", "build"]

#: After clusters (65), before TCO (70).
ORDER = 68
#: Last year of the record forecasts the claims are set against.
TO_YEAR = 2060


def _years(value: float | None) -> str:
    return "beyond the forecast" if value is None else f"{value:+.1f}"


def _chart(rows: list[Comparison], dates: dict[str, float], chips: list[Any], forecast: Any) -> Any:
    import altair as alt
    import pandas as pd

    from computegov.charts.base import chart_title
    from computegov.trends import metric_points

    points = metric_points(chips, "flop_per_j", "ml")
    catalogue = pd.DataFrame({"year": points.years, "flop_per_j": points.values, "name": list(points.names),
                              "kind": "catalogue chip (peak / TDP)"})
    claims = pd.DataFrame([
        {"year": dates[r.claim_id], "flop_per_j": r.bf16_equivalent, "name": r.claim_id,
         "kind": r.evidence.replace("_", " ")}
        for r in rows if r.comparable and r.quantity == "energy_efficiency" and r.bf16_equivalent
    ]) if rows else pd.DataFrame()
    mid = list(forecast.quantile_levels).index(0.5)
    band = pd.DataFrame({"year": [float(y) for y in forecast.years],
                         "q05": forecast.quantiles[:, 0], "q50": forecast.quantiles[:, mid],
                         "q95": forecast.quantiles[:, -1]})
    band = band[band.year <= 2045]
    y = alt.Scale(type="log")
    x = alt.X("year:Q", title="year", scale=alt.Scale(zero=False))
    fan = alt.Chart(band).mark_area(opacity=0.2).encode(x=x, y=alt.Y("q05:Q", scale=y), y2="q95:Q")
    line = alt.Chart(band).mark_line(strokeDash=[4, 3]).encode(x=x, y=alt.Y("q50:Q", scale=y))
    dots = alt.Chart(catalogue).mark_circle(size=25, opacity=0.5, color="gray").encode(
        x=x, y=alt.Y("flop_per_j:Q", scale=y, title="16-bit FLOP per joule"),
        tooltip=["name:N", alt.Tooltip("flop_per_j:Q", format=".3g")])
    layers = [fan, line, dots]
    if not claims.empty:
        layers.append(alt.Chart(claims).mark_point(size=90, filled=True).encode(
            x=x, y=alt.Y("flop_per_j:Q", scale=y), shape=alt.Shape("kind:N", title="evidence"),
            color=alt.Color("kind:N", title="evidence"),
            tooltip=["name:N", "kind:N", alt.Tooltip("flop_per_j:Q", format=".3g")]))
    return alt.layer(*layers).properties(
        width=620, height=300,
        title=chart_title("Emerging-hardware claims beside the CMOS FLOP/J record",
                          f"claims converted to 16-bit FLOP/J; fan: record forecast by {forecast.method} (5-95 %)"))


def build(ctx: ReportContext) -> Section:
    """The register's comparable claims on the FLOP/J trend, a table, and what is not comparable."""
    from computegov.charts.base import chart_html
    from computegov.emerging import compare_claims, load_register, trend_forecasts

    ctx.progress("emerging hardware claims")
    chips = list(ctx.catalog)
    reg = load_register()
    forecasts = trend_forecasts(chips, to_year=TO_YEAR, seed=ctx.seed, n_samples=600, n_boot=150)
    rows = compare_claims(reg.claims, chips, forecasts=forecasts)
    by_id = {c.id: c for c in reg.claims}
    table = []
    for r in rows:
        claim = by_id[r.claim_id]
        if r.comparable:
            table.append([claim.system, claim.paradigm, claim.date.isoformat(), r.evidence.replace("_", " "),
                          f"{fmt_number(r.claim_value)} {'OP/J' if r.quantity == 'energy_efficiency' else 'OP/s'}"
                          f" ({r.precision_key})", fmt_number(r.ratio_to_record),
                          f"{_years(r.years_ahead)} ({_years(r.years_ahead_low)} to {_years(r.years_ahead_high)})"])
    skipped = [f"{by_id[r.claim_id].system}: {r.reason}" for r in rows if not r.comparable]
    parts = [
        note_html(f"{len(reg.claims)} sourced entries ({', '.join(sorted({c.paradigm for c in reg.claims}))}). "
                  "Each comparable claim is converted to 16-bit FLOP with one named conversion (the catalogue's "
                  "median INT8/BF16 or INT4/BF16 peak ratio; token rates as 2 x parameters FLOP per token) and "
                  "set against the record of chips released before its date; 'years ahead' is when the record "
                  "(history, then the calibrated record forecast's median, 95 % and 5 % quantiles) reaches it."),
        chart_html(_chart(rows, {k: c.decimal_year for k, c in by_id.items()}, chips, forecasts["flop_per_j"]),
                   "emerging-claims"),
        html_table(["system", "paradigm", "date", "evidence", "claim", "x record at date", "years ahead (95%-5%)"],
                   table, caption="Comparable claims (the caveats per claim are in `computegov emerging compare --json`)"),
        note_html("Not comparable: " + "; ".join(skipped)) if skipped else "",
        note_html("Evidence kinds: a peer-reviewed measurement is a figure measured and published after review; "
                  "a vendor claim is the builder's own figure (including preprints); a projection is a design "
                  "estimate for hardware not yet built. Delivered rates are set against catalogue peaks, and "
                  "system power against chip TDP, both of which favour the catalogue."),
        f"<p>Trend methods: {html.escape('; '.join(sorted({r.forecast_method for r in rows if r.comparable})))}</p>",
    ]
    return Section(id="emerging", title="Emerging hardware", html="".join(parts), order=ORDER)
