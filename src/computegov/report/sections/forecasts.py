"""Report section: forecasts to 2040 under named scenarios, capped by physical limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from computegov.errors import ComputegovError
from computegov.report.section import ReportContext, Section, fmt_number, html_table, note_html
from computegov.report.sections.trends import calibrated_record, trend_fits

if TYPE_CHECKING:
    from computegov.trends.forecast import Forecast

__all__ = ["FORECASTS", "ORDER", "SHARES", "YEARS", "build"]

ORDER = 30

#: Shares the trend fits, backtests and record forecasts (``ReportContext.cache``) with these sections.
SHARES = "trends"

#: (metric, chip set, on the broad GPU set?) forecast in the report.
FORECASTS: tuple[tuple[str, str, bool], ...] = (
    ("training_flop_per_s", "ml", False),
    ("flop_per_s_per_usd", "ml", False),
    ("flop_per_usd_tco", "ml", False),
    ("flop_per_j", "ml", False),
    ("memory_bandwidth_bytes_per_s", "ml", False),
    ("transistors_per_mm2", "all", True),
)

#: Forecast years.
YEARS: tuple[int, ...] = tuple(range(2026, 2041))

#: Years shown in the table.
TABLE_YEARS: tuple[int, ...] = (2030, 2035, 2040)

#: Monte Carlo paths per forecast.
N_PATHS = 200_000


def _short(value: float) -> str:
    """Two significant digits: ``4.2e15``."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _caps_note(fc: Forecast) -> str:
    """The caps that apply and how often the tightest binds in the last year."""
    if not fc.caps:
        return "none"
    names = ", ".join(name for name, _ in fc.caps)
    return f"{names} ({fc.capped_fraction[-1]:.0%})"


def _sources() -> str:
    from computegov.trends.forecast import load_limits, load_scenarios

    scenario_rows = [
        [
            s.name,
            s.title,
            s.kind if s.kind != "slowdown" else f"slowdown ({s.shape})",
            ", ".join(s.applies_to) or "every metric",
            s.status,
            s.source,
        ]
        for s in load_scenarios().values()
    ]
    limit_rows = [
        [
            lim.title,
            ", ".join(lim.applies_to),
            fmt_number(lim.value),
            lim.unit,
            "hard" if lim.hard else "paradigm",
            lim.source,
        ]
        for lim in load_limits()
    ]
    unavailable = [s for s in load_scenarios().values() if not s.available]
    notes = "".join(note_html(f"{s.title}: {s.notes}") for s in unavailable)
    caveats = "".join(
        note_html(f"{s.title}: {s.notes}")
        for s in load_scenarios().values()
        if s.available and s.notes
    )
    return (
        "<h3>Scenarios</h3>"
        + html_table(["scenario", "title", "kind", "applies to", "status", "source"], scenario_rows)
        + notes
        + caveats
        + "<h3>Physical limits (caps)</h3>"
        + html_table(
            ["limit", "caps", "value", "unit", "kind", "source and assumptions"], limit_rows
        )
    )


def build(ctx: ReportContext) -> Section:
    """The forecasts section."""
    from computegov.charts.base import chart_html
    from computegov.charts.trends import forecast_chart
    from computegov.trends.forecast import forecast, scenarios_for
    from computegov.trends.metrics import get_metric

    fits = trend_fits(ctx)
    parts = [
        note_html(
            "First row of each metric: the record (best chip released so far) at 1 January of "
            "each year, by the method whose bands held best in hindcasts (lowest 90 % interval "
            "score among the calibrated methods), labelled with how often its 90 % bands held. "
            f"Scenario rows: quantiles by year from {N_PATHS:,} Monte Carlo paths per scenario: each "
            "path draws the trend's parameters from the fit's bootstrap and one chip's scatter "
            "around the line, follows the scenario, and is capped by every physical limit that "
            "applies. Read their median as 'a typical chip of the set released that year' and the "
            "5-95 % band as the range such a chip could fall in."
        )
    ]
    rows = []
    for metric, chip_set, is_broad in FORECASTS:
        fit = fits.get((metric, chip_set, is_broad))
        if fit is None or isinstance(fit, str):
            parts.append(note_html(f"{metric}: no forecast ({fit or 'not fitted'})"))
            continue
        made = []
        record = calibrated_record(ctx, metric) if chip_set == "ml" and not is_broad else None
        if isinstance(record, str):
            parts.append(note_html(f"{metric}: no record forecast ({record})"))
        elif record is not None:
            made.append(record.as_forecast())
            cells = [get_metric(metric).label, fit.unit, f"record by {record.method}: {record.coverage_note}"]
            for year in TABLE_YEARS:
                q = record.quantiles[record.years.index(year)]
                cells.append(f"{_short(q[2])} ({_short(q[0])}–{_short(q[-1])})")
            cells.append("none (calibrated on hindcasts)")
            rows.append(cells)
        for scenario in scenarios_for(metric):
            ctx.progress(f"forecast {metric} ({scenario.name})")
            try:
                fc = forecast(
                    fit, YEARS, scenario, rng=np.random.default_rng(ctx.seed), n_paths=N_PATHS
                )
            except ComputegovError as err:
                parts.append(note_html(f"{metric} / {scenario.name}: {err}"))
                continue
            made.append(fc)
            label = get_metric(metric).label + (" (broad GPU set)" if is_broad else "")
            cells = [label, fit.unit, scenario.name]
            for year in TABLE_YEARS:
                i = fc.years.index(float(year))
                q = fc.quantiles[i]
                cells.append(f"{_short(q[2])} ({_short(q[0])}–{_short(q[4])})")
            cells.append(_caps_note(fc))
            rows.append(cells)
        if made:
            ctx.cache.setdefault("forecasts", {})[metric] = made
            chart_id = f"forecast-{metric}".replace("_", "-")
            parts.append(
                chart_html(
                    forecast_chart(made, fit=fit, title=f"Forecast: {get_metric(metric).label}"),
                    chart_id,
                )
            )
    table = html_table(
        [
            "metric",
            "unit",
            "scenario",
            *[f"{y} median (5–95 %)" for y in TABLE_YEARS],
            f"caps (share of paths capped in {TABLE_YEARS[-1]})",
        ],
        rows,
        caption="Forecasts of a chip released in each year (scenarios are described below)",
    )
    body = parts[0] + table + "".join(parts[1:]) + _sources()
    return Section(id="forecasts", title="Forecasts to 2040", html=body, order=ORDER)
