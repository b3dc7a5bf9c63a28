"""The outlook: the largest training run feasible each year, constraint by constraint.

For each year the distribution of the largest training run (FLOP) that power, chip production,
data, latency and money each allow, the binding constraint (the minimum per Monte Carlo draw),
the overall feasible run, and the frontier-compute trend beside it. Inputs come from a preset —
``toolkit`` (computegov's own calibrated rooms: trends, clusters, supply, costs, planning,
compute) or ``epoch2024`` (the inputs of Sevilla et al. 2024, "Can AI scaling continue through
2030?") — and every input can be overridden. A hindcast runs the toolkit from 2020 and 2022
data against the largest runs that happened; a tornado ranks the inputs by how far they move
the answer.

Modules: :mod:`~computegov.outlook.inputs` (an input, its interval and source),
:mod:`~computegov.outlook.model` (each constraint's arithmetic, the Monte Carlo),
:mod:`~computegov.outlook.presets`, :mod:`~computegov.outlook.toolkit`,
:mod:`~computegov.outlook.trend`, :mod:`~computegov.outlook.feasible` (the public function),
:mod:`~computegov.outlook.sensitivity`, :mod:`~computegov.outlook.hindcast`.
"""

from __future__ import annotations

from computegov.outlook.feasible import (
    ANCHOR_FACTOR,
    DEFAULT_DRAWS,
    DEFAULT_YEARS,
    LEVELS,
    AnchorCheck,
    ConstraintFan,
    Outlook,
    build_preset,
    feasible_runs,
)
from computegov.outlook.hindcast import (
    HINDCAST_ORIGINS,
    HindcastCase,
    OutlookHindcast,
    hindcast,
    largest_runs,
)
from computegov.outlook.inputs import Correlation, Fan, Input, parse_assignment, read_assumptions
from computegov.outlook.model import (
    CONSTRAINT_INPUTS,
    CONSTRAINTS,
    INPUT_UNITS,
    chips_limit_flop,
    data_limit_flop,
    latency_limit_flop,
    money_limit_flop,
    power_limit_flop,
    simulate,
)
from computegov.outlook.presets import PRESET_NAMES, Anchor, Preset, load_preset
from computegov.outlook.sensitivity import Sensitivity, SensitivityRow, sensitivity
from computegov.outlook.toolkit import ToolkitSources, toolkit_preset
from computegov.outlook.trend import TrendExtrapolation, frontier_trend

__all__ = [
    "ANCHOR_FACTOR",
    "CONSTRAINTS",
    "CONSTRAINT_INPUTS",
    "DEFAULT_DRAWS",
    "DEFAULT_YEARS",
    "HINDCAST_ORIGINS",
    "INPUT_UNITS",
    "LEVELS",
    "PRESET_NAMES",
    "Anchor",
    "AnchorCheck",
    "ConstraintFan",
    "Correlation",
    "Fan",
    "HindcastCase",
    "Input",
    "Outlook",
    "OutlookHindcast",
    "Preset",
    "Sensitivity",
    "SensitivityRow",
    "ToolkitSources",
    "TrendExtrapolation",
    "build_preset",
    "chips_limit_flop",
    "data_limit_flop",
    "feasible_runs",
    "frontier_trend",
    "hindcast",
    "largest_runs",
    "latency_limit_flop",
    "load_preset",
    "money_limit_flop",
    "parse_assignment",
    "power_limit_flop",
    "read_assumptions",
    "sensitivity",
    "simulate",
    "toolkit_preset",
]
