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
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from computegov.policy.classification import (
    MISSING_FACT_FLAGS,
    Classification,
    ConditionCheck,
    Status,
    TppBoundary,
    Truth,
)
from computegov.policy.facts import (
    HOST_LINK_MAX_BYTES_PER_S,
    PLANAR_NODE_MIN_NM,
    ChipFacts,
    facts_from_chip,
)
from computegov.policy.rules import Condition, Rule, get_rule, load_rules
from computegov.policy.summary import BatchSummary, summarize

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
            truths = [(c, _evaluate(c, facts)[0]) for c in exc.all]
            ok = _and(truth for _c, truth in truths)
            if ok is True:
                exceptions.append(exc.id)
            elif ok is None:
                unknown_facts = sorted(
                    {MISSING_FACT_FLAGS[c.metric][0] for c, truth in truths if truth is None}
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
class History:
    """One chip across every rule version, oldest first."""

    chip: str
    classifications: tuple[Classification, ...]
    licensing_actions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"chip": self.chip, "classifications": [c.to_dict() for c in self.classifications],
                "licensing_actions": list(self.licensing_actions)}


def chip_licensing_actions(name: str) -> tuple[str, ...]:
    """Licensing actions addressed to the chip called ``name``, oldest first.

    Letters such as the H20's and the MI308's of April 2025, as "date id (destinations): effect".
    """
    from computegov.policy.destinations import load_destinations

    dated = {a.id: a.date for a in load_rules().actions}
    found = [a for a in load_destinations().chip_actions if name in a.chips]
    found.sort(key=lambda a: (dated.get(a.action) or dt.date.max, a.action))
    return tuple(
        f"{dated[a.action].isoformat() if a.action in dated else '?'} {a.action} "
        f"({', '.join((*a.countries, *a.groups))}): {a.effect}"
        for a in found
    )


def history(chip: Chip | ChipFacts, rules: Sequence[Rule] | None = None) -> History:
    """Classify one chip under every bundled rule version (or the given ones), oldest first."""
    rules = tuple(rules) if rules is not None else load_rules().rules
    facts = chip if isinstance(chip, ChipFacts) else facts_from_chip(chip)
    return History(chip=facts.name, classifications=tuple(classify(facts, r) for r in rules),
                   licensing_actions=chip_licensing_actions(facts.name))
