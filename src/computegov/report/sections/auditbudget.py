"""Report section: the audit budget — segments to replay to catch a faked run, and what auditing costs.

Every number comes from :mod:`computegov.registry.auditbudget` (hypergeometric segment budget,
replay cost through :mod:`computegov.costs`, yearly counts from the thresholds forecast of
:func:`computegov.compute.trend.forecast_crossings`); nothing is computed a second way here.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from computegov.errors import ComputegovError
from computegov.report.section import ReportContext, Section, html_table, note_html
from computegov.units import J_PER_MWH

__all__ = ["CHIP", "DELTAS", "FAKE_FRACTIONS", "ORDER", "SEGMENTS", "THRESHOLDS_FLOP", "build"]

ORDER = 85

#: A run cut into this many checkpoint-to-checkpoint segments (e.g. a checkpoint every 1,000 of 1M steps).
SEGMENTS = 1000
#: Shares of segments a prover fakes, and accepted chances of missing it, shown in the table.
FAKE_FRACTIONS: tuple[float, ...] = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5)
DELTAS: tuple[float, ...] = (0.1, 0.05, 0.01)
#: The reference audit (the CLI's ``log budget`` defaults): 1 % faked, caught with probability 95 %.
REFERENCE_FAKE, REFERENCE_DELTA = 0.01, 0.05
#: Training-compute thresholds: EU AI Act Art. 51(2) (1e25 FLOP, OJ L 2024/1689, 2024-07-12);
#: 1e26 FLOP as in US Executive Order 14110 §4.2(b)(i) (2023-10-30, revoked 2025-01-20).
THRESHOLDS_FLOP: tuple[float, ...] = (1e25, 1e26)
#: The chip replays are priced on.
CHIP = "H100"
YEARS_AHEAD = 3


def _e(text: object) -> str:
    return html.escape(str(text))


def _chart(fractions: list[float], rows: dict[float, list[int]]) -> Any:
    import altair as alt
    import pandas as pd

    data = pd.DataFrame([{"fake_fraction": f, "segments": n, "delta": f"δ = {d:g}"}
                         for d, ns in rows.items() for f, n in zip(fractions, ns, strict=True)])
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("fake_fraction:Q", title="share of segments faked, f", scale=alt.Scale(type="log")),
        y=alt.Y("segments:Q", title=f"segments to replay (of {SEGMENTS})", scale=alt.Scale(type="log")),
        color=alt.Color("delta:N", title="chance of missing"),
        tooltip=["fake_fraction:Q", "segments:Q", "delta:N"],
    ).properties(width=560, height=260, title="Segments to replay to catch a faked share f with probability ≥ 1 − δ")


def _range(values: tuple[float, float, float] | None, fmt: str = ",.0f") -> str:
    if values is None:
        return "–"
    lo, mid, hi = values
    return f"{mid:{fmt}} ({lo:{fmt}}–{hi:{fmt}})"


def build(ctx: ReportContext) -> Section:
    """The audit-budget section (segments vs f and δ, per-report cost, a funder's yearly budget)."""
    import numpy as np

    from computegov.registry.auditbudget import (
        audit_budget,
        segments_to_replay,
        yearly_audit_budget,
    )

    title = "Auditing compute reports: how much replay catches a faked run, and what it costs"
    ctx.progress("audit budget")
    rows = {d: [segments_to_replay(SEGMENTS, f, d) for f in FAKE_FRACTIONS] for d in DELTAS}
    table = html_table(["share faked f", *(f"δ = {d:g}" for d in DELTAS)],
                       [[f"{f:g}", *(str(rows[d][i]) for d in DELTAS)] for i, f in enumerate(FAKE_FRACTIONS)],
                       caption=f"Segments to replay, of a run cut into {SEGMENTS} segments")
    intro = note_html(
        f"A verifier replays n of a run's N = {SEGMENTS} checkpoint-to-checkpoint segments, drawn at random "
        "without replacement (computegov replay; Proof-of-Learning, Jia et al. 2021, arXiv:2103.05633). A run "
        "that faked K = ⌈f·N⌉ segments escapes with the hypergeometric probability C(N−K, n)/C(N, n); n is the "
        "smallest count that makes it at most δ. Replay checks consistency with the stated data, not that no "
        "other computation happened, and spoofing attacks on Proof-of-Learning exist (Fang et al. 2023, "
        "arXiv:2208.03567)."
    )
    from computegov.charts.base import chart_html

    body = intro + table + chart_html(_chart(list(FAKE_FRACTIONS), rows), "audit-budget-chart")
    try:
        chip = ctx.catalog.get(CHIP)
        per_report = [audit_budget(SEGMENTS, REFERENCE_FAKE, REFERENCE_DELTA, total_flop=t, chip=chip)
                      for t in THRESHOLDS_FLOP]
        year0 = dt.date.today().year + 1
        rng = np.random.default_rng(ctx.seed)
        yearly = [yearly_audit_budget(y, t, SEGMENTS, REFERENCE_FAKE, REFERENCE_DELTA, chip, rng, draws=1000)
                  for t in THRESHOLDS_FLOP for y in range(year0, year0 + YEARS_AHEAD)]
    except (ComputegovError, ModuleNotFoundError) as err:
        return Section(id="audit-budget", title=title,
                       html=body + note_html(f"Costs not computed in this build ({_e(err)})."), order=ORDER)
    year_usd = per_report[0].dollar_year
    cost_rows = [[f"{t:.0e}", str(b.segments), f"{b.replay_flop:.2e}", _range(b.chip_hours),
                  _range(None if b.energy_j is None else (b.energy_j[0] / J_PER_MWH, b.energy_j[1] / J_PER_MWH,
                                                          b.energy_j[2] / J_PER_MWH), ",.1f"),
                  _range(b.cost_usd)] for t, b in zip(THRESHOLDS_FLOP, per_report, strict=True)]
    body += html_table(["run (FLOP)", "segments replayed", "replay FLOP", f"{CHIP} chip-hours", "energy (MWh)",
                        f"USD ({year_usd})"], cost_rows,
                       caption=f"Cost of auditing one run at each threshold: f = {REFERENCE_FAKE:g}, "
                               f"δ = {REFERENCE_DELTA:g}, replayed on {CHIP} (central, with the cost model's range)")
    year_rows = [[str(y.year), f"{y.threshold_flop:.0e}", f"{y.runs[1]:.0f} ({y.runs[0]:.0f}–{y.runs[2]:.0f})",
                  _range(y.chip_hours), _range(y.cost_usd)] for y in yearly]
    body += html_table(["year", "threshold (FLOP)", "runs above it (p10–p90)", f"{CHIP} chip-hours", f"USD ({year_usd})"],
                       year_rows, caption="A public funder's yearly compute to replay-audit every run above each "
                                          "threshold (lower bound: each run costed at the threshold)")
    body += note_html(
        "Run counts are the thresholds module's forecast of notable runs above each threshold (compute.trend, "
        "p10–p90 of its Monte Carlo); each run is costed as if it were exactly at the threshold, so every "
        f"figure is a lower bound for its quantile. computegov log budget --segments {SEGMENTS} --fake-fraction "
        f"{REFERENCE_FAKE:g} --delta {REFERENCE_DELTA:g} --chip {CHIP} --year YEAR --threshold T gives them for "
        "any year (with its own seed and 2,000 draws, so the counts may differ by a run). A verifier audits one "
        "registered report with computegov registry audit."
    )
    return Section(id="audit-budget", title=title, html=body, order=ORDER)
