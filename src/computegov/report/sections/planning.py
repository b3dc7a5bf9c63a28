"""Report section: planning a frontier-scale run, with failures, checkpoints and goodput beside cost."""

from __future__ import annotations

from typing import Any

from computegov.costs.money import format_usd
from computegov.errors import ComputegovError
from computegov.report.section import ReportContext, Section, html_table, note_html

__all__ = ["ORDER", "REFERENCE_RUN", "build"]

ORDER = 75

#: The run planned in the report: 3e25 FLOP within 90 days, bought hardware. 3e25 FLOP is about
#: Llama 3.1 405B's 3.8e25 (Meta 2024, arXiv:2407.21783) rounded down; an illustration, not a claim.
REFERENCE_RUN: dict[str, Any] = {"flop": 3e25, "deadline_days": 90.0}

#: Options shown.
_TOP = 6


def _span(r: dict[str, float], scale: float = 1.0, fmt: str = "{:.0f}") -> str:
    """``central (low-high)`` of a {low, central, high} mapping."""
    return (
        f"{fmt.format(r['central'] * scale)} "
        f"({fmt.format(r['low'] * scale)}–{fmt.format(r['high'] * scale)})"
    )


def build(ctx: ReportContext) -> Section:
    """The planning section: ranked options with expected interruptions and goodput."""
    from computegov.planning import PlanRequest, plan

    ctx.progress("plan a 3e25-FLOP run")
    try:
        result = plan(PlanRequest(**REFERENCE_RUN), ctx.catalog, top=_TOP)
    except ComputegovError as err:
        body = note_html(f"No plan could be made for the reference run: {err}")
        return Section(id="planning", title="Planning a run", html=body, order=ORDER)
    rows = []
    for option in result.options:
        d = option.to_dict()
        rel = d.get("reliability") or {}
        cost = d["cost_usd_2024"]
        rows.append([
            d["chip"] + (" ~" if d.get("network_bandwidth_assumed") else ""),
            f"{d['chips']:,}",
            f"{d.get('duration_days_without_failures', d['duration_days']):.0f}",
            f"{d['duration_days']:.0f}",
            _span(rel["expected_unexpected_interruptions"]) if rel else "–",
            _span(rel["goodput"], 100.0, "{:.1f}") + " %" if rel else "–",
            f"{format_usd(cost['central'], compact=True)} "
            f"({format_usd(cost['low'], compact=True)}–{format_usd(cost['high'], compact=True)})",
            f"{d['utilisation']['central']:.2f}" + ("" if d.get("utilisation_evidence", True) else " ?"),
        ])
    intro = note_html(
        "The cheapest option per chip for a 3e25-FLOP training run finished within 90 days, on bought "
        "hardware (computegov plan --flop 3e25 --deadline-days 90). Days include expected failures "
        "and restarts: interruption rates by component from Meta's Llama 3 405B run (arXiv:2407.21783, "
        "Table 5: 419 unexpected interruptions in 54 days on 16,384 H100), each varied 0.5-3x; "
        "checkpoints at the Young/Daly interval; goodput is the share of wall-clock time spent on "
        "useful training. Ranges are 5-95 % over the assumptions' ranges. '~': network bandwidth "
        "assumed; '?': no published at-scale utilisation for the chip (interval widened)."
    )
    table = html_table(
        ["chip", "chips", "days without failures", "days", "unexpected interruptions",
         "goodput", "cost, USD 2024", "MFU"],
        rows,
        caption="Planning a 3e25-FLOP run in 90 days: cost beside failures and goodput",
    )
    return Section(id="planning", title="Planning a run", html=intro + table, order=ORDER)
