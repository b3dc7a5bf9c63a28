"""Frontier training-compute trend and forecasts of how many models cross each threshold.

Data: the bundled ``notable_models.csv`` (Epoch AI, Notable AI Models, snapshot 2025-02-24,
CC-BY 4.0). The trend is an ordinary least-squares fit of log10(training compute) on the
publication date in decimal years; its growth factor per year is 10^slope, with a 95 % interval
from the t distribution. Compare with Epoch AI's published figures
(:data:`EPOCH_PUBLISHED_GROWTH`).

Crossing forecast: models of year y have log10 compute ~ Normal(a + b·y, s), with (a, b) drawn
from the fit's sampling distribution and s the residual spread; the number of notable models
with known compute per year is Poisson with the mean of the last three complete years. The
count above a threshold is then Binomial(N, P(log10 C > log10 T)). The method is backtested
by fitting on years before Y and predicting year Y.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from computegov.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EPOCH_PUBLISHED_GROWTH",
    "NOTABLE_MODELS_SNAPSHOT",
    "BacktestRow",
    "ComputeTrend",
    "CrossingForecast",
    "backtest_crossings",
    "counts_over",
    "fit_compute_trend",
    "forecast_crossings",
    "load_notable_models",
]

NOTABLE_MODELS_SNAPSHOT = "2025-02-24"

#: Epoch AI's published growth rates of training compute (factor per year), with sources.
EPOCH_PUBLISHED_GROWTH: dict[str, tuple[float, float, str]] = {
    "notable": (
        4.0,
        5.0,
        "Epoch AI (2024), 'Training Compute of Frontier AI Models Grows by 4-5x per Year', "
        "https://epoch.ai/blog/training-compute-of-frontier-ai-models-grows-by-4-5x-per-year "
        "(notable models 2010 - May 2024); Epoch AI data insight 'The training compute of notable "
        "AI models is doubling roughly every five months': 4.6x/yr since 2010",
    ),
    "frontier": (
        4.0,
        4.0,
        "Epoch AI (2024), same article: frontier growth since 2018 'better described as a 4x/year trend'",
    ),
}


@functools.lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    import pandas as pd

    path = resources.files("computegov.data").joinpath("notable_models.csv")
    with path.open("r", encoding="utf-8") as handle:
        df = pd.read_csv(handle, comment="#", keep_default_na=True)
    df["base_model"] = df["base_model"].fillna("")
    df["publication_date"] = pd.to_datetime(df["publication_date"], errors="coerce")
    date = df["publication_date"]
    start = pd.to_datetime(date.dt.year.astype("Int64").astype(str) + "-01-01", errors="coerce")
    days = np.where(date.dt.is_leap_year, 366.0, 365.0)
    df["year"] = date.dt.year + (date - start).dt.days / days
    df["frontier_model"] = df["frontier_model"].astype(str).str.lower().eq("true")
    return df


def load_notable_models() -> pd.DataFrame:
    """The bundled notable-models table (a copy), with ``year`` as a decimal year.

    Columns: model, domain, organization, publication_date, parameters, training_compute_flop,
    dataset_size_datapoints, epochs, training_time_hours, training_hardware, hardware_quantity,
    hardware_utilization, estimation_method, confidence, frontier_model, finetune_compute_flop,
    dataset_notes_mention, active_parameters, active_parameters_source, year.
    """
    return _load().copy()


@dataclasses.dataclass(frozen=True)
class ComputeTrend:
    """A log-linear fit of training compute against time.

    Attributes:
        subset: which models (``notable``, ``frontier``, ...).
        n: models fitted.
        start_year: earliest decimal year fitted.
        end_year: latest decimal year fitted.
        slope_log10_per_year: orders of magnitude per year.
        intercept_log10: log10 FLOP at year 0 (use :meth:`predict_log10`).
        slope_se: standard error of the slope.
        covariance: 2×2 covariance of (intercept, slope).
        residual_sd_log10: residual standard deviation, orders of magnitude.
        growth_per_year: 10^slope.
        growth_ci95: 95 % interval of the growth factor per year.
        doubling_time_months: 12·log10(2)/slope.
        published: Epoch AI's published range for comparison (low, high, citation) or None.
    """

    subset: str
    n: int
    start_year: float
    end_year: float
    slope_log10_per_year: float
    intercept_log10: float
    slope_se: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    residual_sd_log10: float
    growth_per_year: float
    growth_ci95: tuple[float, float]
    doubling_time_months: float
    published: tuple[float, float, str] | None = None

    def predict_log10(self, year: float) -> float:
        """Fitted log10 FLOP of a model at a decimal year."""
        return self.intercept_log10 + self.slope_log10_per_year * year

    def year_reaching(self, flop: float) -> float:
        """Decimal year at which the fitted line reaches ``flop``."""
        return (math.log10(flop) - self.intercept_log10) / self.slope_log10_per_year

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["covariance"] = [list(row) for row in self.covariance]
        out["growth_ci95"] = list(self.growth_ci95)
        if self.published is not None:
            out["published"] = {
                "growth_per_year_low": self.published[0],
                "growth_per_year_high": self.published[1],
                "source": self.published[2],
            }
        return out


def _select(
    df: pd.DataFrame,
    *,
    since: float,
    until: float | None,
    frontier_only: bool,
    domain: str | None,
) -> pd.DataFrame:
    keep = df["training_compute_flop"].gt(0) & df["year"].ge(since)
    if until is not None:
        keep &= df["year"].lt(until)
    if frontier_only:
        keep &= df["frontier_model"]
    if domain is not None:
        keep &= df["domain"].fillna("").str.contains(domain, case=False, regex=False)
    return df[keep]


def fit_compute_trend(
    models: pd.DataFrame | None = None,
    *,
    since: float = 2010.0,
    until: float | None = 2025.0,
    frontier_only: bool = False,
    domain: str | None = None,
) -> ComputeTrend:
    """OLS fit of log10(training compute) on publication year.

    Args:
        models: the notable-models table (bundled by default).
        since: first decimal year included.
        until: first decimal year excluded (default 2025: the snapshot's last year is partial).
        frontier_only: only Epoch AI's frontier models (top 10 by compute at release).
        domain: only models whose domain contains this text (e.g. ``"Language"``).

    Raises:
        InputError: fewer than three models selected.
    """
    from computegov.trends.distributions import t_ppf

    df = load_notable_models() if models is None else models
    sub = _select(df, since=since, until=until, frontier_only=frontier_only, domain=domain)
    if len(sub) < 3:
        raise InputError(f"only {len(sub)} models with compute in the selection; need at least 3")
    x = sub["year"].to_numpy(float)
    y = np.log10(sub["training_compute_flop"].to_numpy(float))
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(x) - 2
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.inv(design.T @ design)
    slope, se = float(coef[1]), math.sqrt(float(cov[1, 1]))
    t = float(t_ppf(0.975, dof))
    subset = "frontier" if frontier_only else "notable"
    if domain:
        subset += f"/{domain}"
    return ComputeTrend(
        subset=subset,
        n=len(x),
        start_year=float(x.min()),
        end_year=float(x.max()),
        slope_log10_per_year=slope,
        intercept_log10=float(coef[0]),
        slope_se=se,
        covariance=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        residual_sd_log10=math.sqrt(s2),
        growth_per_year=10**slope,
        growth_ci95=(10 ** (slope - t * se), 10 ** (slope + t * se)),
        doubling_time_months=12 * math.log10(2) / slope if slope > 0 else math.inf,
        published=EPOCH_PUBLISHED_GROWTH.get("frontier" if frontier_only else "notable") if not domain else None,
    )


def counts_over(
    thresholds_flop: Iterable[float], models: pd.DataFrame | None = None
) -> dict[int, dict[float, int]]:
    """Number of models per calendar year above each threshold (known compute only)."""
    df = load_notable_models() if models is None else models
    df = df[df["training_compute_flop"].gt(0) & df["year"].notna()]
    years = df["year"].astype(int)
    out: dict[int, dict[float, int]] = {}
    values = sorted(set(thresholds_flop))
    for year in sorted(years.unique()):
        flop = df.loc[years == year, "training_compute_flop"]
        out[int(year)] = {t: int((flop > t).sum()) for t in values}
    return out


@dataclasses.dataclass(frozen=True)
class CrossingForecast:
    """Forecast number of notable models above a threshold in one year.

    Attributes:
        year: calendar year.
        threshold_flop: the threshold, FLOP.
        mean: expected count.
        p10: 10th percentile of the count.
        p50: median.
        p90: 90th percentile.
        models_per_year: assumed mean number of notable models with known compute that year.
        probability_at_least_one: P(count >= 1).
    """

    year: int
    threshold_flop: float
    mean: float
    p10: float
    p50: float
    p90: float
    models_per_year: float
    probability_at_least_one: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


def _models_per_year(df: pd.DataFrame, last_year: int) -> float:
    with_compute = df[df["training_compute_flop"].gt(0) & df["year"].notna()]
    counts = with_compute["year"].astype(int).value_counts()
    recent = [counts.get(y, 0) for y in range(last_year - 2, last_year + 1)]
    return float(np.mean(recent))


def forecast_crossings(
    thresholds_flop: Sequence[float],
    years: Sequence[int],
    rng: np.random.Generator,
    *,
    trend: ComputeTrend | None = None,
    models: pd.DataFrame | None = None,
    models_per_year: float | None = None,
    draws: int = 4000,
) -> tuple[CrossingForecast, ...]:
    """Monte Carlo forecast of the count of notable models above each threshold per year.

    Args:
        thresholds_flop: thresholds, FLOP.
        years: calendar years to forecast.
        rng: the random generator (explicit, for reproducibility).
        trend: the fit to use (default: notable models 2010-2024).
        models: the table the trend and model counts come from (bundled by default).
        models_per_year: mean models with known compute per year (default: last three fitted years).
        draws: Monte Carlo draws.

    Returns:
        One forecast per (year, threshold), years outer.
    """
    df = load_notable_models() if models is None else models
    trend = trend or fit_compute_trend(df)
    lam = models_per_year if models_per_year is not None else _models_per_year(df, int(trend.end_year))
    if lam <= 0:
        raise InputError("models_per_year must be positive")
    mean = np.array([trend.intercept_log10, trend.slope_log10_per_year])
    coef = rng.multivariate_normal(mean, np.array(trend.covariance), size=draws)
    n_models = rng.poisson(lam, size=draws)
    out = []
    from computegov.trends.distributions import norm_sf

    for year in years:
        mu = coef[:, 0] + coef[:, 1] * (year + 0.5)
        for threshold in thresholds_flop:
            p = norm_sf((math.log10(threshold) - mu) / trend.residual_sd_log10)
            counts = rng.binomial(n_models, p)
            out.append(
                CrossingForecast(
                    year=int(year),
                    threshold_flop=float(threshold),
                    mean=float(counts.mean()),
                    p10=float(np.quantile(counts, 0.1)),
                    p50=float(np.quantile(counts, 0.5)),
                    p90=float(np.quantile(counts, 0.9)),
                    models_per_year=lam,
                    probability_at_least_one=float((counts >= 1).mean()),
                )
            )
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class BacktestRow:
    """One backtest: fit on years before ``year``, forecast ``year``, compare with the data.

    Attributes:
        year: the held-out year.
        threshold_flop: threshold, FLOP.
        actual: models above the threshold that year.
        forecast: the forecast for that year.
        inside_80: actual within [p10, p90].
    """

    year: int
    threshold_flop: float
    actual: int
    forecast: CrossingForecast
    inside_80: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "year": self.year,
            "threshold_flop": self.threshold_flop,
            "actual": self.actual,
            "forecast_mean": self.forecast.mean,
            "forecast_p10": self.forecast.p10,
            "forecast_p90": self.forecast.p90,
            "inside_80": self.inside_80,
        }


def backtest_crossings(
    thresholds_flop: Sequence[float],
    years: Sequence[int],
    rng: np.random.Generator,
    *,
    since: float = 2010.0,
    models: pd.DataFrame | None = None,
    draws: int = 2000,
) -> tuple[BacktestRow, ...]:
    """For each year Y: fit on [since, Y), forecast Y, compare with the models of Y."""
    df = load_notable_models() if models is None else models
    actual = counts_over(thresholds_flop, df)
    rows = []
    for year in years:
        trend = fit_compute_trend(df, since=since, until=float(year))
        forecasts = forecast_crossings(thresholds_flop, [year], rng, trend=trend, models=df, draws=draws)
        for fc in forecasts:
            got = actual.get(year, {}).get(fc.threshold_flop, 0)
            rows.append(
                BacktestRow(
                    year=year,
                    threshold_flop=fc.threshold_flop,
                    actual=got,
                    forecast=fc,
                    inside_80=fc.p10 <= got <= fc.p90,
                )
            )
    return tuple(rows)
