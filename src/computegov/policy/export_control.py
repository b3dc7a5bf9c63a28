"""Classify chips under each version of the US advanced-computing export controls (ECCN 3A090).

``classify(chip, rule) -> Classification``: every clause of the rule checked with the numbers on
both sides, the ECCN paragraph the chip falls under (or none), the TPP margin to the nearest
boundary, and the facts that were missing. Facts come from the catalogue (:func:`facts_from_chip`)
or are typed in (:class:`ChipFacts`); nothing is guessed: a fact the catalogue lacks is reported
as missing and the result is ``indeterminate`` when the outcome depends on it.

Clauses are evaluated in three-valued (Kleene) logic: a condition on an unknown fact is
"unknown", ``unknown AND false`` is false, ``unknown OR true`` is true.

Units: TPP is the rule's dimensionless "TOPS x bit length"; performance density (PD) is TPP per
mm^2 of applicable die area; I/O bandwidth in a check is GB/s (1e9 bytes/s) as the 2022 rule
writes it; facts keep SI units (bytes/s). Every check carries its ``unit``.

``Classification.to_dict()`` (the ``--json`` output of ``computegov policy classify``) has the keys
``chip, rule, rule_status, status`` (controlled | not_controlled | indeterminate), ``eccn``
(paragraph or null), ``outcome`` (short text), ``reason`` (one line), ``possible_eccns``,
``paragraphs`` ({paragraph: true|false|null}), ``checks`` (list of {paragraph, clause, metric,
unit, op, threshold, value, value_max, satisfied, margin, relative_margin}), ``exclusions``,
``license_exceptions``, ``missing`` (list of {metric, fact, option}), ``boundary`` (null or
{lower_tpp, lower_outcome, upper_tpp, upper_outcome, nearest_tpp, margin_tpp}), ``facts`` (see
:meth:`ChipFacts.to_dict`) and ``notes``. New keys may be added; existing ones keep their meaning.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from computegov.policy.facts import (
    HOST_LINK_MAX_BYTES_PER_S,
    PLANAR_NODE_MIN_NM,
    ChipFacts,
    facts_from_chip,
)
from computegov.policy.rules import METRICS, Condition, Rule, get_rule, load_rules

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = [
    "HOST_LINK_MAX_BYTES_PER_S",
    "MISSING_FACT_FLAGS",
    "PLANAR_NODE_MIN_NM",
    "BatchSummary",
    "ChipFacts",
    "Classification",
    "ConditionCheck",
    "History",
    "TppBoundary",
    "classify",
    "classify_many",
    "facts_from_chip",
    "history",
    "outcome_intervals",
    "summarize",
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


def _evaluate(
    cond: Condition, facts: ChipFacts
) -> tuple[Truth, float | bool | None, float | bool | None]:
    """Three-valued truth of a condition, and the known value (or range) it was tested on."""
    if cond.metric == "datacenter":
        if facts.datacenter is None:
            return None, None, None
        return cond.holds(facts.datacenter), facts.datacenter, facts.datacenter
    span = facts.interval(cond.metric)
    if span is None:
        return None, None, None
    lo, hi = span
    if lo == hi:
        return cond.holds(lo), lo, hi
    if cond.op in (">=", ">"):
        verdict: Truth = True if cond.holds(lo) else (False if not cond.holds(hi) else None)
    else:
        verdict = True if cond.holds(hi) else (False if not cond.holds(lo) else None)
    return verdict, lo, hi


def _and(values: Iterable[Truth]) -> Truth:
    values = list(values)
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values: Iterable[Truth]) -> Truth:
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _check(paragraph: str, clause: str, cond: Condition, facts: ChipFacts) -> ConditionCheck:
    verdict, lo, hi = _evaluate(cond, facts)
    margin = rel = None
    if isinstance(lo, float) and lo == hi and not isinstance(cond.value, bool):
        margin = lo - float(cond.value)
        rel = lo / float(cond.value) - 1 if cond.value else None
    return ConditionCheck(
        paragraph, clause, cond.metric, cond.op, cond.value, lo, hi, verdict, margin, rel
    )


def _decide(
    rule: Rule, facts: ChipFacts
) -> tuple[
    Status, str | None, tuple[str, ...], dict[str, Truth], list[ConditionCheck], list[str], set[str]
]:
    """Core decision: status, paragraph, possibilities, verdicts, checks, exclusions, unknown metrics."""
    checks: list[ConditionCheck] = []
    verdicts: dict[str, Truth] = {}
    excluded: list[str] = []
    unknown: set[str] = set()
    for paragraph in rule.paragraphs:
        if paragraph.item != facts.item:
            continue
        clause_truths = []
        for clause in paragraph.clauses:
            cl_checks = [_check(paragraph.id, clause.id, c, facts) for c in clause.all]
            checks.extend(cl_checks)
            clause_truths.append(_and(c.satisfied for c in cl_checks))
            if clause_truths[-1] is None:
                unknown.update(c.metric for c in cl_checks if c.satisfied is None)
        member = _or(clause_truths)
        for exclusion in rule.exclusions:
            if paragraph.id not in exclusion.paragraphs or member is False:
                continue
            ex_checks = [_check(exclusion.id, exclusion.id, c, facts) for c in exclusion.all]
            if not any(c.paragraph == exclusion.id for c in checks):
                checks.extend(ex_checks)
            applies = _and(c.satisfied for c in ex_checks)
            if applies is True:
                member = False
                if exclusion.id not in excluded:
                    excluded.append(exclusion.id)
            elif applies is None:
                unknown.update(c.metric for c in ex_checks if c.satisfied is None)
                member = _and([member, None])
        verdicts[paragraph.id] = member
    possible: list[str] = []
    for pid, verdict in verdicts.items():
        if verdict is True:
            if not possible:
                return "controlled", pid, (pid,), verdicts, checks, excluded, set()
            return "indeterminate", None, (*possible, pid), verdicts, checks, excluded, unknown
        if verdict is None:
            possible.append(pid)
    if not possible:
        return "not_controlled", None, ("none",), verdicts, checks, excluded, set()
    return "indeterminate", None, (*possible, "none"), verdicts, checks, excluded, unknown


def _outcome_label(status: Status, eccn: str | None, possible: Sequence[str]) -> str:
    if status == "controlled":
        return str(eccn)
    if status == "not_controlled":
        return "none"
    return "?(" + "|".join(possible) + ")"


def outcome_intervals(rule: Rule, facts: ChipFacts) -> list[tuple[float, float, str]]:
    """The outcome as TPP varies with the other facts fixed: ``[(tpp_from, tpp_to, outcome)]``.

    Outcomes are paragraph ids, ``"none"``, or ``"?(a|none)"`` when undecided. Intervals are
    half-open ``[from, to)``; the last ends at infinity. Breakpoints are the rule's TPP
    thresholds and its performance-density thresholds times the die area.
    """
    cuts = {0.0, *rule.thresholds("tpp")}
    if facts.die_area_mm2 is not None:
        cuts |= {v * facts.die_area_mm2 for v in rule.thresholds("performance_density")}
    edges = sorted(cuts)
    out: list[tuple[float, float, str]] = []
    for i, start in enumerate(edges):
        end = edges[i + 1] if i + 1 < len(edges) else math.inf
        probe = (start + end) / 2 if math.isfinite(end) else max(2 * start, 1.0)
        status, eccn, possible, *_ = _decide(rule, dataclasses.replace(facts, tpp=probe))
        label = _outcome_label(status, eccn, possible)
        if out and out[-1][2] == label:
            out[-1] = (out[-1][0], end, label)
        else:
            out.append((start, end, label))
    return out


def _boundary(rule: Rule, facts: ChipFacts) -> TppBoundary | None:
    if facts.tpp is None:
        return None
    intervals = outcome_intervals(rule, facts)
    idx = next(i for i, (lo, hi, _) in enumerate(intervals) if lo <= facts.tpp < hi)
    lower = intervals[idx - 1] if idx > 0 else None
    upper = intervals[idx + 1] if idx + 1 < len(intervals) else None
    lower_tpp = intervals[idx][0] if lower else None
    upper_tpp = upper[0] if upper else None
    candidates = [t for t in (lower_tpp, upper_tpp) if t is not None]
    nearest = min(candidates, key=lambda t: abs(facts.tpp - t)) if candidates else None  # type: ignore[operator]
    return TppBoundary(
        lower_tpp=lower_tpp,
        lower_outcome=lower[2] if lower else None,
        upper_tpp=upper_tpp,
        upper_outcome=upper[2] if upper else None,
        nearest_tpp=nearest,
        margin_tpp=None if nearest is None else facts.tpp - nearest,
    )


def classify(chip: Chip | ChipFacts, rule: Rule | str | None = None) -> Classification:
    """Classify a chip under one rule version.

    Args:
        chip: a catalogue :class:`~computegov.catalog.chip.Chip` (facts taken from it with
            :func:`facts_from_chip`) or :class:`ChipFacts`.
        rule: a :class:`Rule`, a version id (``"2023-10"``) or None for the current rule.

    Returns:
        The :class:`Classification`, ``indeterminate`` when a missing fact decides it.

    Raises:
        RuleError: unknown rule version.
    """
    rule = rule if isinstance(rule, Rule) else get_rule(rule)
    facts = chip if isinstance(chip, ChipFacts) else facts_from_chip(chip)
    status, eccn, possible, verdicts, checks, excluded, unknown = _decide(rule, facts)
    exceptions: list[str] = []
    if eccn is not None:
        for exc in rule.license_exceptions:
            if exc.paragraph != eccn:
                continue
            ok = _and(_evaluate(c, facts)[0] for c in exc.all)
            if ok is True:
                exceptions.append(exc.id)
            elif ok is None:
                unknown_facts = sorted(
                    {
                        MISSING_FACT_FLAGS[c.metric][0]
                        for c in exc.all
                        if _evaluate(c, facts)[0] is None
                    }
                )
                exceptions.append(f"{exc.id}? (needs {', '.join(unknown_facts)})")
    missing = tuple(MISSING_FACT_FLAGS[m] for m in sorted(unknown))
    notes = [f"rule {rule.id} ({rule.citation}) is {rule.status.replace('_', ' ')}"]
    skipped = [p.id for p in rule.paragraphs if p.item != facts.item]
    if skipped:
        verb = "applies" if len(skipped) == 1 else "apply"
        notes.append(
            f"{', '.join(skipped)} {verb} to {'HBM stacks' if facts.item == 'ic' else 'logic ICs'}, not evaluated"
        )
    if eccn is not None and rule.related:
        notes.append(rule.related)
    notes.extend(facts.assumptions)
    boundary = _boundary(rule, facts) if status != "indeterminate" and facts.item == "ic" else None
    return Classification(
        chip=facts.name,
        rule=rule.id,
        rule_status=rule.status,
        status=status,
        eccn=eccn,
        possible_eccns=possible,
        paragraphs=verdicts,
        checks=tuple(checks),
        exclusions=tuple(excluded),
        license_exceptions=tuple(exceptions),
        missing=missing,
        boundary=boundary,
        facts=facts,
        notes=tuple(notes),
    )


def classify_many(
    chips: Iterable[Chip | ChipFacts], rule: Rule | str | None = None
) -> tuple[Classification, ...]:
    """Classify every chip (e.g. a whole catalogue) under one rule version."""
    rule = rule if isinstance(rule, Rule) else get_rule(rule)
    return tuple(classify(chip, rule) for chip in chips)


@dataclasses.dataclass(frozen=True)
class BatchSummary:
    """Counts over a batch of classifications under one rule (``classify --all``).

    Attributes:
        rule: rule version id.
        total: number of chips.
        by_status: chips per status (controlled, not_controlled, indeterminate), all three keys.
        by_eccn: controlled chips per paragraph.
        missing: indeterminate chips per missing fact's option (a chip may count under several).
    """

    rule: str
    total: int
    by_status: Mapping[str, int]
    by_eccn: Mapping[str, int]
    missing: Mapping[str, int]

    def describe(self) -> str:
        """e.g. ``172 chips: 65 controlled (3A090.a 59, 3A090.b 6), 86 not controlled, ...``."""
        eccns = ", ".join(f"{k} {v}" for k, v in self.by_eccn.items())
        text = (
            f"{self.total} chips under {self.rule}: {self.by_status['controlled']} controlled"
            + (f" ({eccns})" if eccns else "")
            + f", {self.by_status['not_controlled']} not controlled,"
            f" {self.by_status['indeterminate']} indeterminate"
        )
        if self.missing:
            text += " (missing: " + ", ".join(f"{k} {v}" for k, v in self.missing.items()) + ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "rule": self.rule,
            "total": self.total,
            "by_status": dict(self.by_status),
            "by_eccn": dict(self.by_eccn),
            "missing": dict(self.missing),
        }


def summarize(results: Sequence[Classification]) -> BatchSummary:
    """Count a batch of classifications of one rule version by status, paragraph and missing fact.

    Raises:
        ValueError: the results are of different rule versions.
    """
    rules = {r.rule for r in results}
    if len(rules) > 1:
        raise ValueError(f"classifications of several rule versions: {sorted(rules)}")
    by_status = dict.fromkeys(("controlled", "not_controlled", "indeterminate"), 0)
    by_eccn: dict[str, int] = {}
    missing: dict[str, int] = {}
    for r in results:
        by_status[r.status] += 1
        if r.eccn is not None:
            by_eccn[r.eccn] = by_eccn.get(r.eccn, 0) + 1
        for _fact, option in r.missing:
            missing[option] = missing.get(option, 0) + 1
    return BatchSummary(
        rule=next(iter(rules), ""),
        total=len(results),
        by_status=by_status,
        by_eccn=dict(sorted(by_eccn.items())),
        missing=dict(sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


@dataclasses.dataclass(frozen=True)
class History:
    """One chip across every rule version, oldest first."""

    chip: str
    classifications: tuple[Classification, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"chip": self.chip, "classifications": [c.to_dict() for c in self.classifications]}


def history(chip: Chip | ChipFacts, rules: Sequence[Rule] | None = None) -> History:
    """Classify one chip under every bundled rule version (or the given ones), oldest first."""
    rules = tuple(rules) if rules is not None else load_rules().rules
    facts = chip if isinstance(chip, ChipFacts) else facts_from_chip(chip)
    return History(chip=facts.name, classifications=tuple(classify(facts, r) for r in rules))
