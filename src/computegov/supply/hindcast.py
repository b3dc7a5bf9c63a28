"""Hindcasts: the supply model, fed each year's published capacities, against published shipments.

Each :class:`Hindcast` names a preset, the inputs it changes for that year (each cited, with its
year), and the shipment figure it is checked against (a range or a bound, cited). The result says
whether the published figure falls inside the model's 90 % interval and how far the model's median
is from it. The cases: H100-class GPUs in 2023 and in 2024, Huawei Ascend in 2025.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from computegov.supply.capacity import Param, simulate
from computegov.supply.presets import get_preset

__all__ = ["HINDCASTS", "Hindcast", "HindcastResult", "run_hindcast", "run_hindcasts"]


@dataclasses.dataclass(frozen=True)
class Hindcast:
    """One year's check of the model against published shipments.

    Attributes:
        name: short label.
        preset: the preset it starts from.
        year: the calendar year checked.
        overrides: inputs changed for that year (each a cited :class:`Param`).
        published_low: lower end of the published shipments (None: only an upper bound is published).
        published_high: upper end (None: only a lower bound is published).
        published_source: where the shipment figure comes from, with its date.
        note: what the comparison can and cannot show.
    """

    name: str
    preset: str
    year: int
    overrides: Mapping[str, Param]
    published_low: float | None
    published_high: float | None
    published_source: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class HindcastResult:
    """The model's answer for a :class:`Hindcast`.

    Attributes:
        case: the hindcast.
        median: Monte Carlo median of accelerators per year.
        low: 5th percentile.
        high: 95th percentile.
        binding: the stage that binds most often.
        consistent: the published range (or bound) overlaps the model's 90 % interval.
        ratio: model median / the published figure (its middle, or its bound), >1 = model above.
    """

    case: Hindcast
    median: float
    low: float
    high: float
    binding: str
    consistent: bool
    ratio: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        c = self.case
        return {
            "name": c.name, "preset": c.preset, "year": c.year,
            "overrides": {k: p.to_dict() for k, p in c.overrides.items()},
            "published_low": c.published_low, "published_high": c.published_high,
            "published_source": c.published_source, "note": c.note,
            "model_median": self.median, "model_low_5pct": self.low, "model_high_95pct": self.high,
            "binding": self.binding, "consistent": self.consistent, "ratio_model_to_published": self.ratio,
        }


_COWOS_2023 = (
    "TSMC CoWoS 8,000-9,000 wafers/month in May 2023 (DigiTimes, via ForexLive 2023-05-11) and ~11,000 by end-2023 "
    "(TSMC chair Mark Liu, Nikkei Asia 2023-09-06); NVIDIA and AMD used 70-80 % of it (same report); NVIDIA's "
    "share estimated at 4,000-8,000 wafers/month over 2023, for all its CoWoS products (A100/A800 included)"
)

#: The bundled hindcasts.
HINDCASTS: tuple[Hindcast, ...] = (
    Hindcast(
        name="H100-class 2023", preset="tsmc-n4-reticle", year=2023,
        overrides={
            "packaging_wafers_per_month": Param(6_000.0, 4_000.0, 8_000.0, "estimate: " + _COWOS_2023, True, 2023),
            "hbm_stacks_per_year": Param(
                5e6, 3e6, 8e6, "estimate for 2023: HBM3 was supplied almost only by SK hynix in 2023; no per-product "
                "figure is published", True, 2023),
        },
        published_low=550_000.0, published_high=1_200_000.0,
        published_source=(
            "about 550,000 H100 in 2023 (Financial Times, 2023-08-15, via Tom's Hardware); Omdia: over 300,000 in "
            "2023-Q2, on pace for about 1.2 million a year (Tom's Hardware, 2023-08)"),
        note="The packaging and HBM inputs are estimates; a model above the range says those inputs, or the "
             "interposers per wafer, are too generous for 2023.",
    ),
    Hindcast(
        name="H100-class 2024", preset="tsmc-n4-reticle", year=2024, overrides={},
        published_low=2_000_000.0, published_high=None,
        published_source=(
            "Omdia: NVIDIA shipped at least two million AI chips to its largest customers in 2024 (cited in coverage "
            "of the 2025-06-12 House Foreign Affairs hearing, Wccftech); a lower bound, mostly Hopper"),
        note="The preset's inputs are the 2024 ones; the published figure is a lower bound.",
    ),
    Hindcast(
        name="Ascend 2025", preset="smic-7nm", year=2025, overrides={},
        published_low=None, published_high=200_000.0,
        published_source=(
            "US Commerce Department: Huawei Ascend production capacity for 2025 'at or below 200,000' (Under "
            "Secretary Jeffrey Kessler, House Foreign Affairs South and Central Asia subcommittee, 2025-06-12, "
            "Reuters)"),
        note="The preset's wafer starts are calibrated to this figure: a consistency check, not a test of skill.",
    ),
)


def run_hindcast(case: Hindcast, *, rng: np.random.Generator, n_samples: int = 10_000) -> HindcastResult:
    """Simulate ``case`` and compare with its published figure."""
    params = get_preset(case.preset).override(**dict(case.overrides))
    sim = simulate(params, rng=rng, n_samples=n_samples)
    low, median, high = sim.quantiles["0.05"], sim.median, sim.quantiles["0.95"]
    pub_low = case.published_low if case.published_low is not None else 0.0
    pub_high = case.published_high if case.published_high is not None else math.inf
    consistent = low <= pub_high and high >= pub_low
    if case.published_low is not None and case.published_high is not None:
        reference = math.sqrt(case.published_low * case.published_high)
    else:
        reference = case.published_low if case.published_low is not None else pub_high
    binding = max(sim.binding_share, key=lambda k: sim.binding_share[k])
    return HindcastResult(case, median, low, high, binding, consistent, median / reference)


def run_hindcasts(*, seed: int = 0, n_samples: int = 10_000) -> tuple[HindcastResult, ...]:
    """Every bundled hindcast, each with its own generator seeded from ``seed``."""
    return tuple(run_hindcast(c, rng=np.random.default_rng([seed, i]), n_samples=n_samples)
                 for i, c in enumerate(HINDCASTS))
