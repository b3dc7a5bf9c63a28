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


def _stock_chart(tables: Any) -> Any:
    import altair as alt
    import pandas as pd

    leaders = [r.group for r in tables[-1].rows[:TOP_COUNTRIES]]
    rows = []
    for table in tables:
        other = 0.0
        for r in table.rows:
            if r.group in leaders:
                rows.append({"date": table.date.isoformat(), "country": r.group, "h100e": r.value})
            else:
                other += r.value
        rows.append({"date": table.date.isoformat(), "country": "other", "h100e": other})
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_area()
        .encode(
            x=alt.X("date:T", title="date"),
            y=alt.Y("h100e:Q", stack="zero", title="operational H100-equivalents"),
            color=alt.Color("country:N", sort=[*leaders, "other"]),
            tooltip=["date:T", "country:N", alt.Tooltip("h100e:Q", format=",.0f")],
        )
        .properties(width=620, height=280, title="Compute stock by country (Epoch standard set)")
    )


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
    from computegov.clusters.summary import DEFAULT_DATE, select_set
    from computegov.clusters.thresholds import HINDCAST_ORIGINS

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
    sizes = [first_reaching(pool, "h100e", 1e6, seed=ctx.seed, planned_systems=planned),
             first_reaching(pool, "power_w", 1e9, seed=ctx.seed, planned_systems=planned)]
    checks = [hindcast_first_reaching(pool, m, HINDCAST_ORIGINS, seed=ctx.seed) for m in ("h100e", "power_w")]
    ctx.progress("AI supercomputers: supply model")
    shares = head["country_shares"]
    parts = [
        note_html(
            f"On {head['date']}, the US held {shares.get('US', 0):.0%} and China {shares.get('CN', 0):.0%} of the "
            f"16-bit performance of the {head['n_systems']} systems in Epoch's standard set (Pilz et al. 2025: about "
            "75 % and 15 %). Chinese systems are mostly anonymised, so their chips are unknown."
        ),
        _headline_html(head),
        chart_html(_trend_chart(trend), "clusters-trend"),
        chart_html(_stock_chart(tables), "clusters-stocks"),
        _exposure_html(ex),
        note_html(
            f"EO 14110 § 4.2(b)(ii) cluster threshold (1e20 op/s, 2023-10-30 to 2025-01-20, revoked): "
            f"{len(cross)} systems were over it while it applied. "
            + " ".join(
                f"First {s.target:.0e} {'H100e' if s.metric == 'h100e' else 'W'} system: expected "
                f"{s.expected_year:.1f} ({s.confidence:.0%} CI {s.expected_year_ci[0]:.1f} to {s.expected_year_ci[1]:.1f})."
                for s in sizes if s.expected_year is not None and s.expected_year_ci is not None
            )
            + " Simple record-trend fit with bootstrap; the interval is not calibrated: in hindcasts "
            + "; ".join(f"{h.metric} {sum(c.covered for c in h.cases)} of {len(h.cases)}" for h in checks)
            + " past cases fell inside it."
        ),
        _supply_html(ctx),
        note_html(CLUSTERS_ATTRIBUTION),
    ]
    return Section(id="clusters", title="AI supercomputers and manufacturing capacity", html="".join(parts), order=ORDER)
