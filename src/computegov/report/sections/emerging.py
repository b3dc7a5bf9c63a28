"""Report section: emerging hardware claims beside the CMOS energy-efficiency trend (order 68).

Every number comes from the public functions ``computegov emerging register`` and ``emerging
compare`` call (:func:`computegov.emerging.load_register`, :func:`computegov.emerging.compare_claims`)
with the report's seed, so the page and ``--json`` agree. Kept cheap: one record forecast per
trend metric at modest ensemble sizes (about a second).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from computegov.report.section import Section, fmt_number, html_table, note_html

if TYPE_CHECKING:
    from computegov.report.section import ReportContext

__all__ = ["ORDER", "build"]

#: After clusters (65), before TCO (70).
ORDER = 68
#: Last year of the record forecasts the claims are set against.
TO_YEAR = 2060


def _years(value: float | None) -> str:
    return "beyond the forecast" if value is None else f"{value:+.1f}"


def build(ctx: ReportContext) -> Section:
    """The register's comparable claims on the FLOP/J trend, a table, and what is not comparable."""
    from computegov.charts.base import chart_html
    from computegov.charts.emerging import claims_chart
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
        chart_html(claims_chart(rows, {k: c.decimal_year for k, c in by_id.items()}, chips, forecasts["flop_per_j"]),
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
