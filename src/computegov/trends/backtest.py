"""Rolling-origin backtests: how well would each forecasting method have done?

For each origin year ``Y`` we fit on chips released before 1 January ``Y`` and forecast the
**record** (the best value of the metric among chips released so far) at 1 January of
``Y + 1 ... Y + h``; targets after the last release in the data are not scored. The record is what
"how good will hardware be in year X" asks about, and it lets every method answer the same
question. Methods (:data:`METHODS`):

- ``loglinear_all``: a fit to every chip, turned into a forecast of the record by simulation
  (:func:`simulate_record`): chips keep arriving at the recent release rate, each scattered
  around the fitted line (bootstrap draws of the line, residual scatter of single chips), and the
  record is the best of them and of the last record;
- ``loglinear_frontier``: the same with a fit to the record-setting chips and the rate at which
  records were set;
- ``moore_2yr``: doubling every two years from the last record (Moore 1975), a point forecast;
- ``naive_record``: the last record stays, a point forecast;
- ``slowdown``: the bundled ``cotra_2020`` scenario's shape (2.5-year doubling, capped 6 OOM
  up) from the last record, a point forecast; only for the metrics the scenario applies to
  (price-performance).

Scores are on log10 values: error (observed - median), CRPS (``scoringrules.crps_ensemble`` on
the samples; for a point forecast it equals the absolute error) and whether the central 50 % and
90 % intervals covered the observation (probabilistic methods only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.chipsets import MIN_POINTS, metric_points, record_mask
from computegov.trends.fit import bootstrap_ols, ols_fit
from computegov.trends.forecast import load_scenarios, scenario_log10_paths
from computegov.trends.metrics import Metric

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "Backtest",
    "BacktestScore",
    "MethodSummary",
    "backtest",
    "backtest_points",
    "simulate_record",
]

#: Methods compared, in table order.
METHODS: tuple[str, ...] = (
    "loglinear_all",
    "loglinear_frontier",
    "moore_2yr",
    "naive_record",
    "slowdown",
)

#: One line per method, for tables.
METHOD_LABELS: dict[str, str] = {
    "loglinear_all": "log-linear fit to all chips, simulated record",
    "loglinear_frontier": "log-linear fit to record setters, simulated record",
    "moore_2yr": "fixed 2-year doubling from the last record (Moore)",
    "naive_record": "last record stays",
    "slowdown": "Cotra 2020 scenario shape from the last record",
}

#: Methods that give a distribution (the others are point forecasts).
PROBABILISTIC: frozenset[str] = frozenset({"loglinear_all", "loglinear_frontier"})

#: Years before an origin over which the release rate of chips (or of records) is measured.
#: Assumption (ours, no published source): about two accelerator generations.
RATE_WINDOW_YEARS = 5.0

#: The bundled scenario whose shape the ``slowdown`` method follows.
SLOWDOWN_SCENARIO = "cotra_2020"

_LOG10_2 = math.log10(2.0)

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class BacktestScore:
    """One forecast scored against what happened.

    Attributes:
        method: method name.
        origin_year: data up to 1 January of this year were used.
        target_year: the record forecast is for 1 January of this year.
        observed_log10: log10 of the record then.
        median_log10: forecast median, log10.
        error_log10: observed minus median (positive: the method under-forecast).
        crps_log10: CRPS in log10 units.
        in_50: observed within the central 50 % interval (None for point forecasts).
        in_90: observed within the central 90 % interval (None for point forecasts).
    """

    method: str
    origin_year: int
    target_year: int
    observed_log10: float
    median_log10: float
    error_log10: float
    crps_log10: float
    in_50: bool | None
    in_90: bool | None

    @property
    def horizon_years(self) -> int:
        """Years ahead."""
        return self.target_year - self.origin_year

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["horizon_years"] = self.horizon_years
        return out


@dataclasses.dataclass(frozen=True)
class MethodSummary:
    """A method's scores over every origin and horizon.

    Attributes:
        method: method name.
        n: forecasts scored.
        mean_abs_error_log10: mean absolute log10 error (0.3 = a factor of 2).
        bias_log10: mean error (observed - median; positive = under-forecast).
        mean_crps_log10: mean CRPS, log10 units (lower is better).
        coverage_50: share of observations inside the 50 % interval (None: point forecasts).
        coverage_90: share inside the 90 % interval (None: point forecasts).
    """

    method: str
    n: int
    mean_abs_error_log10: float
    bias_log10: float
    mean_crps_log10: float
    coverage_50: float | None
    coverage_90: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


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
        summaries: one per method, in :data:`METHODS` order.
    """

    metric: str
    unit: str
    chip_set: str
    origins: tuple[int, ...]
    horizon_years: int
    scores: tuple[BacktestScore, ...]
    summaries: tuple[MethodSummary, ...]

    @property
    def best_method(self) -> str | None:
        """Method with the lowest mean CRPS (None if nothing was scored)."""
        scored = [s for s in self.summaries if s.n]
        return min(scored, key=lambda s: s.mean_crps_log10).method if scored else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "chip_set": self.chip_set,
            "target": "record value at 1 January of the target year, log10",
            "origins": list(self.origins),
            "horizon_years": self.horizon_years,
            "best_method": self.best_method,
            "summaries": [s.to_dict() for s in self.summaries],
            "scores": [s.to_dict() for s in self.scores],
        }


def _record_before(years: FloatArray, log_values: FloatArray, when: float) -> float | None:
    seen = log_values[years < when]
    return float(seen.max()) if seen.size else None


def _crps(observed: float, samples: FloatArray) -> float:
    import scoringrules as sr  # maintained scoring-rule library (Zamo & Naveau estimators)

    return float(sr.crps_ensemble(np.float64(observed), samples))


def _release_rate_per_year(train_x: FloatArray, origin: float) -> float:
    """Chips per year released in the :data:`RATE_WINDOW_YEARS` before ``origin``.

    At least one chip over the window or over the whole training span, whichever is shorter.
    """
    window = min(RATE_WINDOW_YEARS, max(origin - float(train_x.min()), 1.0))
    recent = int(np.count_nonzero(train_x >= origin - window))
    return max(recent, 1) / window


def simulate_record(
    *,
    last_record: float,
    origin: float,
    targets: FloatArray,
    intercepts: FloatArray,
    slopes: FloatArray,
    residual_sd: float,
    rate_per_year: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Log10 record at each target implied by a fitted log-linear model of single chips.

    Chips arrive as a Poisson process at ``rate_per_year`` after ``origin``; a chip released at
    ``t`` has log10 value ``intercept + slope * (t - origin) + N(0, residual_sd)`` with one
    (intercept, slope) pair per path (bootstrap draws: parameter uncertainty). The record at a
    target is the largest of ``last_record`` and every simulated chip released before it. This
    is the model's **predictive** distribution of the record: it includes the scatter of single
    chips and the randomness of when the next record arrives, not only the uncertainty of the
    fitted line (a confidence band), which is far too narrow for what gets released.

    Args:
        last_record: log10 record at ``origin``.
        origin: forecast origin, decimal year.
        targets: target years (> origin), shape ``(n_targets,)``.
        intercepts: per-path log10 level at ``origin``, shape ``(n_paths,)``.
        slopes: per-path slope, log10 per year, shape ``(n_paths,)``.
        residual_sd: scatter of single chips around the line, log10.
        rate_per_year: expected releases per year.
        rng: random generator.

    Returns:
        array ``(n_paths, n_targets)`` of log10 records.
    """
    n_paths = intercepts.size
    span = float(targets.max() - origin)
    mean_count = rate_per_year * span
    # Enough slots for the Poisson count of nearly every path (mean + 6 sd + 5); the rare path
    # above it (probability < 1e-8) keeps only that many chips.
    slots = math.ceil(mean_count + 6.0 * math.sqrt(mean_count) + 5.0)
    counts = rng.poisson(mean_count, size=n_paths)
    times = rng.random((n_paths, slots)) * span  # years after origin
    active = np.arange(slots)[None, :] < counts[:, None]
    values = (
        intercepts[:, None]
        + slopes[:, None] * times
        + residual_sd * rng.standard_normal((n_paths, slots))
    )
    values = np.where(active, values, -np.inf)
    out = np.empty((n_paths, targets.size))
    for j, target in enumerate(targets):
        released = np.where(times < target - origin, values, -np.inf)
        out[:, j] = np.maximum(released.max(axis=1), last_record)
    return out


def _method_samples(
    method: str,
    *,
    train_x: FloatArray,
    train_y: FloatArray,
    origin: float,
    targets: FloatArray,
    last_record: float,
    rng: np.random.Generator,
    n_samples: int,
    n_boot: int,
) -> FloatArray | None:
    """Log10 forecast samples of the record at each target, shape ``(n_samples, n_targets)``.

    One row means a point forecast; None when the method cannot forecast from this origin.
    """
    elapsed = targets - origin
    if method == "naive_record":
        return np.full((1, targets.size), last_record)
    if method == "moore_2yr":
        return (last_record + _LOG10_2 / 2.0 * elapsed)[None, :]
    if method == "slowdown":
        # The bundled slowdown scenario's shape, started from the last record.
        paths = scenario_log10_paths(
            load_scenarios()[SLOWDOWN_SCENARIO],
            targets,
            intercepts=np.array([last_record]),
            slopes=np.array([0.0]),
            reference_year=origin,
            start_year=origin,
        )
        return np.asarray(paths, dtype=np.float64)
    if method == "loglinear_all":
        fx, fy = train_x - origin, train_y
        rate = _release_rate_per_year(train_x, origin)
    elif method == "loglinear_frontier":
        keep = record_mask(train_x, train_y)
        fx, fy = train_x[keep] - origin, train_y[keep]
        rate = _release_rate_per_year(train_x[keep], origin)
    else:
        raise InputError(f"unknown backtest method {method!r}; available: {', '.join(METHODS)}")
    if fx.size < MIN_POINTS or np.ptp(fx) == 0:
        return None
    slopes, intercepts = bootstrap_ols(fx, fy, rng=rng, n_boot=n_boot)
    if slopes.size == 0:
        return None
    pick = rng.integers(0, slopes.size, n_samples)
    return simulate_record(
        last_record=last_record,
        origin=origin,
        targets=targets,
        intercepts=intercepts[pick],
        slopes=slopes[pick],
        residual_sd=ols_fit(fx, fy)[2],
        rate_per_year=rate,
        rng=rng,
    )


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
) -> Backtest:
    """Backtest forecasts of the record on raw (year, value) points.

    Args:
        years: release dates, decimal years.
        values: positive metric values.
        rng: random generator.
        origins: origin years; default every year from the first with 3 earlier records to the
            year before the last release.
        horizon_years: forecast 1..h years ahead.
        methods: subset of :data:`METHODS`.
        metric: label.
        unit: label.
        chip_set: label.
        n_samples: samples per probabilistic forecast.
        n_boot: bootstrap resamples per fit.

    Raises:
        InputError: unknown method, bad horizon, or no origin with enough data.
    """
    x = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    if x.shape != v.shape or np.any(v <= 0):
        raise InputError("years and values must have the same length and values must be positive")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(
            f"unknown backtest method(s) {', '.join(unknown)}; available: {', '.join(METHODS)}"
        )
    if horizon_years < 1:
        raise InputError(f"horizon must be at least 1 year, got {horizon_years}")
    # The slowdown scenario is a forecast of particular metrics (price-performance for Cotra);
    # elsewhere it would only be an arbitrary fixed doubling time, so it is not scored.
    methods = [
        m for m in methods if m != "slowdown" or load_scenarios()[SLOWDOWN_SCENARIO].applies(metric)
    ]
    y = np.log10(v)
    last_release = float(x.max()) if x.size else -math.inf
    if origins is None:
        rec_years = np.sort(x[record_mask(x, y)])
        first = math.floor(rec_years[MIN_POINTS - 1]) + 1 if rec_years.size >= MIN_POINTS else None
        origins = range(first, math.floor(last_release) + 1) if first is not None else range(0)
    used: list[int] = []
    scores: list[BacktestScore] = []
    for origin in origins:
        train = x < origin
        if int(train.sum()) < MIN_POINTS or np.ptp(x[train]) == 0:
            continue
        last_record = float(y[train].max())
        targets = [origin + k for k in range(1, horizon_years + 1) if origin + k <= last_release]
        if not targets:
            continue
        used.append(int(origin))
        observed = [_record_before(x, y, float(t)) for t in targets]
        target_arr = np.asarray(targets, dtype=float)
        for method in methods:
            samples = _method_samples(
                method,
                train_x=x[train],
                train_y=y[train],
                origin=float(origin),
                targets=target_arr,
                last_record=last_record,
                rng=rng,
                n_samples=n_samples,
                n_boot=n_boot,
            )
            if samples is None:
                continue
            for j, target in enumerate(targets):
                obs = observed[j]
                if obs is None:
                    continue
                scores.append(_score(method, int(origin), int(target), obs, samples[:, j]))
    if not used:
        raise InputError(
            f"no origin year has at least {MIN_POINTS} earlier chips and a later release to score "
            f"(data span {x.min() if x.size else 'n/a'}-{last_release}); widen the chip set"
        )
    summaries = tuple(
        _summarise(method, [s for s in scores if s.method == method]) for method in methods
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


def _score(
    method: str, origin: int, target: int, observed: float, samples: FloatArray
) -> BacktestScore:
    median = float(np.median(samples))
    in_50: bool | None = None
    in_90: bool | None = None
    if samples.size > 1:
        q05, q25, q75, q95 = np.quantile(samples, [0.05, 0.25, 0.75, 0.95])
        in_50 = bool(q25 <= observed <= q75)
        in_90 = bool(q05 <= observed <= q95)
    return BacktestScore(
        method=method,
        origin_year=origin,
        target_year=target,
        observed_log10=observed,
        median_log10=median,
        error_log10=observed - median,
        crps_log10=_crps(observed, samples),
        in_50=in_50,
        in_90=in_90,
    )


def _summarise(method: str, scores: Sequence[BacktestScore]) -> MethodSummary:
    if not scores:
        return MethodSummary(method, 0, math.nan, math.nan, math.nan, None, None)
    errors = np.array([s.error_log10 for s in scores])
    crps = np.array([s.crps_log10 for s in scores])
    cover50 = [s.in_50 for s in scores if s.in_50 is not None]
    cover90 = [s.in_90 for s in scores if s.in_90 is not None]
    return MethodSummary(
        method=method,
        n=len(scores),
        mean_abs_error_log10=float(np.abs(errors).mean()),
        bias_log10=float(errors.mean()),
        mean_crps_log10=float(crps.mean()),
        coverage_50=float(np.mean(cover50)) if cover50 else None,
        coverage_90=float(np.mean(cover90)) if cover90 else None,
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

    Raises:
        UnknownNameError: unknown metric or chip set.
        InputError: fewer than 3 chips with the metric, or no usable origin.
    """
    points = metric_points(
        chips, metric, chip_set, manufacturer=manufacturer, kind=kind, since=since, until=until
    )
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
    )
