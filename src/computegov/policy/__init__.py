"""Policy: export-control classification of chips and regulatory training-compute thresholds."""

from computegov.policy.export_control import (
    BatchSummary,
    ChipFacts,
    Classification,
    History,
    classify,
    classify_many,
    facts_from_chip,
    history,
    summarize,
)
from computegov.policy.licensing import LicenceAnswer, licence_for
from computegov.policy.rules import Rule, RuleSet, get_rule, load_rules
from computegov.policy.tpp import TppResult, performance_density, tpp_from_peaks, tpp_of_chip
from computegov.policy.whatif import TppLimit, WhatIf, tpp_limits, whatif

__all__ = [
    "BatchSummary",
    "ChipFacts",
    "Classification",
    "History",
    "LicenceAnswer",
    "Rule",
    "RuleSet",
    "TppLimit",
    "TppResult",
    "WhatIf",
    "classify",
    "classify_many",
    "facts_from_chip",
    "get_rule",
    "history",
    "licence_for",
    "load_rules",
    "performance_density",
    "summarize",
    "tpp_from_peaks",
    "tpp_limits",
    "tpp_of_chip",
    "whatif",
]
