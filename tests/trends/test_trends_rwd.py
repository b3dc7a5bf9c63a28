"""Random walk with drift (Farmer & Lafond 2016): the closed form against simulation."""

from __future__ import annotations

import numpy as np
import pytest

from computegov.errors import InputError
from computegov.trends.rwd import (
    MIN_DIFFS,
    error_variance_factor,
    fit_random_walk,
    theta_from_autocorrelation,
)


def ima_series(
    rng: np.random.Generator, n_series: int, n_steps: int, *, mu: float = 0.15, k: float = 0.1,
    theta: float = 0.3,
) -> np.ndarray:
    """log10 paths y_t = y_{t-1} + mu + v_t + theta v_{t-1}, v ~ N(0, k^2); shape (S, n_steps + 1)."""
    v = k * rng.standard_normal((n_series, n_steps + 1))
    steps = mu + v[:, 1:] + theta * v[:, :-1]
    return 12.0 + np.concatenate([np.zeros((n_series, 1)), np.cumsum(steps, axis=1)], axis=1)


@pytest.mark.parametrize(("tau", "m", "theta"), [(1, 5, 0.0), (3, 10, 0.4), (10, 20, -0.3), (7, 4, 0.8)])
def test_a_star_equals_the_sum_of_squared_noise_coefficients(tau: int, m: int, theta: float) -> None:
    # Error of y_t + mu_hat*tau: future noise minus tau/m times the noise in the m past differences.
    coef: dict[int, float] = {}

    def add(j: int, c: float) -> None:
        coef[j] = coef.get(j, 0.0) + c

    for i in range(1, tau + 1):  # future steps t+1..t+tau: v_i + theta v_{i-1}
        add(i, 1.0)
        add(i - 1, theta)
    for i in range(-m + 1, 1):  # past differences t-m+1..t, each weighted -tau/m
        add(i, -tau / m)
        add(i - 1, -theta * tau / m)
    direct = sum(c * c for c in coef.values())
    assert float(error_variance_factor(tau, m, theta)) == pytest.approx(direct, rel=1e-12)


def test_without_autocorrelation_a_star_is_tau_plus_tau_squared_over_m() -> None:
    tau = np.arange(1, 11)
    assert error_variance_factor(tau, 12, 0.0) == pytest.approx(tau + tau**2 / 12)


def test_theta_inverts_the_ma1_autocorrelation() -> None:
    theta = np.array([-0.6, -0.3, 0.0, 0.25, 0.6])  # |rho| <= 0.45, inside the clip
    rho = theta / (1 + theta**2)
    assert theta_from_autocorrelation(rho) == pytest.approx(theta, abs=1e-12)


def test_fit_recovers_drift_and_noise_of_a_long_walk() -> None:
    y = ima_series(np.random.default_rng(5), 200, 400, mu=0.2, k=0.1, theta=0.3)
    fit = fit_random_walk(y)
    assert fit.drift_log10_per_step.mean() == pytest.approx(0.2, abs=0.003)
    # SD of the differences of an MA(1): k sqrt(1 + theta^2)
    assert fit.sd_log10.mean() == pytest.approx(0.1 * np.sqrt(1.09), rel=0.02)
    assert fit.theta.mean() == pytest.approx(0.3, abs=0.03)
    assert fit.dof == 399


def test_ninety_percent_bands_hold_on_2000_correlated_random_walks() -> None:
    # 2,000 walks, 20 yearly differences each (about the catalogue's record length), theta 0.3
    # (positive autocorrelation, as Farmer & Lafond found), forecast 1-10 years ahead.
    rng = np.random.default_rng(2016)
    y = ima_series(rng, 2000, 30, theta=0.3)
    past, future = y[:, :21], y[:, 21:]
    fit = fit_random_walk(past)
    q = fit.quantiles_log10(np.arange(1, 11), [0.05, 0.95])
    coverage = float(((q[..., 0] <= future) & (future <= q[..., 1])).mean())
    assert 0.87 <= coverage <= 0.93
    # The closed form's width matters: dropping the sample-size term tau^2/m under-covers.
    naive = fit.median_log10(np.arange(1, 11))[..., None] + np.outer(
        fit.sd_log10, np.sqrt(np.arange(1, 11))
    )[..., None] * np.array([-1.645, 1.645])
    naive_cover = float(((naive[..., 0] <= future) & (future <= naive[..., 1])).mean())
    assert naive_cover < coverage - 0.03


def test_too_short_a_series_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="at least"):
        fit_random_walk(np.arange(MIN_DIFFS, dtype=float))
