"""Emerging hardware: a sourced register of post-CMOS claims, set beside the CMOS trend.

- :mod:`~computegov.emerging.register`: :class:`Claim` entries of ``data/emerging_register.yaml``,
  typed and validated (:func:`load_register`);
- :mod:`~computegov.emerging.compare`: each claim against the catalogue's record at its date and
  the calibrated record forecast: ratios and "years ahead of the trend" (:func:`compare_claims`);
- :mod:`~computegov.emerging.paradigm`: paradigm scenarios, a mixture on top of the record forecast
  (:func:`paradigm_forecast`);
- :mod:`~computegov.emerging.quantum`: quantum break-even after Babbush et al. (2021)
  (:func:`break_even`, :func:`paper_rows`, :func:`against_chip`);
- :mod:`~computegov.emerging.watch`: paradigms ranked by probability x multiplier x relevance
  (:func:`watch_list`).
"""

from __future__ import annotations

from computegov.emerging.compare import Comparison, compare_claim, compare_claims, trend_forecasts
from computegov.emerging.paradigm import (
    ParadigmForecast,
    ParadigmScenario,
    paradigm_forecast,
    register_multiplier,
    scenario_forecast,
    scenario_multiplier,
)
from computegov.emerging.quantum import (
    BreakEven,
    QuantumComparison,
    against_chip,
    break_even,
    paper_rows,
    quantum_comparison,
)
from computegov.emerging.register import (
    EVIDENCE_KINDS,
    MATURITY_LEVELS,
    PARADIGMS,
    Claim,
    ClaimMetric,
    ClaimSource,
    Register,
    load_register,
)
from computegov.emerging.watch import WatchItem, watch_list

__all__ = [
    "EVIDENCE_KINDS",
    "MATURITY_LEVELS",
    "PARADIGMS",
    "BreakEven",
    "Claim",
    "ClaimMetric",
    "ClaimSource",
    "Comparison",
    "ParadigmForecast",
    "ParadigmScenario",
    "QuantumComparison",
    "Register",
    "WatchItem",
    "against_chip",
    "break_even",
    "compare_claim",
    "compare_claims",
    "load_register",
    "paper_rows",
    "paradigm_forecast",
    "quantum_comparison",
    "register_multiplier",
    "scenario_forecast",
    "scenario_multiplier",
    "trend_forecasts",
    "watch_list",
]
