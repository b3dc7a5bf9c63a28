"""`TrendFit`: a log-linear fit of a metric against release date, with honest uncertainty.

The model is ``log10(value) = intercept + slope * (year - reference_year) + error``. We report
the OLS slope with a **pairs bootstrap** percentile interval (chips resampled with replacement,
vectorised over resamples, seeded ``np.random.Generator``), and beside it the robust
**Theil-Sen** slope (median of pairwise slopes; Sen 1968, doi:10.1080/01621459.1968.10480934)
with its interval as :func:`scipy.stats.theilslopes` computes it (Sen 1968, eq. 2.6), by
:func:`theil_sen`: the same numbers, found with ``np.partition`` (three ranks of the pairwise
slopes are needed, not the whole sorted list; scipy sorts all n(n-1)/2 of them).

Derived figures: growth per year ``10**slope`` (x/yr), orders of magnitude per year (= slope),
doubling time ``log10(2) / slope`` years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.chipsets import MIN_POINTS, MetricPoints, metric_points
from computegov.trends.distributions import norm_ppf
from computegov.trends.metrics import Metric
from computegov.trends.selection import order_statistics

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "TrendFit",
    "bootstrap_ols",
    "doubling_time_years",
    "fit_log_linear",
    "fit_points",
    "fit_trend",
    "ols_fit",
    "theil_sen",
]

#: Default number of bootstrap resamples.
DEFAULT_BOOTSTRAP = 2000

_LOG10_2 = math.log10(2.0)

FloatArray = npt.NDArray[np.float64]


def doubling_time_years(slope_log10_per_year: float) -> float:
    """Years to double at a log10 growth rate; ``inf`` for no growth, negative for decline."""
    if slope_log10_per_year == 0:
        return math.inf
    return _LOG10_2 / slope_log10_per_year


def _doubling_interval(lo: float, hi: float) -> tuple[float, float]:
    """Doubling-time interval from a slope interval (an interval reaching 0 gives ``inf``)."""
    if lo > 0:
        return _LOG10_2 / hi, _LOG10_2 / lo
    if hi < 0:
        return _LOG10_2 / hi, _LOG10_2 / lo  # halving: both negative
    return (_LOG10_2 / hi if hi > 0 else -math.inf), math.inf


def ols_fit(x: FloatArray, y: FloatArray) -> tuple[float, float, float]:
    """Least-squares line of ``y`` on ``x``.

    Returns:
        (slope, intercept, residual SD): the residual SD uses n - 2 degrees of freedom (at least 1),
        in the units of ``y``.

    Raises:
        InputError: every ``x`` is the same (no spread to fit a slope to).
    """
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    if sxx == 0:
        raise InputError("all points have the same release date: a trend over time needs spread")
    slope = float(((x - xm) * (y - ym)).sum() / sxx)
    intercept = float(ym - slope * xm)
    resid = y - (intercept + slope * x)
    resid_sd = math.sqrt(float((resid**2).sum()) / max(x.size - 2, 1))
    return slope, intercept, resid_sd


def bootstrap_ols(
    x: npt.ArrayLike, y: npt.ArrayLike, *, rng: np.random.Generator, n_boot: int = DEFAULT_BOOTSTRAP
) -> tuple[FloatArray, FloatArray]:
    """Pairs-bootstrap OLS slopes and intercepts, vectorised over resamples.

    Args:
        x: predictor (here years minus the reference year).
        y: response (here log10 values).
        rng: the random generator (seeded by the caller).
        n_boot: resamples.

    Returns:
        ``(slopes, intercepts)``, each of length <= n_boot: resamples whose x values are all
        equal (no slope defined) are dropped.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    idx = rng.integers(0, len(xa), size=(n_boot, len(xa)))
    xs, ys = xa[idx], ya[idx]
    xm = xs.mean(axis=1, keepdims=True)
    ym = ys.mean(axis=1, keepdims=True)
    dx = np.subtract(xs, xm, out=xs)  # the gathers are fresh copies: worked on in place
    sxx = (dx * dx).sum(axis=1)
    ok = sxx > 0
    ys -= ym
    ys *= dx
    slopes = ys.sum(axis=1)[ok] / sxx[ok]
    intercepts = ym[ok, 0] - slopes * xm[ok, 0]
    return slopes, intercepts


def theil_sen(y: npt.ArrayLike, x: npt.ArrayLike, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Theil-Sen slope, intercept and slope interval, equal to :func:`scipy.stats.theilslopes`.

    Same definitions as scipy's (``method="separate"``): the slope is the median of the pairwise
    slopes over pairs with distinct x, the intercept ``median(y) - slope * median(x)``, and the
    interval the order statistics of ranks ``Rl``, ``Ru`` of Sen (1968), with ties in x and y
    counted in the variance. Only those ranks and the middle one(s) are selected, in one
    :func:`~computegov.trends.selection.order_statistics` (O(n²)) instead of scipy's sort of all
    slopes (O(n² log n)), and the slopes are formed row by row (measured faster than blocks of
    rows at n = 2,650); tested equal to scipy on random and tied data (see
    benchmarks/trends_speed.py for the speed).

    Returns:
        (slope, intercept, low_slope, high_slope); the interval ends are NaN when undefined.
    """
    yv = np.asarray(y, dtype=float).ravel()
    xv = np.asarray(x, dtype=float).ravel()
    if xv.shape != yv.shape or xv.size < 2:
        raise InputError("theil_sen needs x and y of the same length, at least 2")
    # Each pair once (a < b) in either orientation: (-p)/(-q) == p/q exactly in IEEE arithmetic,
    # so these are the very slopes scipy forms (from its n x n matrices, where dx > 0).
    parts = []
    for a in range(xv.size - 1):  # row by row: no n x n temporaries
        dx = xv[a + 1 :] - xv[a]
        keep = dx != 0
        parts.append((yv[a + 1 :] - yv[a])[keep] / dx[keep])
    slopes = np.concatenate(parts) if parts else np.empty(0)
    if not slopes.size:
        raise InputError("theil_sen: all x coordinates are identical")
    nt = slopes.size
    mid = nt // 2
    middle = [mid] if nt % 2 else [mid - 1, mid]
    alpha = confidence if confidence <= 0.5 else 1.0 - confidence
    z = float(norm_ppf(alpha / 2.0))
    ny = yv.size

    def ties(values: FloatArray) -> float:
        _, counts = np.unique(values, return_counts=True)
        k = counts[counts > 1].astype(float)
        return float(np.sum(k * (k - 1) * (2 * k + 5)))

    sigsq = 1 / 18.0 * (ny * (ny - 1) * (2 * ny + 5) - ties(xv) - ties(yv))
    ranks: list[int] = []
    if sigsq >= 0:
        sigma = math.sqrt(sigsq)
        ru = min(int(np.round((nt - z * sigma) / 2.0)), nt - 1)
        rl = max(int(np.round((nt + z * sigma) / 2.0)) - 1, 0)
        if -nt <= rl < nt and -nt <= ru < nt:  # scipy: IndexError -> NaN (negative = from the end)
            ranks = [rl % nt, ru % nt]
    wanted = sorted({*middle, *ranks})
    at = dict(zip(wanted, order_statistics(slopes, wanted).tolist(), strict=True))  # one selection
    medslope = float(np.mean([at[i] for i in middle]))  # as np.median: the middle one, or the mean of two
    medinter = float(np.median(yv) - medslope * np.median(xv))
    if not ranks:
        return medslope, medinter, math.nan, math.nan
    return medslope, medinter, float(at[ranks[0]]), float(at[ranks[1]])


@dataclasses.dataclass(frozen=True)
class TrendFit:
    """A log-linear trend of one metric over one chip set.

    Attributes:
        metric: metric name.
        unit: the metric's unit.
        chip_set: description of the chips (set name and filters).
        n: points fitted.
        n_selected: chips in the set (with or without the metric).
        coverage_note: e.g. ``"n = 53 of 170 chips have a launch price"``.
        reference_year: decimal year the intercept refers to (mean release year).
        slope_log10_per_year: OLS slope, orders of magnitude per year.
        intercept_log10: OLS fitted log10 value at ``reference_year``.
        slope_ci_log10_per_year: bootstrap percentile interval of the slope.
        confidence: level of every interval (0.95 by default).
        residual_sd_log10: standard deviation of the OLS residuals, log10 units (ddof=2).
        theil_sen_slope_log10_per_year: robust slope.
        theil_sen_ci_log10_per_year: its interval.
        theil_sen_intercept_log10: robust fitted log10 value at ``reference_year``.
        year_min: first release year in the fit.
        year_max: last release year in the fit.
        n_boot: bootstrap resamples used.
        names: chip names of the points.
        years: release years of the points.
        log10_values: log10 of the points' values.
        boot_slopes: bootstrap slopes (for forecasts), log10/yr.
        boot_intercepts: bootstrap intercepts at ``reference_year``, log10.
    """

    metric: str
    unit: str
    chip_set: str
    n: int
    n_selected: int
    coverage_note: str
    reference_year: float
    slope_log10_per_year: float
    intercept_log10: float
    slope_ci_log10_per_year: tuple[float, float]
    confidence: float
    residual_sd_log10: float
    theil_sen_slope_log10_per_year: float
    theil_sen_ci_log10_per_year: tuple[float, float]
    theil_sen_intercept_log10: float
    year_min: float
    year_max: float
    n_boot: int
    names: tuple[str, ...] = dataclasses.field(repr=False)
    years: FloatArray = dataclasses.field(repr=False, compare=False)
    log10_values: FloatArray = dataclasses.field(repr=False, compare=False)
    boot_slopes: FloatArray = dataclasses.field(repr=False, compare=False)
    boot_intercepts: FloatArray = dataclasses.field(repr=False, compare=False)

    @property
    def growth_per_year(self) -> float:
        """Multiplicative growth per year (x/yr)."""
        return float(10.0**self.slope_log10_per_year)

    @property
    def growth_per_year_ci(self) -> tuple[float, float]:
        """Interval of the growth per year (x/yr)."""
        lo, hi = self.slope_ci_log10_per_year
        return float(10.0**lo), float(10.0**hi)

    @property
    def doubling_time_years(self) -> float:
        """Doubling time in years (negative: halving time of a declining metric)."""
        return doubling_time_years(self.slope_log10_per_year)

    @property
    def doubling_time_ci_years(self) -> tuple[float, float]:
        """Interval of the doubling time; ``inf`` where the slope interval reaches zero."""
        return _doubling_interval(*self.slope_ci_log10_per_year)

    @property
    def residuals_log10(self) -> FloatArray:
        """Observed minus fitted log10 values (OLS)."""
        return self.log10_values - self.predict_log10(self.years)

    def predict_log10(self, years: npt.ArrayLike) -> FloatArray:
        """OLS fitted log10 value at decimal ``years``."""
        return self.intercept_log10 + self.slope_log10_per_year * (
            np.asarray(years, dtype=float) - self.reference_year
        )

    def predict(self, years: npt.ArrayLike) -> FloatArray:
        """OLS fitted value (``metric`` units) at decimal ``years``."""
        return np.power(10.0, self.predict_log10(years))

    def band_log10(self, years: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Bootstrap interval of the fitted line (not of single chips) at ``years``, log10."""
        x = np.asarray(years, dtype=float) - self.reference_year
        lines = self.boot_intercepts[:, None] + self.boot_slopes[:, None] * x[None, :]
        alpha = (1 - self.confidence) / 2
        lo, hi = np.quantile(lines, [alpha, 1 - alpha], axis=0)
        return lo, hi

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no bootstrap samples, no points)."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "chip_set": self.chip_set,
            "n": self.n,
            "n_selected": self.n_selected,
            "coverage_note": self.coverage_note,
            "method": "OLS on log10(value) vs release year; pairs-bootstrap percentile interval",
            "reference_year": self.reference_year,
            "slope_log10_per_year": self.slope_log10_per_year,
            "slope_ci_log10_per_year": list(self.slope_ci_log10_per_year),
            "growth_per_year": self.growth_per_year,
            "growth_per_year_ci": list(self.growth_per_year_ci),
            "doubling_time_years": self.doubling_time_years,
            "doubling_time_ci_years": list(self.doubling_time_ci_years),
            "intercept_log10_at_reference_year": self.intercept_log10,
            "confidence": self.confidence,
            "residual_sd_log10": self.residual_sd_log10,
            "theil_sen_slope_log10_per_year": self.theil_sen_slope_log10_per_year,
            "theil_sen_ci_log10_per_year": list(self.theil_sen_ci_log10_per_year),
            "theil_sen_doubling_time_years": doubling_time_years(
                self.theil_sen_slope_log10_per_year
            ),
            "year_min": self.year_min,
            "year_max": self.year_max,
            "n_boot": self.n_boot,
        }


def fit_log_linear(
    years: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    metric: Metric | str = "value",
    unit: str = "",
    chip_set: str = "",
    names: Iterable[str] | None = None,
    n_selected: int | None = None,
    coverage_note: str | None = None,
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = 0.95,
) -> TrendFit:
    """Fit ``log10(values)`` against ``years`` (OLS + bootstrap, Theil-Sen beside it).

    Args:
        years: decimal release years.
        values: positive metric values.
        rng: random generator for the bootstrap.
        metric: metric or its name (labels only).
        unit: unit label (taken from ``metric`` when it is a Metric).
        chip_set: description of the chips.
        names: labels of the points.
        n_selected: chips considered (default: the number of points).
        coverage_note: overrides the default "n = ... points" note.
        n_boot: bootstrap resamples (at least 1,000 recommended).
        confidence: interval level, e.g. 0.95.

    Raises:
        InputError: fewer than 3 points, non-positive values, or no spread in years.
    """
    x = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    if x.shape != v.shape or x.ndim != 1:
        raise InputError("years and values must be 1-D arrays of the same length")
    if len(x) < MIN_POINTS:
        raise InputError(
            f"a trend needs at least {MIN_POINTS} points with the metric, got {len(x)}"
        )
    if not np.all(np.isfinite(v) & (v > 0)) or not np.all(np.isfinite(x)):
        raise InputError("values must be positive and finite for a log-linear fit")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be in (0, 1), got {confidence}")
    y = np.log10(v)
    reference_year = float(x.mean())
    xc = x - reference_year
    slope, intercept, resid_sd = ols_fit(xc, y)
    boot_slopes, boot_intercepts = bootstrap_ols(xc, y, rng=rng, n_boot=n_boot)
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(boot_slopes, [alpha, 1 - alpha])
    ts_slope, ts_intercept, ts_low, ts_high = theil_sen(y, xc, confidence)
    label = metric.name if isinstance(metric, Metric) else str(metric)
    unit_label = metric.unit if isinstance(metric, Metric) else unit
    point_names = tuple(names) if names is not None else tuple(f"#{i}" for i in range(len(x)))
    return TrendFit(
        metric=label,
        unit=unit_label,
        chip_set=chip_set,
        n=len(x),
        n_selected=n_selected if n_selected is not None else len(x),
        coverage_note=coverage_note or f"n = {len(x)} points",
        reference_year=reference_year,
        slope_log10_per_year=slope,
        intercept_log10=intercept,
        slope_ci_log10_per_year=(float(lo), float(hi)),
        confidence=confidence,
        residual_sd_log10=resid_sd,
        theil_sen_slope_log10_per_year=ts_slope,
        theil_sen_ci_log10_per_year=(ts_low, ts_high),
        theil_sen_intercept_log10=ts_intercept,
        year_min=float(x.min()),
        year_max=float(x.max()),
        n_boot=len(boot_slopes),
        names=point_names,
        years=x,
        log10_values=y,
        boot_slopes=boot_slopes,
        boot_intercepts=boot_intercepts,
    )


def fit_points(
    points: MetricPoints,
    *,
    rng: np.random.Generator,
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = 0.95,
) -> TrendFit:
    """Fit a :class:`MetricPoints` (see :func:`fit_log_linear`).

    Raises:
        InputError: fewer than 3 points (the message says how many chips have the metric).
    """
    if points.n < MIN_POINTS:
        raise InputError(
            f"metric {points.metric.name!r} over chip set '{points.chip_set}': {points.coverage_note()}; "
            f"a trend needs at least {MIN_POINTS}. Try a wider set (--set all), drop filters, or "
            "another metric (computegov trends metrics)"
        )
    return fit_log_linear(
        points.years,
        points.values,
        rng=rng,
        metric=points.metric,
        chip_set=points.chip_set,
        names=points.names,
        n_selected=points.n_selected,
        coverage_note=points.coverage_note(),
        n_boot=n_boot,
        confidence=confidence,
    )


def fit_trend(
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
    n_boot: int = DEFAULT_BOOTSTRAP,
    confidence: float = 0.95,
) -> TrendFit:
    """Fit the trend of ``metric`` over a chip set.

    Args:
        chips: a Catalog or any iterable of chips.
        metric: metric name (see ``computegov trends metrics``) or :class:`Metric`.
        chip_set: ``all``, ``ml``, ``datacenter`` or ``frontier`` (record-setting chips).
        manufacturer: keep only this manufacturer.
        kind: keep only this kind (``gpu``, ``tpu``, ...).
        since: first release date (year or ISO date).
        until: last release date (year or ISO date).
        rng: random generator for the bootstrap (default: ``np.random.default_rng(seed)``).
        seed: seed used when ``rng`` is None.
        n_boot: bootstrap resamples.
        confidence: interval level.

    Raises:
        UnknownNameError: unknown metric or chip set.
        InputError: fewer than 3 chips with the metric.
    """
    points = metric_points(
        chips, metric, chip_set, manufacturer=manufacturer, kind=kind, since=since, until=until
    )
    return fit_points(
        points, rng=rng or np.random.default_rng(seed), n_boot=n_boot, confidence=confidence
    )
