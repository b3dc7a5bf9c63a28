"""Report section: total cost of ownership, and sticker-price vs TCO price-performance trends."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from computegov.costs.money import format_usd
from computegov.report.section import ReportContext, Section, fmt_number, html_table, note_html

if TYPE_CHECKING:
    from computegov.costs import TcoSummary

__all__ = ["ORDER", "build", "trend_rates"]

ORDER = 70

#: Chips shown in the TCO table: the most recent datacenter accelerators with the data.
_TABLE_ROWS = 15


def trend_rates(rows: Sequence[TcoSummary]) -> dict[str, tuple[float, float, int]]:
    """OLS growth of sticker and TCO FLOP per USD over release year.

    Returns:
        measure -> (growth per year (x/yr), doubling time in years, number of chips).
    """
    import numpy as np

    points = [r for r in rows if r.release_year is not None and r.sticker_flop_per_usd]
    if len(points) < 3:
        return {}
    years = np.array([r.release_year for r in points], dtype=float)
    out = {}
    for label, values in (
        ("chip price only", [r.sticker_flop_per_usd for r in points]),
        ("total cost of ownership", [r.tco_flop_per_usd.central for r in points]),
    ):
        slope = float(np.polyfit(years, np.log10(np.asarray(values, dtype=float)), 1)[0])
        growth = 10.0**slope
        doubling = math.log10(2.0) / slope if slope > 0 else math.inf
        out[label] = (growth, doubling, len(points))
    return out


def _server_included(ctx: ReportContext, name: str) -> bool:
    """True when the catalogue price of chip ``name`` includes its server share (cost assumptions)."""
    from computegov.costs import default_assumptions
    from computegov.errors import ComputegovError

    try:
        chip = ctx.catalog.get(name)
    except ComputegovError:
        return False
    return default_assumptions().server_included((chip.name, *chip.aliases)) is not None


def build(ctx: ReportContext) -> Section:
    """The TCO section: the contrast chart, the trend rates and a table of recent accelerators."""
    from computegov.charts.base import chart_html
    from computegov.charts.planning import tco_trend_chart
    from computegov.costs import TCO_DOLLAR_YEAR, default_cost_model, tco_table

    ctx.progress("total cost of ownership")
    model = default_cost_model()
    rows = tco_table(ctx.catalog, model)
    year = TCO_DOLLAR_YEAR
    parts = [
        note_html(
            f"Total cost of ownership (TCO) per chip-hour in USD {year}: the chip's price plus "
            "server, network and storage shares, amortised over its lifetime at a cost of capital, "
            "plus datacenter construction per MW amortised, plus electricity (TDP x server overhead x "
            "average draw x PUE x price). Useful FLOP assume the same model FLOP utilisation for every "
            f"chip ({model.utilisation.central:g}). Every default is a cited assumption: "
            "`computegov costs assumptions`. Staff, software and failed runs are not included."
        )
    ]
    if not rows:
        parts.append(
            note_html("No chip in the catalogue has a launch price, a TDP and a training peak.")
        )
        return Section(id="tco", title="Total cost of ownership", html="".join(parts), order=ORDER)
    rates = trend_rates(rows)
    parts.append(chart_html(tco_trend_chart(rows, year), "tco-trend"))
    if rates:
        parts.append(
            html_table(
                ["measure", "growth (x/yr)", "doubling time (years)", "chips"],
                [[k, fmt_number(g), fmt_number(d), str(n)] for k, (g, d, n) in rates.items()],
                caption="Least-squares trend of log10 FLOP per USD on release year (same chips)",
            )
        )
        sticker = rates.get("chip price only")
        tco = rates.get("total cost of ownership")
        if sticker and tco:
            why = (
                "faster: power and facility costs, which scale with TDP, have become a smaller share "
                "of the whole cost"
                if tco[1] < sticker[1]
                else "slower: power and facility costs, which scale with TDP rather than with price, "
                "have fallen more slowly than chip prices"
            )
            parts.append(
                note_html(
                    f"Counting only the chip price, price-performance doubles every {sticker[1]:.2f} "
                    f"years; over the whole cost of ownership every {tco[1]:.2f} years, i.e. {why}."
                )
            )
    recent = sorted(
        (r for r in rows if r.release_year is not None),
        key=lambda r: r.release_year or 0.0,
        reverse=True,
    )[:_TABLE_ROWS]
    table_rows = []
    for r in recent:
        hour = r.chip_hour.total_usd
        table_rows.append(
            [
                r.chip_name,
                f"{r.release_year:.1f}",
                format_usd(r.price_usd) if r.price_usd is not None else "–",
                f"{format_usd(hour.central)} ({format_usd(hour.low)}–{format_usd(hour.high)})",
                fmt_number(r.tco_flop_per_usd.central),
                fmt_number(r.sticker_flop_per_usd),
                fmt_number(r.tco_over_sticker),
                fmt_number(r.tco_flop_per_j.central if r.tco_flop_per_j else None),
            ]
        )
    parts.append(
        html_table(
            [
                "chip",
                "released",
                f"chip price, chip alone (USD {year})",
                f"USD {year} per chip-hour (low–high)",
                "FLOP/USD, TCO",
                "FLOP/USD, chip only",
                "TCO / chip-only cost",
                "FLOP per facility J",
            ],
            table_rows,
            caption=f"Most recent {len(table_rows)} of {len(rows)} chips with price, TDP and peak",
        )
    )
    included = [name for name in (r.chip_name for r in rows) if _server_included(ctx, name)]
    if included:
        parts.append(
            note_html(
                "Some catalogue prices include the chip's share of a server (e.g. H100: DGX H100 / 8, "
                f"per its source note; here: {', '.join(sorted(set(included)))}). Those prices are "
                "turned into chip-alone prices before the server share is added (the 'chip price, "
                "chip alone' column shows the price used), so the server is counted once."
            )
        )
    return Section(
        id="tco",
        title="Total cost of ownership",
        html="".join(parts),
        order=ORDER,
    )
