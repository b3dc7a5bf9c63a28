"""Report section: training compute of notable models, regulatory thresholds, crossings forecast."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from computegov.report.section import Section

if TYPE_CHECKING:
    from computegov.report.section import ReportContext

__all__ = ["build"]

FORECAST_YEARS = tuple(range(2025, 2031))
BACKTEST_YEARS = tuple(range(2019, 2025))


def _e(text: object) -> str:
    return html.escape(str(text))


def build(ctx: ReportContext) -> Section:
    """The training-compute section (order 50)."""
    import numpy as np

    from computegov.charts.base import chart_html
    from computegov.charts.compute import crossing_forecast_chart, models_over_time_chart
    from computegov.compute.trend import (
        NOTABLE_MODELS_SNAPSHOT,
        backtest_crossings,
        counts_over,
        fit_compute_trend,
        forecast_crossings,
        load_notable_models,
    )
    from computegov.policy.thresholds import load_thresholds

    ctx.progress("training compute: fitting the trend")
    models = load_notable_models()
    thresholds = load_thresholds()
    values = sorted({t.value_flop for t in thresholds})
    trend = fit_compute_trend(models)
    frontier = fit_compute_trend(models, since=2018.0, frontier_only=True)
    rng = np.random.default_rng(ctx.seed)
    ctx.progress("training compute: forecasting threshold crossings")
    forecasts = forecast_crossings(values, FORECAST_YEARS, rng, trend=trend, models=models)
    backtest = backtest_crossings(values, BACKTEST_YEARS, rng, models=models)
    actual = counts_over(values, models)

    parts: list[str] = []
    lo, hi = trend.growth_ci95
    flo, fhi = frontier.growth_ci95
    parts.append(
        "<p>Training compute of notable AI models "
        f"({int(trend.start_year)}–{int(trend.end_year)}, n={trend.n}) grew "
        f"<strong>{trend.growth_per_year:.2f}× per year</strong> (95% CI {lo:.2f}–{hi:.2f}; doubling every "
        f"{trend.doubling_time_months:.1f} months); Epoch AI's frontier models since 2018 (n={frontier.n}) grew "
        f"{frontier.growth_per_year:.2f}× per year (95% CI {flo:.2f}–{fhi:.2f}). Epoch AI reports 4–5× per year "
        '(<a href="https://epoch.ai/blog/training-compute-of-frontier-ai-models-grows-by-4-5x-per-year">'
        "Training Compute of Frontier AI Models Grows by 4-5x per Year</a>, 2024).</p>"
    )
    parts.append(
        chart_html(models_over_time_chart(models, thresholds, trend), "compute-models-over-time")
    )

    recent = [y for y in sorted(actual) if y >= 2018]
    head = "".join(f"<th>&gt; {v:.0e} FLOP</th>" for v in values)
    body = "".join(
        f"<tr><td>{y}{' (to ' + NOTABLE_MODELS_SNAPSHOT + ')' if y == 2025 else ''}</td>"
        + "".join(f"<td>{actual[y][v]}</td>" for v in values)
        + "</tr>"
        for y in recent
    )
    parts.append(
        f"<h3>Notable models above each threshold, by year</h3><table><tr><th>year</th>{head}</tr>{body}</table>"
    )

    parts.append(
        chart_html(crossing_forecast_chart(forecasts, actual), "compute-crossings-forecast")
    )
    rows = []
    for year in FORECAST_YEARS:
        cells = []
        for v in values:
            fc = next(f for f in forecasts if f.year == year and f.threshold_flop == v)
            cells.append(f"<td>{fc.mean:.1f} ({fc.p10:.0f}–{fc.p90:.0f})</td>")
        rows.append(f"<tr><td>{year}</td>{''.join(cells)}</tr>")
    inside = sum(r.inside_80 for r in backtest) / len(backtest) if backtest else float("nan")
    parts.append(
        "<h3>Forecast: notable models above each threshold (mean, 80% interval)</h3>"
        f"<table><tr><th>year</th>{head}</tr>{''.join(rows)}</table>"
        "<p>Method: log10 compute of a year's models ~ Normal(trend, residual spread) with the trend's "
        "coefficients drawn from their sampling distribution; models per year Poisson with the mean of the "
        f"last three complete years ({forecasts[0].models_per_year:.0f}). Backtest (fit on years before Y, "
        f"forecast Y, {BACKTEST_YEARS[0]}–{BACKTEST_YEARS[-1]}): the actual count fell inside the 80% interval in "
        f"{inside:.0%} of {len(backtest)} cases. Counts are of models in Epoch AI's notable set, not all models "
        "trained; Epoch's compute estimates carry their own uncertainty.</p>"
    )

    parts.append(_coverage_html())

    items = "".join(
        f"<li><strong>{_e(t.jurisdiction)}</strong> {_e(t.instrument)}, {_e(t.legal_reference)}: "
        f"&gt; {t.value_flop:.0e} FLOP; {_e(t.status.replace('_', ' '))}, from {t.in_force_from}"
        + (f" until {t.in_force_until}" if t.in_force_until else "")
        + f". Counts: {_e(', '.join(t.counts))}. Source: {_e(t.sources[0])}</li>"
        for t in thresholds
    )
    parts.append(f"<h3>Thresholds</h3><ul>{items}</ul>")
    parts.append(
        f'<p class="attribution">Data: Epoch AI, Notable AI Models (snapshot {NOTABLE_MODELS_SNAPSHOT}), '
        "https://epoch.ai/data (CC-BY 4.0). Not legal advice.</p>"
    )
    return Section(
        id="training-compute",
        title="Training compute and regulatory thresholds",
        html="\n".join(parts),
        order=50,
    )


def _coverage_html() -> str:
    """Table: how often each estimation method's 90 % interval holds Epoch AI's figure."""
    from computegov.compute.calibration import calibrate, calibration_samples

    rows = "".join(
        f"<tr><td>{_e(c.method)}</td><td>{_e(c.case.replace('_', ' '))}</td><td>{c.n}</td>"
        f"<td>{c.coverage_deployed:.0%}</td><td>{c.coverage_leave_one_out:.0%}</td>"
        f"<td>{c.coverage_after_split:.0%} (n={c.n_after})</td><td>{c.median_abs_error_oom:.3f}</td></tr>"
        for c in calibrate(calibration_samples())
    )
    return (
        "<h3>How often our estimates' 90% intervals hold Epoch AI's figures</h3>"
        "<table><tr><th>method</th><th>case</th><th>models</th><th>in our interval</th>"
        "<th>leave-one-out</th><th>fitted before 2021, checked after</th><th>median |error| (OOM)</th></tr>"
        f"{rows}</table>"
        "<p>Interval widths are the 5th-95th percentiles of log10(Epoch / ours) over the models with each "
        "method's inputs (computegov.compute.intervals); the out-of-sample columns are the honest ones. "
        "The measured method cannot be checked here: Epoch's table holds no meter reports.</p>"
    )

