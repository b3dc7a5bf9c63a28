"""Report section: what is in the catalogue and the headline trends."""

from __future__ import annotations

import collections
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from computegov.errors import ComputegovError
from computegov.report.section import ReportContext, Section, fmt_number, html_table, note_html
from computegov.report.sections.trends import BROAD_ROWS, TREND_ROWS, trend_fits

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["HEADLINES", "ORDER", "SHARES", "build"]

ORDER = 10

#: Shares the trend fits, backtests and record forecasts (``ReportContext.cache``) with these sections.
SHARES = "trends"

#: Headline trends: (metric, chip set, phrase).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("training_flop_per_s", "ml", "Peak training FLOP/s of ML hardware"),
    ("flop_per_s_per_usd", "ml", "Price-performance (FLOP/s per constant dollar)"),
    ("flop_per_usd_tco", "ml", "FLOP per dollar of total cost of ownership"),
    ("flop_per_j", "ml", "Energy efficiency (FLOP/J)"),
    ("memory_bandwidth_bytes_per_s", "ml", "Memory bandwidth"),
    ("memory_bytes", "ml", "Memory capacity"),
)


def _coverage(chips: Sequence[Chip]) -> str:
    from computegov.trends.metrics import get_metric

    rows = []
    # Every metric the trends section fits, in its order.
    names = dict.fromkeys(m for m, _ in (*TREND_ROWS, *BROAD_ROWS))
    for name in names:
        metric = get_metric(name)
        try:
            n = sum(1 for chip in chips if metric(chip) is not None)
            rows.append([metric.label, name, metric.unit, f"{n} of {len(chips)}", metric.needs])
        except ComputegovError as err:
            rows.append([metric.label, name, metric.unit, "unavailable", str(err)])
    return html_table(
        ["metric", "CLI --metric", "unit", "chips with it", "needs"],
        rows,
        caption="Data coverage in the bundled catalogue (the broad GPU set adds ~2,800 GPUs)",
    )


def build(ctx: ReportContext) -> Section:
    """The summary section."""
    chips = list(ctx.catalog)
    ctx.progress("summary")
    by_origin = collections.Counter(getattr(c, "origin", "?") for c in chips)
    by_kind = collections.Counter(getattr(c, "kind", "?") for c in chips)
    by_maker = collections.Counter(getattr(c, "manufacturer", "?") for c in chips)
    dates = sorted(c.release_date for c in chips if c.release_date is not None)
    span = f"{dates[0].isoformat()} to {dates[-1].isoformat()}" if dates else "no dates"
    facts = [
        ["chips", str(len(chips))],
        ["release dates", span],
        ["by source", ", ".join(f"{k} {v}" for k, v in by_origin.most_common())],
        ["by kind", ", ".join(f"{k} {v}" for k, v in by_kind.most_common())],
        ["top manufacturers", ", ".join(f"{k} {v}" for k, v in by_maker.most_common(8))],
    ]
    anomalies = getattr(ctx.catalog, "anomalies", None)
    if anomalies is not None:
        facts.append(["data problems flagged", f"{len(anomalies)} (computegov catalog anomalies)"])
    fits = trend_fits(ctx)
    headline_rows = []
    sentences = []
    for metric, chip_set, phrase in HEADLINES:
        fit = fits.get((metric, chip_set, False))
        if fit is None or isinstance(fit, str):
            headline_rows.append([phrase, "–", "–", fit or "not fitted"])
            continue
        lo, hi = fit.doubling_time_ci_years
        headline_rows.append(
            [
                phrase,
                f"{fmt_number(fit.doubling_time_years)} ({fmt_number(lo)}–{fmt_number(hi)})",
                f"{fit.growth_per_year:.2f}x",
                fit.coverage_note,
            ]
        )
        sentences.append(f"{phrase} doubles every {fit.doubling_time_years:.1f} years")
    lead = "; ".join(sentences) + "." if sentences else ""
    body = [
        f"<p>{html.escape(lead)}</p>" if lead else "",
        html_table(["", ""], facts, caption="The catalogue"),
        html_table(
            ["trend", "doubling time, years (95 % CI)", "growth per year", "chips"],
            headline_rows,
            caption="Headline trends (ML hardware, all chips in the set)",
        ),
        _coverage(chips),
        note_html(
            "Sections: trends (fits with bootstrap intervals), forecasts (scenarios and physical "
            "caps), backtests (how each forecasting method would have done), then sections from the "
            "compute, export-control and cost modules where installed."
        ),
    ]
    return Section(id="summary", title="Summary", html="".join(body), order=ORDER)
