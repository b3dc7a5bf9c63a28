"""`Forecast`: quantiles of a metric by year from vectorised Monte Carlo over a fitted trend.

Each path draws the trend's parameters (intercept, slope) from the fit's bootstrap and one
residual offset from ``N(0, residual_sd)`` (the scatter of single chips around the line), then
follows the scenario's shape (:class:`Scenario`, bundled in ``data/trend_scenarios.yaml``) and is
capped by every physical limit that applies to the metric (:class:`PhysicalLimit`, bundled in
``data/physical_limits.yaml``). All arithmetic is on log10 values, one NumPy array per year.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from computegov.errors import InputError
from computegov.trends.fit import TrendFit
from computegov.trends.scenarios import (
    PhysicalLimit,
    Scenario,
    limits_for,
    load_limits,
    load_scenarios,
    resolve_scenario,
    scenarios_for,
    user_ceiling,
)
from computegov.trends.selection import order_statistics

__all__ = [
    "QUANTILE_LEVELS",
    "Forecast",
    "PhysicalLimit",
    "Scenario",
    "forecast",
    "limits_for",
    "load_limits",
    "load_scenarios",
    "scenario_log10_paths",
    "scenarios_for",
    "user_ceiling",
]

#: Quantiles every forecast reports.
QUANTILE_LEVELS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)

_LOG10_2 = math.log10(2.0)

FloatArray = npt.NDArray[np.float64]


def scenario_log10_paths(
    scenario: Scenario,
    years: npt.ArrayLike,
    *,
    intercepts: npt.NDArray[np.floating[Any]],
    slopes: npt.NDArray[np.floating[Any]],
    reference_year: float,
    start_year: float,
) -> npt.NDArray[np.floating[Any]]:
    """Log10 values of each path at each year under a scenario, before scatter and caps.

    Args:
        scenario: the shape.
        years: forecast years (decimal), shape ``(n_years,)``.
        intercepts: per-path fitted log10 level at ``reference_year``, shape ``(n_paths,)``.
        slopes: per-path fitted slope, log10 per year, shape ``(n_paths,)``.
        reference_year: year of the intercepts.
        start_year: last data year ``t0``; scenarios other than ``trend`` start there.

    Returns:
        array of shape ``(n_paths, n_years)``, in the dtype of ``intercepts``.
    """
    # Times relative to the reference year, in float64 first, then in the paths' dtype.
    rel = (np.asarray(years, dtype=float) - reference_year).astype(intercepts.dtype)[None, :]
    a = intercepts[:, None]
    b = slopes[:, None]
    trend = a + b * rel
    if scenario.kind == "trend":
        return trend
    start_rel = start_year - reference_year
    level0 = a + b * start_rel
    elapsed = np.maximum(rel - start_rel, 0.0)
    g0 = _LOG10_2 / scenario.doubling_time_years if scenario.doubling_time_years else b
    if scenario.kind == "fixed_growth":
        out = level0 + g0 * elapsed
    elif scenario.kind == "roadmap":
        change = scenario.roadmap_log10_change(np.asarray(years, dtype=float), start_year)
        out = level0 + change.astype(intercepts.dtype)[None, :]
    else:
        if scenario.ceiling_value is not None:
            ceiling = np.full_like(level0, math.log10(scenario.ceiling_value))
        else:
            anchor = (
                a + b * (scenario.ceiling_reference_year - reference_year)
                if scenario.ceiling_reference_year is not None
                else level0
            )
            ceiling = anchor + float(scenario.ceiling_ooms_above_start or 0.0)
        rate = np.maximum(g0, 0.0)
        if scenario.shape == "capped":
            out = np.minimum(level0 + rate * elapsed, np.maximum(ceiling, level0))
        else:
            headroom = np.maximum(ceiling - level0, 1e-12)
            out = level0 + headroom * (1.0 - np.exp(-rate * elapsed / headroom))
    # Before the last data year every scenario follows the fitted trend.
    return np.where(rel < start_rel, trend, out)


@dataclasses.dataclass(frozen=True)
class Forecast:
    """Quantiles of a metric by year.

    Attributes:
        metric: metric name.
        unit: its unit.
        chip_set: chips the trend was fitted to.
        scenario: the scenario's name.
        scenario_title: its label.
        scenario_source: its citation.
        years: forecast years.
        quantile_levels: probabilities of the columns of ``quantiles``.
        quantiles: array ``(n_years, n_levels)`` in the metric's unit.
        n_paths: Monte Carlo paths.
        start_year: last data year.
        caps: the physical limits applied (name, value).
        capped_fraction: per year, the share of paths held down by a cap.
    """

    metric: str
    unit: str
    chip_set: str
    scenario: str
    scenario_title: str
    scenario_source: str
    years: tuple[float, ...]
    quantile_levels: tuple[float, ...]
    quantiles: FloatArray = dataclasses.field(repr=False, compare=False)
    n_paths: int
    start_year: float
    caps: tuple[tuple[str, float], ...]
    capped_fraction: tuple[float, ...]

    def median(self) -> FloatArray:
        """Median by year, metric units."""
        return self.quantiles[:, self.quantile_levels.index(0.5)]

    def rows(self) -> list[dict[str, float]]:
        """One dict per year: ``year``, ``q05``... ``q95`` and ``capped_fraction``."""
        out = []
        for i, year in enumerate(self.years):
            row: dict[str, float] = {"year": year}
            for j, level in enumerate(self.quantile_levels):
                row[f"q{round(level * 100):02d}"] = float(self.quantiles[i, j])
            row["capped_fraction"] = self.capped_fraction[i]
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; quantiles are in ``unit``."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "chip_set": self.chip_set,
            "scenario": self.scenario,
            "scenario_title": self.scenario_title,
            "scenario_source": self.scenario_source,
            "n_paths": self.n_paths,
            "start_year": self.start_year,
            "quantile_levels": list(self.quantile_levels),
            "caps": [{"name": n, "value": v} for n, v in self.caps],
            "by_year": self.rows(),
        }


def forecast(
    fit: TrendFit,
    years: Sequence[float] | npt.ArrayLike,
    scenario: str | Scenario = "trend",
    *,
    rng: np.random.Generator,
    n_paths: int = 100_000,
    limits: Iterable[PhysicalLimit] | None = None,
    include_scatter: bool = True,
) -> Forecast:
    """Monte Carlo forecast of ``fit``'s metric at ``years`` under ``scenario``, capped.

    Args:
        fit: a fitted trend (its bootstrap draws give the parameter uncertainty).
        years: forecast years (decimal years); none may precede the fit's first data year.
        scenario: scenario name (see ``data/trend_scenarios.yaml``) or a :class:`Scenario`.
        rng: random generator.
        n_paths: Monte Carlo paths (1e6 runs in well under a second).
        limits: caps to apply; None applies every bundled limit for the metric, ``[]`` none.
        include_scatter: add the residual scatter of single chips (True) or forecast the trend
            line only (False).

    Raises:
        InputError: a year before the data, no years, too few paths, or an unavailable scenario.
        UnknownNameError: unknown scenario name.
    """
    chosen = resolve_scenario(scenario)
    if chosen.kind == "roadmap" and not chosen.applies(fit.metric):
        raise InputError(
            f"scenario {chosen.name!r} follows a roadmap of {chosen.roadmap_quantity or 'another quantity'}, "
            f"which maps to {', '.join(chosen.applies_to)} only, not {fit.metric}"
        )
    year_arr = np.atleast_1d(np.asarray(years, dtype=float))
    if year_arr.size == 0:
        raise InputError("give at least one forecast year")
    if np.any(year_arr < math.floor(fit.year_min)):
        raise InputError(
            f"forecast year {year_arr.min():g} is before the data: the fit covers "
            f"{fit.year_min:.1f}-{fit.year_max:.1f}; choose years from {math.floor(fit.year_min)} on"
        )
    if n_paths < 100:
        raise InputError(f"n_paths must be at least 100, got {n_paths}")
    if fit.boot_slopes.size == 0:
        raise InputError("the fit has no bootstrap draws to forecast from")
    # Paths are float32 (log10 values near 10-20 keep ~1e-6 absolute precision, far below the
    # Monte Carlo error) because selecting in float32 is several times faster than in float64.
    pick = rng.integers(0, fit.boot_slopes.size, size=n_paths)
    intercepts = fit.boot_intercepts[pick].astype(np.float32)
    slopes = fit.boot_slopes[pick].astype(np.float32)
    scatter = (
        rng.standard_normal(n_paths, dtype=np.float32) * np.float32(fit.residual_sd_log10)
        if include_scatter
        else np.zeros(n_paths, dtype=np.float32)
    )
    caps = limits_for(fit.metric, limits)
    cap_value = min((c.value for c in caps), default=math.inf)
    cap_log10 = math.log10(cap_value) if math.isfinite(cap_value) else math.inf
    levels = np.asarray(QUANTILE_LEVELS)
    positions = levels * (n_paths - 1)
    lower = np.floor(positions).astype(int)
    upper = np.minimum(lower + 1, n_paths - 1)
    weight = positions - lower
    ranks = np.unique(np.concatenate([lower, upper]))  # the order statistics the quantiles read
    quantiles = np.empty((year_arr.size, levels.size))
    capped = []
    start_year = fit.year_max
    # One year at a time keeps memory at O(n_paths) for a million paths.
    for i in range(year_arr.size):
        path = scenario_log10_paths(
            chosen,
            year_arr[i : i + 1],
            intercepts=intercepts,
            slopes=slopes,
            reference_year=fit.reference_year,
            start_year=start_year,
        )[:, 0]
        path += scatter
        capped.append(float(np.count_nonzero(path > cap_log10)) / n_paths)
        np.minimum(path, np.float32(cap_log10), out=path)
        at = dict(zip(ranks.tolist(), order_statistics(path, ranks).tolist(), strict=True))
        low = np.array([at[r] for r in lower.tolist()])
        high = np.array([at[r] for r in upper.tolist()])
        quantiles[i] = low + (high - low) * weight  # numpy's default "linear" quantile
    return Forecast(
        metric=fit.metric,
        unit=fit.unit,
        chip_set=fit.chip_set,
        scenario=chosen.name,
        scenario_title=chosen.title,
        scenario_source=chosen.source,
        years=tuple(float(y) for y in year_arr),
        quantile_levels=QUANTILE_LEVELS,
        # min() again after the power: 10**log10(cap) can round a hair above the cap.
        quantiles=np.minimum(np.power(10.0, quantiles), cap_value),
        n_paths=n_paths,
        start_year=start_year,
        caps=tuple((c.name, c.value) for c in caps),
        capped_fraction=tuple(capped),
    )
