"""Speed of the trend forecast, bootstrap and Theil-Sen fit, as ratios to what a practitioner would write.

Every baseline runs in the same process on the same inputs; each ratio is ours / baseline
(below 1: we are faster; above 1: we are slower, and the line says so).

- Forecast: ``computegov.trends.forecast`` (bootstrap parameters, scatter, physical cap, five
  quantiles per year) against the same arithmetic in ordinary vectorised NumPy: a
  ``numpy.random.Generator`` draws every path at once, float64, and ``np.quantile`` takes the
  quantiles. Two layouts are timed, paths as rows (``axis=0``, how it is usually written) and
  years as rows (``axis=1``, contiguous, faster); the headline ratio is against the faster one.
  Sizes: 10^4, 10^5 and 10^6 paths x 15 years (``--quick``: 10^4 and 5 x 10^4).
- Bootstrap: ``computegov.trends.fit.bootstrap_ols`` against ``scipy.stats.bootstrap``
  (``paired=True, vectorized=True``, percentile method) with a vectorised OLS-slope statistic.
  Both give the slope's bootstrap distribution; scipy also returns the interval.
- Theil-Sen: ``computegov.trends.fit.theil_sen`` against ``scipy.stats.theilslopes`` on a
  broad-set-sized series, checking the results are identical.

Usage: python benchmarks/trends_speed.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import numpy as np

from computegov.trends.fit import TrendFit, bootstrap_ols, fit_log_linear, theil_sen
from computegov.trends.forecast import QUANTILE_LEVELS, forecast, limits_for

YEARS = list(range(2026, 2041))


def _fit() -> TrendFit:
    rng = np.random.default_rng(0)
    years = np.sort(2008 + 17 * rng.random(143))
    log_values = 11 + 0.19 * (years - 2008) + 0.5 * rng.standard_normal(143)
    return fit_log_linear(years, 10**log_values, rng=rng, n_boot=2000, metric="training_flop_per_s")


def _interleaved(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median CPU time of each function, run in turn (rotating order) so load hits them alike.

    CPU time of this process (all of this work is single-threaded NumPy), steadier than wall time
    on a shared machine.
    """
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            started = time.process_time()
            fns[name]()
            times[name].append(time.process_time() - started)
    return {name: statistics.median(v) for name, v in times.items()}


def _words(ratio: float) -> str:
    """``ratio`` = ours / baseline, in words."""
    if ratio > 1:
        return f"{ratio:.2f}x the baseline's time: SLOWER"
    return f"{ratio:.2f}x the baseline's time: faster ({1 / ratio:.2f}x)"


def numpy_forecast(fit: TrendFit, years: list[int], rng: np.random.Generator, n_paths: int,
                   *, years_as_rows: bool) -> np.ndarray:
    """Baseline: the forecast in plain vectorised NumPy (float64); quantiles (n_years, 5), log10.

    Same model as the library: a bootstrap (intercept, slope) pair and one residual offset per
    path, the trend line, the metric's lowest physical cap, then the five quantiles by year.
    """
    pick = rng.integers(0, fit.boot_slopes.size, size=n_paths)
    a, b = fit.boot_intercepts[pick], fit.boot_slopes[pick]
    eps = rng.standard_normal(n_paths) * fit.residual_sd_log10
    t = np.asarray(years, dtype=float) - fit.reference_year
    cap = min((c.value for c in limits_for(fit.metric)), default=math.inf)
    cap_log10 = math.log10(cap) if math.isfinite(cap) else math.inf
    if years_as_rows:
        paths = (a + eps)[None, :] + b[None, :] * t[:, None]
        np.minimum(paths, cap_log10, out=paths)
        return np.quantile(paths, QUANTILE_LEVELS, axis=1).T
    paths = (a + eps)[:, None] + b[:, None] * t[None, :]
    np.minimum(paths, cap_log10, out=paths)
    return np.quantile(paths, QUANTILE_LEVELS, axis=0).T


def scipy_bootstrap_slopes(x: np.ndarray, y: np.ndarray, n_boot: int, seed: int = 0) -> np.ndarray:
    """Baseline: ``scipy.stats.bootstrap`` of the OLS slope over (x, y) pairs, vectorised."""
    from scipy import stats

    def slope(xs: np.ndarray, ys: np.ndarray, axis: int = -1) -> np.ndarray:
        dx = xs - xs.mean(axis=axis, keepdims=True)
        return (dx * (ys - ys.mean(axis=axis, keepdims=True))).sum(axis=axis) / (dx * dx).sum(axis=axis)

    res = stats.bootstrap((x, y), slope, paired=True, vectorized=True, n_resamples=n_boot,
                          method="percentile", confidence_level=0.95, rng=np.random.default_rng(seed))
    return np.asarray(res.bootstrap_distribution)


def main() -> None:
    """Print the timings and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat (CI smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.repeats = 2
    fit = _fit()
    print("baselines: plain vectorised NumPy (Generator + np.quantile) for the forecast; "
          "scipy.stats.bootstrap and scipy.stats.theilslopes for the fits; ratio = ours / baseline CPU time")

    sizes = (10_000, 50_000) if args.quick else (10_000, 100_000, 1_000_000)
    print(f"forecast, paths x {len(YEARS)} years (median of {args.repeats}, interleaved):")
    print(f"  {'paths':>9} {'ours CPU s':>10} {'np rows=paths':>14} {'np rows=years':>14}  ours / faster numpy")
    for n_paths in sizes:
        ours_q = forecast(fit, YEARS, rng=np.random.default_rng(1), n_paths=n_paths).quantiles
        base_q = numpy_forecast(fit, YEARS, np.random.default_rng(1), n_paths, years_as_rows=True)
        # Same model, different random streams: medians agree to Monte Carlo error.
        gap = float(np.max(np.abs(np.log10(ours_q) - base_q)))
        assert gap < 0.2, f"forecast and NumPy baseline differ by {gap:.3f} log10"
        t = _interleaved({
            "ours": lambda n=n_paths: forecast(fit, YEARS, rng=np.random.default_rng(1), n_paths=n),
            "rows": lambda n=n_paths: numpy_forecast(fit, YEARS, np.random.default_rng(1), n, years_as_rows=False),
            "cols": lambda n=n_paths: numpy_forecast(fit, YEARS, np.random.default_rng(1), n, years_as_rows=True),
        }, args.repeats)
        ours, rows, cols = t["ours"], t["rows"], t["cols"]
        print(f"  {n_paths:>9,} {ours:10.3f} {rows:14.3f} {cols:14.3f}  {_words(ours / min(rows, cols))}"
              f" (largest quantile gap {gap:.3f} log10)")

    x = fit.years - fit.reference_year
    y = fit.log10_values
    n_boot = 2000
    a_slopes = bootstrap_ols(x, y, rng=np.random.default_rng(2), n_boot=n_boot)[0]  # also warms up both
    s_slopes = scipy_bootstrap_slopes(x, y, n_boot)
    t = _interleaved({"ours": lambda: bootstrap_ols(x, y, rng=np.random.default_rng(2), n_boot=n_boot),
                      "scipy": lambda: scipy_bootstrap_slopes(x, y, n_boot)}, 5 * args.repeats)
    ours_b, scipy_b = t["ours"], t["scipy"]
    print(f"bootstrap OLS, {n_boot:,} resamples of n = {len(x)}: ours {ours_b:.4f} s, scipy.stats.bootstrap "
          f"{scipy_b:.4f} s; {_words(ours_b / scipy_b)} (slope sd {a_slopes.std():.4f} vs {s_slopes.std():.4f})")

    from scipy import stats

    n_ts = 800 if args.quick else 2500  # the broad GPU set holds ~2,000-3,000 chips with a metric
    rng = np.random.default_rng(3)
    xs = np.sort(1995 + 30 * rng.random(n_ts))
    ys = 9 + 0.15 * (xs - 1995) + 0.6 * rng.standard_normal(n_ts)
    ours_ts = theil_sen(ys, xs, 0.95)
    ref = stats.theilslopes(ys, xs, alpha=0.95)
    assert ours_ts == (ref.slope, ref.intercept, ref.low_slope, ref.high_slope), "theil_sen differs from scipy"
    t = _interleaved({"ours": lambda: theil_sen(ys, xs, 0.95),
                      "scipy": lambda: stats.theilslopes(ys, xs, alpha=0.95)}, args.repeats)
    t_ours, t_scipy = t["ours"], t["scipy"]
    print(f"Theil-Sen, n = {n_ts:,} ({n_ts * (n_ts - 1) // 2:,} pairwise slopes), identical to scipy: "
          f"ours {t_ours:.3f} s, scipy.stats.theilslopes {t_scipy:.3f} s; {_words(t_ours / t_scipy)}")


if __name__ == "__main__":
    main()
