"""Licence outcome by destination: country groups, licence scope and review policy as data.

``export_control_rules.yaml`` holds, beside the ECCN 3A090 paragraphs, the destination country
groups of Supplement No. 1 to part 740 of the EAR (ISO 3166-1 alpha-2 codes, ``country_groups``),
and for the rule versions that have one a ``licensing`` block: where a licence is required
(15 CFR 742.6(a)(6)(iii)) and which review policy applies (15 CFR 742.6(b)(10) and part 746),
in order, the first matching policy winning. :func:`licence_for` answers "licence required? which
review policy?" for one chip and one destination, with the clause and the margins to the review
policy's thresholds (e.g. TPP 21,000 and DRAM bandwidth 6,500 GB/s for China under 2026-01).

``LicenceAnswer.to_dict()`` (the ``--json`` output of ``computegov policy classify CHIP
--destination CC``) has the keys ``chip, destination, destination_name, treated_as, groups,
rule, rule_citation, rule_status, eccn, outcome, licence_required`` (true/false/null),
``requirement_clause, review_policy`` (case_by_case | presumption_of_denial | denial |
not_encoded | null), ``review_clause, review_id, checks`` (the review conditions, each {paragraph,
clause, metric, unit, op, threshold, value, value_max, satisfied, margin, relative_margin}),
``missing, chip_actions, reason, sources, notes`` and ``classification`` (the full
classification, keys as in :mod:`computegov.policy.export_control`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from computegov.errors import RuleError
from computegov.policy.classification import MISSING_FACT_FLAGS, Classification, ConditionCheck
from computegov.policy.destinations import (
    REVIEW_POLICIES,
    ChipAction,
    CountryGroup,
    DestinationData,
    LicenceRequirement,
    Licensing,
    ReviewPolicy,
    load_destinations,
    parse_destinations,
    resolve_country,
)
from computegov.policy.export_control import classify
from computegov.policy.facts import ChipFacts, facts_from_chip
from computegov.policy.rules import Condition, Rule, get_rule

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = [
    "REVIEW_POLICIES",
    "ChipAction",
    "CountryGroup",
    "DestinationData",
    "LicenceAnswer",
    "LicenceRequirement",
    "Licensing",
    "ReviewPolicy",
    "licence_for",
    "load_destinations",
    "parse_destinations",
    "resolve_country",
]


def _check(policy: ReviewPolicy, cond: Condition, facts: ChipFacts) -> ConditionCheck:
    span = facts.interval(cond.metric)
    if span is None:
        return ConditionCheck(policy.id, policy.id, cond.metric, cond.op, cond.value, None, None, None, None, None)
    value = span[0]
    margin = value - float(cond.value)
    rel = value / float(cond.value) - 1 if cond.value else None
    return ConditionCheck(
        policy.id, policy.id, cond.metric, cond.op, cond.value, value, value, cond.holds(value), margin, rel
    )


def _matches(code: str, groups: tuple[str, ...], countries: tuple[str, ...], data: DestinationData) -> bool:
    return code in countries or any(code in data.groups[g].countries for g in groups)


@dataclasses.dataclass(frozen=True)
class LicenceAnswer:
    """One chip, one destination, one rule version: licence required? which review policy?

    Attributes:
        chip: chip name.
        destination: ISO 3166-1 alpha-2 code as given (``"HK"``).
        destination_name: country name (pycountry).
        treated_as: the code the EAR treats it as (``"CN"`` for Hong Kong), else None.
        groups: the EAR country groups the destination is in.
        rule: rule version id; rule_citation and rule_status describe it.
        classification: the chip's classification under the rule.
        licence_required: True, False, or None (undecided: a fact is missing).
        requirement_clause: the clause requiring (or not requiring) the licence.
        review_policy: one of :data:`REVIEW_POLICIES`, None when no licence is required.
        review_clause: the clause setting the review policy; review_id its id in the data.
        checks: the review policy's conditions checked, with margins (value - threshold).
        missing: facts whose absence leaves the answer undecided, with the option supplying them.
        chip_actions: licensing actions addressed to this chip and destination, in words.
        reason: one line on why.
        sources: citations behind the answer.
        notes: remarks (conditions of the policy, what was not confirmed).
    """

    chip: str
    destination: str
    destination_name: str
    treated_as: str | None
    groups: tuple[str, ...]
    rule: str
    rule_citation: str
    rule_status: str
    classification: Classification
    licence_required: bool | None
    requirement_clause: str
    review_policy: str | None
    review_clause: str | None
    review_id: str | None
    checks: tuple[ConditionCheck, ...]
    missing: tuple[tuple[str, str], ...]
    chip_actions: tuple[str, ...]
    reason: str
    sources: tuple[str, ...]
    notes: tuple[str, ...]

    def deciding_check(self) -> ConditionCheck | None:
        """The review condition nearest its threshold (smallest relative margin), or None."""
        known = [k for k in self.checks if k.relative_margin is not None]
        return min(known, key=lambda k: abs(k.relative_margin or 0.0), default=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (keys documented in the module docstring)."""
        c = self.classification
        return {
            "chip": self.chip,
            "destination": self.destination,
            "destination_name": self.destination_name,
            "treated_as": self.treated_as,
            "groups": list(self.groups),
            "rule": self.rule,
            "rule_citation": self.rule_citation,
            "rule_status": self.rule_status,
            "eccn": c.eccn,
            "outcome": c.outcome,
            "licence_required": self.licence_required,
            "requirement_clause": self.requirement_clause,
            "review_policy": self.review_policy,
            "review_clause": self.review_clause,
            "review_id": self.review_id,
            "checks": [k.to_dict() for k in self.checks],
            "missing": [{"fact": f, "option": o} for f, o in self.missing],
            "chip_actions": list(self.chip_actions),
            "reason": self.reason,
            "sources": list(self.sources),
            "notes": list(self.notes),
            "classification": c.to_dict(),
        }


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _describe(check: ConditionCheck) -> str:
    label = {"tpp": "TPP", "dram_bandwidth_gb_per_s": "DRAM GB/s"}.get(check.metric, check.metric)
    if check.value is None or check.margin is None:
        return f"{label} unknown (needs it {check.op} {_num(float(check.threshold))})"
    rel = f", {check.relative_margin:+.1%}" if check.relative_margin is not None else ""
    return (
        f"{label} {_num(float(check.value))} vs {check.op} {_num(float(check.threshold))}"
        f" ({check.margin:+,.6g}{rel})"
    )


def licence_for(
    chip: Chip | ChipFacts,
    destination: str,
    rule: Rule | str | None = None,
    *,
    field: str = "destination",
) -> LicenceAnswer:
    """Whether exporting ``chip`` to ``destination`` needs a licence under ``rule``, and its review.

    Args:
        chip: a catalogue chip or :class:`ChipFacts` (DRAM bandwidth from the catalogue's
            memory bandwidth).
        destination: ISO 3166-1 alpha-2 code or country name (``"CN"``, ``"Japan"``).
        rule: rule version (None: the current one).
        field: the name used for the destination in error messages (``"--destination"``).

    Returns:
        The :class:`LicenceAnswer`.

    Raises:
        InputError: unknown destination (the message names ``field``).
        RuleError: unknown rule, or a rule version without destination data.
    """
    the_rule = rule if isinstance(rule, Rule) else get_rule(rule)
    code, name = resolve_country(destination, field)
    data = load_destinations()
    lic = data.licensing.get(the_rule.id)
    if lic is None:
        have = ", ".join(data.licensing)
        raise RuleError(
            f"rule {the_rule.id} ({the_rule.citation}) has no destination data; destination answers"
            f" exist for: {have}"
        )
    facts = chip if isinstance(chip, ChipFacts) else facts_from_chip(chip)
    result = classify(facts, the_rule)
    eff = data.treated_as.get(code, code)
    groups = data.groups_of(eff)
    where = f"{code}" + (f" (treated as {eff})" if eff != code else "")
    in_groups = f"in {', '.join(groups)}" if groups else "in none of the listed country groups"
    req = lic.requirement
    sources = [f"{the_rule.citation} ({the_rule.url})", f"{req.clause}: {req.source}"]
    sources.append(f"country groups: Supplement No. 1 to part 740, {data.url} (checked {data.checked})")
    notes = [*the_rule.notes, *(f"{g}: confirmed {data.groups[g].confirmed}" for g in groups)]
    actions = tuple(
        f"{a.action}: {a.effect}"
        for a in data.chip_actions
        if result.chip in a.chips and _matches(eff, a.groups, a.countries, data)
    )
    # first match wins: an embargo's denial applies unless an earlier entry names the destination
    # (e.g. Syria's own review policy since 2025-09-02 comes before the E:1 embargo)
    first = next((p for p in lic.review if _matches(eff, p.groups, p.countries, data)), None)
    embargo = first if first is not None and first.policy == "denial" else None
    in_scope = _matches(eff, req.groups, req.countries, data) and not any(
        eff in data.groups[g].countries for g in req.except_groups
    )

    def answer(required: bool | None, reason: str, policy: Any = None, checks: Any = (), missing: Any = ()) -> LicenceAnswer:
        return LicenceAnswer(
            chip=result.chip,
            destination=code,
            destination_name=name,
            treated_as=eff if eff != code else None,
            groups=groups,
            rule=the_rule.id,
            rule_citation=the_rule.citation,
            rule_status=the_rule.status,
            classification=result,
            licence_required=required,
            requirement_clause=policy.clause if policy is not None and policy.policy == "denial" else req.clause,
            review_policy=None if policy is None else policy.policy,
            review_clause=None if policy is None else policy.clause,
            review_id=None if policy is None else policy.id,
            checks=tuple(checks),
            missing=tuple(missing),
            chip_actions=actions,
            reason=reason,
            sources=tuple(sources + ([f"{policy.clause}: {policy.source}"] if policy is not None else [])),
            notes=tuple(notes),
        )

    if embargo is not None:
        return answer(True, f"{where} is {in_groups}: an embargoed destination, licence required for nearly every item", embargo)
    if not in_scope:
        return answer(
            False,
            f"no licence under {req.clause} for 3A090/4A090 to {where}: it is {in_groups}"
            f" (the requirement covers {', '.join(req.groups)}"
            + (f" except {', '.join(req.except_groups)}" if req.except_groups else "")
            + (f", and {', '.join(req.countries)}" if req.countries else "")
            + "); other EAR requirements (end use, end user) are not evaluated",
        )
    if result.status == "not_controlled":
        extra = "".join(f"; but see {a}" for a in actions)
        return answer(
            False,
            f"no licence under {req.clause}: {result.chip} is not {'/'.join(req.paragraphs)} ({result.reason}){extra}",
        )
    if result.status == "indeterminate":
        return answer(None, f"undecided: the classification needs facts ({result.reason})", missing=result.missing)
    if result.eccn not in req.paragraphs:
        return answer(None, f"{result.eccn}: licence scope for this paragraph is not encoded")
    reason = f"licence required ({req.clause}): {result.eccn} to {where}, {in_groups}"
    failed: list[ConditionCheck] = []  # the conditions of a policy that did not apply (margins)
    for policy in lic.review:
        if not _matches(eff, policy.groups, policy.countries, data):
            continue
        checks = [_check(policy, c, facts) for c in policy.all]
        truths = [k.satisfied for k in checks]
        if any(t is False for t in truths):
            failed = checks
            continue
        if any(t is None for t in truths):
            missing = tuple(MISSING_FACT_FLAGS[k.metric] for k in checks if k.satisfied is None)
            return answer(True, reason + "; review policy undecided (missing facts)", None, checks, missing)
        shown = checks or failed
        detail = "; ".join(_describe(k) for k in shown)
        text = f"{reason}; review {policy.policy.replace('_', ' ')} ({policy.clause})" + (f": {detail}" if detail else "")
        return answer(True, text, policy, shown)
    return answer(True, reason + "; no review policy encoded for this destination")
