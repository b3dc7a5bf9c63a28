"""Paradigm scenarios: what the record forecast looks like if a paradigm delivers its gain from year Y.

A :class:`ParadigmScenario` says: with probability ``p`` the paradigm reaches production in year
``Y`` and from then on the record of the metric is ``M`` times the CMOS record forecast, with ``M``
drawn log-uniformly from ``[multiplier_low, multiplier_high]``. :func:`paradigm_forecast` turns a
:class:`~computegov.trends.RecordForecast` (the calibrated record forecast, best method) into that
mixture: each ensemble member draws once whether the paradigm arrives and its ``M``, and is shifted
by ``log10 M`` at every forecast year ``>= Y``. So each year's distribution is exactly
``(1 - p) base + p (base x M)``; with ``p = 0`` the fan is the base fan, bit for bit.

Hard physical limits (the Landauer bound in ``data/physical_limits.yaml``) cap the shifted members;
the CMOS limit does not, since a post-CMOS paradigm is what would pass it. The default ``M`` range
comes from the register: the smallest and largest ratio to the record among the paradigm's
comparable entries (:func:`register_multiplier`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from computegov.emerging.compare import TREND_METRICS, Comparison
from computegov.emerging.register import check_paradigm
from computegov.errors import InputError

if TYPE_CHECKING:
    from computegov.catalog import Chip
    from computegov.emerging.register import Claim
    from computegov.trends import Forecast, PhysicalLimit, RecordForecast

__all__ = [
    "ParadigmForecast",
    "ParadigmScenario",
    "paradigm_forecast",
    "register_multiplier",
    "scenario_forecast",
    "scenario_multiplier",
]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class ParadigmScenario:
    """With probability ``probability`` the paradigm multiplies the record by M from ``year`` on.

    Attributes:
        paradigm: one of the register's paradigms.
        metric: the trend metric it acts on (``flop_per_j`` or ``training_flop_per_s``).
        probability: P(the paradigm reaches production by ``year``), in [0, 1].
        year: first forecast year (1 January) it counts in.
        multiplier_low: lower end of M (> 0).
        multiplier_high: upper end of M (>= low); M is log-uniform between them.
        source: where the M range and p come from.
    """

    paradigm: str
    metric: str
    probability: float
    year: int
    multiplier_low: float
    multiplier_high: float
    source: str = "user input"

    def __post_init__(self) -> None:
        check_paradigm(self.paradigm)
        if self.metric not in TREND_METRICS.values():
            raise InputError(f"metric must be one of {', '.join(TREND_METRICS.values())}, got {self.metric!r}")
        if not (0.0 <= self.probability <= 1.0):
            raise InputError(f"probability must be in [0, 1], got {self.probability:g}")
        for name in ("multiplier_low", "multiplier_high"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise InputError(f"{name.replace('_', ' ')} must be a positive number, got {value:g}")
        if self.multiplier_high < self.multiplier_low:
            raise InputError(f"multiplier high ({self.multiplier_high:g}) is below low ({self.multiplier_low:g})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ParadigmForecast:
    """The record forecast mixed with a paradigm's jump.

    Attributes:
        base: the record forecast it starts from.
        scenario: the paradigm scenario.
        quantiles: ``(n_years, n_levels)`` in the metric's unit, levels as ``base.quantile_levels``.
        ensemble_log10: ``(n_years, members)`` log10 values after the jump and caps.
        arrived_share: share of members in which the paradigm arrived.
        capped_fraction: per year, share of members a hard limit capped.
        caps: the hard limits applied.
    """

    base: RecordForecast
    scenario: ParadigmScenario
    quantiles: FloatArray = dataclasses.field(repr=False, compare=False)
    ensemble_log10: FloatArray = dataclasses.field(repr=False, compare=False)
    arrived_share: float
    capped_fraction: tuple[float, ...]
    caps: tuple[PhysicalLimit, ...]

    def rows(self) -> list[dict[str, float]]:
        """Per year: ``year``, the base median, and the mixture's ``q05``...``q95``."""
        levels = self.base.quantile_levels
        mid = list(levels).index(0.5)
        return [
            {"year": float(y), "base_q50": float(self.base.quantiles[i, mid]),
             **{f"q{round(lv * 100):02d}": float(self.quantiles[i, j]) for j, lv in enumerate(levels)},
             "capped_fraction": self.capped_fraction[i]}
            for i, y in enumerate(self.base.years)
        ]

    def as_forecast(self) -> Forecast:
        """The mixture as a :class:`~computegov.trends.Forecast` (for the shared fan charts)."""
        from computegov.trends import Forecast

        s = self.scenario
        return Forecast(
            metric=self.base.metric, unit=self.base.unit, chip_set=self.base.chip_set,
            scenario=f"paradigm:{s.paradigm}",
            scenario_title=(f"{s.paradigm}: p={s.probability:g} from {s.year}, "
                            f"x{s.multiplier_low:.3g}-{s.multiplier_high:.3g} on the record by {self.base.method}"),
            scenario_source=s.source, years=tuple(float(y) for y in self.base.years),
            quantile_levels=self.base.quantile_levels, quantiles=self.quantiles,
            n_paths=int(self.ensemble_log10.shape[-1]), start_year=float(self.base.origin),
            caps=tuple((c.name, c.value) for c in self.caps), capped_fraction=self.capped_fraction,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "scenario": self.scenario.to_dict(),
            "metric": self.base.metric, "unit": self.base.unit, "chip_set": self.base.chip_set,
            "base_method": self.base.method, "base_coverage_note": self.base.coverage_note,
            "origin": self.base.origin, "quantile_levels": list(self.base.quantile_levels),
            "arrived_share": self.arrived_share,
            "caps": [c.to_dict() for c in self.caps],
            "mixture": "each year: (1 - p) x base + p x (base x M), M log-uniform; hard limits cap the jump",
            "by_year": self.rows(),
        }


def paradigm_forecast(base: RecordForecast, scenario: ParadigmScenario, rng: np.random.Generator,
                      limits: Iterable[PhysicalLimit] | None = None) -> ParadigmForecast:
    """Mix the paradigm's jump into a record forecast.

    Args:
        base: the record forecast of ``scenario.metric``.
        scenario: the paradigm scenario.
        rng: the random stream for arrival and M.
        limits: caps to consider (default: the bundled limits); only hard ones apply.

    Raises:
        InputError: the forecast is of another metric.
    """
    from computegov.trends import QUANTILE_LEVELS, load_limits
    from computegov.trends.diagnostics import ensemble_quantiles

    if base.metric != scenario.metric:
        raise InputError(f"the scenario is for {scenario.metric}, the forecast for {base.metric}")
    ens = np.asarray(base.ensemble_log10, dtype=float)
    members = ens.shape[-1]
    arrived: npt.NDArray[np.bool_] = np.less(rng.random(members), scenario.probability)
    log_m: FloatArray = np.asarray(
        rng.uniform(math.log10(scenario.multiplier_low), math.log10(scenario.multiplier_high), members), dtype=float)
    after: npt.NDArray[np.bool_] = np.greater_equal(np.asarray(base.years, dtype=float), scenario.year)
    jumped = after[:, None] & arrived[None, :]
    out = np.where(jumped, ens + log_m[None, :], ens)
    pool = load_limits() if limits is None else tuple(limits)
    caps = tuple(c for c in pool if c.hard and scenario.metric in c.applies_to)
    capped: npt.NDArray[np.bool_] = np.zeros(out.shape, dtype=bool)
    for cap in caps:
        over = jumped & (out > math.log10(cap.value))
        out = np.where(over, math.log10(cap.value), out)
        capped |= over
    out = np.sort(out, axis=-1)
    quantiles = 10 ** ensemble_quantiles(out, QUANTILE_LEVELS)
    return ParadigmForecast(base=base, scenario=scenario, quantiles=quantiles, ensemble_log10=out,
                            arrived_share=float(arrived.mean()) if members else 0.0,
                            capped_fraction=tuple(float(v) for v in capped.mean(axis=-1)), caps=caps)


def register_multiplier(comparisons: Iterable[Comparison], paradigm: str, metric: str) -> tuple[float, float, str]:
    """(low, high, source) of the paradigm's ratios to the record on ``metric`` in the register.

    Raises:
        InputError: no comparable entry of that paradigm on that metric.
    """
    check_paradigm(paradigm)
    found = [c for c in comparisons
             if c.paradigm == paradigm and c.comparable and c.trend_metric == metric and c.ratio_to_record]
    if not found:
        raise InputError(f"no comparable register entry of paradigm {paradigm!r} on {metric}; "
                         "give the multiplier range yourself (--multiplier, --multiplier-high)")
    ratios = [c.ratio_to_record for c in found if c.ratio_to_record]
    ids = ", ".join(f"{c.claim_id} ({c.ratio_to_record:.3g}x)" for c in found)
    return min(ratios), max(ratios), f"register: ratio to the record at each entry's date: {ids}"


def scenario_multiplier(claims: Iterable[Claim], chips: Sequence[Chip], paradigm: str, metric: str,
                        multiplier: float | None = None, multiplier_high: float | None = None
                        ) -> tuple[float, float, str]:
    """(low, high, source) of M: the user's range, or else the register's (:func:`register_multiplier`).

    Args:
        claims: the register entries to read M from when the user gives none.
        chips: the catalogue they are compared with.
        paradigm: the paradigm.
        metric: the trend metric.
        multiplier: M or the low end of its range; None: the register's.
        multiplier_high: the high end (log-uniform); None: M = ``multiplier``.

    Raises:
        InputError: a high end without a low end, or no comparable register entry.
    """
    from computegov.emerging.compare import compare_claims

    if multiplier is not None:
        return multiplier, multiplier if multiplier_high is None else multiplier_high, "user input"
    if multiplier_high is not None:
        raise InputError("the multiplier's high end needs its low end too (--multiplier)")
    rows = compare_claims([c for c in claims if c.paradigm == paradigm], list(chips), forecasts={})
    return register_multiplier(rows, paradigm, metric)


def scenario_forecast(chips: Sequence[Chip], scenario: ParadigmScenario, to_year: int = 2045,
                      seed: int = 0) -> ParadigmForecast:
    """The calibrated record forecast of ``scenario.metric`` (chip set ``ml``) to ``to_year``, mixed.

    The base is :func:`computegov.trends.record_forecast` from the year after the catalogue's
    last point (2,000 samples, 300 bootstrap fits, ``seed``); the mixture draws from ``seed`` too.

    Raises:
        InputError: ``to_year`` not after the forecast origin.
    """
    from computegov.trends import metric_points, record_forecast

    pool = list(chips)
    origin = int(np.floor(float(metric_points(pool, scenario.metric, "ml").years.max()))) + 1
    if to_year <= origin:
        raise InputError(f"the last forecast year (--to) must be after {origin}, the forecast origin")
    base = record_forecast(pool, scenario.metric, "ml", years=list(range(origin + 1, to_year + 1)), seed=seed,
                           n_samples=2000, n_boot=300)
    return paradigm_forecast(base, scenario, np.random.default_rng(seed))
