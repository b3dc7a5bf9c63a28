"""Correlated geometric random walk with drift (Farmer & Lafond 2016), with its closed-form errors.

Farmer, J. D. & Lafond, F. (2016), "How predictable is technological progress?", Research Policy
45(3):647-665, doi:10.1016/j.respol.2015.11.001, arXiv:1502.05274 (read 2026-12-04). The log of a
technology's performance follows an IMA(1,1) process

    y_t = y_{t-1} + mu + v_t + theta * v_{t-1},   v_t ~ N(0, K^2),

fitted on the ``m`` most recent differences: ``mu_hat`` is their mean and ``K_hat`` their sample
standard deviation (``m - 1`` degrees of freedom). The forecast ``tau`` steps ahead is
``y_t + mu_hat * tau``; its error has variance ``K^2 * A*`` with

    A* = -2 theta + (1 + 2 (m - 1) theta / m + theta^2) (tau + tau^2 / m)

(the horizon term ``tau``, the sample-size term ``tau^2 / m`` from the error in ``mu_hat``, and the
autocorrelation terms; theta = 0 gives ``A = tau + tau^2 / m``). Since ``K_hat^2`` estimates the
variance of the differences, ``K^2 (1 + theta^2)``, the paper's normalised error
``E / (K_hat * sqrt(A* / (1 + theta^2)))`` is (approximately, exactly for theta = 0) Student-t
with ``m - 1`` degrees of freedom. We derived A* again from the model (the coefficients of each
``v`` in the error) and it agrees term by term; ``test_rwd.py`` checks it against simulation.

Here ``y`` is the log10 **record** of a metric at 1 January of each year. The record cannot fall,
so forecasts are floored at the last record (this only sharpens them: the floor is below every
outcome). ``theta`` is estimated by the method of moments from the lag-1 autocorrelation of the
differences (``rho = theta / (1 + theta^2)``, |rho| clipped to 0.45, so the estimate stays
invertible), with Kendall's small-sample bias correction (uncorrected, 20 differences with
theta = 0.3 gave 87 % coverage of the 90 % band instead of 90 %); with fewer than
:data:`MIN_DIFFS_FOR_THETA` differences it is 0, as the paper's basic model.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.distributions import t_cdf, t_ppf

__all__ = [
    "MIN_DIFFS",
    "MIN_DIFFS_FOR_THETA",
    "RandomWalkFit",
    "ensemble_log10",
    "error_variance_factor",
    "fit_random_walk",
    "student_t_levels",
    "theta_from_autocorrelation",
]

FloatArray = npt.NDArray[np.float64]

#: Fewest differences (years of record) to fit: the Student-t then has at least 2 degrees of freedom.
MIN_DIFFS = 3

#: Fewest differences from which theta is estimated (below it, theta = 0). Assumption (ours): a
#: lag-1 autocorrelation from fewer than 8 points is mostly noise (its SE is about 1/sqrt(m)).
MIN_DIFFS_FOR_THETA = 8

#: Largest |lag-1 autocorrelation| used for theta (an MA(1) cannot exceed 0.5).
MAX_ABS_RHO = 0.45


def error_variance_factor(tau: npt.ArrayLike, m: npt.ArrayLike, theta: npt.ArrayLike) -> FloatArray:
    """Farmer & Lafond's A*: forecast-error variance in units of K^2.

    Args:
        tau: horizon, steps (years).
        m: number of differences the drift was estimated from.
        theta: MA(1) coefficient.

    Returns:
        ``-2 theta + (1 + 2 (m - 1) theta / m + theta^2) (tau + tau^2 / m)``, broadcast.
    """
    t = np.asarray(tau, dtype=float)
    mm = np.asarray(m, dtype=float)
    th = np.asarray(theta, dtype=float)
    return np.asarray(-2.0 * th + (1.0 + 2.0 * (mm - 1.0) * th / mm + th**2) * (t + t**2 / mm))


def theta_from_autocorrelation(rho: npt.ArrayLike) -> FloatArray:
    """Invertible MA(1) theta with lag-1 autocorrelation ``rho`` (|rho| clipped to 0.45)."""
    r = np.clip(np.asarray(rho, dtype=float), -MAX_ABS_RHO, MAX_ABS_RHO)
    safe = np.where(r == 0, 0.25, r)  # any value with a real root; replaced by 0 below
    theta = (1.0 - np.sqrt(1.0 - 4.0 * safe**2)) / (2.0 * safe)
    return np.asarray(np.where(r == 0, 0.0, theta))


@dataclasses.dataclass(frozen=True)
class RandomWalkFit:
    """A random walk with drift fitted to one or many series (arrays broadcast over series).

    Attributes:
        last_log10: last value of each series, log10.
        drift_log10_per_step: mu_hat, log10 per year.
        sd_log10: K_hat, sample SD of the differences, log10.
        theta: MA(1) coefficient used.
        m: differences the fit used.
    """

    last_log10: FloatArray
    drift_log10_per_step: FloatArray
    sd_log10: FloatArray
    theta: FloatArray
    m: int

    @property
    def dof(self) -> int:
        """Degrees of freedom of the Student-t forecast error, ``m - 1``."""
        return self.m - 1

    def scale_log10(self, tau: npt.ArrayLike) -> FloatArray:
        """Scale of the Student-t error at horizons ``tau``, shape ``(..., n_tau)``."""
        t = np.asarray(tau, dtype=float)
        factor = error_variance_factor(t, self.m, self.theta[..., None])
        return np.asarray(self.sd_log10[..., None] * np.sqrt(factor / (1.0 + self.theta[..., None] ** 2)))

    def median_log10(self, tau: npt.ArrayLike) -> FloatArray:
        """Point forecast ``y_t + mu_hat * tau``, shape ``(..., n_tau)``."""
        t = np.asarray(tau, dtype=float)
        return np.asarray(self.last_log10[..., None] + self.drift_log10_per_step[..., None] * t)

    def quantiles_log10(self, tau: npt.ArrayLike, levels: npt.ArrayLike) -> FloatArray:
        """Quantiles at ``levels``, shape ``(..., n_tau, n_levels)`` (no record floor)."""
        return self._at(tau, t_ppf(np.asarray(levels, dtype=float), self.dof))

    def _at(self, tau: npt.ArrayLike, z: FloatArray) -> FloatArray:
        """``median + scale * z`` at horizons ``tau`` for standardised quantiles ``z``."""
        return np.asarray(self.median_log10(tau)[..., None] + self.scale_log10(tau)[..., None] * z)

    def cdf(self, tau: npt.ArrayLike, value_log10: npt.ArrayLike) -> FloatArray:
        """P(value at ``tau`` <= ``value_log10``), broadcast to ``(..., n_tau)``."""
        z = (np.asarray(value_log10, dtype=float) - self.median_log10(tau)) / self.scale_log10(tau)
        return np.asarray(t_cdf(z, self.dof))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (single series)."""
        return {
            "last_log10": float(np.ravel(self.last_log10)[0]),
            "drift_log10_per_year": float(np.ravel(self.drift_log10_per_step)[0]),
            "sd_log10": float(np.ravel(self.sd_log10)[0]),
            "theta": float(np.ravel(self.theta)[0]),
            "m": self.m,
            "dof": self.dof,
            "source": "Farmer & Lafond (2016), Research Policy 45:647-665, arXiv:1502.05274",
        }


def fit_random_walk(
    series_log10: npt.ArrayLike, *, theta: float | None = None, min_sd_log10: float = 1e-3
) -> RandomWalkFit:
    """Fit drift, noise and autocorrelation to equally spaced log10 series.

    Args:
        series_log10: shape ``(n_points,)`` or ``(n_series, n_points)``, one step a year.
        theta: MA(1) coefficient to use; None estimates it (0 below :data:`MIN_DIFFS_FOR_THETA`).
        min_sd_log10: floor on K_hat (a series that never moved would give zero-width bands).

    Raises:
        InputError: fewer than :data:`MIN_DIFFS` differences.
    """
    y = np.atleast_2d(np.asarray(series_log10, dtype=float))
    diffs = np.diff(y, axis=-1)
    m = diffs.shape[-1]
    if m < MIN_DIFFS:
        raise InputError(
            f"a random walk with drift needs at least {MIN_DIFFS + 1} yearly values, got {m + 1}"
        )
    mu = diffs.mean(axis=-1)
    centred = diffs - mu[:, None]
    sd = np.sqrt((centred**2).sum(axis=-1) / (m - 1))
    if theta is not None:
        th = np.full(y.shape[0], float(theta))
    elif m >= MIN_DIFFS_FOR_THETA:
        denom = (centred**2).sum(axis=-1)
        lag1 = (centred[:, 1:] * centred[:, :-1]).sum(axis=-1)
        rho = np.where(denom > 0, lag1 / np.where(denom > 0, denom, 1.0), 0.0)
        # Small-sample bias of the lag-1 autocorrelation, E[r1] ~ rho - (1 + 3 rho) / m
        # (Kendall 1954, Biometrika 41:403-404, doi:10.1093/biomet/41.3-4.403), added back.
        th = theta_from_autocorrelation(rho + (1.0 + 3.0 * rho) / m)
    else:
        th = np.zeros(y.shape[0])
    squeeze = np.ndim(series_log10) == 1
    pick = (lambda a: a[0:1]) if squeeze else (lambda a: a)
    return RandomWalkFit(
        last_log10=pick(y[:, -1]),
        drift_log10_per_step=pick(mu),
        sd_log10=pick(np.maximum(sd, min_sd_log10)),
        theta=pick(th),
        m=m,
    )


def student_t_levels(n: int) -> FloatArray:
    """Stratified probability levels ``(i + 0.5) / n`` used to turn a closed form into an ensemble."""
    return (np.arange(n) + 0.5) / n


@functools.lru_cache(maxsize=64)
def _stratified_t(n: int, dof: int) -> FloatArray:
    """Student-t quantiles at :func:`student_t_levels` (``n``), remembered and read-only.

    A report asks for the same few ``(n, dof)`` hundreds of times (one per random-walk hindcast).
    """
    z = np.asarray(t_ppf(student_t_levels(n), dof), dtype=float)
    z.setflags(write=False)
    return z


def ensemble_log10(fit: RandomWalkFit, tau: npt.ArrayLike, n: int, *, floor_log10: Any = None) -> FloatArray:
    """Sorted quantile ensemble of the forecast, shape ``(..., n_tau, n)``, floored at the record."""
    out = fit._at(tau, _stratified_t(n, fit.dof))
    if floor_log10 is not None:
        out = np.maximum(out, np.asarray(floor_log10, dtype=float)[..., None, None])
    return out

