"""Accelerators per year from wafer starts: logic dies, HBM stacks and advanced packaging as bottlenecks.

Three capacities, each in packages (accelerators) per year:

* **logic**: wafer starts x gross dies per wafer x die yield / logic dies per package;
* **HBM**: HBM stacks available per year / stacks per package;
* **packaging**: interposer wafers per year x interposers per wafer (the same die-per-wafer
  formula, no reticle limit: interposers are stitched) x packaging yield.

Output = the smallest; the smallest one is named as the **binding** bottleneck. Every parameter is a
:class:`Param` with a central value, an optional range and its source; :func:`simulate` draws each
ranged parameter uniformly from its range (seeded ``np.random.Generator``) and reports quantiles
of the output and how often each bottleneck binds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from computegov.errors import InputError
from computegov.supply.wafer import RETICLE_LIMIT_MM2, YIELD_MODELS, die_yield, gross_dies_per_wafer

__all__ = [
    "BOTTLENECKS",
    "PARAMETERS",
    "Param",
    "SupplyEstimate",
    "SupplyParams",
    "SupplySimulation",
    "estimate",
    "simulate",
]

MONTHS_PER_YEAR = 12  # exact
#: The largest standardised wafer: 450 mm (SEMI M74, "Specification for 450 mm diameter mechanical
#: handling polished wafers"); production uses 300 mm.
MAX_WAFER_DIAMETER_MM = 450.0
#: Inputs above this are typos (1e15 wafers, stacks or mm^2), refused so outputs stay finite.
MAX_PARAMETER = 1e15
BOTTLENECKS = ("logic", "hbm", "packaging")

#: Parameter name -> (unit, description). Every one can be overridden.
PARAMETERS: dict[str, tuple[str, str]] = {
    "die_area_mm2": ("mm^2", "logic die area incl. scribe"),
    "wafer_diameter_mm": ("mm", "logic wafer diameter"),
    "edge_exclusion_mm": ("mm", "unusable edge ring"),
    "defect_density_per_cm2": ("1/cm^2", "fatal defect density D0"),
    "alpha": ("", "negative-binomial clustering parameter"),
    "wafer_starts_per_month": ("wafers/month", "logic wafer starts for this product"),
    "dies_per_package": ("dies", "logic dies per accelerator"),
    "hbm_stacks_per_package": ("stacks", "HBM stacks per accelerator"),
    "hbm_stacks_per_year": ("stacks/yr", "HBM stacks available to this product"),
    "packaging_wafers_per_month": ("wafers/month", "2.5D (CoWoS-class) interposer wafers for this product"),
    "interposer_area_mm2": ("mm^2", "interposer area per package"),
    "interposers_per_wafer": ("interposers", "interposer sites per packaging wafer (when given, used instead of "
                              "the count computed from interposer_area_mm2)"),
    "packaging_yield": ("fraction", "assembly and test yield of packaging"),
}


def _checked_override(key: str, value: object) -> float:
    """A user's value for ``key``, checked against its domain whether the model uses it or not.

    Raises:
        InputError: not a finite number, negative, zero where zero is meaningless (``alpha``,
            ``packaging_yield``), or a fraction above 1.
    """
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    positive = key in ("alpha", "packaging_yield", "die_area_mm2", "wafer_diameter_mm", "interposers_per_wafer")
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        kind = "a positive number" if positive else "a non-negative number"
        raise InputError(f"{key}: expected {kind}, got {value!r}")
    if key == "packaging_yield" and number > 1:
        raise InputError(f"packaging_yield: expected a fraction in (0, 1], got {value!r}")
    return number


@dataclasses.dataclass(frozen=True)
class Param:
    """A parameter value with its range and where it comes from.

    Attributes:
        value: central value.
        low: lower end of the range (None: fixed).
        high: upper end of the range (None: fixed).
        source: citation (URL/DOI and date) or "estimate: <reasoning>".
        estimate: True when the value is computegov's estimate rather than a published figure.
        year: the year the figure describes (a capacity of 2025, a product of 2022); None if timeless.
    """

    value: float
    low: float | None = None
    high: float | None = None
    source: str = "user"
    estimate: bool = False
    year: int | None = None

    def __post_init__(self) -> None:
        if (self.low is None) != (self.high is None):
            raise InputError("range: give both ends of a range, or neither")
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise InputError(f"range: value {self.value:g} is outside its range [{self.low:g}, {self.high:g}]")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class SupplyParams:
    """Every input of the supply model (see :data:`PARAMETERS` for units)."""

    name: str
    die_area_mm2: Param
    defect_density_per_cm2: Param
    wafer_starts_per_month: Param
    hbm_stacks_per_package: Param
    hbm_stacks_per_year: Param
    packaging_wafers_per_month: Param
    interposer_area_mm2: Param
    wafer_diameter_mm: Param = Param(300.0, source="SEMI M1 300 mm wafer standard (the industry's logic wafer size)")
    edge_exclusion_mm: Param = Param(3.0, 2.0, 5.0, "estimate: typical 2-5 mm edge exclusion", True)
    alpha: Param = Param(3.0, 1.0, 10.0, "estimate: clustering parameters of 1-10 are usual (Stapper 1986)", True)
    dies_per_package: Param = Param(1.0, source="default: one logic die per accelerator (monolithic)")
    packaging_yield: Param = Param(0.95, 0.90, 0.99, "estimate: 2.5D assembly yield", True)
    interposers_per_wafer: Param | None = None
    yield_model: str = "murphy"
    reticle_limit_mm2: float = RETICLE_LIMIT_MM2
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, p in self.params().items():
            for v in _ends(p):
                if not np.isfinite(v) or abs(v) > MAX_PARAMETER:
                    raise InputError(f"{name}: expected a finite number below {MAX_PARAMETER:g}, got {v:g}")
        for v in _ends(self.wafer_diameter_mm):
            if v > MAX_WAFER_DIAMETER_MM:
                raise InputError(f"wafer_diameter_mm: no wafer is larger than {MAX_WAFER_DIAMETER_MM:g} mm, got {v:g}")
        if self.yield_model not in YIELD_MODELS:
            raise InputError(f"yield_model: unknown model {self.yield_model!r}; choose one of {', '.join(YIELD_MODELS)}")
        for name in ("wafer_starts_per_month", "hbm_stacks_per_year", "packaging_wafers_per_month"):
            _nonneg(name, getattr(self, name))
        for name in ("dies_per_package", "hbm_stacks_per_package"):
            _nonneg(name, getattr(self, name))
        for v in _ends(self.packaging_yield):
            if not 0 < v <= 1:
                raise InputError(f"packaging_yield: expected a fraction in (0, 1], got {v:g}")
        if self.dies_per_package.value < 1:
            raise InputError(f"dies_per_package: expected at least 1 die, got {self.dies_per_package.value:g}")
        # Domain checks of the die and yield parameters, once, on the central values and range ends.
        for area in _ends(self.die_area_mm2):
            gross_dies_per_wafer(area, self.wafer_diameter_mm.value, self.edge_exclusion_mm.value,
                                 reticle_limit_mm2=self.reticle_limit_mm2)
        for d0 in _ends(self.defect_density_per_cm2):
            for a in _ends(self.alpha):
                die_yield(self.die_area_mm2.value, d0, self.yield_model, alpha=a)
        for area in _ends(self.interposer_area_mm2):
            gross_dies_per_wafer(area, self.wafer_diameter_mm.value, self.edge_exclusion_mm.value, reticle_limit_mm2=None)
        if self.interposers_per_wafer is not None:
            for v in _ends(self.interposers_per_wafer):
                if not np.isfinite(v) or v <= 0:
                    raise InputError(f"interposers_per_wafer: expected a positive number, got {v:g}")

    def params(self) -> dict[str, Param]:
        """Every numeric parameter by name (``interposers_per_wafer`` only when given)."""
        return {name: getattr(self, name) for name in PARAMETERS if getattr(self, name) is not None}

    def override(self, **values: float | Param | str | None) -> SupplyParams:
        """A copy with some parameters replaced (a bare number fixes the parameter: no range).

        Raises:
            InputError: unknown parameter name, or a value out of its domain.
        """
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            if key == "yield_model" or key == "name":
                changes[key] = value
            elif key not in PARAMETERS:
                raise InputError(f"{key}: unknown supply parameter; known: {', '.join(PARAMETERS)}")
            elif isinstance(value, Param):
                changes[key] = value
            else:
                changes[key] = Param(_checked_override(key, value), source="user override")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "yield_model": self.yield_model,
            "reticle_limit_mm2": self.reticle_limit_mm2,
            "parameters": {k: {**p.to_dict(), "unit": PARAMETERS[k][0]} for k, p in self.params().items()},
            "notes": list(self.notes),
        }


def _ends(p: Param) -> tuple[float, ...]:
    return tuple(v for v in (p.value, p.low, p.high) if v is not None)


def _nonneg(name: str, p: Param) -> None:
    for v in _ends(p):
        if not np.isfinite(v) or v < 0:
            raise InputError(f"{name}: expected a non-negative number, got {v:g}")


def _capacities(v: Mapping[str, Any], model: str, reticle: float) -> dict[str, Any]:
    """The model, vectorised over arrays of parameter values."""
    gross = gross_dies_per_wafer(v["die_area_mm2"], v["wafer_diameter_mm"], v["edge_exclusion_mm"],
                                 reticle_limit_mm2=reticle)
    y = die_yield(v["die_area_mm2"], v["defect_density_per_cm2"], model, alpha=v["alpha"])
    good_per_wafer = np.asarray(gross) * np.asarray(y)
    logic = v["wafer_starts_per_month"] * MONTHS_PER_YEAR * good_per_wafer / v["dies_per_package"]
    hbm = np.where(v["hbm_stacks_per_package"] > 0,
                   v["hbm_stacks_per_year"] / np.maximum(v["hbm_stacks_per_package"], 1e-300), np.inf)
    if "interposers_per_wafer" in v:
        interposers = v["interposers_per_wafer"]
    else:
        interposers = gross_dies_per_wafer(v["interposer_area_mm2"], v["wafer_diameter_mm"], v["edge_exclusion_mm"],
                                           reticle_limit_mm2=None)
    packaging = v["packaging_wafers_per_month"] * MONTHS_PER_YEAR * np.asarray(interposers) * v["packaging_yield"]
    return {"gross_dies_per_wafer": gross, "die_yield": y, "good_dies_per_wafer": good_per_wafer,
            "interposers_per_wafer": interposers, "logic": logic, "hbm": hbm, "packaging": packaging}


@dataclasses.dataclass(frozen=True)
class SupplyEstimate:
    """The model at the central values.

    Attributes:
        params: the inputs.
        gross_dies_per_wafer: candidate dies per logic wafer.
        die_yield: fraction of good dies.
        good_dies_per_wafer: gross x yield.
        interposers_per_wafer: interposer sites per packaging wafer.
        capacity_per_year: packages per year each stage allows (``logic``, ``hbm``, ``packaging``);
            None for a stage that does not limit (no HBM stacks on the package).
        accelerators_per_year: the smallest of them.
        binding: the stage that binds.
    """

    params: SupplyParams
    gross_dies_per_wafer: float
    die_yield: float
    good_dies_per_wafer: float
    interposers_per_wafer: float
    capacity_per_year: dict[str, float | None]
    accelerators_per_year: float
    binding: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "preset": self.params.name,
            "gross_dies_per_wafer": self.gross_dies_per_wafer,
            "die_yield": self.die_yield,
            "good_dies_per_wafer": self.good_dies_per_wafer,
            "interposers_per_wafer": self.interposers_per_wafer,
            "capacity_per_year": self.capacity_per_year,
            "accelerators_per_year": self.accelerators_per_year,
            "binding": self.binding,
            "inputs": self.params.to_dict(),
        }


def estimate(params: SupplyParams) -> SupplyEstimate:
    """Accelerators per year at the central values, and the binding bottleneck."""
    values = {k: np.float64(p.value) for k, p in params.params().items()}
    caps = _capacities(values, params.yield_model, params.reticle_limit_mm2)
    raw = {b: float(caps[b]) for b in BOTTLENECKS}
    binding = min(BOTTLENECKS, key=lambda b: raw[b])
    # A stage with no limit (no HBM on the package) is reported as None, never as infinity.
    capacity = {b: (v if np.isfinite(v) else None) for b, v in raw.items()}
    return SupplyEstimate(params, float(caps["gross_dies_per_wafer"]), float(caps["die_yield"]),
                          float(caps["good_dies_per_wafer"]), float(caps["interposers_per_wafer"]),
                          capacity, raw[binding], binding)


@dataclasses.dataclass(frozen=True)
class SupplySimulation:
    """Monte Carlo over the parameter ranges.

    Attributes:
        central: the estimate at the central values.
        n_samples: draws.
        quantiles: ``{"0.05": ..., "0.5": ..., "0.95": ...}`` of accelerators per year.
        stage_quantiles: the same for each stage's capacity.
        binding_share: fraction of draws in which each stage binds.
        ranged: the parameters that were varied.
    """

    central: SupplyEstimate
    n_samples: int
    quantiles: dict[str, float]
    stage_quantiles: dict[str, dict[str, float] | None]
    binding_share: dict[str, float]
    ranged: tuple[str, ...]

    @property
    def median(self) -> float:
        """The Monte Carlo median of accelerators per year: the headline figure.

        Not the output at central inputs (:attr:`central`): the output is the smallest of three
        stages, and the median of a minimum lies below the minimum of the medians, so the
        central-input figure can fall outside the interval. The median never does.
        """
        return self.quantiles.get("0.5", float(np.nan))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            **self.central.to_dict(),
            "median_accelerators_per_year": self.median,
            "headline": "median_accelerators_per_year (Monte Carlo median; accelerators_per_year is the output "
                        "at central inputs)",
            "n_samples": self.n_samples,
            "interval": "percentiles of accelerators/yr over uniform draws within each parameter's range",
            "quantiles": self.quantiles,
            "stage_quantiles": self.stage_quantiles,
            "binding_share": self.binding_share,
            "ranged_parameters": list(self.ranged),
        }


def simulate(
    params: SupplyParams,
    *,
    rng: np.random.Generator,
    n_samples: int = 10_000,
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
) -> SupplySimulation:
    """Draw every ranged parameter uniformly in its range; quantiles of output and binding shares.

    Raises:
        InputError: fewer than 100 samples.
    """
    if not 100 <= n_samples <= 1_000_000:
        raise InputError(f"samples: expected 100 to 1,000,000 Monte Carlo samples, got {n_samples}")
    draws: dict[str, Any] = {}
    ranged = []
    for name, p in params.params().items():
        if p.low is not None and p.high is not None and p.high > p.low:
            draws[name] = rng.uniform(p.low, p.high, n_samples)
            ranged.append(name)
        else:
            draws[name] = np.full(n_samples, p.value)
    caps = _capacities(draws, params.yield_model, params.reticle_limit_mm2)
    stages = np.vstack([np.broadcast_to(caps[b], (n_samples,)) for b in BOTTLENECKS])
    out = stages.min(axis=0)
    which = stages.argmin(axis=0)
    q = {str(level): float(np.quantile(out, level)) for level in sorted({*quantiles, 0.5})}
    stage_q = {b: ({str(level): float(np.quantile(stages[i], level)) for level in quantiles}
                   if np.all(np.isfinite(stages[i])) else None)
               for i, b in enumerate(BOTTLENECKS)}
    share = {b: float(np.mean(which == i)) for i, b in enumerate(BOTTLENECKS)}
    return SupplySimulation(estimate(params), n_samples, q, stage_q, share, tuple(ranged))
