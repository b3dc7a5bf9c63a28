"""Rolling-origin backtests: how well would each forecasting method have done?

For each origin year ``Y`` a method sees chips released before 1 January ``Y`` and forecasts the
**record** (the best value of the metric among chips released so far) at 1 January of
``Y + 1 ... Y + h``; targets after the last release in the data are not scored. The methods are
those of :mod:`~computegov.trends.methods` and each of them calibrated on its own earlier hindcasts
(:mod:`~computegov.trends.calibration`, suffix ``+cal``).

Scores are on log10 values (:mod:`~computegov.trends.diagnostics`): error (observed - median),
CRPS, the mid PIT, whether the central 50/80/90/95 % intervals covered the observation and the
interval (Winkler) score of the 90 % interval (probabilistic methods only), overall and per horizon.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.chipsets import MIN_POINTS, metric_points, record_mask
from computegov.trends.diagnostics import NOMINAL_LEVELS
from computegov.trends.forecast import load_scenarios
from computegov.trends.hindcast import first_origin, pool_hindcasts, run_hindcasts, series_hindcasts
from computegov.trends.methods import (
    BASE_METHODS,
    METHOD_LABELS,
    METHODS,
    SLOWDOWN_SCENARIO,
    base_of,
    check_methods,
    is_calibrated,
    simulate_record,
)
from computegov.trends.metrics import Metric
from computegov.trends.scoring import BacktestScore, MethodSummary, score_origin, summarise

if TYPE_CHECKING:
    from computegov.catalog import Chip

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "COVERAGE_BAND",
    "METHODS",
    "METHOD_LABELS",
    "MIN_CHECK_N",
    "POOLED_METRICS",
    "Backtest",
    "BacktestScore",
    "MethodSummary",
    "backtest",
    "backtest_points",
    "pool_series_for",
    "simulate_record",
]

#: The acceptable empirical coverage of a 90 % band (the project's target, issue of record).
COVERAGE_BAND: tuple[float, float] = (0.80, 0.97)

#: Fewest scored forecasts for a coverage figure to count as checked.
MIN_CHECK_N = 30

#: Largest mean CRPS of the best calibrated method relative to the best uncalibrated one.
MAX_CRPS_RATIO = 1.10

#: The metrics whose hindcasts form the pooled calibration set of a catalogue backtest (the eight
#: the project checks; see docs/trends-calibration.md).
POOLED_METRICS: tuple[str, ...] = (
    "training_flop_per_s", "peak_flop_per_s_fp32", "flop_per_s_per_usd", "flop_per_usd_tco",
    "flop_per_j", "memory_bandwidth_bytes_per_s", "transistors_per_mm2", "memory_bytes",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Backtest:
    """Rolling-origin backtest of several methods on one metric.

    Attributes:
        metric: metric name.
        unit: its unit.
        chip_set: chips used.
        origins: origin years evaluated.
        horizon_years: furthest horizon.
        scores: every scored forecast.
        summaries: one per method, in the order asked.
    """

    metric: str
    unit: str
    chip_set: str
    origins: tuple[int, ...]
    horizon_years: int
    scores: tuple[BacktestScore, ...]
    summaries: tuple[MethodSummary, ...]

    def _best(self, candidates: Sequence[str], value: Callable[[BacktestScore], float | None]) -> str | None:
        """The candidate with the lowest mean ``value``, compared on the forecasts all rivals made.

        Rivals are the candidates that made at least 80 % as many scored forecasts as the most
        prolific (a method that starts later would otherwise be judged on other, fewer targets).
        """
        counts = {s.method: s.n for s in self.summaries if s.method in candidates and s.n}
        by: dict[str, dict[tuple[int, int], float]] = {m: {} for m in counts}
        for score in self.scores:
            got = value(score) if score.method in by else None
            if got is not None:
                by[score.method][(score.origin_year, score.target_year)] = got
        by = {m: v for m, v in by.items() if v}
        if not by:
            return None
        most = max(counts[m] for m in by)
        rivals = [m for m in by if counts[m] >= 0.8 * most]
        common = set.intersection(*(set(by[m]) for m in rivals))
        keys = {m: (common or set(by[m])) for m in rivals}
        return min(rivals, key=lambda m: float(np.mean([by[m][k] for k in keys[m]])))

    @property
    def best_method(self) -> str | None:
        """Method with the lowest mean CRPS (None if nothing was scored); see :meth:`_best`."""
        return self._best([s.method for s in self.summaries], lambda s: s.crps_log10)

    @property
    def best_uncalibrated_method(self) -> str | None:
        """Uncalibrated method with the lowest mean CRPS."""
        return self._best([s.method for s in self.summaries if not s.calibrated], lambda s: s.crps_log10)

    @property
    def best_calibrated_method(self) -> str | None:
        """Calibrated method with the lowest mean 90 % interval score (None if none was scored)."""
        return self._best([s.method for s in self.summaries if s.calibrated], lambda s: s.interval_score_90)

    def summary(self, method: str) -> MethodSummary | None:
        """The summary of ``method`` (None if it was not run)."""
        return next((s for s in self.summaries if s.method == method), None)

    def crps_ratio(self, method: str, reference: str) -> float | None:
        """Mean CRPS of ``method`` over mean CRPS of ``reference`` on the forecasts both made."""
        a = {(s.origin_year, s.target_year): s.crps_log10 for s in self.scores if s.method == method}
        b = {(s.origin_year, s.target_year): s.crps_log10 for s in self.scores if s.method == reference}
        both = sorted(set(a) & set(b))
        if not both:
            return None
        den = float(np.mean([b[k] for k in both]))
        return float(np.mean([a[k] for k in both])) / den if den > 0 else None

    def calibration_check(self) -> dict[str, Any]:
        """Does the best calibrated method's 90 % band hold? A sentence says so with the numbers.

        The check: coverage in :data:`COVERAGE_BAND` over at least :data:`MIN_CHECK_N` forecasts,
        and mean CRPS at most :data:`MAX_CRPS_RATIO` x the best uncalibrated method's (on the same
        forecasts).
        """
        best = self.best_calibrated_method
        reference = self.best_uncalibrated_method
        if best is None:
            return {"method": None, "meets": False,
                    "statement": f"{self.metric}: no calibrated forecast could be made (too little history)"}
        s = self.summary(best)
        assert s is not None
        ratio = self.crps_ratio(best, reference) if reference else None
        cover = s.coverage_90
        lo, hi = COVERAGE_BAND
        problems = []
        if cover is None or not lo <= cover <= hi:
            problems.append(f"its 90 % band held {cover:.0%} of {s.n} outcomes, outside {lo:.0%}-{hi:.0%}")
        if s.n < MIN_CHECK_N:
            problems.append(f"only {s.n} forecasts could be scored (< {MIN_CHECK_N})")
        if ratio is not None and ratio > MAX_CRPS_RATIO:
            problems.append(f"its mean CRPS is {ratio:.2f}x that of {reference} (> {MAX_CRPS_RATIO:.2f}x)")
        if problems:
            problems += self._near_misses(best, reference)
        head = (f"{self.metric}: best calibrated method {best}, 90 % band held {cover:.0%} of {s.n} "
                f"hindcasts (origins {s.first_origin}-{self.origins[-1]})"
                + (f", CRPS {ratio:.2f}x {reference}'s" if ratio is not None else ""))
        statement = head + ("; meets the calibration target" if not problems
                            else "; does NOT meet the calibration target: " + "; ".join(problems))
        return {"method": best, "coverage_90": cover, "n": s.n, "crps_ratio_vs_best_uncalibrated": ratio,
                "best_uncalibrated": reference, "coverage_band": list(COVERAGE_BAND),
                "meets": not problems, "statement": statement}

    def _near_misses(self, best: str, reference: str | None) -> list[str]:
        """Why the target is missed, where the reason is a method left out of the comparison.

        Calibrated methods that would meet the target on their own forecasts but made too few
        of them to be compared (see :meth:`_best`), each with its numbers.
        """
        out = []
        most = max((x.n for x in self.summaries if x.calibrated), default=0)
        lo, hi = COVERAGE_BAND
        for other in self.summaries:
            if not other.calibrated or other.method == best or other.coverage_90 is None:
                continue
            ratio = self.crps_ratio(other.method, reference) if reference else None
            good = lo <= other.coverage_90 <= hi and other.n >= MIN_CHECK_N and (ratio is None or ratio <= MAX_CRPS_RATIO)
            if good and other.n < 0.8 * most:
                out.append(
                    f"{other.method} would meet it (held {other.coverage_90:.0%}, CRPS "
                    f"{ratio if ratio is not None else float('nan'):.2f}x) but made {other.n} of {most} forecasts, "
                    "too few to be compared (a method calibrated later has fewer scored forecasts)"
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "chip_set": self.chip_set,
            "target": "record value at 1 January of the target year, log10",
            "origins": list(self.origins),
            "horizon_years": self.horizon_years,
            "nominal_levels": list(NOMINAL_LEVELS),
            "best_method": self.best_method,
            "best_calibrated_method": self.best_calibrated_method,
            "calibration_check": self.calibration_check(),
            "summaries": [s.to_dict() for s in self.summaries],
            "scores": [s.to_dict() for s in self.scores],
        }


def default_origins(x: FloatArray, y: FloatArray) -> range:
    """Every year from the first with 3 earlier records to the year of the last release."""
    rec_years = np.sort(x[record_mask(x, y)])
    if rec_years.size < MIN_POINTS:
        return range(0)
    return range(math.floor(rec_years[MIN_POINTS - 1]) + 1, math.floor(float(x.max())) + 1)


def _probabilistic(h: Any) -> bool:
    """Whether a method's hindcasts are ensembles (a spread of their own), not point forecasts."""
    return any(e is not None and e.shape[-1] > 1 for e in h.ensembles)


def backtest_points(
    years: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    origins: Iterable[int] | None = None,
    horizon_years: int = 5,
    methods: Sequence[str] = METHODS,
    metric: str = "value",
    unit: str = "",
    chip_set: str = "",
    n_samples: int = 2000,
    n_boot: int = 1000,
    pool_series: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]] = (),
) -> Backtest:
    """Backtest forecasts of the record on raw (year, value) points.

    Args:
        years: release dates, decimal years.
        values: positive metric values.
        rng: random generator (one draw seeds every (origin, method) stream).
        origins: origin years; default every year from the first with 3 earlier records to the
            year of the last release.
        horizon_years: forecast 1..h years ahead.
        methods: subset of :data:`METHODS` (calibrated ones end in ``+cal``).
        metric: label.
        unit: label.
        chip_set: label.
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
        pool_series: other (years, values) series whose hindcasts join the calibration pool of
            the ``+cal`` methods (:func:`~computegov.trends.hindcast.pool_hindcasts`); their
            scores enter at an origin only once their target date has passed.

    Raises:
        InputError: unknown method, bad horizon, or no origin with enough data.
    """
    x = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    if x.shape != v.shape or np.any(v <= 0):
        raise InputError("years and values must have the same length and values must be positive")
    wanted = check_methods(methods)
    if horizon_years < 1:
        raise InputError(f"horizon must be at least 1 year, got {horizon_years}")
    # The slowdown scenario is a forecast of particular metrics (price-performance for Cotra);
    # elsewhere it would only be an arbitrary fixed doubling time, so it is not scored.
    if not load_scenarios()[SLOWDOWN_SCENARIO].applies(metric):
        wanted = [m for m in wanted if base_of(m) != "slowdown"]
    y = np.log10(v)
    last_release = float(x.max()) if x.size else -math.inf
    scored = sorted({int(o) for o in (default_origins(x, y) if origins is None else origins)})
    start = first_origin(x)
    usable = [o for o in scored if start is not None and o >= start and o <= last_release + 1]
    if not usable:
        raise InputError(
            f"no origin year has at least {MIN_POINTS} earlier chips and a later release to score "
            f"(data span {x.min() if x.size else 'n/a'}-{last_release}); widen the chip set"
        )
    calibrating = any(is_calibrated(m) for m in wanted)
    # Calibration learns from every earlier origin with enough chips, scored or not.
    hind_origins = list(range(start or usable[0], usable[-1] + 1)) if calibrating else usable
    bases = [m for m in BASE_METHODS if any(base_of(w) == m for w in wanted)]
    seed = int(rng.integers(0, 2**32))
    hind = run_hindcasts(x, y, methods=bases, origins=hind_origins, horizon_years=horizon_years,
                         seed=seed, n_samples=n_samples, n_boot=n_boot)
    cal_pool = dict(hind)
    # Only methods with their own spread are pooled: their scores are errors in units of that
    # spread, comparable across metrics. A point method's scale is sqrt(h) in log10 units, so its
    # scores carry each metric's own volatility and stay with their metric.
    pooled_bases = [m for m in bases if _probabilistic(hind[m])]
    if calibrating and pool_series and pooled_bases:
        for px, pv in pool_series:
            other = series_hindcasts(px, pv, methods=pooled_bases, last_origin=usable[-1],
                                     horizon_years=horizon_years, seed=seed, n_samples=n_samples, n_boot=n_boot)
            if other is not None:
                cal_pool.update({m: pool_hindcasts([cal_pool[m], other[m]]) for m in pooled_bases})
    hs = np.arange(1, horizon_years + 1)
    index = {int(o): i for i, o in enumerate(hind_origins)}
    used: list[int] = []
    scores: list[BacktestScore] = []
    first_by_method: dict[str, int] = {}
    for origin in usable:
        i = index[origin]
        observed = hind[bases[0]].observed[i]
        if not np.isfinite(observed).any():
            continue
        used.append(origin)
        for method in wanted:
            h = hind[base_of(method)]
            ens = h.ensembles[i]
            if ens is None:
                continue
            n_cal = None
            if is_calibrated(method):
                cal = cal_pool[base_of(method)].calibrated(origin, h.median[i], h.scale[i], hs, own=ens,
                                                           floor_log10=float(y[x < origin].max()))
                if cal is None:
                    continue
                ens, n_cal = cal.ensemble, cal.n_scores
                first_by_method[method] = min(first_by_method.get(method, origin), cal.first_origin)
            scores.extend(score_origin(method, origin, hs, observed, ens, n_calibration=n_cal))
    if not used:
        raise InputError(f"no origin among {usable[0]}-{usable[-1]} has a later release to score")
    summaries = tuple(
        summarise(method, [s for s in scores if s.method == method], first_by_method.get(method))
        for method in wanted
    )
    return Backtest(
        metric=metric,
        unit=unit,
        chip_set=chip_set,
        origins=tuple(used),
        horizon_years=horizon_years,
        scores=tuple(scores),
        summaries=summaries,
    )


def backtest(
    chips: Iterable[Chip],
    metric: str | Metric,
    chip_set: str = "all",
    *,
    manufacturer: str | None = None,
    kind: str | None = None,
    since: dt.date | int | str | None = None,
    until: dt.date | int | str | None = None,
    rng: np.random.Generator | None = None,
    seed: int = 0,
    origins: Iterable[int] | None = None,
    horizon_years: int = 5,
    methods: Sequence[str] = METHODS,
    n_samples: int = 2000,
    n_boot: int = 1000,
    pool: bool = True,
) -> Backtest:
    """Rolling-origin backtest of forecasting methods for the record of ``metric``.

    Args:
        chips: a Catalog or any iterable of chips.
        metric: metric name or :class:`Metric`.
        chip_set: chips whose releases define the record (``frontier`` gives the same records).
        manufacturer: filter.
        kind: filter.
        since: filter.
        until: filter.
        rng: random generator (default ``np.random.default_rng(seed)``).
        seed: seed used when ``rng`` is None.
        origins: origin years (default: every usable year).
        horizon_years: years ahead, 1..h.
        methods: subset of :data:`METHODS`.
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
        pool: calibrate the ``+cal`` methods on the hindcasts of every metric of
            :data:`POOLED_METRICS` over the same chips (pooled calibration), not of this one only.

    Raises:
        UnknownNameError: unknown metric or chip set.
        InputError: fewer than 3 chips with the metric, or no usable origin.
    """
    chips = list(chips)
    filters: dict[str, Any] = {"manufacturer": manufacturer, "kind": kind, "since": since, "until": until}
    points = metric_points(chips, metric, chip_set, **filters)
    if points.n < MIN_POINTS:
        raise InputError(
            f"metric {points.metric.name!r} over chip set '{points.chip_set}': {points.coverage_note()}; "
            f"a backtest needs at least {MIN_POINTS}"
        )
    return backtest_points(
        points.years,
        points.values,
        rng=rng or np.random.default_rng(seed),
        origins=origins,
        horizon_years=horizon_years,
        methods=methods,
        metric=points.metric.name,
        unit=points.metric.unit,
        chip_set=points.chip_set,
        n_samples=n_samples,
        n_boot=n_boot,
        pool_series=pool_series_for(chips, points.metric.name, chip_set, **filters) if pool else (),
    )


def pool_series_for(
    chips: Iterable[Chip], metric: str, chip_set: str, **filters: Any
) -> list[tuple[FloatArray, FloatArray]]:
    """(years, values) of every other metric of :data:`POOLED_METRICS` over the same chips (>= MIN_POINTS each)."""
    pool = list(chips)
    out = []
    for other in POOLED_METRICS:
        if other == metric:
            continue
        pts = metric_points(pool, other, chip_set, **filters)
        if pts.n >= MIN_POINTS:
            out.append((pts.years, pts.values))
    return out
