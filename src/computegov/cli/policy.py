"""``computegov policy``: classify chips under the US advanced-computing export controls.

Commands (each a thin layer over :mod:`computegov.policy`): ``classify CHIP [--rule V]``,
``classify --all``, ``history CHIP``, ``rules``, ``whatif``, ``chart -o FILE``.

Exit status: 0 done; 2 unusable input (unknown rule version, chip or option value; zero or
negative die area) and also when ``classify CHIP`` cannot decide because a fact is missing: the
message names each missing fact and the option that supplies it (``--die-area``,
``--io-bandwidth``, ``--datacenter/--not-datacenter``, ``--tpp``); with ``--json`` the
classification is still printed on stdout. ``history``, ``classify --all`` and ``whatif`` report
indeterminate outcomes in their output and exit 0.

``--json`` output (SI units except where the rule's units are named; NaN/infinity are null):

* ``classify CHIP``: one classification, keys documented in
  :mod:`computegov.policy.export_control` (chip, rule, status, eccn, outcome, reason, checks with
  unit and margin, missing, boundary, facts, notes...).
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

import dataclasses
import math
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    chart_output,
    console,
    exit_with,
    guarded,
    load_catalog_for_cli,
    print_json,
    shared_options,
    table_with,
)
from computegov.policy.facts import (
    MAX_DIE_AREA_MM2,
    MAX_IO_BANDWIDTH_BYTES_PER_S,
    MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2,
    MAX_TPP,
    MIN_DIE_AREA_MM2,
)

__all__ = ["register"]

#: Most GB/s of aggregate I/O and of HBM bandwidth density a user may type (see policy.facts).
_MAX_IO_GB_PER_S = MAX_IO_BANDWIDTH_BYTES_PER_S / 1e9
_MAX_HBM_GB_PER_S_PER_MM2 = MAX_MEMORY_BANDWIDTH_DENSITY_BYTES_PER_S_PER_MM2 / 1e9

policy_app = typer.Typer(
    help="Export controls (ECCN 3A090): classify chips under every rule version, what-ifs, charts.",
    no_args_is_help=True,
)

RULE_OPTION = typer.Option(
    None, "--rule", help="Rule version, e.g. 2023-10 (default: the rule in force)."
)
TPP_OPTION = typer.Option(
    None,
    "--tpp",
    help=f"Total processing performance to use (TOPS x bits), e.g. 4800 or 4.8k; at most {MAX_TPP:g}.",
)
DIE_AREA_OPTION = typer.Option(
    None,
    "--die-area",
    help=f"Applicable die area, mm^2; at least {MIN_DIE_AREA_MM2:g}, at most {MAX_DIE_AREA_MM2:g}.",
)
IO_OPTION = typer.Option(
    None,
    "--io-bandwidth",
    "--bandwidth",
    help=f"Aggregate bidirectional I/O bandwidth, GB/s (2022 rule); at most {_MAX_IO_GB_PER_S:g}.",
)
DATACENTER_OPTION = typer.Option(
    None, "--datacenter/--not-datacenter", help="Designed or marketed for use in datacenters."
)

_STYLE = {"controlled": "bold red", "not_controlled": "green", "indeterminate": "yellow"}


def _number(
    text: str | None,
    what: str,
    *,
    unit: str | None = None,
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    """Parse an option's number.

    With ``unit`` (for options converted before the library sees them, e.g. GB/s to bytes/s),
    negative values are refused here; values below ``low`` or above ``high`` (in the option's
    own unit) always are: the message quotes the user's own number, unit and option.
    """
    from computegov.errors import InputError
    from computegov.units import parse_quantity

    if text is None:
        return None
    value = parse_quantity(text, what=what)
    if unit is not None and (not math.isfinite(value) or value < 0):
        raise InputError(f"{what}: expected a non-negative number of {unit}, got {text!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = [f"at least {low:g}" if low is not None else "", f"at most {high:g}" if high is not None else ""]
        expected = " and ".join(b for b in bounds if b) + (f" {unit}" if unit else "")
        raise InputError(f"{what}: expected {expected}, got {text!r}")
    return value


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:,.0f}" if abs(value) >= 10 ** (digits - 1) else f"{value:,.{digits}g}"


@dataclasses.dataclass(frozen=True)
class FactOptions:
    """Facts given over the catalogue's, shared by ``classify`` and ``history``."""

    tpp: str | None = TPP_OPTION
    die_area: str | None = DIE_AREA_OPTION
    io_bandwidth: str | None = IO_OPTION
    datacenter: bool | None = DATACENTER_OPTION
    catalog_file: Path | None = CATALOG_OPTION

    def given(self) -> list[str]:
        """The fact options given on the command line."""
        options: dict[str, object] = {"--tpp": self.tpp, "--die-area": self.die_area}
        options |= {"--io-bandwidth": self.io_bandwidth, "--datacenter": self.datacenter}
        return [name for name, value in options.items() if value is not None]

    def facts(self, chip: Any) -> Any:
        """The chip's export-control facts, these options overriding the catalogue."""
        from computegov.policy.export_control import facts_from_chip

        io_gb = _number(self.io_bandwidth, "--io-bandwidth", unit="GB/s", high=_MAX_IO_GB_PER_S)
        return facts_from_chip(
            chip,
            tpp=_number(self.tpp, "--tpp", high=MAX_TPP),
            die_area_mm2=_number(self.die_area, "--die-area", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2),
            io_bandwidth_bytes_per_s=None if io_gb is None else io_gb * 1e9,
            datacenter=self.datacenter,
        )


fact_options = shared_options("given", FactOptions)


def _outcome(result: Any) -> str:
    return f"[{_STYLE[result.status]}]{result.outcome}[/{_STYLE[result.status]}]"


def _render_classification(result: Any, rule: Any) -> None:
    facts = result.facts
    console.print(
        f"[bold]{result.chip}[/bold] under {rule.id} ({rule.citation}, {rule.status.replace('_', ' ')})"
    )
    console.print(f"  outcome: {_outcome(result)}")
    console.print(f"  why: {result.reason}", highlight=False)
    pd = facts.performance_density
    console.print(
        f"  TPP {_fmt(facts.tpp)}"
        + (f" (from {facts.tpp_precision})" if facts.tpp_precision else "")
        + f" · die area {_fmt(facts.die_area_mm2)} mm^2 · PD {_fmt(pd)}"
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
            shown = f"{_fmt(check.value)}..{_fmt(check.value_max)}"
        else:
            shown = _fmt(check.value)
        verdict = {True: "[green]met[/green]", False: "not met", None: "[yellow]unknown[/yellow]"}[
            check.satisfied
        ]
        margin = (
            ""
            if check.relative_margin is None
            else f"{_fmt(check.margin)} ({check.relative_margin:+.1%})"
        )
        table.add_row(
            check.paragraph,
            check.clause,
            Condition(check.metric, check.op, check.threshold).describe(),
            shown,
            verdict,
            margin,
        )
    console.print(table)
    if result.exclusions:
        console.print(f"  excluded by: {', '.join(result.exclusions)}")
    if result.license_exceptions:
        console.print(f"  licence exceptions open: {', '.join(result.license_exceptions)}")
    if result.boundary and result.boundary.nearest_tpp is not None:
        b = result.boundary
        above = (b.margin_tpp or 0) >= 0
        beyond = b.lower_outcome if above else b.upper_outcome
        console.print(
            f"  nearest boundary: TPP {_fmt(b.nearest_tpp)} ({_fmt(abs(b.margin_tpp or 0))} {'above' if above else 'below'}"
            f" it; {'below' if above else 'at or above'} it: {beyond})",
            highlight=False,
        )
    for name, source in facts.sources.items():
        console.print(f"  [dim]{name}: {source}[/dim]", highlight=False)
    for note in result.notes:
        console.print(f"  [dim]{note}[/dim]", highlight=False)


def _missing_message(result: Any) -> str:
    needs = "; ".join(f"{fact} ({option})" for fact, option in result.missing)
    return (
        f"cannot classify {result.chip} under {result.rule}: the outcome depends on missing facts: "
        f"{needs}. Supply them with the options named."
    )


@policy_app.command("classify")
@guarded
@fact_options
def classify_cmd(
    chip: str | None = typer.Argument(None, help="Chip name, e.g. 'H100'; omit with --all."),
    all_chips: bool = typer.Option(False, "--all", help="Classify every chip in the catalogue."),
    rule: str | None = RULE_OPTION,
    *,
    given: FactOptions,
    as_json: bool = JSON_OPTION,
) -> None:
    """Classify one chip (or --all) under a rule version, every clause shown with its margin."""
    from computegov.policy.export_control import classify, classify_many, summarize
    from computegov.policy.rules import get_rule

    the_rule = get_rule(rule)
    if all_chips:
        extra = (["CHIP"] if chip is not None else []) + given.given()
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
    result = classify(given.facts(record), the_rule)
    if as_json:
        print_json(result)
    else:
        _render_classification(result, the_rule)
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
            _fmt(f.tpp),
            _fmt(f.die_area_mm2),
            _fmt(f.performance_density, 3),
            _datacenter(f.datacenter),
            _outcome(r),
            detail,
        )
    console.print(table)


@policy_app.command("history")
@guarded
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
            _outcome(c),
            c.reason,
        )
    console.print(table)
    for note in dict.fromkeys(n for c in result.classifications for n in c.facts.assumptions):
        console.print(f"  [dim]{note}[/dim]", highlight=False)


@policy_app.command("rules")
@guarded
def rules_cmd(as_json: bool = JSON_OPTION) -> None:
    """The rule versions known, with citation, dates, status and thresholds."""
    from computegov.policy.rules import load_rules

    rules = load_rules()
    if as_json:
        print_json({"rules": list(rules.rules), "actions": list(rules.actions)})
        return
    table = table_with(
        "US advanced-computing export controls (ECCN 3A090)",
        ("version", "citation", "published", "effective", "status", "paragraphs"),
    )
    for rule in rules.rules:
        paragraphs = "\n".join(
            f"{clause.id}: " + " and ".join(c.describe() for c in clause.all)
            for p in rule.paragraphs
            for clause in p.clauses
        )
        if rule.exclusions:
            paragraphs += "\n" + "\n".join(f"{e.id}: {e.summary}" for e in rule.exclusions)
        if rule.license_exceptions:
            paragraphs += "\nlicence exceptions: " + "; ".join(
                f"{x.id} for {x.paragraph} if " + " and ".join(c.describe() for c in x.all)
                for x in rule.license_exceptions
            )
        status = rule.status.replace("_", " ") + (
            f" (by {rule.superseded_by})" if rule.status == "superseded" else ""
        )
        table.add_row(
            rule.id,
            rule.citation,
            rule.published.isoformat(),
            rule.effective.isoformat(),
            status,
            paragraphs,
        )
    console.print(table)
    actions = table_with(
        "Later actions that do not change classification", ("date", "kind", "citation", "what")
    )
    for action in rules.actions:
        actions.add_row(
            action.date.isoformat(), action.kind.replace("_", " "), action.citation, action.summary
        )
    console.print(actions)


@policy_app.command("whatif")
@guarded
def whatif_cmd(
    tpp: str | None = typer.Option(
        None, "--tpp", help=f"Planned TPP (TOPS x bits), e.g. 4000; at most {MAX_TPP:g}."
    ),
    die_area: str | None = DIE_AREA_OPTION,
    io_bandwidth: str | None = IO_OPTION,
    datacenter: bool = typer.Option(
        True, "--datacenter/--not-datacenter", help="Designed or marketed for datacenters."
    ),
    hbm_density: str | None = typer.Option(
        None,
        "--hbm-density",
        help="Plan an HBM stack instead: memory bandwidth density, GB/s per mm^2 (3A090.c); "
        f"at most {_MAX_HBM_GB_PER_S_PER_MM2:g}.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """A planned chip under every rule version, and the largest TPP outside each paragraph."""
    from computegov.policy.whatif import whatif

    if tpp is None and hbm_density is None and die_area is None:
        exit_with(
            "give --tpp (a planned IC), --die-area alone (its TPP limits) or --hbm-density (an HBM stack)"
        )
    io_gb = _number(io_bandwidth, "--io-bandwidth", unit="GB/s", high=_MAX_IO_GB_PER_S)
    if tpp is None and hbm_density is None:
        from computegov.policy.rules import load_rules
        from computegov.policy.whatif import tpp_limits

        area = _number(die_area, "--die-area", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2)
        found = [
            lim
            for rule in load_rules().rules
            for lim in tpp_limits(
                area,
                rule,
                datacenter=datacenter,
                io_bandwidth_bytes_per_s=None if io_gb is None else io_gb * 1e9,
            )
        ]
        if as_json:
            print_json({"die_area_mm2": area, "datacenter": datacenter, "limits": found})
        else:
            _render_limits(found)
        return
    hbm = _number(
        hbm_density, "--hbm-density", unit="GB/s per mm^2", high=_MAX_HBM_GB_PER_S_PER_MM2
    )
    result = whatif(
        _number(tpp, "--tpp", high=MAX_TPP),
        _number(die_area, "--die-area", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2),
        io_bandwidth_bytes_per_s=None if io_gb is None else io_gb * 1e9,
        datacenter=datacenter,
        hbm_bandwidth_density_bytes_per_s_per_mm2=None if hbm is None else hbm * 1e9,
    )
    if as_json:
        print_json(result)
        return
    f = result.facts
    if f.item == "hbm":
        console.print(
            f"planned HBM stack: memory bandwidth density {hbm:g} GB/s per mm^2", highlight=False
        )
    else:
        console.print(
            f"planned chip: TPP {_fmt(f.tpp)} · die area {_fmt(f.die_area_mm2)} mm^2 · PD {_fmt(f.performance_density)}"
            f" · I/O {'unknown' if io_gb is None else f'{io_gb:g} GB/s'} · datacenter {'yes' if datacenter else 'no'}",
            highlight=False,
        )
    table = table_with(None, ("rule", "status", "outcome", "missing"))
    for c in result.classifications:
        table.add_row(
            c.rule,
            c.rule_status.replace("_", " "),
            _outcome(c),
            ", ".join(o for _f, o in c.missing),
        )
    console.print(table)
    if result.limits:
        _render_limits(result.limits)


def _render_limits(found: Any) -> None:
    limits = table_with(
        "largest TPP that stays outside (exclusive bound: TPP must be below it)",
        ("rule", "stays outside", "TPP below", "PD below"),
        right={"TPP below", "PD below"},
    )
    stricter: list[str] = []
    for k, lim in enumerate(found):
        if k == 0 or lim.rule != found[k - 1].rule:
            stricter = []
        stricter.append(lim.paragraph)
        label = " and ".join(stricter)
        limits.add_row(
            lim.rule,
            label + (" (undecided: conservative)" if lim.undecided else ""),
            _fmt(lim.max_tpp_outside),
            _fmt(lim.max_performance_density_outside, 3),
        )
    console.print(limits)


@policy_app.command("chart")
@guarded
def chart_cmd(
    output: Path = typer.Option(
        ..., "-o", "--output", help="Output file: .html, .svg, .png or .json."
    ),
    catalog_file: Path | None = CATALOG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """TPP against performance density, each rule's regions shaded, catalogue chips labelled."""
    from computegov.charts.base import save_chart
    from computegov.charts.policy import export_control_chart
    from computegov.policy.rules import load_rules

    chart_output(output)
    cat = load_catalog_for_cli(catalog_file)
    try:
        path = save_chart(export_control_chart(cat), output)
    except ValueError as err:
        exit_with(str(err))
    if as_json:
        print_json({"path": str(path), "rules": [r.id for r in load_rules().rules]})
        return
    console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``policy`` group to the root app."""
    app.add_typer(policy_app, name="policy")
