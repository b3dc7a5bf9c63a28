"""A hardware progress index: several trends combined into one documented composite.

No single metric captures compute, memory and networking together, so the index is a weighted
geometric mean of component trends: its growth rate (log10 per year) is the weighted sum of the
components' fitted slopes, and each component's contribution is its weight times its slope.

Default weights (:data:`DEFAULT_COMPONENTS`) are an **assumption** of ours, not a published
standard: half on compute (training FLOP/s), a quarter on memory (bandwidth and capacity equally)
and a quarter on chip-to-chip bandwidth. The rationale: large training runs are bounded by
arithmetic first, then by memory traffic and by communication. Change them to suit your question;
the report shows every component so that the composite can be re-weighted by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from computegov.errors import InputError
from computegov.trends.fit import TrendFit, doubling_time_years, fit_trend

if TYPE_CHECKING:
    from computegov.catalog import Chip

__all__ = ["DEFAULT_COMPONENTS", "IndexComponent", "ProgressIndex", "progress_index"]

#: (metric, weight) pairs of the default index; weights sum to 1 (assumption, see module doc).
DEFAULT_COMPONENTS: tuple[tuple[str, float], ...] = (
    ("training_flop_per_s", 0.5),
    ("memory_bandwidth_bytes_per_s", 0.125),
    ("memory_bytes", 0.125),
    ("intranode_bandwidth_bytes_per_s", 0.25),
)


@dataclasses.dataclass(frozen=True)
class IndexComponent:
    """One component of the index.

    Attributes:
        metric: metric name.
        weight: its weight (weights sum to 1).
        n: chips in its fit.
        slope_log10_per_year: its fitted slope.
        contribution_log10_per_year: weight x slope.
        share: contribution / index slope (what fraction of the index's growth it supplies).
    """

    metric: str
    weight: float
    n: int
    slope_log10_per_year: float
    contribution_log10_per_year: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ProgressIndex:
    """The composite index.

    Attributes:
        chip_set: chips used for every component.
        slope_log10_per_year: index growth, log10 per year.
        slope_ci_log10_per_year: 95 % interval from the components' bootstraps (independent).
        components: each component's weight, slope and contribution.
    """

    chip_set: str
    slope_log10_per_year: float
    slope_ci_log10_per_year: tuple[float, float]
    components: tuple[IndexComponent, ...]

    @property
    def growth_per_year(self) -> float:
        """Multiplicative growth per year."""
        return float(10.0**self.slope_log10_per_year)

    @property
    def doubling_time_years(self) -> float:
        """Doubling time of the index, years."""
        return doubling_time_years(self.slope_log10_per_year)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "chip_set": self.chip_set,
            "definition": "weighted geometric mean of component trends; weights are an assumption",
            "slope_log10_per_year": self.slope_log10_per_year,
            "slope_ci_log10_per_year": list(self.slope_ci_log10_per_year),
            "growth_per_year": self.growth_per_year,
            "doubling_time_years": self.doubling_time_years,
            "components": [c.to_dict() for c in self.components],
        }


def progress_index(
    chips: Iterable[Chip],
    components: Sequence[tuple[str, float]] = DEFAULT_COMPONENTS,
    chip_set: str = "ml",
    *,
    rng: np.random.Generator | None = None,
    seed: int = 0,
    fits: dict[str, TrendFit] | None = None,
) -> ProgressIndex:
    """Combine component trends into one index.

    Args:
        chips: a Catalog or any iterable of chips.
        components: (metric, weight) pairs; weights must be positive and sum to 1.
        chip_set: chip set for every component fit.
        rng: random generator for the fits' bootstraps.
        seed: seed used when ``rng`` is None.
        fits: already-fitted trends by metric name (reused instead of refitting).

    Raises:
        InputError: weights that are not positive or do not sum to 1.
    """
    weights = np.array([w for _, w in components], dtype=float)
    if not components or np.any(weights <= 0) or not np.isclose(weights.sum(), 1.0):
        raise InputError("index weights must be positive and sum to 1")
    generator = rng or np.random.default_rng(seed)
    chip_list = list(chips)
    fitted = []
    for metric, _ in components:
        fit = (fits or {}).get(metric) or fit_trend(chip_list, metric, chip_set, rng=generator)
        fitted.append(fit)
    slopes = np.array([f.slope_log10_per_year for f in fitted])
    index_slope = float(weights @ slopes)
    size = min(f.boot_slopes.size for f in fitted)
    draws = sum(
        w * f.boot_slopes[generator.permutation(f.boot_slopes.size)[:size]]
        for w, f in zip(weights, fitted, strict=True)
    )
    lo, hi = np.quantile(draws, [0.025, 0.975])
    parts = tuple(
        IndexComponent(
            metric=f.metric,
            weight=float(w),
            n=f.n,
            slope_log10_per_year=f.slope_log10_per_year,
            contribution_log10_per_year=float(w * f.slope_log10_per_year),
            share=float(w * f.slope_log10_per_year / index_slope) if index_slope else float("nan"),
        )
        for w, f in zip(weights, fitted, strict=True)
    )
    return ProgressIndex(
        chip_set=chip_set,
        slope_log10_per_year=index_slope,
        slope_ci_log10_per_year=(float(lo), float(hi)),
        components=parts,
    )
