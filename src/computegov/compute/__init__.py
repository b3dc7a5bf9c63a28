"""Training compute.

Estimate it with an interval, combine methods, answer inverse questions, and follow the trend
of notable models.

- :mod:`computegov.compute.run`: :class:`TrainingRun` (one phase of a run) and utilisation.
- :mod:`computegov.compute.estimate`: the architecture method, Epoch AI's combination rule and
  sums over phases; the result type is in :mod:`computegov.compute.result`
  (:class:`ComputeEstimate`), the other methods in :mod:`computegov.compute.hardware` and
  :mod:`computegov.compute.measured` (all re-exported by ``estimate``).
- :mod:`computegov.compute.intervals`: the methods' calibrated 90 % interval widths;
  :mod:`computegov.compute.calibration` fits and checks them against Epoch AI's figures.
- :mod:`computegov.compute.uncertain`: a FLOP figure given with its uncertainty (interval, dex,
  significant figures).
- :mod:`computegov.compute.inverse`: what an amount of FLOP means in chip-days, chips, MWh, cost.
- :mod:`computegov.compute.trend`: growth of training compute and threshold-crossing forecasts.

Thresholds themselves live in :mod:`computegov.policy.thresholds`.
"""

from __future__ import annotations

from computegov.compute.estimate import (
    ARCHITECTURE_INTERVAL_FACTOR,
    MEASURED_INTERVAL_FRACTION,
    METHOD_PREFERENCE,
    ComputeEstimate,
    architecture_estimate,
    chip_peak,
    combine,
    estimate,
    estimate_total,
    hardware_estimate,
    measured_estimate,
    phase_flop,
)
from computegov.compute.hardware import effective_peak, parse_precision_mix
from computegov.compute.intervals import INTERVAL_WIDTHS, IntervalWidth
from computegov.compute.inverse import (
    DEFAULT_PUE,
    FlopEquivalent,
    YearEquivalent,
    flop_equivalent,
    flop_equivalents,
    flop_equivalents_by_year,
)
from computegov.compute.run import (
    DEFAULT_UTILISATION,
    PHASES,
    TOKENS_PER_WORD,
    TrainingRun,
    Utilisation,
    tokens_from_words,
)
from computegov.compute.uncertain import uncertain_flop

__all__ = [
    "ARCHITECTURE_INTERVAL_FACTOR",
    "DEFAULT_PUE",
    "DEFAULT_UTILISATION",
    "INTERVAL_WIDTHS",
    "MEASURED_INTERVAL_FRACTION",
    "METHOD_PREFERENCE",
    "PHASES",
    "TOKENS_PER_WORD",
    "ComputeEstimate",
    "FlopEquivalent",
    "IntervalWidth",
    "TrainingRun",
    "Utilisation",
    "YearEquivalent",
    "architecture_estimate",
    "chip_peak",
    "combine",
    "effective_peak",
    "estimate",
    "estimate_total",
    "flop_equivalent",
    "flop_equivalents",
    "flop_equivalents_by_year",
    "hardware_estimate",
    "measured_estimate",
    "parse_precision_mix",
    "phase_flop",
    "tokens_from_words",
    "uncertain_flop",
]
