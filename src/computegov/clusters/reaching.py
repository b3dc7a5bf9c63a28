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
from computegov.trends.chipsets import MIN_POINTS
from computegov.trends.methods import (
    check_methods,
)
from computegov.trends.record import MAX_FORECAST_YEAR, RecordForecast, forecast_series

__all__ = [
    "FORECAST_YEARS",
    "HINDCAST_ORIGINS",
    "FirstReaching",
    "Hindcast",
    "HindcastCase",
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
) -> Hindcast:
    """Forecast, at each origin, when the first system ``multiples`` x the largest so far appears.

    Each forecast is :func:`first_reaching` made from the systems first operational before the
    origin (1 January; a date is taken as 1 January of its year only if it is one); the truth is
    the first later system that reaches the size. A target no system reached is scored as a miss
    when the whole interval ended before the last first-operational date in the data, else skipped
    (counted in ``skipped``, with origins too early to forecast from). ``method`` fixes the trends
    method at every origin (default: chosen anew at each origin, as :func:`leading_forecast` does).

    Raises:
        InputError: an origin date that is not a 1 January.
    """
    pool = tuple(s for s in systems if s.status != "planned" and s.first_operational is not None)
    data_end = max((s.first_operational_year or 0.0) for s in pool) if pool else 0.0
    cases: list[HindcastCase] = []
    skipped = 0
    for raw in origins:
        if isinstance(raw, dt.date) and (raw.month, raw.day) != (1, 1):
            raise InputError(f"origins: forecasts start on 1 January; got {raw.isoformat()}")
        year = raw.year if isinstance(raw, dt.date) else int(raw)
        day = dt.date(year, 1, 1)
        past = [s for s in pool if s.first_operational and s.first_operational < day]
        largest = max((metric_value(s, metric) or 0.0 for s in past), default=0.0)
        try:
            fan = leading_forecast(past, metric, origin=year, method=method, seed=seed, n_samples=n_samples,
                                   n_boot=n_boot)
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
