"""``computegov policy rules | whatif | chart``: the rule versions, planned chips, the chart.

Split from :mod:`computegov.cli.policy` (``classify``, ``history``), which registers these
commands on the ``policy`` group with :func:`register_commands`; the ``--json`` shapes are
documented there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from computegov.cli.common import (
    CATALOG_OPTION,
    JSON_OPTION,
    chart_output,
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
    DIE_AREA_OPTION,
    IO_OPTION,
    MAX_HBM_GB_PER_S_PER_MM2,
    MAX_IO_GB_PER_S,
    fmt,
    number,
    outcome,
)
from computegov.policy.facts import MAX_DIE_AREA_MM2, MAX_TPP, MIN_DIE_AREA_MM2

__all__ = ["register_commands"]


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
    print_table(table)
    actions = table_with(
        "Later actions that do not change classification", ("date", "kind", "citation", "what")
    )
    for action in rules.actions:
        actions.add_row(
            action.date.isoformat(), action.kind.replace("_", " "), action.citation, action.summary
        )
    print_table(actions)


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
        f"at most {MAX_HBM_GB_PER_S_PER_MM2:g}.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """A planned chip under every rule version, and the largest TPP outside each paragraph."""
    from computegov.policy.whatif import whatif

    if tpp is None and hbm_density is None and die_area is None:
        exit_with(
            "give --tpp (a planned IC), --die-area alone (its TPP limits) or --hbm-density (an HBM stack)"
        )
    io_gb = number(io_bandwidth, "--io-bandwidth", unit="GB/s", high=MAX_IO_GB_PER_S)
    if tpp is None and hbm_density is None:
        from computegov.policy.rules import load_rules
        from computegov.policy.whatif import tpp_limits

        area = number(die_area, "--die-area", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2)
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
    hbm = number(
        hbm_density, "--hbm-density", unit="GB/s per mm^2", high=MAX_HBM_GB_PER_S_PER_MM2
    )
    result = whatif(
        number(tpp, "--tpp", high=MAX_TPP),
        number(die_area, "--die-area", low=MIN_DIE_AREA_MM2, high=MAX_DIE_AREA_MM2),
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
            f"planned chip: TPP {fmt(f.tpp)} · die area {fmt(f.die_area_mm2)} mm^2 · PD {fmt(f.performance_density)}"
            f" · I/O {'unknown' if io_gb is None else f'{io_gb:g} GB/s'} · datacenter {'yes' if datacenter else 'no'}",
            highlight=False,
        )
    table = table_with(None, ("rule", "status", "outcome", "missing"))
    for c in result.classifications:
        table.add_row(
            c.rule,
            c.rule_status.replace("_", " "),
            outcome(c),
            ", ".join(o for _f, o in c.missing),
        )
    print_table(table)
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
            fmt(lim.max_tpp_outside),
            fmt(lim.max_performance_density_outside, 3),
        )
    print_table(limits)


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


def register_commands(app: typer.Typer) -> None:
    """Add ``rules``, ``whatif`` and ``chart`` to the ``policy`` sub-app, in help order."""
    app.command("rules")(guarded(csv_option("rules")(rules_cmd)))
    app.command("whatif")(guarded(csv_option("classifications")(whatif_cmd)))
    app.command("chart")(guarded(chart_cmd))
