"""Report section: the largest training run feasible each year, constraint by constraint (order 75).

Every number comes from the public functions ``computegov outlook`` calls
(:func:`computegov.outlook.build_preset`, :func:`~computegov.outlook.feasible_runs`,
:func:`~computegov.outlook.sensitivity`) with the report's seed. Kept cheap (a few seconds): the
toolkit preset's record forecasts at modest ensemble sizes, 20,000 joint draws, a tornado at
3,000 draws per rerun, the epoch2024 preset for the anchor check; the hindcast (two more toolkit
builds) is left to ``computegov outlook hindcast``.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from computegov.report.section import Section, fmt_number, html_table, note_html

if TYPE_CHECKING:
    from computegov.outlook import Outlook
    from computegov.report.section import ReportContext

__all__ = ["ORDER", "build"]

#: After TCO (70), emerging (68) and clusters (65): the outlook draws on all of them.
ORDER = 75
#: Draws of the report's Monte Carlo (the CLI's default is 100,000).
DRAWS = 20_000
#: Year the tornado and the anchor check read.
FOCUS_YEAR = 2030


def _log(x: float) -> str:
    return f"{math.log10(x):.1f}"


def _year_table(out: Outlook) -> str:
    i05, i50, i95 = (out.levels.index(x) for x in (0.05, 0.5, 0.95))
    head = ["year", *(c.name + ("" if c.in_minimum else " (not in minimum)") for c in out.constraints),
            "feasible: median (5-95 %)", "binding (share of draws)", "trend", "P(trend > feasible)"]
    rows = []
    for i, y in enumerate(out.years):
        f = out.feasible_flop[i]
        rows.append([str(y), *(_log(c.quantiles_flop[i][i50]) for c in out.constraints),
                     f"{_log(f[i50])} ({_log(f[i05])}-{_log(f[i95])})",
                     f"{out.binding[i]} ({out.constraint(out.binding[i]).binding_share[i]:.0%})",
                     _log(out.trend.quantiles_flop[i][i50]) if out.trend else "–",
                     f"{out.p_trend_above_feasible[i]:.0%}" if out.p_trend_above_feasible else "–"])
    return html_table(head, rows, caption=f"Largest training run feasible, log10 FLOP (medians), {out.preset.name} preset")


def build(ctx: ReportContext) -> Section:
    """The toolkit outlook's fans, binding shares, trend, tornado, and the epoch2024 anchor check."""
    import numpy as np

    from computegov.charts.base import chart_html
    from computegov.charts.outlook import binding_chart, fan_chart, tornado_chart
    from computegov.outlook import (
        DEFAULT_YEARS,
        ToolkitSources,
        build_preset,
        feasible_runs,
        sensitivity,
    )

    ctx.progress("outlook: largest feasible training run")
    years = list(DEFAULT_YEARS)
    sources = ToolkitSources(chips=tuple(ctx.catalog), n_samples=300, n_boot=60, seed=ctx.seed)
    toolkit = build_preset("toolkit", years, sources=sources)
    out = feasible_runs(toolkit, years, rng=np.random.default_rng(ctx.seed), n_draws=DRAWS)
    sens = sensitivity(toolkit, FOCUS_YEAR, rng=np.random.default_rng(ctx.seed), n_draws=3_000)
    epoch = feasible_runs(build_preset("epoch2024", years), years, rng=np.random.default_rng(ctx.seed), n_draws=DRAWS,
                          with_trend=False)
    checks = [[c.constraint, fmt_number(c.model_median_flop), fmt_number(c.anchor_median_flop), f"{c.ratio:.2f}",
               "yes" if c.within_factor else "NO", c.source] for c in epoch.anchor_checks]
    i = out.years.index(FOCUS_YEAR)
    feasible = out.median("feasible", FOCUS_YEAR)
    trend = out.trend.median(FOCUS_YEAR) if out.trend else None
    meets = out.trend_meets_feasible_year
    parts = [
        note_html(f"For each year, the largest training run (FLOP) that each constraint allows: power (largest AI "
                  f"site x FLOP/J x utilisation x run length), chips (accelerators per year x share to one run x "
                  f"FLOP/s), data (tokens x Chinchilla compute per token), latency (sequential steps x the minimum "
                  f"time per step) and money (spending x FLOP per dollar of ownership). The feasible run is the "
                  f"minimum per draw of {DRAWS:,} joint Monte Carlo draws (correlations stated in the preset). "
                  f"{FOCUS_YEAR}: feasible median {fmt_number(feasible)} FLOP, binding: {out.binding[i]}; the "
                  f"frontier trend's median {fmt_number(trend)} FLOP. "
                  + (f"The trend's median first reaches the feasible median in {meets}."
                     if meets else "The trend's median stays below the feasible median through the last year.")),
        chart_html(fan_chart(out, title="Largest training run feasible: toolkit preset"), "outlook-fan"),
        chart_html(binding_chart(out), "outlook-binding"),
        _year_table(out),
        chart_html(tornado_chart(sens), "outlook-tornado"),
        html_table(["input", "5th pct", "95th pct", "run at 5th", "run at 95th", "swing (orders of magnitude)"],
                   [[r.input, fmt_number(r.low_value), fmt_number(r.high_value), fmt_number(r.feasible_at_low_flop),
                     fmt_number(r.feasible_at_high_flop), f"{r.swing_log10:.2f}"] for r in sens.rows],
                   caption=f"Which input moves the {FOCUS_YEAR} answer most ({sens.method})"),
        html_table(["constraint", "model median (FLOP)", "anchor median (FLOP)", "ratio", "within x3", "anchor source"],
                   checks, caption=f"epoch2024 preset against Sevilla et al. (2024), {FOCUS_YEAR}; binding: "
                                   f"{epoch.binding[epoch.years.index(FOCUS_YEAR)]} (anchor: power)"),
        note_html("Caveats: " + " ".join(toolkit.notes + epoch.preset.notes)),
        f"<p>Hindcast (2020 and 2022 data against the largest runs that happened): "
        f"<code>{html.escape('computegov outlook hindcast')}</code>; every input and its source: "
        f"<code>{html.escape('computegov outlook presets')}</code>.</p>",
    ]
    return Section(id="outlook", title="Outlook: largest feasible training run", html="".join(parts), order=ORDER)
