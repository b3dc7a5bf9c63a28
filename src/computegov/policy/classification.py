"""What :func:`computegov.policy.export_control.classify` returns: the checks and the verdict.

:class:`Classification` (one chip under one rule version), the :class:`ConditionCheck` of each
clause with both sides and its margin, and the :class:`TppBoundary` to the nearest change of
outcome. The ``to_dict()`` keys are documented in :mod:`computegov.policy.export_control`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from computegov.policy.facts import ChipFacts
from computegov.policy.rules import METRICS, Condition

__all__ = [
    "MISSING_FACT_FLAGS",
    "Classification",
    "ConditionCheck",
    "Status",
    "TppBoundary",
    "Truth",
]

Status = Literal["controlled", "not_controlled", "indeterminate"]
Truth = bool | None

#: For each metric, the fact a user can supply and the CLI option that supplies it.
MISSING_FACT_FLAGS: Mapping[str, tuple[str, str]] = {
    "tpp": ("dense peak throughput (TPP)", "--tpp"),
    "performance_density": ("applicable die area, mm^2", "--die-area"),
    "io_bandwidth_gb_per_s": ("aggregate bidirectional I/O bandwidth, GB/s", "--io-bandwidth"),
    "datacenter": ("designed or marketed for datacenters", "--datacenter / --not-datacenter"),
    "memory_bandwidth_density_gb_per_s_per_mm2": (
        "memory bandwidth density, GB/s/mm^2",
        "--hbm-density",
    ),
    "dram_bandwidth_gb_per_s": ("total DRAM bandwidth, GB/s", "--dram-bandwidth"),
}
_METRIC_OF_FACT = {fact: metric for metric, (fact, _option) in MISSING_FACT_FLAGS.items()}


def _num(value: float) -> str:
    """Compact number for reasons: ``15,832``, ``2.91``."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


@dataclasses.dataclass(frozen=True)
class ConditionCheck:
    """One condition of one clause, checked.

    Attributes:
        paragraph: ECCN paragraph or note (``"3A090.a"``, ``"Note 2 to 3A090"``).
        clause: clause id (``"3A090.a.2"``) or the note's id.
        metric: metric tested (see :data:`computegov.policy.rules.METRICS`).
        op: comparison.
        threshold: number (or True/False for the datacenter designation) in the rule's units.
        value: the chip's value (None if unknown; for bounded I/O the lower bound).
        value_max: upper bound when only a range is known, else equal to ``value``.
        satisfied: True, False, or None (unknown).
        margin: value - threshold in the metric's units (None when not a known number).
        relative_margin: value / threshold - 1.
    """

    paragraph: str
    clause: str
    metric: str
    op: str
    threshold: float | bool
    value: float | bool | None
    value_max: float | bool | None
    satisfied: Truth
    margin: float | None
    relative_margin: float | None

    def describe(self) -> str:
        """e.g. ``TPP 15832 >= 4800: met (+230%)``."""
        cond = Condition(self.metric, self.op, self.threshold)
        verdict = {True: "met", False: "not met", None: "unknown"}[self.satisfied]
        if self.metric == "datacenter":
            return f"{cond.describe()}: {verdict}"
        if self.value is None:
            return f"{cond.describe()}: unknown (missing)"
        shown = f"{self.value:,.4g}"
        if self.value_max is not None and self.value_max != self.value:
            shown = f"{self.value:,.4g}..{self.value_max:,.4g}"
        rel = f" ({self.relative_margin:+.1%})" if self.relative_margin is not None else ""
        return f"{cond.describe()}: {shown} -> {verdict}{rel}"

    def describe_short(self) -> str:
        """e.g. ``TPP 15,832 >= 4800`` or ``I/O GB/s 400..528 >= 600``."""
        cond = Condition(self.metric, self.op, self.threshold)
        if self.metric == "datacenter" or self.value is None or isinstance(self.value, bool):
            return cond.describe()
        shown = _num(float(self.value))
        if self.value_max is not None and self.value_max != self.value:
            shown += ".." + _num(float(self.value_max))
        label, _, rest = cond.describe().partition(f" {self.op} ")
        return f"{label} {shown} {self.op} {rest}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``unit`` is the unit of threshold, value and margin."""
        out = dataclasses.asdict(self)
        out["unit"] = METRICS[self.metric]
        return out


@dataclasses.dataclass(frozen=True)
class TppBoundary:
    """Where the outcome changes if only TPP moves (other facts fixed).

    Attributes:
        lower_tpp: below this TPP the outcome differs (None: no such boundary).
        lower_outcome: the outcome just below ``lower_tpp``.
        upper_tpp: at or above this TPP the outcome differs (None: none).
        upper_outcome: the outcome at ``upper_tpp``.
        nearest_tpp: whichever is closer to the chip's TPP.
        margin_tpp: chip TPP - nearest boundary (negative: the chip is below it).
    """

    lower_tpp: float | None
    lower_outcome: str | None
    upper_tpp: float | None
    upper_outcome: str | None
    nearest_tpp: float | None
    margin_tpp: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Classification:
    """One chip under one rule version.

    Attributes:
        chip: chip name.
        rule: rule version id.
        rule_status: the rule's status (in_force, superseded, rescinded).
        status: ``controlled``, ``not_controlled`` or ``indeterminate``.
        eccn: the paragraph the chip falls under (``"3A090.a"``), None if none or undecided.
        possible_eccns: when indeterminate, the outcomes still possible (``"none"`` included).
        paragraphs: each paragraph's verdict after exclusions (True/False/None).
        checks: every condition checked, with both sides and the margin.
        exclusions: notes that took the chip out of a paragraph.
        license_exceptions: exceptions open to the chip under its paragraph (e.g. ``"NAC"``).
        missing: facts whose absence leaves the outcome undecided, with the option to supply them.
        boundary: TPP margin to the nearest change of outcome (None if undecidable).
        facts: the facts used.
        notes: remarks (related ECCNs, assumptions, rule status).
    """

    chip: str
    rule: str
    rule_status: str
    status: Status
    eccn: str | None
    possible_eccns: tuple[str, ...]
    paragraphs: Mapping[str, Truth]
    checks: tuple[ConditionCheck, ...]
    exclusions: tuple[str, ...]
    license_exceptions: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]
    boundary: TppBoundary | None
    facts: ChipFacts
    notes: tuple[str, ...]

    @property
    def outcome(self) -> str:
        """Short outcome: the paragraph, ``"not controlled"`` or ``"indeterminate (a|none)"``."""
        if self.status == "controlled":
            return str(self.eccn)
        if self.status == "not_controlled":
            return "not controlled"
        return "indeterminate (" + " | ".join(self.possible_eccns) + ")"

    @property
    def controlled(self) -> bool | None:
        """True/False, or None when indeterminate."""
        return {"controlled": True, "not_controlled": False}.get(self.status)

    @property
    def reason(self) -> str:
        """One line on why: the clauses met, the exclusion, the nearest boundary or what is missing."""
        if self.status == "indeterminate":
            return "needs " + "; ".join(f"{fact} ({option})" for fact, option in self.missing)
        if self.status == "controlled":
            met = [
                c
                for c in self.checks
                if c.paragraph == self.eccn
                and all(
                    k.satisfied is True
                    for k in self.checks
                    if k.clause == c.clause and k.paragraph == c.paragraph
                )
            ]
            clauses = dict.fromkeys(c.clause for c in met)
            return "meets " + "; ".join(
                clause
                + " ("
                + ", ".join(c.describe_short() for c in met if c.clause == clause)
                + ")"
                for clause in clauses
            )
        if self.exclusions:
            return "; ".join(
                f"excluded by {ex} ("
                + ", ".join(c.describe_short() for c in self.checks if c.paragraph == ex)
                + ")"
                for ex in self.exclusions
            )
        b = self.boundary
        if b is not None and b.upper_tpp is not None and self.facts.tpp is not None:
            return (
                f"TPP {_num(self.facts.tpp)} is {_num(b.upper_tpp - self.facts.tpp)} below"
                f" {_num(b.upper_tpp)}, where {b.upper_outcome} starts"
            )
        unmet = dict.fromkeys(
            c.describe_short() for c in self.checks if c.satisfied is False and c.metric != "tpp"
        )
        return "fails " + "; ".join(unmet) if unmet else "no paragraph applies"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "chip": self.chip,
            "rule": self.rule,
            "rule_status": self.rule_status,
            "status": self.status,
            "eccn": self.eccn,
            "outcome": self.outcome,
            "reason": self.reason,
            "possible_eccns": list(self.possible_eccns),
            "paragraphs": dict(self.paragraphs),
            "checks": [c.to_dict() for c in self.checks],
            "exclusions": list(self.exclusions),
            "license_exceptions": list(self.license_exceptions),
            "missing": [
                {"metric": _METRIC_OF_FACT[f], "fact": f, "option": o} for f, o in self.missing
            ],
            "boundary": self.boundary.to_dict() if self.boundary else None,
            "facts": self.facts.to_dict(),
            "notes": list(self.notes),
        }
