"""computegov: hard numbers about AI hardware and training compute.

Four jobs: forecasting hardware trends, policy (export controls, compute thresholds), verifiable
compute claims (meter, signed ledger, verifier) and advising hardware needs (planner, TCO).

``import computegov`` stays light: the catalogue and the errors load at once; every other public
name is imported on first use from the module that owns it (PEP 562), so torch, the server
stack, Ray, Altair, pandas and SciPy load only when a job needs them. The owning module of each
name is in :data:`_LAZY`; ``from computegov import fit_trend`` and ``computegov.fit_trend`` both work.
"""

from __future__ import annotations

import importlib
from typing import Any

from computegov.catalog import Catalog, Chip, import_epoch_csv, load_catalog
from computegov.catalog.anomalies import Anomaly
from computegov.errors import (
    ChainBrokenError,
    ComputegovError,
    DataError,
    InputError,
    LedgerError,
    MeterError,
    MetricUnavailableError,
    MissingCostDataError,
    PlanInfeasibleError,
    RuleError,
    SignatureError,
    UnitError,
    UnknownNameError,
)
from computegov.inflation import to_usd
from computegov.units import parse_quantity

__version__ = "0.1.0"

#: Public name -> (owning module, attribute there), imported on first access.
_LAZY: dict[str, tuple[str, str]] = {
    # forecasting
    "Backtest": ("computegov.trends", "Backtest"),
    "BreakTest": ("computegov.trends", "BreakTest"),
    "Forecast": ("computegov.trends", "Forecast"),
    "Metric": ("computegov.trends", "Metric"),
    "PhysicalLimit": ("computegov.trends", "PhysicalLimit"),
    "ProgressIndex": ("computegov.trends", "ProgressIndex"),
    "Scenario": ("computegov.trends", "Scenario"),
    "TrendFit": ("computegov.trends", "TrendFit"),
    "backtest": ("computegov.trends", "backtest"),
    "fit_break": ("computegov.trends", "fit_break"),
    "fit_trend": ("computegov.trends", "fit_trend"),
    "forecast": ("computegov.trends", "forecast"),
    "get_metric": ("computegov.trends", "get_metric"),
    "progress_index": ("computegov.trends", "progress_index"),
    "build_report": ("computegov.report", "build_report"),
    "write_report": ("computegov.report", "write_report"),
    # costs and planning
    "ChipHourCost": ("computegov.costs", "ChipHourCost"),
    "ComputeCost": ("computegov.costs", "ComputeCost"),
    "CostModel": ("computegov.costs", "CostModel"),
    "Range": ("computegov.costs", "Range"),
    "RentalPrice": ("computegov.costs", "RentalPrice"),
    "TcoSummary": ("computegov.costs", "TcoSummary"),
    "compute_cost": ("computegov.costs", "compute_cost"),
    "cost_of_compute": ("computegov.costs", "cost_of_compute"),
    "rental_prices": ("computegov.costs", "rental_prices"),
    "tco_flop_per_joule": ("computegov.costs", "tco_flop_per_joule"),
    "tco_flop_per_usd": ("computegov.costs", "tco_flop_per_usd"),
    "tco_summary": ("computegov.costs", "tco_summary"),
    "Architecture": ("computegov.planning", "Architecture"),
    "ClusterLayout": ("computegov.planning", "ClusterLayout"),
    "MemoryNeed": ("computegov.planning", "MemoryNeed"),
    "Plan": ("computegov.planning", "Plan"),
    "PlanRequest": ("computegov.planning", "PlanRequest"),
    "PlanResult": ("computegov.planning", "PlanResult"),
    "ScalingAssumptions": ("computegov.planning", "ScalingAssumptions"),
    "Target": ("computegov.planning", "Target"),
    "evaluate": ("computegov.planning", "evaluate"),
    "min_chips_for_memory": ("computegov.planning", "min_chips_for_memory"),
    "plan": ("computegov.planning", "plan"),
    "training_memory": ("computegov.planning", "training_memory"),
    # training compute and thresholds
    "ComputeEstimate": ("computegov.compute", "ComputeEstimate"),
    "FlopEquivalent": ("computegov.compute", "FlopEquivalent"),
    "TrainingRun": ("computegov.compute", "TrainingRun"),
    "Utilisation": ("computegov.compute", "Utilisation"),
    "architecture_estimate": ("computegov.compute", "architecture_estimate"),
    "estimate": ("computegov.compute", "estimate"),
    "estimate_total": ("computegov.compute", "estimate_total"),
    "flop_equivalent": ("computegov.compute", "flop_equivalent"),
    "hardware_estimate": ("computegov.compute", "hardware_estimate"),
    "measured_estimate": ("computegov.compute", "measured_estimate"),
    "Threshold": ("computegov.policy.thresholds", "Threshold"),
    "ThresholdCheck": ("computegov.policy.thresholds", "ThresholdCheck"),
    "check_thresholds": ("computegov.policy.thresholds", "check"),
    "load_thresholds": ("computegov.policy.thresholds", "load_thresholds"),
    "thresholds_in_force": ("computegov.policy.thresholds", "thresholds_in_force"),
    # export control
    "BatchSummary": ("computegov.policy", "BatchSummary"),
    "ChipFacts": ("computegov.policy", "ChipFacts"),
    "Classification": ("computegov.policy", "Classification"),
    "Rule": ("computegov.policy", "Rule"),
    "TppResult": ("computegov.policy", "TppResult"),
    "WhatIf": ("computegov.policy", "WhatIf"),
    "classify": ("computegov.policy", "classify"),
    "classify_many": ("computegov.policy", "classify_many"),
    "export_control_history": ("computegov.policy", "history"),
    "get_rule": ("computegov.policy", "get_rule"),
    "load_export_control_rules": ("computegov.policy", "load_rules"),
    "summarize_classifications": ("computegov.policy", "summarize"),
    "tpp_limits": ("computegov.policy", "tpp_limits"),
    "whatif": ("computegov.policy", "whatif"),
    # AI supercomputers and manufacturing capacity
    "ClusterSystem": ("computegov.clusters", "ClusterSystem"),
    "ClusterTable": ("computegov.clusters", "ClusterTable"),
    "SupplyParams": ("computegov.supply", "SupplyParams"),
    "cluster_exposure": ("computegov.clusters", "exposure"),
    "compute_stocks": ("computegov.clusters", "stocks"),
    "fit_leading_clusters": ("computegov.clusters", "fit_leading"),
    "load_clusters": ("computegov.clusters", "load_clusters"),
    "supply_estimate": ("computegov.supply", "estimate"),
    "supply_simulate": ("computegov.supply", "simulate"),
    # measurement and verifiable claims
    "ComputeMeter": ("computegov.measure", "ComputeMeter"),
    "MeterSummary": ("computegov.measure", "MeterSummary"),
    "read_records": ("computegov.measure", "read_records"),
    "summarize_file": ("computegov.measure", "summarize_file"),
    "summarize_records": ("computegov.measure", "summarize_records"),
    "Check": ("computegov.ledger", "Check"),
    "ComputeReport": ("computegov.ledger", "ComputeReport"),
    "Ledger": ("computegov.ledger", "Ledger"),
    "RunRecorder": ("computegov.ledger", "RunRecorder"),
    "Verdict": ("computegov.ledger", "Verdict"),
    "digest_state_dict": ("computegov.ledger", "digest_state_dict"),
    "generate_keypair": ("computegov.ledger", "generate_keypair"),
    "plan_replay": ("computegov.ledger", "plan_replay"),
    "replay_report": ("computegov.ledger", "replay_report"),
    "verify_report": ("computegov.ledger", "verify_report"),
}

__all__ = [
    # objects
    "Anomaly",
    "Architecture",
    "Backtest",
    "BatchSummary",
    "BreakTest",
    "Catalog",
    "Check",
    "Chip",
    "ChipFacts",
    "ChipHourCost",
    "Classification",
    "ClusterLayout",
    "ClusterSystem",
    "ClusterTable",
    "ComputeCost",
    "ComputeEstimate",
    "ComputeMeter",
    "ComputeReport",
    "CostModel",
    "FlopEquivalent",
    "Forecast",
    "Ledger",
    "MemoryNeed",
    "MeterSummary",
    "Metric",
    "PhysicalLimit",
    "Plan",
    "PlanRequest",
    "PlanResult",
    "ProgressIndex",
    "Range",
    "RentalPrice",
    "Rule",
    "RunRecorder",
    "ScalingAssumptions",
    "Scenario",
    "SupplyParams",
    "Target",
    "TcoSummary",
    "Threshold",
    "ThresholdCheck",
    "TppResult",
    "TrainingRun",
    "TrendFit",
    "Utilisation",
    "Verdict",
    "WhatIf",
    # functions
    "architecture_estimate",
    "backtest",
    "build_report",
    "check_thresholds",
    "classify",
    "classify_many",
    "cluster_exposure",
    "compute_cost",
    "compute_stocks",
    "cost_of_compute",
    "digest_state_dict",
    "estimate",
    "estimate_total",
    "evaluate",
    "export_control_history",
    "fit_break",
    "fit_leading_clusters",
    "fit_trend",
    "flop_equivalent",
    "forecast",
    "generate_keypair",
    "get_metric",
    "get_rule",
    "hardware_estimate",
    "import_epoch_csv",
    "load_catalog",
    "load_clusters",
    "load_export_control_rules",
    "load_thresholds",
    "measured_estimate",
    "min_chips_for_memory",
    "parse_quantity",
    "plan",
    "plan_replay",
    "progress_index",
    "read_records",
    "rental_prices",
    "replay_report",
    "summarize_classifications",
    "summarize_file",
    "summarize_records",
    "supply_estimate",
    "supply_simulate",
    "tco_flop_per_joule",
    "tco_flop_per_usd",
    "tco_summary",
    "thresholds_in_force",
    "to_usd",
    "tpp_limits",
    "training_memory",
    "verify_report",
    "whatif",
    "write_report",
    # errors
    "ChainBrokenError",
    "ComputegovError",
    "DataError",
    "InputError",
    "LedgerError",
    "MeterError",
    "MetricUnavailableError",
    "MissingCostDataError",
    "PlanInfeasibleError",
    "RuleError",
    "SignatureError",
    "UnitError",
    "UnknownNameError",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its owning module on first access (PEP 562)."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'computegov' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
