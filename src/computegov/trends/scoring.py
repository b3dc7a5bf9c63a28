"""Backtest records: one scored forecast (:class:`BacktestScore`) and a method's summary.

The scores come from :mod:`~computegov.trends.diagnostics`; a summary gives them overall and per
horizon, with the empirical coverage of the nominal 50/80/90/95 % bands and a PIT histogram.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.trends.diagnostics import (
    NOMINAL_LEVELS,
    PIT_BINS,
    ensemble_crps,
    ensemble_pit,
    ensemble_quantiles,
    interval_score,
)
from computegov.trends.methods import base_of, is_calibrated

__all__ = ["BacktestScore", "MethodSummary", "score_origin", "summarise"]

FloatArray = npt.NDArray[np.float64]


def _key(level: float) -> str:
    return f"{round(level * 100):02d}"


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
        in_80: the same for 80 %.
        in_95: the same for 95 %.
        pit: mid-distribution PIT of the observation (0-1).
        interval_score_90: Winkler score of the 90 % interval, log10 (None for point forecasts).
        n_calibration: past scores the calibrated forecast used (None when not calibrated).
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
    in_80: bool | None = None
    in_95: bool | None = None
    pit: float = math.nan
    interval_score_90: float | None = None
    n_calibration: int | None = None

    @property
    def horizon_years(self) -> int:
        """Years ahead."""
        return self.target_year - self.origin_year

    def covered(self, level: float) -> bool | None:
        """Whether the central ``level`` interval covered the outcome."""
        return {0.5: self.in_50, 0.8: self.in_80, 0.9: self.in_90, 0.95: self.in_95}[level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["horizon_years"] = self.horizon_years
        return out


def score_origin(
    method: str,
    origin: int,
    horizons: npt.ArrayLike,
    observed: FloatArray,
    ensemble: FloatArray,
    *,
    n_calibration: int | None = None,
) -> list[BacktestScore]:
    """Score one origin's forecasts (``ensemble``: ``(n_horizons, members)``, sorted) where observed."""
    hs = np.asarray(horizons, dtype=np.int64)
    ok = np.isfinite(observed)
    if not ok.any():
        return []
    ens = np.broadcast_to(ensemble, (hs.size, ensemble.shape[-1]))[ok]
    obs = observed[ok]
    point = ens.shape[-1] == 1
    levels = [0.5]
    for level in NOMINAL_LEVELS:
        levels += [(1 - level) / 2, (1 + level) / 2]
    q = ensemble_quantiles(ens, levels)
    median = q[:, 0]
    inside = {lv: (q[:, 1 + 2 * k] <= obs) & (obs <= q[:, 2 + 2 * k]) for k, lv in enumerate(NOMINAL_LEVELS)}
    k90 = NOMINAL_LEVELS.index(0.9)
    winkler = interval_score(obs, q[:, 1 + 2 * k90], q[:, 2 + 2 * k90], 0.9)
    crps = ensemble_crps(obs, ens)
    pit = ensemble_pit(obs, ens)
    out = []
    for j, h in enumerate(hs[ok]):
        flags = {lv: None if point else bool(inside[lv][j]) for lv in NOMINAL_LEVELS}
        out.append(
            BacktestScore(
                method=method,
                origin_year=int(origin),
                target_year=int(origin + h),
                observed_log10=float(obs[j]),
                median_log10=float(median[j]),
                error_log10=float(obs[j] - median[j]),
                crps_log10=float(crps[j]),
                in_50=flags[0.5],
                in_90=flags[0.9],
                in_80=flags[0.8],
                in_95=flags[0.95],
                pit=float(pit[j]),
                interval_score_90=None if point else float(winkler[j]),
                n_calibration=n_calibration,
            )
        )
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
        coverage: share inside each nominal interval, keys ``"50"``, ``"80"``, ``"90"``, ``"95"``.
        mean_interval_score_90: mean Winkler score of the 90 % interval, log10 (None: point).
        pit_histogram: counts of the PIT in :data:`PIT_BINS` equal bins (flat = calibrated).
        by_horizon: per horizon: ``horizon_years``, ``n``, ``coverage`` (as above),
            ``mean_interval_score_90``, ``mean_crps_log10``, ``bias_log10``.
        base_method: the method before calibration.
        calibrated: wrapped in out-of-sample calibration.
        first_origin: earliest origin whose forecasts (or, calibrated, hindcasts) were used.
    """

    method: str
    n: int
    mean_abs_error_log10: float
    bias_log10: float
    mean_crps_log10: float
    coverage_50: float | None
    coverage_90: float | None
    coverage: dict[str, float | None] = dataclasses.field(default_factory=dict)
    mean_interval_score_90: float | None = None
    pit_histogram: tuple[int, ...] = ()
    by_horizon: tuple[dict[str, Any], ...] = ()
    base_method: str = ""
    calibrated: bool = False
    first_origin: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["pit_histogram"] = list(self.pit_histogram)
        out["by_horizon"] = list(self.by_horizon)
        return out


def _coverage(scores: Sequence[BacktestScore]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for level in NOMINAL_LEVELS:
        flags = [bool(s.covered(level)) for s in scores if s.covered(level) is not None]
        out[_key(level)] = float(np.mean(flags)) if flags else None
    return out


def _mean_interval_score(scores: Sequence[BacktestScore]) -> float | None:
    values = [s.interval_score_90 for s in scores if s.interval_score_90 is not None]
    return float(np.mean(values)) if values else None


def summarise(method: str, scores: Sequence[BacktestScore], first_origin: int | None = None) -> MethodSummary:
    """Summary of one method's scores."""
    base, calibrated = base_of(method), is_calibrated(method)
    if not scores:
        return MethodSummary(method, 0, math.nan, math.nan, math.nan, None, None,
                             base_method=base, calibrated=calibrated)
    errors = np.array([s.error_log10 for s in scores])
    crps = np.array([s.crps_log10 for s in scores])
    coverage = _coverage(scores)
    pits = np.array([s.pit for s in scores])
    hist = np.histogram(np.clip(pits, 0.0, 1.0), bins=PIT_BINS, range=(0.0, 1.0))[0]
    by_horizon = []
    for h in sorted({s.horizon_years for s in scores}):
        at = [s for s in scores if s.horizon_years == h]
        by_horizon.append({
            "horizon_years": h,
            "n": len(at),
            "coverage": _coverage(at),
            "mean_interval_score_90": _mean_interval_score(at),
            "mean_crps_log10": float(np.mean([s.crps_log10 for s in at])),
            "bias_log10": float(np.mean([s.error_log10 for s in at])),
        })
    return MethodSummary(
        method=method,
        n=len(scores),
        mean_abs_error_log10=float(np.abs(errors).mean()),
        bias_log10=float(errors.mean()),
        mean_crps_log10=float(crps.mean()),
        coverage_50=coverage["50"],
        coverage_90=coverage["90"],
        coverage=coverage,
        mean_interval_score_90=_mean_interval_score(scores),
        pit_histogram=tuple(int(c) for c in hist),
        by_horizon=tuple(by_horizon),
        first_origin=first_origin if first_origin is not None else min(s.origin_year for s in scores),
        base_method=base,
        calibrated=calibrated,
    )
