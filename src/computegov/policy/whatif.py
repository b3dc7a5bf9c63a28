"""What-if explorer: the export-control boundaries as functions of a planned chip's specs.

* :func:`tpp_limits` — for a die area (and I/O bandwidth, datacenter designation), the largest TPP
  that stays outside each paragraph of a rule (an exclusive bound: TPP must stay *below* it).
* :func:`whatif` — a planned chip (TPP, die area, bandwidth) classified under every version.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from computegov.policy.export_control import ChipFacts, Classification, classify, outcome_intervals
from computegov.policy.rules import Rule, get_rule, load_rules

__all__ = ["TppLimit", "WhatIf", "tpp_limits", "whatif"]


@dataclasses.dataclass(frozen=True)
class TppLimit:
    """The largest TPP that keeps a chip outside a paragraph (and every stricter one).

    Attributes:
        rule: rule version id.
        paragraph: ECCN paragraph (``"3A090.b"`` means: outside .a and .b, i.e. uncontrolled).
        max_tpp_outside: exclusive bound: any TPP below it stays outside; ``inf`` if no TPP
            reaches the paragraph with these facts.
        max_performance_density_outside: the same bound as performance density (TPP per mm^2),
            None without a die area.
        undecided: True when a missing fact (e.g. datacenter designation) leaves it open and
            the bound is the conservative one.
    """

    rule: str
    paragraph: str
    max_tpp_outside: float
    max_performance_density_outside: float | None
    undecided: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (infinity is written as null by the CLI)."""
        return dataclasses.asdict(self)


def _limits_for(rule: Rule, facts: ChipFacts) -> tuple[TppLimit, ...]:
    intervals = outcome_intervals(rule, facts)
    ids = [p.id for p in rule.paragraphs if p.item == facts.item]
    out = []
    for k, pid in enumerate(ids):
        target = set(ids[: k + 1])
        bound, undecided = math.inf, False
        for start, _end, label in intervals:
            inside = label in target
            maybe = label.startswith("?(") and bool(target & set(label[2:-1].split("|")))
            if inside or maybe:
                bound, undecided = start, maybe and not inside
                break
        pd = bound / facts.die_area_mm2 if facts.die_area_mm2 and math.isfinite(bound) else None
        out.append(TppLimit(rule.id, pid, bound, pd, undecided))
    return tuple(out)


def _planned(
    tpp: float | None,
    die_area_mm2: float | None,
    io_bandwidth_bytes_per_s: float | None,
    datacenter: bool | None,
    name: str,
) -> ChipFacts:
    sources = {
        "tpp": "planned",
        "die_area_mm2": "planned",
        "io_bandwidth": "planned",
        "datacenter": "planned",
    }
    return ChipFacts(
        name=name,
        tpp=tpp,
        die_area_mm2=die_area_mm2,
        io_bandwidth_min_bytes_per_s=io_bandwidth_bytes_per_s,
        io_bandwidth_max_bytes_per_s=io_bandwidth_bytes_per_s,
        datacenter=datacenter,
        sources=sources,
    )


def tpp_limits(
    die_area_mm2: float | None,
    rule: Rule | str | None = None,
    *,
    datacenter: bool | None = True,
    io_bandwidth_bytes_per_s: float | None = None,
) -> tuple[TppLimit, ...]:
    """For a die area, the largest TPP outside each paragraph of a rule.

    Args:
        die_area_mm2: applicable die area, mm^2 (None: only TPP-only thresholds apply).
        rule: rule, version id, or None for the current rule.
        datacenter: designed or marketed for datacenters (None: unknown, conservative bounds).
        io_bandwidth_bytes_per_s: aggregate bidirectional I/O for the 2022 rule, bytes/s
            (None: unknown, conservative bounds).

    Returns:
        One :class:`TppLimit` per paragraph that applies to logic ICs, strictest first.

    Raises:
        InputError: zero or negative die area or bandwidth.
        RuleError: unknown rule version.
    """
    rule = rule if isinstance(rule, Rule) else get_rule(rule)
    facts = _planned(None, die_area_mm2, io_bandwidth_bytes_per_s, datacenter, "planned chip")
    return _limits_for(rule, facts)


@dataclasses.dataclass(frozen=True)
class WhatIf:
    """A planned chip under every rule version, with each version's TPP limits at its die area."""

    facts: ChipFacts
    classifications: tuple[Classification, ...]
    limits: tuple[TppLimit, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "facts": self.facts.to_dict(),
            "classifications": [c.to_dict() for c in self.classifications],
            "limits": [lim.to_dict() for lim in self.limits],
        }


def whatif(
    tpp: float | None,
    die_area_mm2: float | None = None,
    *,
    io_bandwidth_bytes_per_s: float | None = None,
    datacenter: bool | None = True,
    hbm_bandwidth_density_bytes_per_s_per_mm2: float | None = None,
    rules: Sequence[Rule] | None = None,
    name: str = "planned chip",
) -> WhatIf:
    """Classify a planned chip under every rule version and give each version's TPP limits.

    Args:
        tpp: total processing performance (TOPS x bits); None for an HBM stack.
        die_area_mm2: applicable die area, mm^2.
        io_bandwidth_bytes_per_s: aggregate bidirectional I/O bandwidth, bytes/s (2022 rule).
        datacenter: designed or marketed for datacenters.
        hbm_bandwidth_density_bytes_per_s_per_mm2: when given, the planned item is a
            high-bandwidth-memory stack with this memory bandwidth density (bytes/s per mm^2),
            tested against 3A090.c; TPP limits are then not computed.
        rules: rule versions (default: all bundled, oldest first).
        name: label for the chip.

    Raises:
        InputError: negative TPP, zero or negative die area, negative bandwidth.
    """
    rules = tuple(rules) if rules is not None else load_rules().rules
    facts = _planned(tpp, die_area_mm2, io_bandwidth_bytes_per_s, datacenter, name)
    if hbm_bandwidth_density_bytes_per_s_per_mm2 is not None:
        facts = dataclasses.replace(
            facts,
            item="hbm",
            memory_bandwidth_density_bytes_per_s_per_mm2=hbm_bandwidth_density_bytes_per_s_per_mm2,
        )
    classifications = tuple(classify(facts, r) for r in rules)
    if facts.item == "hbm":
        return WhatIf(facts=facts, classifications=classifications, limits=())
    limits = tuple(
        lim for r in rules for lim in _limits_for(r, dataclasses.replace(facts, tpp=None))
    )
    return WhatIf(facts=facts, classifications=classifications, limits=limits)
