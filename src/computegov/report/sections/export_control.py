"""Report section: the catalogue under the US advanced-computing export controls (order 60)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from computegov.report.section import ReportContext, Section

if TYPE_CHECKING:
    from computegov.policy.export_control import Classification

__all__ = ["HISTORY_CHIPS", "ORDER", "build"]

#: Position in the report (summary 10, trends 20, ..., compute 50, export control 60).
ORDER = 60

#: Chips whose history the section tabulates (those the rule changes were written around).
HISTORY_CHIPS: tuple[str, ...] = (
    "A100",
    "A800 SXM",
    "H100 SXM5 80GB",
    "H800 SXM5",
    "HGX H20",
    "RTX 4090",
    "RTX 4090 D",
)
#: Rows of the classification table (highest TPP first).
TABLE_ROWS = 25


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 10 ** (digits - 1) else f"{value:,.{digits}g}"


def _cell(text: str) -> str:
    numeric = text[:1].isdigit() or text[:1] in "+-"
    return (
        f'<td class="num">{html.escape(text)}</td>' if numeric else f"<td>{html.escape(text)}</td>"
    )


def _table(header: list[str], rows: list[list[str]], caption: str) -> str:
    head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
    body = "".join("<tr>" + "".join(_cell(c) for c in r) + "</tr>" for r in rows)
    return (
        f'<table class="data"><caption>{html.escape(caption)}</caption>'
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )


def _margin(result: Classification) -> str:
    if result.status == "indeterminate":
        return "needs " + ", ".join(option for _fact, option in result.missing)
    if result.boundary is None or result.boundary.margin_tpp is None:
        return ""
    return f"{result.boundary.margin_tpp:+,.0f} TPP from {result.boundary.nearest_tpp:,.0f}"


def build(ctx: ReportContext) -> Section:
    """Chart of TPP against performance density, the in-force classification and chip histories."""
    from computegov.charts.base import chart_html
    from computegov.charts.policy import export_control_chart
    from computegov.errors import UnknownNameError
    from computegov.policy.export_control import classify_many, history, summarize
    from computegov.policy.rules import load_rules

    ctx.progress("export controls: classifying the catalogue")
    rules = load_rules()
    current = rules.current
    results = sorted(
        classify_many(ctx.catalog, current),
        key=lambda r: (r.facts.tpp is None, -(r.facts.tpp or 0.0), r.chip),
    )
    summary = summarize(results)
    parts = [
        "<p>Each chip's total processing performance (TPP = 2 × MacTOPS × bit length, dense, the "
        "highest over its precisions) and performance density (TPP per mm² of die) are checked "
        "against every version of ECCN 3A090. Facts the catalogue lacks are reported as missing, "
        "never guessed, so some chips are <em>indeterminate</em>.</p>",
        "<p>Under the rule in force ("
        + html.escape(f"{current.citation}): {summary.describe()}")
        + ". The options listed as missing supply the facts an indeterminate chip needs"
        " (<code>computegov policy classify CHIP --die-area ...</code>).</p>",
    ]
    ctx.progress("export controls: drawing the chart")
    parts.append(chart_html(export_control_chart(ctx.catalog, rules.rules), "export-control-chart"))
    rows = [
        [
            r.chip,
            _fmt(r.facts.tpp),
            _fmt(r.facts.die_area_mm2),
            _fmt(r.facts.performance_density, 3),
            r.outcome,
            _margin(r),
        ]
        for r in results[:TABLE_ROWS]
    ]
    parts.append(
        _table(
            ["chip", "TPP", "die mm²", "PD", "outcome", "margin to nearest boundary / missing"],
            rows,
            f"Highest-TPP chips under {current.id} ({current.citation})",
        )
    )
    history_rows = []
    for name in HISTORY_CHIPS:
        try:
            chip = ctx.catalog.get(name)
        except UnknownNameError:
            continue
        h = history(chip, rules.rules)
        history_rows.append([h.chip, *[c.outcome for c in h.classifications]])
    if history_rows:
        parts.append(
            _table(
                ["chip", *[f"{r.id} ({r.citation})" for r in rules.rules]],
                history_rows,
                "The chips the rule changes were written around, under every version",
            )
        )
    parts.append(
        '<p class="note">Rule status: '
        + html.escape("; ".join(f"{r.id} {r.status.replace('_', ' ')}" for r in rules.rules))
        + ". Later actions that do not change how a chip is classified:</p><ul>"
        + "".join(
            f"<li>{html.escape(a.date.isoformat())} ({html.escape(a.citation)}): {html.escape(a.summary)}</li>"
            for a in rules.actions
        )
        + "</ul>"
    )
    return Section(
        id="export-control",
        title="Export controls (ECCN 3A090)",
        html="\n".join(parts),
        order=ORDER,
    )
