"""Report section: AI supercomputers (stocks by country, leading-system trend with fan, exposure) and supply (order 65).

Every number comes from the public functions the CLI calls (``computegov clusters summary``,
``clusters stocks``, ``clusters exposure``, ``clusters thresholds``, ``supply estimate``) with the
report's seed, so the page and ``--json`` agree.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from computegov.report.section import Section, html_table, note_html

if TYPE_CHECKING:
    from computegov.report.section import ReportContext

__all__ = ["ORDER", "build"]

#: After export control (60), before TCO (70).
ORDER = 65
#: Stock dates of the country chart: each 1 January, and the date of Pilz et al.'s shares.
STOCK_DATES = (*(dt.date(y, 1, 1) for y in range(2019, 2026)), dt.date(2025, 3, 1))
TOP_COUNTRIES = 5
SUPPLY_SAMPLES = 5000


def _e(text: object) -> str:
    return html.escape(str(text))


def _trend_chart(trend: Any) -> Any:
    import altair as alt
    import numpy as np
    import pandas as pd

    fit = trend.fit
    points = pd.DataFrame({"year": fit.years, "flop_per_s": 10 ** fit.log10_values, "system": list(fit.names)})
    grid = np.linspace(fit.year_min, fit.year_max + 2.0, 60)
    lo, hi = fit.band_log10(grid)
    band = pd.DataFrame({"year": grid, "lo": 10**lo, "hi": 10**hi, "fit": fit.predict(grid)})
    y_scale = alt.Scale(type="log")
    dots = alt.Chart(points).mark_circle(size=40).encode(
        x=alt.X("year:Q", title="first operational (year)", scale=alt.Scale(zero=False)),
        y=alt.Y("flop_per_s:Q", title="16-bit FLOP/s", scale=y_scale),
        tooltip=["system:N", alt.Tooltip("flop_per_s:Q", format=".3g")],
    )
    fan = alt.Chart(band).mark_area(opacity=0.25).encode(x="year:Q", y=alt.Y("lo:Q", scale=y_scale), y2="hi:Q")
    line = alt.Chart(band).mark_line().encode(x="year:Q", y=alt.Y("fit:Q", scale=y_scale))
    return (fan + line + dots).properties(
        width=620, height=280,
        title=f"Leading AI supercomputers: doubling every {trend.doubling_time_months:.1f} months (95% band of the line)",
    )


def _headline_html(head: dict[str, Any]) -> str:
    rows = []
    for label, key, pub in (("16-bit FLOP/s", "leading_performance", "performance_doubling_months"),
                            ("power", "leading_power", "power_doubling_months"),
                            ("hardware cost", "leading_hardware_cost", "hardware_cost_doubling_months")):
        tr = head[key]
        lo, hi = tr["doubling_time_ci_months"]
        rows.append([label, str(tr["n"]), f"{tr['doubling_time_months']:.1f}", f"{lo:.1f} to {hi:.1f}",
                     f"~{head['published'][pub]}"])
    return html_table(["leading systems' metric", "systems", "doubling (months)", "95% CI", "Pilz et al. 2025"], rows,
                      caption="Top-10 systems at first operation, 2019 to " + head["date"])


def _exposure_html(ex: Any) -> str:
    rows = [[c.country, str(c.n_systems), f"{c.today.get('controlled', 0):.0%}",
             f"{c.at_first_operation.get('controlled', 0):.0%}", f"{c.today.get('unknown_chip', 0):.0%}"]
            for c in ex.countries[:8]]
    return html_table(["country", "systems", "on controlled chips (today's rule)", "(rule at first operation)",
                       "chip unknown"], rows,
                      caption=f"Share of each country's H100e on chips in ECCN 3A090.a/.b, {ex.date}")


def _year(value: float | None, last: int | None) -> str:
    return f"{value:.1f}" if value is not None else f"after {last}"


def _reaching_html(sizes: Any, checks: Any) -> str:
    """Table of the first-reaching forecasts (median, 90 % interval, P by year) and the hindcast coverage."""
    years = (2027, 2028, 2030, 2035)
    rows = []
    for s in sizes:
        unit = "H100e" if s.metric == "h100e" else "W"
        if s.reached_by:
            rows.append([f"{s.target:.0e} {unit}", f"reached: {s.reached_by} ({s.reached_on})", "", *("1" for _ in years),
                         ""])
            continue
        last = s.by_year[-1][0] if s.by_year else None
        lo, hi = s.interval or (None, None)
        probs = [s.p_reached_by(y) for y in years]
        rows.append([f"{s.target:.0e} {unit}", _year(s.expected_year, last), f"{_year(lo, last)} to {_year(hi, last)}",
                     *("-" if p is None else f"{p:.0%}" for p in probs), s.forecast_method or ""])
    table = html_table(["first system of", "median date", f"{sizes[0].confidence:.0%} interval",
                        *(f"P(by end {y})" for y in years), "method"], rows,
                       caption="When the first system of a size is expected: calibrated record forecast")
    held = "; ".join(f"{h.metric}: held in {h.held} of {len(h.cases)} cases ({h.open_ended} open-ended, "
                     f"{h.skipped} skipped)" for h in checks)
    return table + note_html(
        "Method: the record (largest operational system) forecast by the trends module's methods; the calibrated "
        "method with the best 90 % interval score in a rolling-origin backtest is chosen and its fan read as the "
        "distribution of the crossing date. Hindcast of this whole procedure from 1 January 2019-2025, 90 % "
        f"interval of the crossing date: {held}. An open-ended interval (no upper end within 20 years) covers "
        "easily: read the coverage with its width. The earlier plain trend-line interval held in 4 of 15 H100e cases."
    )


def _supply_html(ctx: ReportContext) -> str:
    import numpy as np

    from computegov.supply import PRESETS, simulate

    rows = []
    for name, params in PRESETS.items():
        sim = simulate(params, rng=np.random.default_rng(ctx.seed), n_samples=SUPPLY_SAMPLES)
        c = sim.central
        rows.append([name, f"{c.gross_dies_per_wafer:.0f}", f"{c.die_yield:.0%}", f"{c.accelerators_per_year:,.0f}",
                     f"{sim.quantiles['0.05']:,.0f} to {sim.quantiles['0.95']:,.0f}", c.binding,
                     f"{sim.binding_share[c.binding]:.0%}"])
    return html_table(["preset", "gross dies/wafer", "die yield", "accelerators/yr", "90% interval", "binding",
                       "binds in"], rows,
                      caption="Manufacturing capacity (computegov supply estimate; most volumes are estimates)")


def build(ctx: ReportContext) -> Section:
    """The AI-supercomputer and supply section."""
    from computegov.charts.base import chart_html
    from computegov.charts.clusters import leading_fan_chart, stock_chart
    from computegov.clusters import (
        CLUSTERS_ATTRIBUTION,
        crossings,
        exposure,
        first_reaching,
        headline,
        hindcast_first_reaching,
        load_clusters,
        stocks_over_time,
    )
    from computegov.clusters.reaching import leading_forecast
    from computegov.clusters.summary import DEFAULT_DATE, select_set

    ctx.progress("AI supercomputers: trends and stocks")
    table = load_clusters()
    head = headline(table.systems, date=DEFAULT_DATE, seed=ctx.seed)
    pool, _ = select_set(table.systems, "standard")
    from computegov.clusters import fit_leading

    trend = fit_leading(pool, until=DEFAULT_DATE, seed=ctx.seed)
    tables = stocks_over_time(pool, STOCK_DATES, by="country", metric="h100e")
    ex = exposure(pool, DEFAULT_DATE)
    planned = [s for s in table if s.status == "planned"]
    cross = [c for c in crossings(pool) if c.operational_while_in_force]
    fans = {m: leading_forecast(pool, m, seed=ctx.seed) for m in ("h100e", "power_w")}
    sizes = [first_reaching(pool, "h100e", 1e6, seed=ctx.seed, planned_systems=planned, fan=fans["h100e"]),
             first_reaching(pool, "power_w", 1e9, seed=ctx.seed, planned_systems=planned, fan=fans["power_w"])]
    checks = [hindcast_first_reaching(pool, m, seed=ctx.seed) for m in ("h100e", "power_w")]
    ctx.progress("AI supercomputers: supply model")
    shares = head["country_shares"]
    parts = [
        note_html(
            f"On {head['date']}, the US held {shares.get('US', 0):.0%} and China {shares.get('CN', 0):.0%} of the "
            f"16-bit performance of the {head['n_systems']} systems in Epoch's standard set (Pilz et al. 2025: about "
            "75 % and 15 %). Chinese systems are mostly anonymised, so their chips are unknown. "
            f"Population: {head['share_population']}."
        ),
        _headline_html(head),
        chart_html(_trend_chart(trend), "clusters-trend"),
        chart_html(stock_chart(tables, title="Compute stock by country (Epoch standard set)"), "clusters-stocks"),
        _exposure_html(ex),
        note_html(
            f"EO 14110 § 4.2(b)(ii) cluster threshold (1e20 op/s, 2023-10-30 to 2025-01-20, revoked): "
            f"{len(cross)} systems were over it while it applied."
        ),
        chart_html(leading_fan_chart(fans["h100e"], pool, target=1e6,
                                     title="Largest AI supercomputer (H100e): calibrated forecast"), "clusters-fan"),
        _reaching_html(sizes, checks),
        _supply_html(ctx),
        note_html(CLUSTERS_ATTRIBUTION),
    ]
    return Section(id="clusters", title="AI supercomputers and manufacturing capacity", html="".join(parts), order=ORDER)
