"""Report section: rolling-origin backtests of forecasting methods."""

from __future__ import annotations

from computegov.report.section import ReportContext, Section, html_table, note_html

__all__ = ["BACKTESTS", "ORDER", "SHARES", "build"]

ORDER = 40

#: Shares the trend fits, backtests and record forecasts (``ReportContext.cache``) with these sections.
SHARES = "trends"

#: (metric, chip set) backtested.
BACKTESTS: tuple[tuple[str, str], ...] = (
    ("training_flop_per_s", "ml"),
    ("flop_per_s_per_usd", "ml"),
    ("flop_per_j", "ml"),
    ("memory_bandwidth_bytes_per_s", "ml"),
)


def _pct(value: float | None) -> str:
    return "point forecast" if value is None else f"{value:.0%}"


def build(ctx: ReportContext) -> Section:
    """The backtests section (the same backtests as the trends section's calibration table)."""
    from computegov.charts.base import chart_html
    from computegov.charts.trends import backtest_chart
    from computegov.report.sections.trends import calibration_backtests
    from computegov.trends.methods import method_label
    from computegov.trends.metrics import get_metric

    results = calibration_backtests(ctx)
    rows: list[list[str]] = []
    best_rows = []
    charts = []
    for metric, _chip_set in BACKTESTS:
        result = results.get(metric, "not in the report's backtests")
        label = get_metric(metric).label
        if isinstance(result, str):
            best_rows.append([label, f"not run: {result}", "", "", ""])
            continue
        rows.extend(
            [
                label,
                method_label(s.method),
                str(s.n),
                f"{s.mean_abs_error_log10:.3f}",
                f"{s.bias_log10:+.3f}",
                f"{s.mean_crps_log10:.3f}",
                _pct(s.coverage_50),
                _pct(s.coverage_90),
            ]
            for s in result.summaries
        )
        best = result.best_method
        best_summary = result.summary(best or "")
        accuracy = "–"
        if best_summary is not None and best_summary.coverage_90 is not None:
            accuracy = f"{method_label(best or '')}: 90 % band held {best_summary.coverage_90:.0%}"
        elif best_summary is not None:
            accuracy = f"{method_label(best or '')} (point forecast, no interval)"
        check = result.calibration_check()
        best_rows.append(
            [
                label,
                accuracy,
                method_label(check["method"]) if check["method"] else "–",
                f"{result.origins[0]}–{result.origins[-1]}",
                check["statement"],
            ]
        )
        if metric in (BACKTESTS[0][0], "flop_per_s_per_usd"):
            charts.append(
                chart_html(backtest_chart(result), f"backtest-{metric}".replace("_", "-"))
            )
    intro = note_html(
        "For each origin year Y every method is fitted on chips released before 1 January Y and "
        "forecasts the record (best value among chips released so far) at 1 January of Y+1 ... Y+5, "
        "scoring only dates covered by the data. Errors are observed minus median in log10 units "
        "(0.3 = a factor of 2; positive = the method under-forecast). CRPS (scoringrules, log10 "
        "units) rewards sharp and calibrated forecasts; for point forecasts it equals the absolute "
        "error. A calibrated method's 50 % and 90 % bands hold about 50 % and 90 % of outcomes."
    ) + note_html(
        "The uncalibrated log-linear methods' 90 % bands held only 40-76 % of outcomes: records grew "
        "faster or in bigger jumps than the earlier trend implied (tensor cores, HBM). Each method "
        "is therefore also run calibrated ('calibrated on its past hindcasts': widened or narrowed "
        "to the coverage its own earlier hindcasts achieved, using no outcome after the forecast "
        "origin), beside Farmer & Lafond's random walk with drift. Forecasts elsewhere in this report "
        "use the best calibrated method by 90 % interval score; the reliability charts are in the "
        "trends section."
    )
    best_table = html_table(
        ["metric", "most accurate (lowest mean CRPS)", "best calibrated (lowest 90 % interval score)",
         "origins", "does the calibrated band hold?"],
        best_rows,
        caption="Which method has been most accurate, and which is used for forecasts",
    )
    table = html_table(
        [
            "metric",
            "method",
            "n",
            "mean |log10 error|",
            "bias (log10)",
            "mean CRPS",
            "50 % coverage",
            "90 % coverage",
        ],
        rows,
        caption="Every method",
    )
    return Section(
        id="backtests",
        title="Backtests",
        html=intro + best_table + table + "".join(charts),
        order=ORDER,
    )
