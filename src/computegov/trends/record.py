"""Forecasts of a metric's record by any method, and the probabilities forecasters ask for.

- :func:`record_forecast`: quantiles of the record at 1 January of each year, by a named method or
  by default the best **calibrated** method of the rolling-origin backtest (lowest 90 % interval
  score), labelled with how often that method's 90 % bands held in its hindcasts;
- :func:`prob_exceeds`: P(the record reaches a value by a year);
- :func:`prob_overtakes`: P(chip group A's record is above group B's at a year), treating the two
  forecasts as independent (an assumption: shared technology makes them positively correlated,
  which would pull the answer toward 0 or 1).

The forecast origin is 1 January of the year after the last release, so every chip in the data is
used; the record at 1 January of ``Y`` counts chips released before that date.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.backtest import Backtest, backtest_points, pool_series_for
from computegov.trends.chipsets import MIN_POINTS, metric_points
from computegov.trends.diagnostics import ensemble_quantiles
from computegov.trends.forecast import QUANTILE_LEVELS, Forecast
from computegov.trends.hindcast import (
    calibrated_forecast,
    first_origin,
    pool_hindcasts,
    run_hindcasts,
    seeded_ensemble,
    series_hindcasts,
)
from computegov.trends.methods import (
    METHODS,
    base_of,
    check_methods,
    is_calibrated,
    method_label,
)

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = [
    "MAX_FORECAST_YEAR",
    "Probability",
    "RecordForecast",
    "forecast_series",
    "prob_exceeds",
    "prob_overtakes",
    "record_forecast",
]

FloatArray = npt.NDArray[np.float64]

#: Last year any forecast may reach: 75 years past today's data is already far beyond what any
#: hindcast checked (at most 10 years ahead); the registry form has the same bound.
MAX_FORECAST_YEAR = 2100

#: Furthest horizon of the hindcasts a calibrated forecast learns from (years).
MAX_CAL_HORIZON = 10

#: Horizon of the backtest that picks the default method and states the coverage (years).
CHOICE_HORIZON = 5


def check_years(years: Sequence[int], first_allowed: int) -> list[int]:
    """Forecast years, checked: after the origin and no later than :data:`MAX_FORECAST_YEAR`.

    Raises:
        InputError: no year, a year at or before the origin, or past the bound.
    """
    out = sorted({int(y) for y in years})
    if not out:
        raise InputError("give at least one forecast year")
    if out[-1] > MAX_FORECAST_YEAR:
        raise InputError(
            f"forecast year {out[-1]} is after {MAX_FORECAST_YEAR}, the furthest this tool forecasts "
            f"(hindcasts check at most {MAX_CAL_HORIZON} years ahead); choose --to {MAX_FORECAST_YEAR} or earlier"
        )
    if out[0] < first_allowed:
        raise InputError(
            f"forecast year {out[0]} is not after the data: the record is forecast from 1 January "
            f"{first_allowed - 1}; choose years from {first_allowed}"
        )
    return out


@dataclasses.dataclass(frozen=True)
class RecordForecast:
    """Quantiles of a metric's record by year from one method.

    Attributes:
        metric: metric name.
        unit: its unit.
        chip_set: chips whose releases define the record.
        method: method name (``+cal``: calibrated on its hindcasts).
        chosen_by: why this method (``"user"`` or the rule that picked it).
        origin: forecasts use chips released before 1 January of this year.
        years: the record is forecast at 1 January of each.
        quantile_levels: probabilities of the columns of ``quantiles``.
        quantiles: ``(n_years, n_levels)`` in ``unit``.
        ensemble_log10: sorted log10 ensemble per year ``(n_years, members)``.
        hindcast_coverage_90: share of the method's 90 % bands that held in the backtest (None:
            point forecast or nothing scored).
        hindcast_n: forecasts scored in that backtest.
        hindcast_since: first origin of those hindcasts.
        calibration_statement: the backtest's verdict on the best calibrated method.
    """

    metric: str
    unit: str
    chip_set: str
    method: str
    chosen_by: str
    origin: int
    years: tuple[int, ...]
    quantile_levels: tuple[float, ...]
    quantiles: FloatArray = dataclasses.field(repr=False, compare=False)
    ensemble_log10: FloatArray = dataclasses.field(repr=False, compare=False)
    hindcast_coverage_90: float | None
    hindcast_n: int
    hindcast_since: int | None
    calibration_statement: str

    @property
    def coverage_note(self) -> str:
        """E.g. "this method's 90 % bands held 88 % of the time in 50 hindcasts since 2013"."""
        if self.hindcast_coverage_90 is None:
            return "a point forecast: no band to check against hindcasts"
        return (
            f"this method's 90 % bands held {self.hindcast_coverage_90:.0%} of the time in "
            f"{self.hindcast_n} hindcasts since {self.hindcast_since}"
        )

    def prob_above(self, value: float) -> FloatArray:
        """P(record > ``value``) at each year (metric units)."""
        if value <= 0:
            raise InputError(f"value must be positive ({self.unit}), got {value:g}")
        return np.asarray((self.ensemble_log10 > math.log10(value)).mean(axis=-1, where=np.isfinite(self.ensemble_log10)))

    def as_forecast(self) -> Forecast:
        """The same quantiles as a :class:`Forecast` (for the fan charts), labelled with coverage."""
        return Forecast(
            metric=self.metric,
            unit=self.unit,
            chip_set=self.chip_set,
            scenario=self.method,
            scenario_title=f"record by {self.method}: {self.coverage_note}",
            scenario_source=method_label(self.method),
            years=tuple(float(y) for y in self.years),
            quantile_levels=self.quantile_levels,
            quantiles=self.quantiles,
            n_paths=int(self.ensemble_log10.shape[-1]),
            start_year=float(self.origin),
            caps=(),
            capped_fraction=tuple(0.0 for _ in self.years),
        )

    def rows(self) -> list[dict[str, float]]:
        """One dict per year: ``year`` and ``q05``... ``q95``."""
        return [
            {"year": float(y), **{f"q{round(lv * 100):02d}": float(self.quantiles[i, j])
                                  for j, lv in enumerate(self.quantile_levels)}}
            for i, y in enumerate(self.years)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; quantiles in ``unit``."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "chip_set": self.chip_set,
            "target": "record value at 1 January of each year",
            "method": self.method,
            "method_label": method_label(self.method),
            "chosen_by": self.chosen_by,
            "origin": self.origin,
            "quantile_levels": list(self.quantile_levels),
            "hindcast_coverage_90": self.hindcast_coverage_90,
            "hindcast_n": self.hindcast_n,
            "hindcast_since": self.hindcast_since,
            "coverage_note": self.coverage_note,
            "calibration_statement": self.calibration_statement,
            "by_year": self.rows(),
        }


def forecast_series(
    years: FloatArray, values: FloatArray, *, metric: str, unit: str, chip_set: str,
    method: str | None, to_years: Sequence[int] | None, seed: int, n_samples: int, n_boot: int,
    choice: Backtest | None = None, origin: int | None = None,
    pool_series: Sequence[tuple[FloatArray, FloatArray]] = (),
) -> tuple[RecordForecast, Backtest]:
    """The record forecast of any (decimal year, value) series: catalogue chips, AI supercomputers.

    Every method is backtested (rolling origin, :data:`CHOICE_HORIZON` years); the default is the
    best calibrated one by 90 % interval score, and a calibrated (``+cal``) method learns from
    its own hindcasts made before ``origin`` only.

    Args:
        years: decimal years of the points (all before ``origin``).
        values: their values in ``unit`` (> 0).
        metric: the metric's name, carried into the result.
        unit: the unit of ``values``.
        chip_set: what the points are (e.g. ``ml``), carried into the result.
        method: a method name, or None for the best calibrated one.
        to_years: forecast years (1 January), after the origin; None: to 2040.
        seed: seeds every random stream.
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
        choice: an earlier backtest of the same points to reuse.
        origin: the forecast origin (1 January of this year); None: the year after the last point.
        pool_series: other (years, values) series pooled into the calibration of a ``+cal``
            method, in the backtest and in the forecast (see
            :func:`~computegov.trends.backtest.backtest_points`).

    Returns:
        The forecast and the backtest that chose its method.

    Raises:
        InputError: an unknown method, years out of range, a method that cannot forecast or
            too few hindcasts to calibrate.
    """
    x, y = np.asarray(years, dtype=float), np.log10(np.asarray(values, dtype=float))
    origin = math.floor(float(x.max())) + 1 if origin is None else origin
    wanted = list(to_years) if to_years is not None else list(range(origin + 1, 2041))
    target_years = check_years(wanted, origin + 1)
    if method is not None:
        check_methods([method])
    # Every method is backtested even when one is named: its coverage and the verdict on the best
    # calibrated method are stated beside the answer either way.
    if choice is None or choice.horizon_years != CHOICE_HORIZON or (method is not None and choice.summary(method) is None):
        choice = backtest_points(x, 10**y, rng=np.random.default_rng(seed), horizon_years=CHOICE_HORIZON,
                                 methods=METHODS, metric=metric,
                                 unit=unit, chip_set=chip_set, n_samples=n_samples, n_boot=n_boot,
                                 pool_series=pool_series)
    if method is None:
        chosen = choice.best_calibrated_method or choice.best_method
        if chosen is None:
            raise InputError(f"{metric}: no method could be backtested; give --method")
        why = "best calibrated method by 90 % interval score in the rolling-origin backtest"
    else:
        chosen, why = method, "user"
    summary = choice.summary(chosen)
    hs = np.asarray(target_years, dtype=np.int64) - origin
    base = base_of(chosen)
    ens = seeded_ensemble(base, train_x=x, train_y=y, origin=origin, targets=(origin + hs).astype(float),
                          seed=seed, n_samples=n_samples, n_boot=n_boot)
    if ens is None:
        raise InputError(f"{metric}: method {chosen} cannot forecast from these {x.size} chips")
    if is_calibrated(chosen):
        start = first_origin(x)
        cal = None
        if start is not None and start < origin:
            hind = run_hindcasts(x, y, methods=[base], origins=list(range(start, origin)),
                                 horizon_years=MAX_CAL_HORIZON, seed=seed, n_samples=n_samples, n_boot=n_boot)
            source = hind[base]
            if pool_series and ens.shape[-1] > 1:  # pooled as in the backtest (probabilistic methods)
                for px, pv in pool_series:
                    other = series_hindcasts(px, pv, methods=[base], last_origin=origin - 1,
                                             horizon_years=MAX_CAL_HORIZON, seed=seed, n_samples=n_samples,
                                             n_boot=n_boot)
                    if other is not None:
                        source = pool_hindcasts([source, other[base]])
            cal = calibrated_forecast(source, origin, ens, hs, floor_log10=float(y.max()))
        if cal is None:
            raise InputError(f"{metric}: too few scored hindcasts to calibrate {base}; choose {base}")
        ens = np.broadcast_to(cal.ensemble, (hs.size, cal.ensemble.shape[-1]))
    quantiles = 10 ** ensemble_quantiles(ens, QUANTILE_LEVELS)
    result = RecordForecast(
        metric=metric, unit=unit, chip_set=chip_set, method=chosen, chosen_by=why, origin=origin,
        years=tuple(target_years), quantile_levels=QUANTILE_LEVELS, quantiles=quantiles,
        ensemble_log10=np.asarray(ens),
        hindcast_coverage_90=summary.coverage_90 if summary else None,
        hindcast_n=summary.n if summary else 0,
        hindcast_since=summary.first_origin if summary else None,
        calibration_statement=choice.calibration_check()["statement"],
    )
    return result, choice


def _group(chips: Iterable[Chip], group: str | None) -> list[Chip]:
    pool = list(chips)
    if group:
        negate = group.startswith("!")
        name = group.lstrip("!").strip().lower()
        pool = [c for c in pool if (name in (c.manufacturer or "").lower()) != negate]
        if not pool:
            raise InputError(f"chip group {group!r} matches no chip (a manufacturer, or !manufacturer for the rest)")
    return pool


def _points(chips: Iterable[Chip], metric: str, chip_set: str, group: str | None = None, **filters: Any) -> Any:
    pool = _group(chips, group)
    points = metric_points(pool, metric, chip_set, **filters)
    if points.n < MIN_POINTS:
        raise InputError(f"metric {points.metric.name!r} over '{points.chip_set}'{' ' + group if group else ''}: "
                         f"{points.coverage_note()}; a record forecast needs at least {MIN_POINTS}")
    return points


def record_forecast(
    chips: Iterable[Chip],
    metric: str,
    chip_set: str = "ml",
    *,
    method: str | None = None,
    years: Sequence[int] | None = None,
    seed: int = 0,
    group: str | None = None,
    n_samples: int = 2000,
    n_boot: int = 1000,
    backtest_result: Backtest | None = None,
    **filters: Any,
) -> RecordForecast:
    """Forecast the record of ``metric`` at 1 January of ``years``.

    Args:
        chips: a Catalog or any iterable of chips.
        metric: metric name.
        chip_set: chips whose releases define the record.
        method: any name in :data:`~computegov.trends.methods.METHODS`; None picks the best
            calibrated method of the backtest (lowest 90 % interval score).
        years: target years (default: the year after the origin to 2040); at most
            :data:`MAX_FORECAST_YEAR`.
        seed: seeds every random stream (same seed, same numbers).
        group: only chips of this manufacturer (substring), or ``!name`` for every other maker.
        n_samples: members per probabilistic forecast.
        n_boot: bootstrap resamples per log-linear fit.
        backtest_result: the same chips' backtest (horizon 5, seeded the same), if already run.
        **filters: ``manufacturer``, ``kind``, ``since``, ``until`` as for :func:`metric_points`.

    Raises:
        InputError: unknown method, years out of range, too few chips.
    """
    chips = list(chips)
    points = _points(chips, metric, chip_set, group, **filters)
    label = points.chip_set + (f", {group}" if group else "")
    pool = pool_series_for(_group(chips, group), points.metric.name, chip_set, **filters)
    result, _ = forecast_series(points.years, points.values, metric=points.metric.name, unit=points.metric.unit,
                                 chip_set=label, method=method, to_years=years, seed=seed,
                                 n_samples=n_samples, n_boot=n_boot, choice=backtest_result, pool_series=pool)
    return result


@dataclasses.dataclass(frozen=True)
class Probability:
    """An answer with its method's track record.

    Attributes:
        question: the question in words.
        years: the years asked about (1 January of each).
        probability: P for each year.
        forecasts: the record forecasts behind it (one, or A then B).
        assumption: what the number assumes beyond the forecasts.
    """

    question: str
    years: tuple[int, ...]
    probability: tuple[float, ...]
    forecasts: tuple[RecordForecast, ...]
    assumption: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "question": self.question,
            "by_year": [{"year": y, "probability": p} for y, p in zip(self.years, self.probability, strict=True)],
            "assumption": self.assumption,
            "methods": [
                {"chip_set": f.chip_set, "method": f.method, "hindcast_coverage_90": f.hindcast_coverage_90,
                 "hindcast_n": f.hindcast_n, "hindcast_since": f.hindcast_since, "coverage_note": f.coverage_note,
                 "calibration_statement": f.calibration_statement}
                for f in self.forecasts
            ],
        }


def prob_exceeds(chips: Iterable[Chip], metric: str, value: float, years: Sequence[int], chip_set: str = "ml",
                 **options: Any) -> Probability:
    """P(the record of ``metric`` is above ``value`` on 1 January of each of ``years``).

    Args:
        chips: a Catalog or any iterable of chips.
        metric: metric name.
        value: threshold in the metric's unit.
        years: years asked about.
        chip_set: chips whose releases define the record.
        **options: as for :func:`record_forecast` (``method``, ``seed``, ``group``, filters).

    Raises:
        InputError: non-positive value, years out of range, too few chips.
    """
    if not value > 0:
        raise InputError(f"value must be positive, got {value:g}")
    fc = record_forecast(chips, metric, chip_set, years=years, **options)
    p = fc.prob_above(value)
    return Probability(
        question=f"P(record of {metric} > {value:.3g} {fc.unit}) on 1 January of each year",
        years=fc.years, probability=tuple(float(v) for v in p), forecasts=(fc,),
    )


def _p_greater(a: FloatArray, b: FloatArray) -> float:
    a, b = a[np.isfinite(a)], np.sort(b[np.isfinite(b)])
    below = np.searchsorted(b, a, side="left")
    ties = np.searchsorted(b, a, side="right") - below
    return float((below + 0.5 * ties).sum() / (a.size * b.size))


def prob_overtakes(chips: Iterable[Chip], metric: str, group_a: str, group_b: str, years: Sequence[int],
                   chip_set: str = "ml", **options: Any) -> Probability:
    """P(group A's record is above group B's on 1 January of each of ``years``).

    Args:
        chips: a Catalog or any iterable of chips.
        metric: metric name.
        group_a: manufacturer substring (``!name``: every other maker), e.g. ``!NVIDIA``.
        group_b: the same, e.g. ``NVIDIA``.
        years: years asked about.
        chip_set: chips whose releases define the records.
        **options: as for :func:`record_forecast`.

    Raises:
        InputError: a group without enough chips, years out of range.
    """
    pool = list(chips)
    fa = record_forecast(pool, metric, chip_set, years=years, group=group_a, **options)
    fb = record_forecast(pool, metric, chip_set, years=years, group=group_b, **options)
    common = sorted(set(fa.years) & set(fb.years))
    p = [_p_greater(fa.ensemble_log10[fa.years.index(y)], fb.ensemble_log10[fb.years.index(y)]) for y in common]
    return Probability(
        question=f"P(record of {metric} among {group_a} > among {group_b}) on 1 January of each year",
        years=tuple(common), probability=tuple(p), forecasts=(fa, fb),
        assumption="the two records' forecast errors are independent",
    )
