"""Manufacturing capacity: wafer starts -> dies -> yield -> HBM and packaging bottlenecks -> accelerators per year.

``estimate(params)`` gives the central figure and the binding bottleneck; ``simulate(params, rng=...)``
gives Monte Carlo intervals over each parameter's range. Presets: ``tsmc-n4-reticle`` and ``smic-7nm``
(:data:`PRESETS`), every value cited or marked as an estimate with a range.
"""

from computegov.supply.capacity import (
    BOTTLENECKS,
    PARAMETERS,
    Param,
    SupplyEstimate,
    SupplyParams,
    SupplySimulation,
    estimate,
    simulate,
)
from computegov.supply.presets import PRESETS, get_preset
from computegov.supply.wafer import RETICLE_LIMIT_MM2, YIELD_MODELS, die_yield, gross_dies_per_wafer

__all__ = [
    "BOTTLENECKS",
    "PARAMETERS",
    "PRESETS",
    "RETICLE_LIMIT_MM2",
    "YIELD_MODELS",
    "Param",
    "SupplyEstimate",
    "SupplyParams",
    "SupplySimulation",
    "die_yield",
    "estimate",
    "get_preset",
    "gross_dies_per_wafer",
    "simulate",
]
