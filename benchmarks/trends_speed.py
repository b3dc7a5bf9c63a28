"""Speed of the trend Monte Carlo and bootstrap, as ratios to plain Python loops in the same run.

- Forecast: ``computegov.trends.forecast`` with 1,000,000 paths x 15 years, against a Python loop
  that draws and evaluates one path at a time (timed on fewer paths, scaled per path).
- Bootstrap: ``computegov.trends.fit.bootstrap_ols`` (vectorised over resamples), against a Python
  loop of one NumPy OLS per resample.
- Theil-Sen: ``computegov.trends.fit.theil_sen`` (three ranks selected with ``np.partition``)
  against ``scipy.stats.theilslopes`` (sorts all n(n-1)/2 slopes) on a broad-set-sized series,
  checking the results are identical.

Usage: python benchmarks/trends_speed.py [--repeats N]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from computegov.trends.fit import TrendFit, bootstrap_ols, fit_log_linear, theil_sen
from computegov.trends.forecast import forecast

YEARS = list(range(2026, 2041))


def _fit() -> TrendFit:
    rng = np.random.default_rng(0)
    years = np.sort(2008 + 17 * rng.random(143))
    log_values = 11 + 0.19 * (years - 2008) + 0.5 * rng.standard_normal(143)
    return fit_log_linear(years, 10**log_values, rng=rng, n_boot=2000, metric="training_flop_per_s")


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def loop_forecast(fit: TrendFit, n_paths: int, seed: int = 0) -> list[list[float]]:
    """Baseline: one path at a time in Python, then quantiles per year with statistics."""
    rnd = random.Random(seed)
    slopes, intercepts = fit.boot_slopes.tolist(), fit.boot_intercepts.tolist()
    per_year: list[list[float]] = [[] for _ in YEARS]
    for _ in range(n_paths):
        k = rnd.randrange(len(slopes))
        eps = rnd.gauss(0.0, fit.residual_sd_log10)
        for i, year in enumerate(YEARS):
            per_year[i].append(intercepts[k] + slopes[k] * (year - fit.reference_year) + eps)
    # 19 cut points at 5 %, 10 %, ..., 95 %: keep 5, 25, 50, 75 and 95 %.
    cuts = [statistics.quantiles(v, n=20) for v in per_year]
    return [[c[i] for i in (0, 4, 9, 14, 18)] for c in cuts]


def loop_bootstrap(x: np.ndarray, y: np.ndarray, n_boot: int, seed: int = 0) -> list[float]:
    """Baseline: a Python loop over resamples, one NumPy OLS each."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(x), len(x))
        xs, ys = x[idx], y[idx]
        if np.ptp(xs) > 0:
            out.append(float(np.polyfit(xs, ys, 1)[0]))
    return out


def main() -> None:
    """Print the timings and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat (CI smoke run)")
    args = parser.parse_args()
    fit = _fit()

    n_paths, n_loop = (50_000, 2_000) if args.quick else (1_000_000, 20_000)
    if args.quick:
        args.repeats = 1
    vec = _median_time(
        lambda: forecast(fit, YEARS, rng=np.random.default_rng(1), n_paths=n_paths), args.repeats
    )
    loop = _median_time(lambda: loop_forecast(fit, n_loop), 1) * n_paths / n_loop
    print(f"forecast, {n_paths:,} paths x {len(YEARS)} years")
    print(f"  vectorised:          {vec:8.3f} s")
    print(f"  Python loop (scaled from {n_loop:,} paths): {loop:8.1f} s")
    print(f"  speed-up:            {loop / vec:8.0f}x")

    x = fit.years - fit.reference_year
    y = fit.log10_values
    n_boot = 2000
    vec_b = _median_time(
        lambda: bootstrap_ols(x, y, rng=np.random.default_rng(2), n_boot=n_boot), args.repeats
    )
    loop_b = _median_time(lambda: loop_bootstrap(x, y, n_boot), 1)
    print(f"bootstrap, {n_boot:,} resamples of n = {len(x)}")
    print(f"  vectorised:          {vec_b:8.4f} s")
    print(f"  Python loop:         {loop_b:8.3f} s")
    print(f"  speed-up:            {loop_b / vec_b:8.0f}x")
    assert math.isfinite(vec) and math.isfinite(vec_b)

    from scipy import stats

    n_ts = 800 if args.quick else 2500  # the broad GPU set holds ~2,000-3,000 chips with a metric
    rng = np.random.default_rng(3)
    xs = np.sort(1995 + 30 * rng.random(n_ts))
    ys = 9 + 0.15 * (xs - 1995) + 0.6 * rng.standard_normal(n_ts)
    ours = theil_sen(ys, xs, 0.95)
    ref = stats.theilslopes(ys, xs, alpha=0.95)
    assert ours == (ref.slope, ref.intercept, ref.low_slope, ref.high_slope), "theil_sen differs from scipy"
    t_ours = _median_time(lambda: theil_sen(ys, xs, 0.95), args.repeats)
    t_scipy = _median_time(lambda: stats.theilslopes(ys, xs, alpha=0.95), args.repeats)
    print(f"Theil-Sen, n = {n_ts:,} ({n_ts * (n_ts - 1) // 2:,} pairwise slopes), identical to scipy")
    print(f"  np.partition:        {t_ours:8.3f} s")
    print(f"  scipy.theilslopes:   {t_scipy:8.3f} s")
    print(f"  speed-up:            {t_scipy / t_ours:8.1f}x")


if __name__ == "__main__":
    main()
