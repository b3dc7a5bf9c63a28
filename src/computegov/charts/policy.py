"""Export-control chart: TPP against performance density, each rule's regions shaded.

One panel per distinct region geometry (the 2023, 2024 and 2025 versions share theirs), log axes,
the catalogue's chips plotted and the ones near or inside the controlled regions labelled.
Regions are drawn for chips designed or marketed for datacenters; the 2022 panel assumes an
aggregate I/O of 600 GB/s or more (below that the 2022 rule controls nothing).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from computegov.charts.base import ATTRIBUTION
from computegov.policy.export_control import ChipFacts, classify, facts_from_chip
from computegov.policy.rules import Rule, load_rules

if TYPE_CHECKING:
    from computegov.catalog.chip import Chip

__all__ = ["export_control_chart", "region_cells"]

#: Plot domain: TPP and performance density (TPP per mm^2), log scale.
TPP_DOMAIN = (100.0, 100_000.0)
PD_DOMAIN = (0.1, 100.0)
#: Chips with at least this TPP are candidates for a text label (near or inside the regions).
LABEL_MIN_TPP = 1500.0
#: At most this many labels per panel: the chips closest to a boundary, then the fastest.
MAX_LABELS = 14
_COLOURS = {
    "3A090.a": "#d62728",
    "3A090.b": "#ff7f0e",
    "none": "#2ca02c",
    "indeterminate": "#7f7f7f",
}


def region_cells(rule: Rule, *, io_bandwidth_bytes_per_s: float = 600e9) -> pd.DataFrame:
    """Axis-aligned cells of (TPP, PD) space with the paragraph a datacenter IC there falls under.

    Every threshold is on TPP or PD alone, so the regions are unions of the cells between
    consecutive thresholds; each cell is classified at its geometric centre.

    Returns:
        Frame with columns tpp_from, tpp_to, pd_from, pd_to, paragraph (``"none"`` if outside).
    """
    xs = sorted({TPP_DOMAIN[0], *rule.thresholds("tpp"), TPP_DOMAIN[1]})
    ys = sorted({PD_DOMAIN[0], *rule.thresholds("performance_density"), PD_DOMAIN[1]})
    rows: list[dict[str, Any]] = []
    for x0, x1 in itertools.pairwise(xs):
        for y0, y1 in itertools.pairwise(ys):
            tpp, pd_mid = math.sqrt(x0 * x1), math.sqrt(y0 * y1)
            facts = ChipFacts(
                name="cell",
                tpp=tpp,
                die_area_mm2=tpp / pd_mid,
                io_bandwidth_min_bytes_per_s=io_bandwidth_bytes_per_s,
                io_bandwidth_max_bytes_per_s=io_bandwidth_bytes_per_s,
                datacenter=True,
            )
            result = classify(facts, rule)
            paragraph = result.eccn or "none"
            if rows and rows[-1]["tpp_from"] == x0 and rows[-1]["paragraph"] == paragraph:
                rows[-1]["pd_to"] = y1  # merge with the cell below: one rectangle per run
            else:
                rows.append(
                    {
                        "tpp_from": x0,
                        "tpp_to": x1,
                        "pd_from": y0,
                        "pd_to": y1,
                        "paragraph": paragraph,
                    }
                )
    return pd.DataFrame(rows)


def _short(name: str) -> str:
    for prefix in ("NVIDIA ", "AMD ", "GeForce ", "Google ", "Intel ", "Huawei "):
        name = name.replace(prefix, "")
    return name


def _panels(rules: Sequence[Rule]) -> list[tuple[str, pd.DataFrame, Rule]]:
    """Rules grouped by identical region geometry, newest rule of each group representing it."""
    groups: list[tuple[list[str], pd.DataFrame, Rule]] = []
    for rule in rules:
        cells = region_cells(rule)
        for ids, other, _rep in groups:
            if other.equals(cells):
                ids.append(rule.id)
                break
        else:
            groups.append(([rule.id], cells, rule))
    out = []
    for ids, cells, rep in groups:
        label = " / ".join(ids)
        if any("io_bandwidth_gb_per_s" in r.metrics for r in rules if r.id in ids):
            label += " (if I/O ≥ 600 GB/s)"
        in_force = [r for r in rules if r.id in ids and r.status == "in_force"]
        out.append((label, cells, in_force[-1] if in_force else rep))
    return out


def _chip_frame(chips: Iterable[Chip | ChipFacts], rule: Rule) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for chip in chips:
        facts = chip if isinstance(chip, ChipFacts) else facts_from_chip(chip)
        pd_value = facts.performance_density
        if facts.tpp is None or pd_value is None or facts.tpp <= 0:
            continue
        result = classify(facts, rule)
        outcome = result.eccn or ("none" if result.status == "not_controlled" else "indeterminate")
        margin = result.boundary.margin_tpp if result.boundary else None
        closeness = abs(margin) / facts.tpp if margin is not None else math.inf
        rows.append(
            {
                "chip": facts.name,
                "tpp": facts.tpp,
                "performance_density": pd_value,
                "die_area_mm2": facts.die_area_mm2,
                "datacenter": {True: "yes", False: "no", None: "unknown"}[facts.datacenter],
                "outcome": outcome,
                "closeness": closeness,
                "label": "",
            }
        )
    columns = [
        "chip",
        "tpp",
        "performance_density",
        "die_area_mm2",
        "datacenter",
        "outcome",
        "closeness",
        "label",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame[
        frame["tpp"].between(*TPP_DOMAIN) & frame["performance_density"].between(*PD_DOMAIN)
    ].reset_index(drop=True)
    candidates = frame[frame["tpp"] >= LABEL_MIN_TPP]
    # One label per spot: variants with the same TPP and density (A100 40/80 GB...) share it.
    spot = (
        candidates["tpp"].round(-1).astype(str)
        + "/"
        + candidates["performance_density"].round(1).astype(str)
    )
    candidates = candidates[~spot.duplicated()]
    near = candidates.sort_values("closeness").head(MAX_LABELS - 4).index
    fastest = candidates.drop(index=near).sort_values("tpp", ascending=False).head(4).index
    chosen = near.union(fastest)
    frame.loc[chosen, "label"] = frame.loc[chosen, "chip"].map(_short)
    return frame


def export_control_chart(
    chips: Iterable[Chip | ChipFacts],
    rules: Sequence[Rule] | None = None,
    *,
    width: int = 420,
    height: int = 360,
) -> alt.HConcatChart:
    """TPP (x, log) against performance density (y, log), regions of each rule shaded.

    Args:
        chips: catalogue chips (those without TPP or die area are left out) or facts.
        rules: rule versions to draw (default: every bundled version).
        width: width of one panel, px.
        height: height of one panel, px.

    Returns:
        A horizontal concatenation of one panel per distinct region geometry.
    """
    rules = tuple(rules) if rules is not None else load_rules().rules
    chips = list(chips)
    x_scale = alt.Scale(type="log", domain=list(TPP_DOMAIN))
    y_scale = alt.Scale(type="log", domain=list(PD_DOMAIN))
    colour = alt.Color(
        "outcome:N",
        title="outcome",
        scale=alt.Scale(domain=list(_COLOURS), range=list(_COLOURS.values())),
    )
    panels = []
    for label, cells, rule in _panels(rules):
        shaded = cells[cells["paragraph"] != "none"]
        regions = (
            alt.Chart(shaded)
            .mark_rect(opacity=0.18, strokeWidth=0)
            .encode(
                x=alt.X("tpp_from:Q", scale=x_scale, title="total processing performance (TPP)"),
                x2="tpp_to:Q",
                y=alt.Y("pd_from:Q", scale=y_scale, title="performance density (TPP / mm²)"),
                y2="pd_to:Q",
                color=alt.Color(
                    "paragraph:N",
                    title="region (datacenter ICs)",
                    scale=alt.Scale(
                        domain=["3A090.a", "3A090.b"],
                        range=[_COLOURS["3A090.a"], _COLOURS["3A090.b"]],
                    ),
                ),
                tooltip=["paragraph:N", "tpp_from:Q", "tpp_to:Q", "pd_from:Q", "pd_to:Q"],
            )
        )
        frame = _chip_frame(chips, rule)
        points = (
            alt.Chart(frame)
            .mark_circle(size=45, opacity=0.9)
            .encode(
                x=alt.X("tpp:Q", scale=x_scale),
                y=alt.Y("performance_density:Q", scale=y_scale),
                color=colour,
                tooltip=[
                    "chip:N",
                    alt.Tooltip("tpp:Q", format=",.0f"),
                    alt.Tooltip("performance_density:Q", format=".2f"),
                    alt.Tooltip("die_area_mm2:Q", format=",.0f"),
                    "datacenter:N",
                    "outcome:N",
                ],
            )
        )
        labels = (
            alt.Chart(frame[frame["label"] != ""])
            .mark_text(align="left", dx=5, dy=-4, fontSize=9)
            .encode(
                x=alt.X("tpp:Q", scale=x_scale),
                y=alt.Y("performance_density:Q", scale=y_scale),
                text="label:N",
            )
        )
        panels.append(
            alt.layer(regions, points, labels)
            .resolve_scale(color="independent")
            .properties(
                width=width, height=height, title=f"{label} — points classified under {rule.id}"
            )
        )
    return (
        alt.hconcat(*panels)
        .configure_axis(grid=False)
        .properties(
            title=alt.TitleParams(
                "US export controls (ECCN 3A090): TPP against performance density",
                subtitle=[
                    "Shaded: regions for ICs designed or marketed for datacenters. Non-datacenter ICs below TPP 4800 are outside (Note 2 to 3A090).",
                    ATTRIBUTION,
                ],
                anchor="start",
                subtitleFontSize=10,
            )
        )
    )
