"""Hindcasts: every method's forecast of the record from every origin, computed once, reused.

The backtest scores them, the calibration layer learns from the scored ones before each origin,
and the record forecast (:mod:`~computegov.trends.record`) calibrates today's forecast on all of
them. Each (origin, method) draws from its own random stream, seeded by ``(seed, origin, method)``,
so a forecast made at an origin never depends on data after it, nor on which other origins or
methods were run.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.trends.calibration import Calibrated, calibrate_at, ensemble_median_scale
from computegov.trends.chipsets import MIN_POINTS
from computegov.trends.memo import Memo, digest_inputs
from computegov.trends.methods import BASE_METHODS, method_ensemble, record_before

__all__ = [
    "ENSEMBLES",
    "Hindcasts",
    "calibrated_forecast",
    "first_origin",
    "pool_hindcasts",
    "run_hindcasts",
    "seeded_ensemble",
    "series_hindcasts",
]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class Hindcasts:
    """One base method's forecasts from each origin for horizons 1..H.

    Attributes:
        method: base method name.
        origins: origin years ``(O,)``.
        horizons: ``1..H``.
        ensembles: per origin, the sorted ensemble ``(..., H, members)`` or None (could not
            forecast); ``...`` are the series when several share release dates.
        median: ``(..., O, H)`` log10 medians (NaN where none).
        scale: ``(..., O, H)`` nonconformity scales (NaN where none).
        observed: ``(..., O, H)`` log10 records at the targets (NaN when after ``observed_until``).
        observed_until: last release date in the data (decimal year).
    """

    method: str
    origins: npt.NDArray[np.int64]
    horizons: npt.NDArray[np.int64]
    ensembles: tuple[FloatArray | None, ...]
    median: FloatArray
    scale: FloatArray
    observed: FloatArray
    observed_until: float

    def calibrated(self, origin: int, median: FloatArray, scale: FloatArray, horizons: npt.ArrayLike,
                   **options: Any) -> Calibrated | None:
        """The calibrated forecast at ``origin`` from these hindcasts (see :func:`calibrate_at`)."""
        return calibrate_at(
            origin,
            past_origins=self.origins,
            past_horizons=self.horizons,
            past_median=self.median,
            past_scale=self.scale,
            past_observed=self.observed,
            median=median,
            scale=scale,
            horizons=horizons,
            observed_until=self.observed_until,
            **options,
        )


def first_origin(years: FloatArray) -> int | None:
    """First origin year with at least :data:`MIN_POINTS` chips released before it."""
    if years.size < MIN_POINTS:
        return None
    return math.floor(float(np.sort(years)[MIN_POINTS - 1])) + 1


def method_stream(seed: int, origin: int, method: str) -> np.random.Generator:
    """The random stream of one (origin, method) forecast."""
    return np.random.default_rng([seed, origin, BASE_METHODS.index(method)])


#: Ensembles computed in this process, by every input of :func:`seeded_ensemble`.
ENSEMBLES = Memo()


def seeded_ensemble(
    method: str,
    *,
    train_x: FloatArray,
    train_y: FloatArray,
    origin: int,
    targets: FloatArray,
    seed: int,
    n_samples: int,
    n_boot: int,
) -> FloatArray | None:
    """:func:`~computegov.trends.methods.method_ensemble` on the (seed, origin, method) stream, once.

    The result depends only on these arguments (the stream is made from ``seed``, ``origin`` and
    ``method``), so it is remembered in :data:`ENSEMBLES` under a digest of all of them and the
    same request later in the process (another backtest's calibration pool, the record forecast,
    the clusters' first-reaching hindcast) gets the same read-only array back.
    """
    return _keyed_ensemble(method, train_x=train_x, train_y=train_y, origin=origin, targets=targets,
                           seed=seed, n_samples=n_samples, n_boot=n_boot)[1]


def _keyed_ensemble(
    method: str,
    *,
    train_x: FloatArray,
    train_y: FloatArray,
    origin: int,
    targets: FloatArray,
    seed: int,
    n_samples: int,
    n_boot: int,
) -> tuple[bytes, FloatArray | None]:
    """:func:`seeded_ensemble` and the digest of its inputs it is remembered under."""
    key = digest_inputs("ensemble", method, np.asarray(train_x), np.asarray(train_y), int(origin),
                        np.asarray(targets), int(seed), int(n_samples), int(n_boot))
    return key, ENSEMBLES.get_or_compute(key, lambda: method_ensemble(
        method, train_x=train_x, train_y=train_y, origin=int(origin), targets=targets,
        rng=method_stream(seed, int(origin), method), n_samples=n_samples, n_boot=n_boot))


#: Medians and scales of remembered ensembles (:func:`ensemble_median_scale`), by the ensemble's
#: key and the horizons' digest: an ensemble asked for again in the process (another run's
#: origins overlap) is summarised once.
SUMMARIES = Memo()


def run_hindcasts(
    years: FloatArray,
    log_values: FloatArray,
    *,
    methods: Sequence[str],
    origins: Sequence[int],
    horizon_years: int,
    seed: int,
    n_samples: int = 2000,
    n_boot: int = 1000,
) -> dict[str, Hindcasts]:
    """Every base method's forecasts from every origin, for horizons ``1..horizon_years``.

    ``log_values`` is ``(n_chips,)`` or, for several series sharing ``years``, ``(..., n_chips)``.
    """
    observed_until = float(years.max())
    hs = np.arange(1, horizon_years + 1, dtype=np.int64)
    o_arr = np.asarray(list(origins), dtype=np.int64)
    lead = log_values.shape[:-1]
    observed = np.full((*lead, o_arr.size, hs.size), np.nan)
    trains = []
    for i, origin in enumerate(o_arr):
        train = years < origin
        trains.append(train)
        for j, h in enumerate(hs):
            if origin + h <= observed_until:
                got = record_before(years, log_values, float(origin + h))
                observed[..., i, j] = np.nan if got is None else got
    out: dict[str, Hindcasts] = {}
    hs_key = digest_inputs("horizons", hs)
    for method in methods:
        ensembles: list[FloatArray | None] = []
        median = np.full((*lead, o_arr.size, hs.size), np.nan)
        scale = np.full((*lead, o_arr.size, hs.size), np.nan)
        for i, origin in enumerate(o_arr):
            key, ens = _keyed_ensemble(
                method,
                train_x=years[trains[i]],
                train_y=log_values[..., trains[i]],
                origin=int(origin),
                targets=(origin + hs).astype(float),
                seed=seed,
                n_samples=n_samples,
                n_boot=n_boot,
            )
            ensembles.append(ens)
            if ens is not None:
                median[..., i, :], scale[..., i, :] = SUMMARIES.get_or_compute(
                    key + hs_key, functools.partial(ensemble_median_scale, ens, hs))
        out[method] = Hindcasts(
            method=method,
            origins=o_arr,
            horizons=hs,
            ensembles=tuple(ensembles),
            median=median,
            scale=scale,
            observed=observed,
            observed_until=observed_until,
        )
    return out


def calibrated_forecast(hindcasts: Hindcasts, origin: int, ensemble: FloatArray,
                        horizons: npt.ArrayLike, *, floor_log10: float | None = None) -> Calibrated | None:
    """Calibrate ``ensemble`` (the base method's forecast at ``origin``) on earlier hindcasts."""
    median, scale = ensemble_median_scale(ensemble, horizons)
    return hindcasts.calibrated(origin, median, scale, horizons, own=ensemble, floor_log10=floor_log10)


def pool_hindcasts(parts: Sequence[Hindcasts]) -> Hindcasts:
    """One base method's hindcasts of several series stacked along the origins: one calibration pool.

    Pooled calibration across series (Farmer & Lafond 2016, "How predictable is technological
    progress?", Research Policy 45(3):647-665, doi:10.1016/j.respol.2015.11.001, pool the
    forecast errors of 53 technologies to estimate one error model): each hindcast's score is
    scaled by its own method's spread, so the scores of different metrics are comparable, and the
    calibration at an origin takes every series' scores whose target date has passed by then
    (:func:`~computegov.trends.calibration.calibrate_at` filters by date; nothing later enters).

    Raises:
        ValueError: no parts, different methods or horizons, or series with several leading rows.
    """
    if not parts:
        raise ValueError("pool_hindcasts needs at least one Hindcasts")
    first = parts[0]
    if len(parts) == 1:
        return first
    if any(h.method != first.method or not np.array_equal(h.horizons, first.horizons) for h in parts):
        raise ValueError("pool_hindcasts: every part must be the same method with the same horizons")
    if any(h.median.ndim != 2 for h in parts):
        raise ValueError("pool_hindcasts: one series per part")
    return Hindcasts(
        method=first.method,
        origins=np.concatenate([h.origins for h in parts]),
        horizons=first.horizons,
        ensembles=tuple(e for h in parts for e in h.ensembles),
        median=np.concatenate([h.median for h in parts]),
        scale=np.concatenate([h.scale for h in parts]),
        observed=np.concatenate([h.observed for h in parts]),
        observed_until=max(h.observed_until for h in parts),  # each part's later targets are NaN
    )


_SERIES_CACHE: dict[Any, dict[str, Hindcasts]] = {}
_SERIES_CACHE_MAX = 64


def series_hindcasts(
    years: npt.ArrayLike,
    values: npt.ArrayLike,
    *,
    methods: Sequence[str],
    last_origin: int,
    horizon_years: int,
    seed: int,
    n_samples: int,
    n_boot: int,
) -> dict[str, Hindcasts] | None:
    """Hindcasts of another series for a calibration pool, every origin up to ``last_origin``.

    Memoised on the inputs (the same series is pooled by every metric's backtest). None when the
    series has too few points for any origin.
    """
    x = np.asarray(years, dtype=float)
    y = np.log10(np.asarray(values, dtype=float))
    start = first_origin(x)
    if start is None or start > last_origin:
        return None
    key = (x.tobytes(), y.tobytes(), tuple(methods), start, last_origin, horizon_years, seed, n_samples, n_boot)
    hit = _SERIES_CACHE.get(key)
    if hit is None:
        hit = run_hindcasts(x, y, methods=methods, origins=list(range(start, last_origin + 1)),
                            horizon_years=horizon_years, seed=seed, n_samples=n_samples, n_boot=n_boot)
        if len(_SERIES_CACHE) >= _SERIES_CACHE_MAX:
            _SERIES_CACHE.pop(next(iter(_SERIES_CACHE)))
        _SERIES_CACHE[key] = hit
    return hit
