"""When is the first AI supercomputer of a given size (1e6 H100e, 1 GW) expected? The calibrated answer.

The leading-system series is the **record** of a metric over the systems' first operational
dates: the largest system operational before 1 January of each year. It is forecast by the
trends module's record machinery, unchanged (:mod:`computegov.trends.methods`,
:mod:`~computegov.trends.hindcast`, :mod:`~computegov.trends.calibration`):

1. every method of :data:`computegov.trends.methods.METHODS` (log-linear fits simulated as a
   record, random walk with drift, fixed doubling, last record stays, each also ``+cal``:
   split-conformal calibration on its own earlier hindcasts) is backtested on the systems first
   operational before the origin (:func:`computegov.trends.backtest.backtest_points`, horizons
   1-5 years);
2. the method with the lowest 90 % interval score among the calibrated ones is chosen (as
   :func:`computegov.trends.record.record_forecast` does) and its calibrated fan made at the
   origin, learning only from hindcasts whose targets precede the origin;
3. since the record cannot fall, the record at 1 January of ``Y + 1`` is at or above the target
   exactly when the threshold was first crossed by the end of ``Y``: the fan's exceedance
   probability at each year **is** the distribution of the first crossing year. It is made
   non-decreasing (a running maximum: the marginal quantiles of separate horizons can dip by
   Monte Carlo noise) and read between 1 January points by linear interpolation (crossing dates
   uniform within a year, our assumption) for the median date and the 90 % interval.

:func:`hindcast_first_reaching` runs the whole procedure from past origins and reports how often
the 90 % interval of the crossing date held. Nothing here fits a line itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.clusters.stocks import METRICS, metric_value
from computegov.clusters.table import ClusterSystem
from computegov.errors import InputError
from computegov.trends.backtest import Backtest, default_origins
from computegov.trends.chipsets import MIN_POINTS
from computegov.trends.diagnostics import ensemble_quantiles
from computegov.trends.forecast import QUANTILE_LEVELS, load_scenarios
from computegov.trends.hindcast import (
    Hindcasts,
    calibrated_forecast,
    first_origin,
    method_stream,
    run_hindcasts,
)
from computegov.trends.methods import (
    BASE_METHODS,
    METHODS,
    SLOWDOWN_SCENARIO,
    base_of,
    check_methods,
    is_calibrated,
    method_ensemble,
)
from computegov.trends.record import (
    CHOICE_HORIZON,
    MAX_CAL_HORIZON,
    MAX_FORECAST_YEAR,
    RecordForecast,
    forecast_series,
)
from computegov.trends.scoring import BacktestScore, score_origin, summarise

__all__ = [
    "FORECAST_YEARS",
    "HINDCAST_ORIGINS",
    "FirstReaching",
    "Hindcast",
    "HindcastCase",
    "RecordRuns",
    "crossing_distribution",
    "first_reaching",
    "hindcast_first_reaching",
    "leading_forecast",
    "record_points",
]

FloatArray = npt.NDArray[np.float64]

#: Years forecast after the origin. Beyond 10 years the calibration pools the scores of all
#: horizons (see trends.calibration), so the far tail is the least checked part of the answer.
FORECAST_YEARS = 20

#: Forecast origins (1 January) of the default hindcast: the first year with three record-setting
#: systems since the table starts (2010) is well before 2019; 2025 is the last origin with data after it.
HINDCAST_ORIGINS: tuple[int, ...] = tuple(range(2019, 2026))


def record_points(
    systems: Iterable[ClusterSystem], metric: str, *, before: dt.date | None = None
) -> tuple[FloatArray, FloatArray]:
    """(first operational decimal year, metric value) of every operational system with the metric.

    Planned systems and systems without a date or a positive value are left out; with ``before``,
    only systems first operational strictly before that day.
    """
    x: list[float] = []
    v: list[float] = []
    for s in systems:
        value = metric_value(s, metric)
        year = s.first_operational_year
        if s.status == "planned" or year is None or value is None or not value > 0:
            continue
        if before is not None and s.first_operational is not None and s.first_operational >= before:
            continue
        x.append(year)
        v.append(value)
    return np.asarray(x, dtype=float), np.asarray(v, dtype=float)


_CHIP_SET = "AI supercomputers (largest operational system)"


def _truncated(h: Hindcasts, n_origins: int, until: float) -> Hindcasts:
    """``h`` as :func:`run_hindcasts` gives it for the first ``n_origins`` origins of data ending at ``until``.

    A hindcast at origin ``o`` uses only points before ``o``, with its own random stream, so it
    is the same whatever later data exist; only the outcomes differ: a target after ``until``
    is unknown (NaN) in the shorter data.
    """
    origins = h.origins[:n_origins]
    known = (origins[:, None] + h.horizons[None, :]) <= until
    return Hindcasts(
        method=h.method, origins=origins, horizons=h.horizons, ensembles=h.ensembles[:n_origins],
        median=h.median[:n_origins], scale=h.scale[:n_origins],
        observed=np.where(known, h.observed[:n_origins], np.nan), observed_until=until,
    )


class RecordRuns:
    """Every hindcast of one record series, run once and reused by forecasts from many origins.

    :func:`leading_forecast` from origin ``Y`` backtests every method on the points before ``Y``
    and calibrates the chosen one on its hindcasts before ``Y``. Those hindcasts are the same at
    every later origin (each uses only the points before its own origin, with its own random
    stream), so they are run here once on the whole series and, for each origin, cut to the
    origins before it with every outcome after the last point before it hidden: the backtest,
    the method choice and the calibration at ``Y`` see exactly what they see when re-run on the
    shorter data (the results are identical, tested), at the cost of one backtest instead of one
    per origin.

    Args:
        systems: the systems (as given to :func:`leading_forecast`).
        metric: metric name.
        seed: seeds every random stream (as for :func:`leading_forecast`).
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
    """

    def __init__(self, systems: Iterable[ClusterSystem], metric: str, *, seed: int = 0,
                 n_samples: int = 2000, n_boot: int = 1000) -> None:
        if metric not in METRICS:
            raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
        self.metric = metric
        self.seed = seed
        self.n_samples = n_samples
        self.n_boot = n_boot
        self.x, self.v = record_points(systems, metric)
        self._start = first_origin(self.x)
        # forecast origins served: up to the year after the last point (the default origin)
        self._last_origin = math.floor(float(self.x.max())) + 1 if self.x.size else 0
        self._backtest_runs: dict[str, Hindcasts] | None = None
        self._cal_runs: dict[str, Hindcasts] = {}
        self._choices: dict[int, Backtest] = {}

    def covers(self, x: FloatArray, v: FloatArray, origin: int) -> bool:
        """Whether (``x``, ``v``) are this series' points before ``origin``, in order, and the origin is served."""
        if self._start is None or not self._start < origin <= self._last_origin:
            return False
        keep = self.x < origin
        return bool(np.array_equal(self.x[keep], x) and np.array_equal(self.v[keep], v)
                    and first_origin(x) == self._start)

    def _origins(self) -> list[int]:
        assert self._start is not None
        return list(range(self._start, self._last_origin))

    def backtest(self, origin: int) -> Backtest:
        """The backtest ``forecast_series`` runs on the points before ``origin`` (as ``backtest_points``).

        Raises:
            InputError: no origin with enough data, as ``backtest_points``.
        """
        hit = self._choices.get(origin)
        if hit is not None:
            return hit
        keep = self.x < origin
        x = self.x[keep]
        # forecast_series hands the backtest 10**log10(v), whose log10 may differ in the last bit
        y_all = np.log10(10 ** np.log10(self.v))
        y = y_all[keep]
        wanted = check_methods(METHODS)
        if not load_scenarios()[SLOWDOWN_SCENARIO].applies(self.metric):
            wanted = [m for m in wanted if base_of(m) != "slowdown"]
        bases = [m for m in BASE_METHODS if any(base_of(w) == m for w in wanted)]
        last_release = float(x.max())
        start = first_origin(x)
        usable = [o for o in sorted(default_origins(x, y)) if start is not None and start <= o <= last_release + 1]
        if not usable:
            raise InputError(f"no origin year has at least {MIN_POINTS} earlier chips and a later release to score "
                             f"(data span {x.min()}-{last_release}); widen the chip set")
        if self._backtest_runs is None:
            bt_seed = int(np.random.default_rng(self.seed).integers(0, 2**32))
            self._backtest_runs = run_hindcasts(
                self.x, y_all, methods=bases, origins=self._origins(), horizon_years=CHOICE_HORIZON,
                seed=bt_seed, n_samples=self.n_samples, n_boot=self.n_boot)
        hind_origins = list(range(start or usable[0], usable[-1] + 1))
        hind = {m: _truncated(self._backtest_runs[m], len(hind_origins), last_release) for m in bases}
        hs = np.arange(1, CHOICE_HORIZON + 1)
        used: list[int] = []
        scores: list[BacktestScore] = []
        first_by_method: dict[str, int] = {}
        for i, o in enumerate(hind_origins):
            if o not in usable:
                continue
            observed = hind[bases[0]].observed[i]
            if not np.isfinite(observed).any():
                continue
            used.append(o)
            for method in wanted:
                h = hind[base_of(method)]
                ens = h.ensembles[i]
                if ens is None:
                    continue
                n_cal = None
                if is_calibrated(method):
                    cal = h.calibrated(o, h.median[i], h.scale[i], hs, own=ens, floor_log10=float(y[x < o].max()))
                    if cal is None:
                        continue
                    ens, n_cal = cal.ensemble, cal.n_scores
                    first_by_method[method] = min(first_by_method.get(method, o), cal.first_origin)
                scores.extend(score_origin(method, o, hs, observed, ens, n_calibration=n_cal))
        if not used:
            raise InputError(f"no origin among {usable[0]}-{usable[-1]} has a later release to score")
        summaries = tuple(summarise(m, [s for s in scores if s.method == m], first_by_method.get(m)) for m in wanted)
        out = Backtest(metric=self.metric, unit=METRICS[self.metric][0], chip_set=_CHIP_SET, origins=tuple(used),
                       horizon_years=CHOICE_HORIZON, scores=tuple(scores), summaries=summaries)
        self._choices[origin] = out
        return out

    def forecast(self, origin: int, years: Sequence[int], method: str | None = None) -> RecordForecast:
        """What ``forecast_series`` makes from the points before ``origin`` (see :func:`leading_forecast`).

        Raises:
            InputError: as ``forecast_series``.
        """
        keep = self.x < origin
        x = self.x[keep]
        y = np.log10(self.v[keep])
        choice = self.backtest(origin)
        if method is None:
            chosen = choice.best_calibrated_method or choice.best_method
            if chosen is None:
                raise InputError(f"{self.metric}: no method could be backtested; give --method")
            why = "best calibrated method by 90 % interval score in the rolling-origin backtest"
        else:
            chosen, why = method, "user"
        summary = choice.summary(chosen)
        hs = np.asarray(sorted({int(t) for t in years}), dtype=np.int64) - origin
        base = base_of(chosen)
        ens = method_ensemble(base, train_x=x, train_y=y, origin=origin, targets=(origin + hs).astype(float),
                              rng=method_stream(self.seed, origin, base), n_samples=self.n_samples,
                              n_boot=self.n_boot)
        if ens is None:
            raise InputError(f"{self.metric}: method {chosen} cannot forecast from these {x.size} chips")
        if is_calibrated(chosen):
            start = first_origin(x)
            cal = None
            if start is not None and start < origin:
                runs = self._cal_runs.get(base)
                if runs is None:
                    runs = run_hindcasts(self.x, np.log10(self.v), methods=[base], origins=self._origins(),
                                         horizon_years=MAX_CAL_HORIZON, seed=self.seed,
                                         n_samples=self.n_samples, n_boot=self.n_boot)[base]
                    self._cal_runs[base] = runs
                cal = calibrated_forecast(_truncated(runs, origin - start, float(x.max())), origin, ens, hs,
                                          floor_log10=float(y.max()))
            if cal is None:
                raise InputError(f"{self.metric}: too few scored hindcasts to calibrate {base}; choose {base}")
            ens = np.broadcast_to(cal.ensemble, (hs.size, cal.ensemble.shape[-1]))
        return RecordForecast(
            metric=self.metric, unit=METRICS[self.metric][0], chip_set=_CHIP_SET, method=chosen, chosen_by=why,
            origin=origin, years=tuple(int(t) for t in origin + hs), quantile_levels=QUANTILE_LEVELS,
            quantiles=10 ** ensemble_quantiles(ens, QUANTILE_LEVELS), ensemble_log10=np.asarray(ens),
            hindcast_coverage_90=summary.coverage_90 if summary else None,
            hindcast_n=summary.n if summary else 0,
            hindcast_since=summary.first_origin if summary else None,
            calibration_statement=choice.calibration_check()["statement"],
        )


def leading_forecast(
    systems: Iterable[ClusterSystem],
    metric: str = "h100e",
    *,
    origin: int | None = None,
    years: Sequence[int] | None = None,
    method: str | None = None,
    seed: int = 0,
    n_samples: int = 2000,
    n_boot: int = 1000,
    runs: RecordRuns | None = None,
) -> RecordForecast:
    """Calibrated fan of the record ``metric`` of AI supercomputers at 1 January of each year.

    Args:
        systems: the systems (filter first; the CLI uses Epoch's standard set).
        metric: ``h100e``, ``power_w``, ``flop_per_s_16bit``, ``hardware_cost_usd`` or ``chip_count``.
        origin: forecast from 1 January of this year using only systems first operational before it
            (default: the year after the last system's first operation).
        years: years forecast (default: the :data:`FORECAST_YEARS` after the origin).
        method: a name in :data:`~computegov.trends.methods.METHODS`; None: the calibrated method
            with the lowest 90 % interval score in the backtest before the origin.
        seed: seeds every random stream.
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
        runs: hindcasts of the same metric's series already run (:class:`RecordRuns`, same seed
            and sizes); used when the points before the origin are that series', else ignored.
            The forecast is the same either way.

    Raises:
        InputError: unknown metric or method, fewer than 3 systems before the origin, a year out
            of range, or no method that can forecast.
    """
    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if method is not None:
        check_methods([method])
    before = dt.date(origin, 1, 1) if origin is not None else None
    x, v = record_points(systems, metric, before=before)
    if x.size < MIN_POINTS:
        raise InputError(f"{metric}: {x.size} operational systems with the metric"
                         f"{f' before {before}' if before else ''}; a forecast needs at least {MIN_POINTS}")
    start = origin if origin is not None else math.floor(float(x.max())) + 1
    wanted = sorted({int(y) for y in years}) if years is not None else list(
        range(start + 1, min(start + FORECAST_YEARS, MAX_FORECAST_YEAR) + 1))
    if not wanted or wanted[0] <= start or wanted[-1] > MAX_FORECAST_YEAR:
        raise InputError(f"years: expected years after {start} up to {MAX_FORECAST_YEAR}, got {wanted[:1]}...")
    if (runs is not None and runs.metric == metric and (runs.seed, runs.n_samples, runs.n_boot) == (seed, n_samples, n_boot)
            and runs.covers(x, v, start)):
        return runs.forecast(start, wanted, method)
    fan, _ = forecast_series(x, v, metric=metric, unit=METRICS[metric][0],
                             chip_set="AI supercomputers (largest operational system)", method=method,
                             to_years=wanted, seed=seed, n_samples=n_samples, n_boot=n_boot, origin=start)
    return fan


def crossing_distribution(
    fan: RecordForecast, target: float, levels: Sequence[float] = (0.05, 0.5, 0.95)
) -> tuple[tuple[tuple[int, float], ...], tuple[float | None, ...]]:
    """Distribution of the date the record first reaches ``target``.

    Returns:
        ``(by_year, quantiles)``: ``by_year`` pairs (calendar year ``Y``, P(reached by the end of
        ``Y``)), read from the fan at 1 January ``Y + 1``, non-decreasing and in [0, 1];
        ``quantiles`` the decimal-year crossing date at each of ``levels`` (None: later than the
        last forecast year).
    """
    if not (target > 0 and math.isfinite(target)):
        raise InputError(f"target: expected a positive size, got {target}")
    raw = fan.prob_above(target * (1 - 1e-12))  # at or above the target
    p = np.clip(np.maximum.accumulate(np.nan_to_num(raw, nan=0.0)), 0.0, 1.0)
    ts = np.asarray([float(fan.origin), *(float(y) for y in fan.years)])
    cdf = np.concatenate([[0.0], p])  # not reached at the origin (the caller checks)
    out: list[float | None] = []
    for q in levels:
        idx = int(np.searchsorted(cdf, q, side="left"))
        if idx >= cdf.size:
            out.append(None)
            continue
        lo_p, hi_p = cdf[idx - 1], cdf[idx]
        step = ts[idx] - ts[idx - 1]
        out.append(float(ts[idx - 1] + step * (q - lo_p) / (hi_p - lo_p)) if hi_p > lo_p else float(ts[idx]))
    by_year = tuple((int(y) - 1, float(pr)) for y, pr in zip(fan.years, p, strict=True))
    return by_year, tuple(out)


@dataclasses.dataclass(frozen=True)
class FirstReaching:
    """When the first system with ``metric`` >= ``target`` is (or is expected to be) operational.

    Attributes:
        metric: metric name.
        target: the size, in the metric's unit.
        reached_by: the first operational system at or above it, if any.
        reached_on: its first operational date.
        planned: announced (planned) systems at or above it.
        expected_year: median crossing date (decimal year); None when reached, or when the
            forecast gives under 50 % by its last year.
        expected_year_ci: the ``confidence`` interval of the crossing date when both ends fall
            within the forecast years, else None (see ``interval``).
        confidence: interval level.
        method: how the answer was made, in words.
        n_fitted: operational systems the forecast used.
        forecast_method: the trends method chosen (e.g. ``random_walk_drift+cal``).
        origin: forecast origin (1 January of this year).
        by_year: (calendar year, P(reached by its end)) pairs.
        interval: the interval's ends, None for an end after the last forecast year.
        method_hindcast_coverage_90: how often the chosen method's 90 % bands for the record held
            in its backtest (None: nothing scored).
        method_hindcast_n: forecasts scored in that backtest.
    """

    metric: str
    target: float
    reached_by: str | None
    reached_on: dt.date | None
    planned: tuple[str, ...]
    expected_year: float | None
    expected_year_ci: tuple[float, float] | None
    confidence: float
    method: str
    n_fitted: int
    forecast_method: str | None = None
    origin: int | None = None
    by_year: tuple[tuple[int, float], ...] = ()
    interval: tuple[float | None, float | None] | None = None
    method_hindcast_coverage_90: float | None = None
    method_hindcast_n: int = 0

    def p_reached_by(self, year: int) -> float | None:
        """P(reached by the end of ``year``); 1 when already reached; None outside the forecast."""
        if self.reached_on is not None:
            return 1.0 if year >= self.reached_on.year else 0.0
        return dict(self.by_year).get(year)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the first keys as before the calibrated forecast; the rest added)."""
        return {
            "metric": self.metric,
            "target": self.target,
            "reached_by": self.reached_by,
            "reached_on": self.reached_on.isoformat() if self.reached_on else None,
            "planned": list(self.planned),
            "expected_year": self.expected_year,
            "expected_year_ci": list(self.expected_year_ci) if self.expected_year_ci else None,
            "confidence": self.confidence,
            "method": self.method,
            "n_fitted": self.n_fitted,
            "unit": METRICS[self.metric][0],
            "forecast_method": self.forecast_method,
            "origin": self.origin,
            "median_year": self.expected_year,
            "interval_years": list(self.interval) if self.interval else None,
            "last_forecast_year": self.by_year[-1][0] if self.by_year else None,
            "p_reached_by_end_of_year": [{"year": y, "probability": p} for y, p in self.by_year],
            "method_hindcast_coverage_90": self.method_hindcast_coverage_90,
            "method_hindcast_n": self.method_hindcast_n,
        }


_METHOD_TEXT = ("record (largest operational system) forecast by the trends module's methods, the calibrated "
                "one with the best 90 % interval score in a rolling-origin backtest chosen; crossing date "
                "read from its calibrated fan (P(record >= target) at each 1 January)")


def first_reaching(
    systems: Iterable[ClusterSystem],
    metric: str,
    target: float,
    *,
    origin: int | None = None,
    method: str | None = None,
    seed: int = 0,
    confidence: float = 0.9,
    planned_systems: Iterable[ClusterSystem] | None = None,
    n_samples: int = 2000,
    n_boot: int = 1000,
    fan: RecordForecast | None = None,
) -> FirstReaching:
    """Has a system reached ``target`` (e.g. 1e6 H100e, 1e9 W)? If not, when, by the calibrated forecast?

    Args:
        systems: the systems (filter first; the default CLI uses Epoch's standard set).
        metric: ``h100e``, ``power_w``, ``flop_per_s_16bit``, ``hardware_cost_usd`` or ``chip_count``.
        target: the size, in the metric's unit.
        origin: forecast as of 1 January of this year (default: after the last system).
        method: a trends method name; None chooses as :func:`leading_forecast`.
        seed: seeds every random stream.
        confidence: interval level, in (0, 1).
        planned_systems: where to look for announced systems of that size (default: ``systems``).
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
        fan: the same systems' :func:`leading_forecast` for ``metric``, if already made.

    Raises:
        InputError: unknown metric, non-positive target, confidence outside (0, 1), or too few systems.
    """
    if metric not in METRICS:
        raise InputError(f"metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if not (target > 0 and math.isfinite(target)):
        raise InputError(f"target: expected a positive size, got {target}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence: expected a level between 0 and 1, got {confidence}")
    pool = tuple(systems)
    cutoff = dt.date(origin, 1, 1) if origin is not None else dt.date.max
    reached = sorted(
        (s for s in pool if s.status != "planned" and s.first_operational and s.first_operational < cutoff
         and (metric_value(s, metric) or 0) >= target),
        key=lambda s: s.first_operational or dt.date.max,
    )
    announced = tuple(planned_systems) if planned_systems is not None else pool
    planned = tuple(s.name for s in announced if s.status == "planned" and (metric_value(s, metric) or 0) >= target)
    n = record_points(pool, metric, before=None if origin is None else cutoff)[0].size
    if reached:
        first = reached[0]
        return FirstReaching(metric, target, first.name, first.first_operational, planned, None, None,
                             confidence, "already reached", n)
    fc = fan or leading_forecast(pool, metric, origin=origin, method=method, seed=seed,
                                 n_samples=n_samples, n_boot=n_boot)
    alpha = (1 - confidence) / 2
    by_year, (lo, mid, hi) = crossing_distribution(fc, target, (alpha, 0.5, 1 - alpha))
    ci = (lo, hi) if lo is not None and hi is not None else None
    return FirstReaching(
        metric, target, None, None, planned, mid, ci, confidence, _METHOD_TEXT, n,
        forecast_method=fc.method, origin=fc.origin, by_year=by_year, interval=(lo, hi),
        method_hindcast_coverage_90=fc.hindcast_coverage_90, method_hindcast_n=fc.hindcast_n,
    )


@dataclasses.dataclass(frozen=True)
class HindcastCase:
    """One out-of-sample check of :func:`first_reaching`: forecast at ``origin``, truth from later rows.

    ``actual_year`` is None when no system in the data reached the target; such a case counts (as
    a miss) only when the whole interval ended before the data do.
    """

    origin: dt.date
    target: float
    expected_year: float | None
    expected_year_ci: tuple[float, float] | None
    actual_year: float | None
    covered: bool
    interval: tuple[float | None, float | None] | None = None
    forecast_method: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["origin"] = self.origin.isoformat()
        out["expected_year_ci"] = list(self.expected_year_ci) if self.expected_year_ci else None
        out["interval"] = list(self.interval) if self.interval else None
        return out


@dataclasses.dataclass(frozen=True)
class Hindcast:
    """Measured coverage of :func:`first_reaching`'s interval on past data."""

    metric: str
    confidence: float
    cases: tuple[HindcastCase, ...]
    skipped: int

    @property
    def coverage(self) -> float | None:
        """Fraction of cases whose interval held the actual date (None without cases)."""
        return sum(c.covered for c in self.cases) / len(self.cases) if self.cases else None

    @property
    def held(self) -> int:
        """Cases whose interval held."""
        return sum(c.covered for c in self.cases)

    @property
    def open_ended(self) -> int:
        """Cases whose interval had no upper end within the forecast years (wide: easy to cover)."""
        return sum(1 for c in self.cases if c.interval is None or c.interval[1] is None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"metric": self.metric, "confidence": self.confidence, "n": len(self.cases), "held": self.held,
                "coverage": self.coverage, "skipped": self.skipped, "open_ended": self.open_ended,
                "method": "calibrated record forecast (first_reaching) re-made at each origin from earlier rows only",
                "note": "origins are not independent (overlapping data); read the coverage as indicative",
                "cases": [c.to_dict() for c in self.cases]}


def _covered(interval: tuple[float | None, float | None], actual: float | None, data_end: float) -> bool | None:
    """Whether the interval held; None when the data cannot tell (target unreached, interval still open)."""
    lo, hi = interval
    if actual is None:
        return False if hi is not None and hi < data_end else None
    return lo is not None and lo <= actual and (hi is None or actual <= hi)


def hindcast_first_reaching(
    systems: Iterable[ClusterSystem],
    metric: str,
    origins: Iterable[int | dt.date] = HINDCAST_ORIGINS,
    *,
    multiples: tuple[float, ...] = (2.0, 4.0, 10.0),
    seed: int = 0,
    confidence: float = 0.9,
    method: str | None = None,
    n_samples: int = 2000,
    n_boot: int = 1000,
    runs: RecordRuns | None = None,
) -> Hindcast:
    """Forecast, at each origin, when the first system ``multiples`` x the largest so far appears.

    Each forecast is :func:`first_reaching` made from the systems first operational before the
    origin (1 January; a date is taken as 1 January of its year only if it is one); the truth is
    the first later system that reaches the size. A target no system reached is scored as a miss
    when the whole interval ended before the last first-operational date in the data, else skipped
    (counted in ``skipped``, with origins too early to forecast from). ``method`` fixes the trends
    method at every origin (default: chosen anew at each origin, as :func:`leading_forecast` does).

    The hindcasts behind every origin's backtest and calibration are run once (:class:`RecordRuns`,
    or ``runs`` if given for the same systems) and cut at each origin: the same forecasts as
    re-running :func:`leading_forecast` on the earlier systems, at the cost of one backtest.

    Raises:
        InputError: an origin date that is not a 1 January.
    """
    pool = tuple(s for s in systems if s.status != "planned" and s.first_operational is not None)
    data_end = max((s.first_operational_year or 0.0) for s in pool) if pool else 0.0
    cases: list[HindcastCase] = []
    skipped = 0
    if runs is None and metric in METRICS:
        runs = RecordRuns(pool, metric, seed=seed, n_samples=n_samples, n_boot=n_boot)
    for raw in origins:
        if isinstance(raw, dt.date) and (raw.month, raw.day) != (1, 1):
            raise InputError(f"origins: forecasts start on 1 January; got {raw.isoformat()}")
        year = raw.year if isinstance(raw, dt.date) else int(raw)
        day = dt.date(year, 1, 1)
        past = [s for s in pool if s.first_operational and s.first_operational < day]
        largest = max((metric_value(s, metric) or 0.0 for s in past), default=0.0)
        try:
            fan = leading_forecast(past, metric, origin=year, method=method, seed=seed, n_samples=n_samples,
                                   n_boot=n_boot, runs=runs)
        except InputError:
            skipped += len(multiples)
            continue
        for multiple in multiples:
            target = largest * multiple
            later = [s.first_operational_year for s in pool if s.first_operational and s.first_operational >= day
                     and (metric_value(s, metric) or 0.0) >= target]
            actual = min((a for a in later if a is not None), default=None)
            result = first_reaching(past, metric, target, origin=year, confidence=confidence, fan=fan)
            interval = result.interval or (None, None)
            covered = _covered(interval, actual, data_end)
            if covered is None:
                skipped += 1
                continue
            cases.append(HindcastCase(day, target, result.expected_year, result.expected_year_ci, actual, covered,
                                      interval, result.forecast_method))
    return Hindcast(metric, confidence, tuple(cases), skipped)
