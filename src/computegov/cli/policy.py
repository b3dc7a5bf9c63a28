"""``computegov policy``: classify chips under the US advanced-computing export controls.

Commands (each a thin layer over :mod:`computegov.policy`): ``classify CHIP [--rule V]
[--destination CC]``, ``classify --all``, ``history CHIP`` (this module); ``rules``, ``whatif``,
``chart -o FILE`` (:mod:`computegov.cli.policy_rules`); shared options in
:mod:`computegov.cli.policy_options`.

Exit status: 0 done; 2 unusable input (unknown rule version, chip, destination or option value;
zero or negative die area; a rule version without destination data) and also when ``classify
CHIP`` cannot decide because a fact is missing: the message names each missing fact and the
option that supplies it (``--die-area``, ``--io-bandwidth``, ``--datacenter/--not-datacenter``,
``--tpp``, ``--dram-bandwidth``); with ``--json`` the result is still printed on stdout.
``history``, ``classify --all`` and ``whatif`` report indeterminate outcomes in their output and
exit 0.

``--json`` output (SI units except where the rule's units are named; NaN/infinity are null):

* ``classify CHIP``: one classification, keys documented in
  :mod:`computegov.policy.export_control` (chip, rule, status, eccn, outcome, reason, checks with
  unit and margin, missing, boundary, facts, notes...).
* ``classify CHIP --destination CC``: one licence answer, keys documented in
  :mod:`computegov.policy.licensing` (destination, groups, licence_required, requirement_clause,
  review_policy, review_clause, checks with margins, reason, sources, classification...).
* ``classify --all``: ``{"rule", "count", "summary": {"rule", "total", "by_status",
  "by_eccn", "missing"}, "classifications": [...]}``; classifications sorted by TPP, highest
  first, chips without a TPP last, ties by name.
* ``history CHIP``: ``{"chip", "classifications": [one per rule version, oldest first]}``.
* ``rules``: ``{"rules": [Rule.to_dict()...], "actions": [Action.to_dict()...]}``.
* ``chart -o FILE``: ``{"path", "rules"}``.
* ``whatif --tpp T [--die-area A]``: ``{"facts", "classifications", "limits"}``; with
  ``--die-area`` alone: ``{"die_area_mm2", "datacenter", "limits"}``; each limit is
  ``{"rule", "paragraph", "max_tpp_outside", "max_performance_density_outside", "undecided"}``
  with ``max_tpp_outside`` null when no TPP reaches the paragraph.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import (
    JSON_OPTION,
    console,
    csv_option,
    exit_with,
    guarded,
    load_catalog_for_cli,
    print_json,
    print_table,
    table_with,
)
from computegov.cli.policy_options import (
    RULE_OPTION,
    FactOptions,
    fact_options,
    fmt,
    outcome,
)
from computegov.cli.policy_rules import register_commands

__all__ = ["register"]

policy_app = typer.Typer(
    help="Export controls (ECCN 3A090): classify chips under every rule version, licence by destination, what-ifs, charts.",
    no_args_is_help=True,
)

DESTINATION_OPTION = typer.Option(
    None,
    "--destination",
    help="Destination country (ISO 3166 alpha-2 code such as CN, or a name): answer whether a"
    " licence is required and under which review policy.",
)

_LICENCE = {
    True: "[bold red]licence required[/bold red]",
    False: "[green]no licence required by this rule[/green]",
}


EXPLAIN_OPTION = typer.Option(
    False,
    "--explain",
    help="Show the sources of the facts; with --destination, every clause checked, its margin and the "
    "sources (default: the short answer).",
)

_METRIC_LABEL = {"tpp": "TPP", "dram_bandwidth_gb_per_s": "DRAM bandwidth, GB/s"}


def render_licence_short(answer: Any) -> None:
    """The short licence answer: outcome, rule, the one clause that decides, and its margin."""
    c = answer.classification
    where = answer.destination_name + (f", treated as {answer.treated_as}" if answer.treated_as else "")
    verdict = _LICENCE.get(answer.licence_required, "[yellow]undecided[/yellow]")
    review = f"; review {answer.review_policy.replace('_', ' ')}" if answer.review_policy else ""
    console.print(f"[bold]{answer.chip}[/bold] to {where} ({answer.destination}): {verdict}{review}",
                  highlight=False)
    console.print(f"  rule: {answer.rule} ({answer.rule_citation}, {answer.rule_status.replace('_', ' ')})",
                  highlight=False)
    check = answer.deciding_check()
    if check is not None:
        label = _METRIC_LABEL.get(check.metric, check.metric)
        console.print(f"  decides: {answer.review_clause}: {label} {fmt(check.value)} {check.op} "
                      f"{fmt(float(check.threshold))}", highlight=False)
        side = "below" if check.margin < 0 else "above"
        console.print(f"  margin: {fmt(abs(check.margin))} {side} the threshold ({check.relative_margin:+.1%})",
                      highlight=False)
    else:
        console.print(f"  decides: {answer.requirement_clause}; classification {outcome(c)}", highlight=False)
        b = c.boundary
        if b is not None and b.nearest_tpp is not None and b.margin_tpp is not None:
            console.print(f"  margin: TPP {fmt(c.facts.tpp)} is {fmt(abs(b.margin_tpp))} "
                          f"{'above' if b.margin_tpp >= 0 else 'below'} the boundary at TPP {fmt(b.nearest_tpp)}",
                          highlight=False)
    for action in answer.chip_actions:
        console.print(f"  [bold]also:[/bold] {action}", highlight=False)
    console.print("  [dim]--explain: every clause, margin and source; --json: all of it[/dim]", highlight=False)


def render_licence(answer: Any) -> None:
    """Print a licence answer in full: the verdict, the review policy, its margins and the sources."""
    c = answer.classification
    where = answer.destination_name + (f" (treated as {answer.treated_as})" if answer.treated_as else "")
    console.print(
        f"[bold]{answer.chip}[/bold] to {answer.destination} {where} under {answer.rule}"
        f" ({answer.rule_citation}, {answer.rule_status.replace('_', ' ')})",
        highlight=False,
    )
    console.print(f"  classification: {outcome(c)} ({c.reason})", highlight=False)
    groups = ", ".join(answer.groups) or "none of D:1, D:4, D:5, E:1, E:2"
    console.print(f"  country groups: {groups}", highlight=False)
    verdict = _LICENCE.get(answer.licence_required, "[yellow]undecided[/yellow]")
    console.print(f"  {verdict} ({answer.requirement_clause})", highlight=False)
    if answer.review_policy is not None:
        console.print(
            f"  review policy: [bold]{answer.review_policy.replace('_', ' ')}[/bold] ({answer.review_clause})",
            highlight=False,
        )
    if answer.checks:
        table = table_with(
            "review thresholds", ("condition", "chip", "threshold", "result", "margin"), right={"chip", "threshold", "margin"}
        )
        for k in answer.checks:
            label = {"tpp": "TPP", "dram_bandwidth_gb_per_s": "DRAM bandwidth, GB/s"}.get(k.metric, k.metric)
            met = {True: "met", False: "not met", None: "[yellow]unknown[/yellow]"}[k.satisfied]
            margin = "" if k.margin is None else f"{k.margin:+,.6g} ({k.relative_margin:+.1%})"
            table.add_row(f"{label} {k.op} {fmt(float(k.threshold))}", fmt(k.value), fmt(float(k.threshold)), met, margin)
        print_table(table)
    console.print(f"  why: {answer.reason}", highlight=False)
    for action in answer.chip_actions:
        console.print(f"  [bold]also:[/bold] {action}", highlight=False)
    for line in answer.sources:
        console.print(f"  [dim]source: {line}[/dim]", highlight=False)


def _condition_text(text: str) -> str:
    """A rule condition with thousands separators in its numbers ("TPP >= 4,800")."""
    import re

    return re.sub(r"(?<![\d.])\d{4,}(?![\d.])", lambda m: f"{int(m.group()):,}", text)


def _render_classification(result: Any, rule: Any, *, explain: bool = False) -> None:
    facts = result.facts
    console.print(
        f"[bold]{result.chip}[/bold] under {rule.id} ({rule.citation}, {rule.status.replace('_', ' ')})"
    )
    console.print(f"  outcome: {outcome(result)}")
    console.print(f"  why: {result.reason}", highlight=False)
    pd = facts.performance_density
    console.print(
        f"  TPP {fmt(facts.tpp)}"
        + (f" (from {facts.tpp_precision})" if facts.tpp_precision else "")
        + f" · die area {fmt(facts.die_area_mm2)} mm^2 · PD {fmt(pd)}"
        + f" · datacenter {'unknown' if facts.datacenter is None else ('yes' if facts.datacenter else 'no')}",
        highlight=False,
    )
    table = Table(title="clauses checked", title_justify="left")
    for column in ("paragraph", "clause", "condition", "chip", "result", "margin"):
        table.add_column(column)
    from computegov.policy.rules import Condition

    for check in result.checks:
        if check.metric == "datacenter":
            shown = "—" if check.value is None else ("yes" if check.value else "no")
        elif check.value is None:
            shown = "missing"
        elif check.value_max is not None and check.value_max != check.value:
            shown = f"{fmt(check.value)}..{fmt(check.value_max)}"
        else:
            shown = fmt(check.value)
        verdict = {True: "[green]met[/green]", False: "not met", None: "[yellow]unknown[/yellow]"}[
            check.satisfied
        ]
        margin = (
            ""
            if check.relative_margin is None
            else f"{fmt(check.margin)} ({check.relative_margin:+.1%})"
        )
        table.add_row(
            check.paragraph,
            check.clause,
            _condition_text(Condition(check.metric, check.op, check.threshold).describe()),
            shown,
            verdict,
            margin,
        )
    print_table(table)
    if result.exclusions:
        console.print(f"  excluded by: {', '.join(result.exclusions)}")
    if result.license_exceptions:
        console.print(f"  licence exceptions open: {', '.join(result.license_exceptions)}")
    if result.boundary and result.boundary.nearest_tpp is not None:
        b = result.boundary
        above = (b.margin_tpp or 0) >= 0
        beyond = b.lower_outcome if above else b.upper_outcome
        console.print(
            f"  nearest boundary: TPP {fmt(b.nearest_tpp)} ({fmt(abs(b.margin_tpp or 0))} {'above' if above else 'below'}"
            f" it; {'below' if above else 'at or above'} it: {beyond})",
            highlight=False,
        )
    if explain:
        for name, source in facts.sources.items():
            console.print(f"  [dim]{name}: {source}[/dim]", highlight=False)
    else:
        console.print("  [dim]--explain: the source of each fact; --json: all of it[/dim]", highlight=False)


def _missing_message(result: Any) -> str:
    needs = "; ".join(f"{fact} ({option})" for fact, option in result.missing)
    return (
        f"cannot classify {result.chip} under {result.rule}: the outcome depends on missing facts: "
        f"{needs}. Supply them with the options named."
    )


def _destination(facts: Any, destination: str, rule: Any, *, as_json: bool, explain: bool = False) -> None:
    from computegov.policy.licensing import licence_for

    answer = licence_for(facts, destination, rule, field="--destination")
    if as_json:
        print_json(answer)
    elif explain:
        render_licence(answer)
    else:
        render_licence_short(answer)
    if answer.licence_required is None or (answer.licence_required and answer.missing):
        needs = "; ".join(f"{fact} ({option})" for fact, option in answer.missing)
        exit_with(
            f"cannot answer for {answer.chip} to {answer.destination} under {answer.rule}: "
            f"{answer.reason}" + (f"; supply {needs}" if needs else "")
        )


@policy_app.command("classify")
@guarded
@csv_option()
@fact_options
def classify_cmd(
    chip: str | None = typer.Argument(None, help="Chip name, e.g. 'H100'; omit with --all."),
    all_chips: bool = typer.Option(False, "--all", help="Classify every chip in the catalogue."),
    rule: str | None = RULE_OPTION,
    destination: str | None = DESTINATION_OPTION,
    explain: bool = EXPLAIN_OPTION,
    *,
    given: FactOptions,
    as_json: bool = JSON_OPTION,
) -> None:
    """Classify one chip (or --all) under a rule version, every clause shown with its margin.

    With --destination: whether exporting it there needs a licence and under which review policy,
    as a short answer (the deciding clause and its margin); --explain shows every clause.
    """
    from computegov.policy.export_control import classify, classify_many, summarize
    from computegov.policy.rules import get_rule

    the_rule = get_rule(rule)
    if all_chips:
        extra = (["CHIP"] if chip is not None else []) + given.given()
        extra += ["--destination"] if destination is not None else []
        if extra:
            exit_with(
                f"--all classifies every catalogue chip with its own facts; drop {', '.join(extra)}"
                " (or classify one chip: 'computegov policy classify CHIP --die-area ...')"
            )
    elif chip is None:
        exit_with("name a chip (e.g. 'computegov policy classify H100') or use --all")
    cat = load_catalog_for_cli(given.catalog_file)
    if all_chips:
        results = sorted(
            classify_many(cat, the_rule),
            key=lambda r: (r.facts.tpp is None, -(r.facts.tpp or 0.0), r.chip),
        )
        summary = summarize(results)
        if as_json:
            print_json(
                {
                    "rule": the_rule.id,
                    "count": len(results),
                    "summary": summary,
                    "classifications": results,
                }
            )
            return
        _render_batch(results, the_rule)
        console.print("  " + summary.describe(), highlight=False)
        return
    assert chip is not None  # for mypy: checked above
    record = cat.get(chip)
    if destination is not None:
        _destination(given.facts(record), destination, the_rule, as_json=as_json, explain=explain)
        return
    result = classify(given.facts(record), the_rule)
    if as_json:
        print_json(result)
    else:
        _render_classification(result, the_rule, explain=explain)
    if result.status == "indeterminate":
        exit_with(_missing_message(result))


def _datacenter(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def _render_batch(results: Any, rule: Any) -> None:
    table = table_with(
        f"{len(results)} chips under {rule.id} ({rule.citation}), highest TPP first",
        ("chip", "TPP", "die mm^2", "PD", "datacenter", "outcome", "margin / missing"),
        right={"TPP", "die mm^2", "PD"},
    )
    for r in results:
        f = r.facts
        if r.status == "indeterminate":
            detail = "needs " + ", ".join(option for _fact, option in r.missing)
        elif r.exclusions:
            detail = "excluded: " + ", ".join(r.exclusions)
        elif r.boundary and r.boundary.nearest_tpp is not None:
            detail = f"{r.boundary.margin_tpp:+,.0f} TPP from {r.boundary.nearest_tpp:,.0f}"
        else:
            detail = ""
        table.add_row(
            r.chip,
            fmt(f.tpp),
            fmt(f.die_area_mm2),
            fmt(f.performance_density, 3),
            _datacenter(f.datacenter),
            outcome(r),
            detail,
        )
    print_table(table)


@policy_app.command("history")
@guarded
@csv_option("classifications")
@fact_options
def history_cmd(
    chip: str = typer.Argument(..., help="Chip name, e.g. 'A800'."),
    *,
    given: FactOptions,
    as_json: bool = JSON_OPTION,
) -> None:
    """One chip under every rule version, oldest first."""
    from computegov.policy.export_control import history
    from computegov.policy.rules import load_rules

    cat = load_catalog_for_cli(given.catalog_file)
    result = history(given.facts(cat.get(chip)))
    if as_json:
        print_json(result)
        return
    rules = {r.id: r for r in load_rules().rules}
    table = table_with(
        f"{result.chip} across rule versions",
        ("rule", "citation", "effective", "status", "outcome", "why"),
    )
    for c in result.classifications:
        rule = rules[c.rule]
        table.add_row(
            c.rule,
            rule.citation,
            rule.effective.isoformat(),
            rule.status.replace("_", " "),
            outcome(c),
            c.reason,
        )
    print_table(table)
    for note in dict.fromkeys(n for c in result.classifications for n in c.facts.assumptions):
        console.print(f"  [dim]{note}[/dim]", highlight=False)
    for action in result.licensing_actions:
        console.print(f"  [bold]licensing action:[/bold] {action}", highlight=False)


register_commands(policy_app)


def register(app: typer.Typer) -> None:
    """Add the ``policy`` group to the root app."""
    app.add_typer(policy_app, name="policy")
