"""Export-control chart: TPP against performance density, each rule's regions shaded.

One panel per distinct region geometry (the 2023, 2024 and 2025 versions share theirs), log axes
with the rule's thresholds as tick values, each region named, the catalogue's chips plotted
(colour: outcome under the panel's rule; shape: datacenter designation) and the ones near or
inside the controlled regions labelled without overlap. Regions are drawn for chips designed or
marketed for datacenters; the 2022 panel assumes an aggregate I/O of 600 GB/s or more (below that
the 2022 rule controls nothing).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import altair as alt
import pandas as pd

from computegov.charts.base import chart_title
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
MAX_LABELS = 16
#: Label text size, px; the placement estimates a label's width as 0.6 em per character.
LABEL_FONT_PX = 10
#: Round tick values shown besides the rule's thresholds (TPP, PD).
_BASE_TPP_TICKS = (100.0, 300.0, 1000.0, 10_000.0, 30_000.0, 100_000.0)
_BASE_PD_TICKS = (0.1, 0.3, 1.0, 10.0, 30.0, 100.0)
_SHAPES = {"yes": "circle", "no": "triangle-up", "unknown": "square"}
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in px
#: Region names: font size, px, and their offset from the region's bottom-right corner, px.
REGION_FONT_PX = 13
_REGION_DX, _REGION_DY = -5, -4
#: Label side -> text alignment at the label's anchor.
_LABEL_ALIGN: tuple[tuple[str, Literal["left", "right"]], ...] = (
    ("right", "left"),
    ("left", "right"),
)
#: Chips the rule changes were written around, labelled first when present (name substrings).
WELL_KNOWN = ("H100 SXM", "A100 SXM", "H20", "A800", "H800", "RTX 4090 D", "RTX 4090")
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


def _chip_frame(
    chips: Iterable[Chip | ChipFacts],
    rule: Rule,
    width: int = 480,
    height: int = 400,
    reserved: Sequence[Box] = (),
) -> pd.DataFrame:
    """One row per plottable chip with its outcome under ``rule`` and its label's placement.

    ``reserved``: pixel boxes labels must avoid, e.g. the region names.
    """
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
    frame["label_tpp"] = frame["tpp"]
    frame["label_pd"] = frame["performance_density"]
    frame["label_side"] = "right"
    candidates = frame[frame["tpp"] >= LABEL_MIN_TPP]
    # One label per spot: variants with the same TPP and density (A100 40/80 GB, H100/H800) share
    # it, the best-known name first.
    fame = candidates["chip"].map(
        lambda name: next((k for k, w in enumerate(WELL_KNOWN) if w in name), len(WELL_KNOWN))
    )
    candidates = candidates.assign(fame=fame).sort_values(["fame", "closeness"], kind="stable")
    spot = (
        candidates["tpp"].round(-1).astype(str)
        + "/"
        + candidates["performance_density"].round(1).astype(str)
    )
    candidates = candidates[~spot.duplicated()]
    famous = candidates[candidates["fame"] < len(WELL_KNOWN)].index
    rest = candidates.drop(index=famous)
    near = rest.sort_values("closeness").head(MAX_LABELS - 4).index
    fastest = rest.drop(index=near).sort_values("tpp", ascending=False).head(4).index
    order = [*famous, *near, *fastest]
    return _place_labels(frame, order, width, height, reserved, insist=set(famous))


def _px(tpp: float, pd_value: float, width: int, height: int) -> tuple[float, float]:
    """Pixel position (x right, y down) of a point on the log-log panel."""
    lx = math.log(TPP_DOMAIN[1] / TPP_DOMAIN[0])
    ly = math.log(PD_DOMAIN[1] / PD_DOMAIN[0])
    return (
        width * math.log(tpp / TPP_DOMAIN[0]) / lx,
        height * (1 - math.log(pd_value / PD_DOMAIN[0]) / ly),
    )


def _data(x_px: float, y_px: float, width: int, height: int) -> tuple[float, float]:
    """Inverse of :func:`_px`."""
    lx = math.log(TPP_DOMAIN[1] / TPP_DOMAIN[0])
    ly = math.log(PD_DOMAIN[1] / PD_DOMAIN[0])
    return (
        TPP_DOMAIN[0] * math.exp(x_px / width * lx),
        PD_DOMAIN[0] * math.exp((1 - y_px / height) * ly),
    )


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(
    frame: pd.DataFrame,
    order: Sequence[Any],
    width: int,
    height: int,
    reserved: Sequence[Box] = (),
    insist: Collection[Any] = (),
) -> pd.DataFrame:
    """Greedy label placement, in ``order``.

    Each chip gets the first of six spots beside its point (right; a line up or down; then the
    same on the left) whose text box overlaps no placed label and no point and stays inside the
    panel; with no free spot it stays bare. Chips in ``insist`` also try two lines up or down.
    """
    points = [
        _px(t, d, width, height)
        for t, d in zip(frame["tpp"], frame["performance_density"], strict=True)
    ]
    taken: list[Box] = [(x - 3.5, y - 3.5, x + 3.5, y + 3.5) for x, y in points]
    taken.extend(reserved)
    text_h = LABEL_FONT_PX + 1.0
    gap = 6.0
    for idx in order:
        text = _short(str(frame.at[idx, "chip"]))
        text_w = 0.6 * LABEL_FONT_PX * len(text)
        x, y = points[idx]
        own = (x - 3.5, y - 3.5, x + 3.5, y + 3.5)
        offsets = (0.0, -text_h, text_h) + ((-2 * text_h, 2 * text_h) if idx in insist else ())
        for side, dy in itertools.product(("right", "left"), offsets):
            x0 = x + gap if side == "right" else x - gap - text_w
            box = (x0, y + dy - text_h / 2, x0 + text_w, y + dy + text_h / 2)
            inside = box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height
            if inside and not any(_overlaps(box, t) for t in taken if t != own):
                taken.append(box)
                anchor_x = x + gap if side == "right" else x - gap
                frame.at[idx, "label_tpp"], frame.at[idx, "label_pd"] = _data(
                    anchor_x, y + dy, width, height
                )
                frame.at[idx, "label_side"] = side
                frame.at[idx, "label"] = text
                break
    return frame


def _ticks(
    base: Sequence[float], thresholds: Sequence[float], domain: tuple[float, float]
) -> list[float]:
    """Round ticks plus the rule's thresholds, dropping round ticks crowding a threshold."""
    ticks = {t for t in thresholds if domain[0] <= t <= domain[1]}
    for value in base:
        if all(abs(math.log10(value / t)) > 0.2 for t in ticks):
            ticks.add(value)
    return sorted(ticks)


def _region_labels(cells: pd.DataFrame) -> pd.DataFrame:
    """One name per shaded paragraph, at the inner bottom-right corner of its rightmost cell.

    The lowest such cell wins ties. Corners there hold few chips, so names rarely cover points.
    """
    rows = []
    shaded = cells[cells["paragraph"] != "none"]
    for paragraph, group in shaded.groupby("paragraph", sort=True):
        cell = group.sort_values(["tpp_to", "pd_from"], ascending=[False, True]).iloc[0]
        rows.append(
            {"paragraph": paragraph, "tpp": cell["tpp_to"], "performance_density": cell["pd_from"]}
        )
    return pd.DataFrame(rows, columns=["paragraph", "tpp", "performance_density"])


def export_control_chart(
    chips: Iterable[Chip | ChipFacts],
    rules: Sequence[Rule] | None = None,
    *,
    width: int = 480,
    height: int = 400,
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
    colour = alt.Color(
        "outcome:N",
        title="chip's outcome under the panel's rule",
        scale=alt.Scale(domain=list(_COLOURS), range=list(_COLOURS.values())),
    )
    shape = alt.Shape(
        "datacenter:N",
        title="designed/marketed for datacenters",
        scale=alt.Scale(domain=list(_SHAPES), range=list(_SHAPES.values())),
    )
    panels = []
    for label, cells, rule in _panels(rules):
        x_ticks = _ticks(_BASE_TPP_TICKS, rule.thresholds("tpp"), TPP_DOMAIN)
        y_ticks = _ticks(_BASE_PD_TICKS, rule.thresholds("performance_density"), PD_DOMAIN)
        x_scale = alt.Scale(type="log", domain=list(TPP_DOMAIN))
        y_scale = alt.Scale(type="log", domain=list(PD_DOMAIN))
        x_axis = alt.Axis(values=x_ticks, format=",.0f", labelFontSize=9, labelOverlap=False)
        y_axis = alt.Axis(values=y_ticks, format=",.3~g", labelFontSize=9, labelOverlap=False)
        shaded = cells[cells["paragraph"] != "none"]
        regions = (
            alt.Chart(shaded)
            .mark_rect(opacity=0.22, stroke="#888888", strokeWidth=0.3)
            .encode(
                x=alt.X(
                    "tpp_from:Q",
                    scale=x_scale,
                    axis=x_axis,
                    title="total processing performance, TPP (TOPS × bit length, dense)",
                ),
                x2="tpp_to:Q",
                y=alt.Y(
                    "pd_from:Q",
                    scale=y_scale,
                    axis=y_axis,
                    title="performance density (TPP per mm² of die)",
                ),
                y2="pd_to:Q",
                color=alt.Color(
                    "paragraph:N",
                    title="shaded: region (datacenter ICs)",
                    scale=alt.Scale(
                        domain=["3A090.a", "3A090.b"],
                        range=[_COLOURS["3A090.a"], _COLOURS["3A090.b"]],
                    ),
                ),
                tooltip=[
                    alt.Tooltip("paragraph:N", title="region"),
                    alt.Tooltip("tpp_from:Q", title="TPP from", format=",.0f"),
                    alt.Tooltip("tpp_to:Q", title="TPP to", format=",.0f"),
                    alt.Tooltip("pd_from:Q", title="PD from", format=".3~g"),
                    alt.Tooltip("pd_to:Q", title="PD to", format=".3~g"),
                ],
            )
        )
        region_names = _region_labels(cells)
        reserved = []
        for paragraph, tpp, pd_value in region_names.itertuples(index=False):
            x, y = _px(tpp, pd_value, width, height)
            text_w = 0.65 * REGION_FONT_PX * len(paragraph)
            right, bottom = x + _REGION_DX, y + _REGION_DY
            reserved.append(
                (right - text_w, bottom - REGION_FONT_PX + 1, right, bottom)
            )  # cap height
        names = (
            alt.Chart(region_names)
            .mark_text(
                fontSize=REGION_FONT_PX,
                fontWeight="bold",
                align="right",
                baseline="bottom",
                dx=_REGION_DX,
                dy=_REGION_DY,
            )
            .encode(
                x=alt.X("tpp:Q", scale=x_scale),
                y=alt.Y("performance_density:Q", scale=y_scale),
                text="paragraph:N",
                color=alt.Color(
                    "paragraph:N",
                    legend=None,
                    scale=alt.Scale(
                        domain=["3A090.a", "3A090.b"],
                        range=[_COLOURS["3A090.a"], _COLOURS["3A090.b"]],
                    ),
                ),
            )
        )
        frame = _chip_frame(chips, rule, width, height, reserved)
        points = (
            alt.Chart(frame)
            .mark_point(size=42, filled=True, opacity=0.85, stroke="white", strokeWidth=0.5)
            .encode(
                x=alt.X("tpp:Q", scale=x_scale),
                y=alt.Y("performance_density:Q", scale=y_scale),
                color=colour,
                shape=shape,
                tooltip=[
                    "chip:N",
                    alt.Tooltip("tpp:Q", title="TPP", format=",.0f"),
                    alt.Tooltip("performance_density:Q", title="PD (TPP/mm²)", format=".2f"),
                    alt.Tooltip("die_area_mm2:Q", title="die area, mm²", format=",.0f"),
                    alt.Tooltip("datacenter:N", title="datacenter"),
                    alt.Tooltip("outcome:N", title=f"outcome under {rule.id}"),
                ],
            )
        )
        labelled = frame[frame["label"] != ""]
        labels = [
            alt.Chart(labelled[labelled["label_side"] == side])
            .mark_text(align=side_align, baseline="middle", fontSize=LABEL_FONT_PX)
            .encode(
                x=alt.X("label_tpp:Q", scale=x_scale),
                y=alt.Y("label_pd:Q", scale=y_scale),
                text="label:N",
            )
            for side, side_align in _LABEL_ALIGN
        ]
        panels.append(
            alt.layer(regions, names, points, *labels)
            .resolve_scale(color="independent")
            .properties(
                width=width, height=height, title=f"{label}: chips classified under {rule.id}"
            )
        )
    return (
        alt.hconcat(*panels)
        .configure_axis(grid=False, titleFontSize=11)
        .configure_legend(
            orient="bottom",
            direction="horizontal",
            titleFontSize=10,
            labelFontSize=10,
            titleLimit=300,
        )
        .properties(
            title=chart_title(
                "US export controls (ECCN 3A090): TPP against performance density",
                [
                    "Shaded: regions for ICs designed or marketed for datacenters. Non-datacenter ICs"
                    " (triangles) below TPP 4800 are outside (Note 2 to 3A090).",
                    "Axis ticks include each rule's thresholds.",
                ],
            )
        )
    )
