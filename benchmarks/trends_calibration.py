"""Backtest of every metric x every method (each also calibrated), against a plain loop with reuse.

The library's backtest (:func:`computegov.trends.backtest.backtest`) computes each method's
forecast from each origin once and reuses it (the other metrics' hindcasts, pooled into each
metric's calibration since issue 28, are memoised across metrics): the calibration at origin ``t`` takes the scores of
the hindcasts before ``t`` from the same table, and scores are computed for a whole origin at once.

Baseline: the loop a competent user writes with a dictionary of results. Each (series, origin,
method) forecast is made once and reused for all horizons, for every later origin's
calibration and for the other metrics' pooled calibration; each hindcast's scores against the
record are kept beside it; scoring is one forecast at a time (the same CRPS estimator, one row
per call; it equals ``scoringrules``' energy form, tested). Both use the same random streams, so
their summaries must agree; the script checks that and prints the time of each and their ratio
(ours / baseline, in words), then the coverage table (metric x method: 90 % coverage, mean CRPS, n).

Usage: python benchmarks/trends_calibration.py [--quick] [--seed N]
(``--quick``: 500 members and 300 bootstrap resamples per forecast.)
Core install only (numpy, scipy).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from computegov.catalog import load_catalog
from computegov.cli.common import DEFAULT_SEED
from computegov.trends.backtest import backtest, default_origins
from computegov.trends.calibration import PER_HORIZON_MIN, POINT_MIN_SCORES, PRIOR_SCORES
from computegov.trends.chipsets import metric_points
from computegov.trends.diagnostics import ensemble_crps, ensemble_quantiles
from computegov.trends.forecast import load_scenarios
from computegov.trends.hindcast import first_origin, method_stream
from computegov.trends.methods import (
    METHODS,
    SLOWDOWN_SCENARIO,
    base_of,
    is_calibrated,
    method_ensemble,
    record_before,
)

METRICS = (
    "training_flop_per_s", "peak_flop_per_s_fp32", "flop_per_s_per_usd", "flop_per_usd_tco",
    "flop_per_j", "memory_bandwidth_bytes_per_s", "transistors_per_mm2", "memory_bytes",
)  # fmt: skip
HORIZON = 5


def _forecast(method: str, x: np.ndarray, y: np.ndarray, origin: int, seed: int, n: int, boot: int):
    base = base_of(method)
    targets = np.arange(origin + 1, origin + HORIZON + 1, dtype=float)
    train = x < origin
    return method_ensemble(base, train_x=x[train], train_y=y[train], origin=origin, targets=targets,
                           rng=method_stream(seed, origin, base), n_samples=n, n_boot=boot)


def _median_scale(row: np.ndarray, h: int) -> tuple[float, float]:
    q05, q50, q95 = ensemble_quantiles(row[None, :], [0.05, 0.5, 0.95])[0]
    if row.size == 1:
        return float(q50), math.sqrt(h)
    return float(q50), max((q95 - q05) / 3.289707, 0.01 * math.sqrt(h))


class Hindcasts:
    """The baseline's memory: each forecast and each hindcast's scores, made once.

    Keys are (series name, origin, base method); a forecast depends on nothing else (the random
    stream is derived from the seed, the origin and the method).
    """

    def __init__(self, seed: int, n: int, boot: int) -> None:
        self.seed, self.n, self.boot = seed, n, boot
        self.forecasts: dict[tuple[str, int, str], np.ndarray | None] = {}
        self.scores: dict[tuple[str, int, str], dict[int, float]] = {}

    def forecast(self, name: str, method: str, x: np.ndarray, y: np.ndarray, origin: int) -> np.ndarray | None:
        key = (name, origin, base_of(method))
        if key not in self.forecasts:
            self.forecasts[key] = _forecast(method, x, y, origin, self.seed, self.n, self.boot)
        return self.forecasts[key]

    def scored(self, name: str, method: str, x: np.ndarray, y: np.ndarray, s: int) -> dict[int, float]:
        """Horizon -> |record - median| / scale of the hindcast from ``s`` (targets within the data)."""
        key = (name, s, base_of(method))
        if key not in self.scores:
            ens, last, out = self.forecast(name, method, x, y, s), float(x.max()), {}
            if ens is not None:
                for h in range(1, HORIZON + 1):
                    if s + h <= last:
                        med, scale = _median_scale(ens[h - 1], h)
                        out[h] = abs(record_before(x, y, float(s + h)) - med) / scale
            self.scores[key] = out
        return self.scores[key]


def _calibrate_loop(memo, name, method, x, y, origin, own, pool=()):
    """Calibrate ``own`` at ``origin`` from the remembered hindcasts before it (own series and pooled)."""
    scores: dict[int, list[float]] = {h: [] for h in range(1, HORIZON + 1)}
    if own.shape[-1] == 1:  # a point method's scores stay with their own metric
        pool = ()
    for sname, sx, sy in ((name, x, y), *pool):
        start = first_origin(sx)
        if start is None:
            continue
        for s in range(start, origin):
            for h, score in memo.scored(sname, method, sx, sy, s).items():
                if s + h <= origin:
                    scores[h].append(score)
    pooled = [v for h in sorted(scores) for v in scores[h]]
    with_prior = own.shape[-1] > 1
    if len(pooled) < (1 if with_prior else POINT_MIN_SCORES):
        return None
    floor = float(y[x < origin].max())
    rows = []
    for h in range(1, HORIZON + 1):
        use = scores[h] if len(scores[h]) >= PER_HORIZON_MIN else pooled
        med, scale = _median_scale(own[h - 1], h)
        members = [med + scale * r for r in use] + [med - scale * r for r in use]
        if with_prior:
            k = 2 * PRIOR_SCORES
            members += list(ensemble_quantiles(own[h - 1][None, :], (np.arange(k) + 0.5) / k)[0])
        rows.append(sorted(max(m, floor) for m in members))
    width = max(len(r) for r in rows)
    return np.array([r + [math.nan] * (width - len(r)) for r in rows])


def loop_backtest(memo: Hindcasts, metric: str, x: np.ndarray, values: np.ndarray, pool=()):
    """The baseline backtest of one metric, reusing ``memo`` (shared across metrics).

    ``pool``: the other metrics' (name, years, values), pooled into the calibration as the library does.
    """
    y = np.log10(values)
    pool = [(name, px, np.log10(pv)) for name, px, pv in pool]
    methods = [m for m in METHODS
               if base_of(m) != "slowdown" or load_scenarios()[SLOWDOWN_SCENARIO].applies(metric)]
    out: dict[str, list[tuple[bool | None, float]]] = {m: [] for m in methods}
    start = first_origin(x)
    for origin in default_origins(x, y):
        if origin < start:
            continue
        for method in methods:
            ens = memo.forecast(metric, method, x, y, origin)
            if ens is None:
                continue
            if is_calibrated(method):
                ens = _calibrate_loop(memo, metric, method, x, y, origin, ens, pool)
                if ens is None:
                    continue
            for h in range(1, HORIZON + 1):
                if origin + h > x.max():
                    continue
                obs = record_before(x, y, float(origin + h))
                row = ens[h - 1][np.isfinite(ens[h - 1])]
                inside = None
                if row.size > 1:
                    lo, hi = ensemble_quantiles(row[None, :], [0.05, 0.95])[0]
                    inside = bool(lo <= obs <= hi)
                crps = float(ensemble_crps(np.array([obs]), row[None, :])[0])
                out[method].append((inside, crps))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer members and bootstrap resamples")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--loop-metrics", type=int, default=len(METRICS),
                        help="run the baseline on the first N metrics only (default: all 8; 0 skips it)")
    args = parser.parse_args()
    n, boot = (500, 300) if args.quick else (2000, 1000)
    catalog = load_catalog()
    points = {m: metric_points(catalog, m, "ml") for m in METRICS}
    # warm-up (lazy imports, bundled scenarios) at other sizes, so that no result is reused from it
    backtest(catalog, METRICS[0], "ml", rng=np.random.default_rng(args.seed), n_samples=100, n_boot=50)
    results, fast_by_metric = {}, {}
    for m in METRICS:
        started = time.process_time()
        results[m] = backtest(catalog, m, "ml", rng=np.random.default_rng(args.seed), n_samples=n, n_boot=boot)
        fast_by_metric[m] = time.process_time() - started
    fast_s = sum(fast_by_metric.values())
    loop_metrics = METRICS[: args.loop_metrics]
    started = time.process_time()
    memo = Hindcasts(int(np.random.default_rng(args.seed).integers(0, 2**32)), n, boot)
    loops = {
        m: loop_backtest(memo, m, points[m].years, points[m].values,
                         pool=[(o, points[o].years, points[o].values) for o in METRICS if o != m and points[o].n >= 3])
        for m in loop_metrics
    }
    loop_s = time.process_time() - started
    worst = 0.0
    for metric in loop_metrics:
        for s in results[metric].summaries:
            rows = loops[metric][s.method]
            crps = float(np.mean([c for _, c in rows])) if rows else math.nan
            if rows:
                worst = max(worst, abs(crps - s.mean_crps_log10))
            assert len(rows) == s.n, (metric, s.method, len(rows), s.n)
    assert worst < 1e-9, f"baseline and library summaries differ (mean CRPS by {worst:.1e})"
    n_methods = sum(len(r.summaries) for r in results.values())
    print("baseline: a plain loop that keeps each (series, origin, method) forecast and its scores in a dict "
          "and reuses them; ratio = ours / baseline CPU time")
    print(f"backtest, {len(METRICS)} metrics x {n_methods} method runs (calibrated included), "
          f"{n} members, {boot} bootstrap resamples: ours {fast_s:.2f} CPU s")
    if loop_metrics:
        same = sum(fast_by_metric[m] for m in loop_metrics)
        ratio = same / loop_s
        words = f"{ratio:.2f}x: SLOWER" if ratio > 1 else f"{ratio:.2f}x: faster ({1 / ratio:.1f}x)"
        print(f"on {len(loop_metrics)} metric(s): ours {same:.2f} CPU s, baseline {loop_s:.2f} CPU s ({len(memo.forecasts):,} "
              f"forecasts made once each); {words}; same forecasts (largest mean-CRPS difference {worst:.1e})")
    print("\nmetric, method: 90 % coverage / mean CRPS (log10) / n")
    for metric, result in results.items():
        cells = [f"{s.method} {'-' if s.coverage_90 is None else f'{s.coverage_90:.2f}'}/"
                 f"{s.mean_crps_log10:.3f}/{s.n}" for s in result.summaries]
        print(f"{metric}: " + "; ".join(cells))
        print(f"  {result.calibration_check()['statement']}")


if __name__ == "__main__":
    main()
