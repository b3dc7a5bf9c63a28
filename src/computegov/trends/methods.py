"""Forecasting methods for the **record** of a metric, each giving a sorted ensemble of log10 values.

A method sees only chips released before its origin (1 January of a year) and answers for the
record at 1 January of later years. Methods (:data:`BASE_METHODS`):

- ``loglinear_all``: a fit to every chip, turned into a forecast of the record by simulation
  (:func:`simulate_record`): chips keep arriving at the recent release rate, each scattered
  around the fitted line (bootstrap draws of the line, residual scatter of single chips), and the
  record is the best of them and of the last record;
- ``loglinear_frontier``: the same with a fit to the record-setting chips and the rate at which
  records were set;
- ``random_walk_drift``: the yearly record as a correlated random walk with drift, with
  Farmer & Lafond's (2016) closed-form Student-t forecast errors (:mod:`~computegov.trends.rwd`);
- ``moore_2yr``: doubling every two years from the last record (Moore 1975), a point forecast;
- ``naive_record``: the last record stays, a point forecast;
- ``slowdown``: the bundled ``cotra_2020`` scenario's shape (2.5-year doubling, capped 6 OOM
  up) from the last record, a point forecast; only for the metrics the scenario applies to.

Any of them wrapped in out-of-sample calibration (:mod:`~computegov.trends.calibration`) is a
method too, named with the suffix :data:`CALIBRATED_SUFFIX` (``random_walk_drift+cal``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.chipsets import MIN_POINTS, record_mask
from computegov.trends.forecast import load_scenarios, scenario_log10_paths
from computegov.trends.rwd import MIN_DIFFS, ensemble_log10, fit_random_walk

__all__ = [
    "BASE_METHODS",
    "CALIBRATED_SUFFIX",
    "METHODS",
    "METHOD_LABELS",
    "PROBABILISTIC",
    "base_of",
    "check_methods",
    "is_calibrated",
    "method_ensemble",
    "method_label",
    "record_before",
    "simulate_record",
    "yearly_records",
]

FloatArray = npt.NDArray[np.float64]

#: Base methods, in table order.
BASE_METHODS: tuple[str, ...] = (
    "loglinear_all",
    "loglinear_frontier",
    "random_walk_drift",
    "moore_2yr",
    "naive_record",
    "slowdown",
)

#: Suffix of a method wrapped in out-of-sample calibration.
CALIBRATED_SUFFIX = "+cal"

#: Every method name accepted: the base methods, then each calibrated.
METHODS: tuple[str, ...] = BASE_METHODS + tuple(m + CALIBRATED_SUFFIX for m in BASE_METHODS)

#: One line per base method, for tables.
METHOD_LABELS: dict[str, str] = {
    "loglinear_all": "log-linear fit to all chips, simulated record",
    "loglinear_frontier": "log-linear fit to record setters, simulated record",
    "random_walk_drift": "random walk with drift on the yearly record (Farmer & Lafond 2016)",
    "moore_2yr": "fixed 2-year doubling from the last record (Moore)",
    "naive_record": "last record stays",
    "slowdown": "Cotra 2020 scenario shape from the last record",
}

#: Base methods that give a distribution (the others are point forecasts until calibrated).
PROBABILISTIC: frozenset[str] = frozenset({"loglinear_all", "loglinear_frontier", "random_walk_drift"})

#: Years before an origin over which the release rate of chips (or of records) is measured.
#: Assumption (ours, no published source): about two accelerator generations.
RATE_WINDOW_YEARS = 5.0

#: The bundled scenario whose shape the ``slowdown`` method follows.
SLOWDOWN_SCENARIO = "cotra_2020"

_LOG10_2 = math.log10(2.0)

#: The bit pattern of float64 -inf, as int64 (selecting values on their bits).
_NEG_INF_BITS = np.array(-np.inf).view(np.int64)


def is_calibrated(method: str) -> bool:
    """Whether ``method`` is a calibrated wrapper (``...+cal``)."""
    return method.endswith(CALIBRATED_SUFFIX)


def base_of(method: str) -> str:
    """The base method of ``method`` (itself when not calibrated)."""
    return method[: -len(CALIBRATED_SUFFIX)] if is_calibrated(method) else method


def method_label(method: str) -> str:
    """Human label of any method name."""
    label = METHOD_LABELS.get(base_of(method), base_of(method))
    return f"{label}, calibrated on its past hindcasts" if is_calibrated(method) else label


def check_methods(methods: object) -> list[str]:
    """The method names, checked.

    Raises:
        InputError: an unknown name (the message lists the available ones).
    """
    names = [methods] if isinstance(methods, str) else list(methods)  # type: ignore[call-overload]
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise InputError(
            f"unknown backtest method(s) {', '.join(map(str, unknown))}; available: {', '.join(METHODS)}"
        )
    return names


def record_before(years: FloatArray, log_values: FloatArray, when: float) -> Any:
    """Log10 record among points dated before ``when`` (None if there are none).

    ``log_values`` may hold several series sharing ``years``, shape ``(..., n_points)``: the
    result is then an array over the leading axes.
    """
    seen = years < when
    if not seen.any():
        return None
    best = np.where(seen, log_values, -np.inf).max(axis=-1)
    return float(best) if np.ndim(best) == 0 else best


def yearly_records(years: FloatArray, log_values: FloatArray, origin: int) -> FloatArray:
    """Log10 record at 1 January of each year from the year after the first point to ``origin``.

    Shape ``(..., n_years)`` for ``log_values`` of shape ``(..., n_points)``.
    """
    if years.size == 0:
        return np.empty((*log_values.shape[:-1], 0))
    first = math.floor(float(years.min())) + 1
    order = np.argsort(years, kind="stable")
    xs, running = years[order], np.maximum.accumulate(log_values[..., order], axis=-1)
    when = np.arange(first, origin + 1, dtype=float)
    idx = np.searchsorted(xs, when, side="left") - 1  # last point strictly before 1 January
    return np.asarray(running[..., idx])


def _release_rate_per_year(train_x: FloatArray, origin: float) -> float:
    """Chips per year released in the :data:`RATE_WINDOW_YEARS` before ``origin``.

    At least one chip over the window or over the whole training span, whichever is shorter.
    """
    window = min(RATE_WINDOW_YEARS, max(origin - float(train_x.min()), 1.0))
    recent = int(np.count_nonzero(train_x >= origin - window))
    return max(recent, 1) / window


def simulate_record(
    *,
    last_record: Any,
    origin: float,
    targets: FloatArray,
    intercepts: FloatArray,
    slopes: FloatArray,
    residual_sd: Any,
    rate_per_year: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Log10 record at each target implied by a fitted log-linear model of single chips.

    Chips arrive as a Poisson process at ``rate_per_year`` after ``origin``; a chip released at
    ``t`` has log10 value ``intercept + slope * (t - origin) + N(0, residual_sd)`` with one
    (intercept, slope) pair per path (bootstrap draws: parameter uncertainty). The record at a
    target is the largest of ``last_record`` and every simulated chip released before it: the
    model's **predictive** distribution of the record, not only the uncertainty of the line.

    Args:
        last_record: log10 record at ``origin`` (a number, or one per series ``(...,)``).
        origin: forecast origin, decimal year.
        targets: target years (> origin), shape ``(n_targets,)``.
        intercepts: per-path log10 level at ``origin``, shape ``(..., n_paths)``.
        slopes: per-path slope, log10 per year, same shape.
        residual_sd: scatter of single chips around the line, log10 (a number or ``(...,)``).
        rate_per_year: expected releases per year.
        rng: random generator.

    Returns:
        array ``(..., n_paths, n_targets)`` of log10 records.
    """
    shape = intercepts.shape
    span = float(targets.max() - origin)
    mean_count = rate_per_year * span
    # Enough slots for the Poisson count of nearly every path (mean + 6 sd + 5); the rare path
    # above it (probability < 1e-8) keeps only that many chips.
    slots = math.ceil(mean_count + 6.0 * math.sqrt(mean_count) + 5.0)
    counts = rng.poisson(mean_count, size=shape)
    unit_times = rng.random((*shape, slots))  # x span: years after origin
    noise = rng.standard_normal((*shape, slots))
    # Every slot is drawn (the random stream stays the same), but only the first ``count`` of a
    # path are chips: they are gathered into one flat array, path after path, so the work is on
    # the chips alone (about half the slots).
    n = np.minimum(counts, slots).reshape(-1)
    pos = _chip_slots(n, slots)
    times = unit_times.reshape(-1).take(pos)
    times *= span
    # intercept + slope * time + sd * noise, in that order, computed in place
    values = np.repeat(slopes.reshape(-1), n) * times
    np.add(np.repeat(intercepts.reshape(-1), n), values, out=values)
    scatter = noise.reshape(-1).take(pos)
    sd = np.asarray(residual_sd, dtype=float)
    if sd.ndim == 0:  # one scatter for every path: the same products as repeating it per chip
        np.multiply(sd, scatter, out=scatter)
    else:
        np.multiply(np.repeat(np.broadcast_to(sd[..., None], shape).reshape(-1), n), scatter, out=scatter)
    values += scatter
    floor = np.broadcast_to(np.asarray(last_record, dtype=float)[..., None], shape).reshape(-1)
    rel = targets - origin
    if math.isfinite(span) and np.isfinite(rel).all() and bool(np.all(rel[1:] >= rel[:-1])):
        best = _binned_record(n, times, values, rel)
    else:
        best = _record_by_target(n, times, values, rel)
    return np.maximum(best, floor[:, None]).reshape(*shape, targets.size)


def _chip_slots(n: npt.NDArray[np.int64], slots: int) -> npt.NDArray[np.int64]:
    """Flat indices of the first ``n[p]`` of each path's ``slots`` slots, path after path.

    The same as ``np.flatnonzero(np.arange(slots) < n[:, None])`` (``n <= slots``), built from
    the counts (one repeat and one add over the chips) instead of a mask over every slot.
    """
    starts = np.cumsum(n) - n
    pos = np.repeat(np.arange(0, n.size * slots, slots, dtype=np.int64) - starts, n)
    pos += np.arange(pos.size, dtype=np.int64)
    return pos


def _whole_consecutive_start(rel: FloatArray) -> int | None:
    """``rel[0]`` when ``rel`` is ``rel[0], rel[0] + 1, ...`` with ``rel[0]`` a whole number; else None."""
    if rel.size == 0:
        return None
    first = float(rel[0])
    if not (math.isfinite(first) and first.is_integer() and abs(first) < 2.0**52):
        return None
    if not np.array_equal(rel, first + np.arange(rel.size, dtype=np.float64)):
        return None
    return int(first)


def _binned_record(n: npt.NDArray[np.int64], times: FloatArray, values: FloatArray, rel: FloatArray) -> FloatArray:
    """Best chip of each path released before each target, ``(n_paths, n_targets)`` (-inf: none).

    One pass over the chips: a chip's bin is the number of targets it is not released before
    (``times >= rel``; with ``rel`` ascending, it counts for every later target), the largest
    value of each (path, bin) is one scattered maximum, and a running maximum over the bins gives
    each target's record. The same numbers as :func:`_record_by_target` (a maximum does not
    depend on the order it is taken in); ``rel`` must be finite and ascending.
    """
    width = rel.size + 1
    key = np.repeat(np.arange(0, n.size * width, width), n)
    first = _whole_consecutive_start(rel)
    if first is not None and times.size and bool(times.min() >= 0.0) and bool(times.max() < 2.0**62):
        # targets first, first + 1, ...: a chip at t >= 0 is not released before floor(t) - first + 1
        # of them (clipped to 0..n_targets), the count the comparisons below make, in one pass
        whole = times.astype(np.int64)  # truncation is floor for t >= 0
        if first != 1:
            whole -= first - 1
        np.clip(whole, 0, rel.size, out=whole)
        key += whole
    else:
        for r in rel:
            key += times >= r
    best = np.full((n.size, width), -np.inf)
    np.maximum.at(best.reshape(-1), key, values)
    np.maximum.accumulate(best, axis=1, out=best)
    return best[:, :-1]


def _record_by_target(n: npt.NDArray[np.int64], times: FloatArray, values: FloatArray, rel: FloatArray) -> FloatArray:
    """As :func:`_binned_record`, one segmented maximum per target (any targets, in any order)."""
    size = values.size
    padded = np.empty(size + 1)
    padded[:-1] = values
    padded[-1] = -np.inf  # a sentinel, so that a path with no chips at the end still has a segment
    starts = np.zeros(n.size, dtype=np.intp)
    np.cumsum(n[:-1], out=starts[1:])
    no_chips = n == 0
    out = np.empty((n.size, rel.size))
    bits = padded.view(np.int64)
    keep = np.zeros(size + 1, dtype=np.int64)
    released = np.empty(size + 1, dtype=np.int64)
    for j, r in enumerate(rel):
        # released = value where the chip came out before the target, else -inf: selected on the
        # bits (all ones or zeros per chip), as np.where would but without a branch per chip
        keep[:-1] = times < r
        keep[-1] = 0
        np.negative(keep, out=keep)
        np.bitwise_and(bits, keep, out=released)
        np.invert(keep, out=keep)
        keep &= _NEG_INF_BITS
        released |= keep
        best = np.maximum.reduceat(released.view(np.float64), starts)
        best[no_chips] = -np.inf
        out[:, j] = best
    return out


def _ols_boot(
    x: FloatArray, y: FloatArray, rng: np.random.Generator, n_boot: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pairs-bootstrap OLS (slopes, intercepts ``(..., n_ok)``) and the full fit's residual SD.

    Series in ``y`` (``(..., n)``) share ``x`` and the resampled indices.
    """
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    xs, ys = x[idx], y[..., idx]
    xm = xs.mean(axis=1)
    dx = np.subtract(xs, xm[:, None], out=xs)  # xs is a fresh copy: reused in place
    sxx = (dx * dx).sum(axis=1)
    ok = sxx > 0
    ym = ys.mean(axis=-1)
    ys -= ym[..., None]
    ys *= dx
    slopes = ys.sum(axis=-1)[..., ok] / sxx[ok]
    intercepts = ym[..., ok] - slopes * xm[ok]
    xc = x - x.mean()
    slope = (xc * (y - y.mean(axis=-1, keepdims=True))).sum(axis=-1) / (xc * xc).sum()
    resid = y - y.mean(axis=-1, keepdims=True) - slope[..., None] * xc
    resid_sd = np.sqrt((resid**2).sum(axis=-1) / max(x.size - 2, 1))
    return slopes, intercepts, resid_sd


def method_ensemble(
    method: str,
    *,
    train_x: FloatArray,
    train_y: FloatArray,
    origin: int,
    targets: FloatArray,
    rng: np.random.Generator,
    n_samples: int = 2000,
    n_boot: int = 1000,
) -> FloatArray | None:
    """Sorted log10 ensemble of the record at each target, shape ``(..., n_targets, n_members)``.

    One member means a point forecast; None when the method cannot forecast from this origin.
    ``train_x``/``train_y`` must hold only chips released before ``origin`` (the caller's duty);
    ``train_y`` may hold several series sharing the release dates, ``(..., n_chips)``.

    Raises:
        InputError: unknown method (calibrated methods are made by the calibration layer).
    """
    if train_x.size == 0:
        return None
    last = train_y.max(axis=-1)
    elapsed = targets - origin
    lead = last.shape
    if method == "naive_record":
        return np.broadcast_to(last[..., None, None], (*lead, targets.size, 1)).copy()
    if method == "moore_2yr":
        return (last[..., None] + _LOG10_2 / 2.0 * elapsed)[..., None]
    if method == "slowdown":
        paths = scenario_log10_paths(
            load_scenarios()[SLOWDOWN_SCENARIO],
            targets,
            intercepts=np.atleast_1d(last).ravel(),
            slopes=np.zeros(max(last.size, 1)),
            reference_year=float(origin),
            start_year=float(origin),
        )
        return np.asarray(paths, dtype=np.float64).reshape(*lead, targets.size, 1)
    if method == "random_walk_drift":
        series = yearly_records(train_x, train_y, origin)
        if series.shape[-1] < MIN_DIFFS + 1:
            return None
        fit = fit_random_walk(series)
        out = ensemble_log10(fit, elapsed, n_samples, floor_log10=fit.last_log10)
        return out.reshape(*lead, targets.size, n_samples)
    if method == "loglinear_all":
        fx, fy = train_x - origin, train_y
        rate = _release_rate_per_year(train_x, origin)
    elif method == "loglinear_frontier":
        if train_y.ndim > 1:
            raise InputError("loglinear_frontier forecasts one series at a time")
        keep = record_mask(train_x, train_y)
        fx, fy = train_x[keep] - origin, train_y[keep]
        rate = _release_rate_per_year(train_x[keep], origin)
    else:
        raise InputError(f"unknown base method {method!r}; available: {', '.join(BASE_METHODS)}")
    if fx.size < MIN_POINTS or np.ptp(fx) == 0:
        return None
    slopes, intercepts, resid_sd = _ols_boot(fx, fy, rng, n_boot)
    if slopes.shape[-1] == 0:
        return None
    pick = rng.integers(0, slopes.shape[-1], n_samples)
    paths = simulate_record(
        last_record=last,
        origin=float(origin),
        targets=targets,
        intercepts=intercepts[..., pick],
        slopes=slopes[..., pick],
        residual_sd=resid_sd,
        rate_per_year=rate,
        rng=rng,
    )
    return np.sort(np.swapaxes(paths, -1, -2), axis=-1)
