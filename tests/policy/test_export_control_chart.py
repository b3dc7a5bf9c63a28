"""The export-control chart and report section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from computegov.catalog.chip import Chip
from computegov.charts.policy import export_control_chart, region_cells
from computegov.policy.rules import get_rule

if TYPE_CHECKING:
    import pandas as pd

T = 1e12


def test_region_cells_2023_match_the_clauses() -> None:
    cells = region_cells(get_rule("2023-10"))

    def at(tpp: float, pd: float) -> str:
        row = cells[
            (cells.tpp_from <= tpp)
            & (tpp < cells.tpp_to)
            & (cells.pd_from <= pd)
            & (pd < cells.pd_to)
        ]
        assert len(row) == 1
        return str(row.paragraph.iloc[0])

    assert at(5000, 1.0) == "3A090.a"
    assert at(2000, 6.0) == "3A090.a"
    assert at(3000, 2.0) == "3A090.b"
    assert at(2000, 4.0) == "3A090.b"
    assert at(2000, 2.0) == "none"
    assert at(1000, 50.0) == "none"


def test_chart_has_a_panel_per_distinct_geometry_and_plots_chips() -> None:
    chips = [
        Chip(name="H100", peak_flop_per_s={"fp8": 1979 * T}, die_area_mm2=814, datacenter=True),
        Chip(name="no area", peak_flop_per_s={"fp8": 1979 * T}),
    ]
    spec = export_control_chart(chips).to_dict()
    assert len(spec["hconcat"]) == 2  # 2022 geometry; 2023/2024/2025 share one
    titles = [panel["title"] for panel in spec["hconcat"]]
    assert "2023-10 / 2024-12 / 2025-01" in titles[1]
    assert "Epoch AI" in str(spec["title"])


def test_report_section_builds_from_the_bundled_catalogue() -> None:
    from computegov.catalog import load_catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections.export_control import build

    section = build(ReportContext(catalog=load_catalog()))
    assert section.order == 60 and section.id == "export-control"
    assert "export-control-chart" in section.html
    assert "89 FR 96790" in section.html


def _label_boxes(frame: pd.DataFrame, width: int, height: int) -> list[tuple[float, ...]]:
    from computegov.charts.policy import LABEL_FONT_PX, _px

    boxes: list[tuple[float, ...]] = []
    labelled = frame[frame["label"] != ""]
    for tpp, pd_value, label, side in zip(
        labelled["label_tpp"],
        labelled["label_pd"],
        labelled["label"],
        labelled["label_side"],
        strict=True,
    ):
        x, y = _px(float(tpp), float(pd_value), width, height)
        w = 0.6 * LABEL_FONT_PX * len(str(label))
        x0 = x if side == "right" else x - w
        boxes.append((x0, y - LABEL_FONT_PX / 2, x0 + w, y + LABEL_FONT_PX / 2))
    return boxes


def test_labels_of_a_crowded_cluster_never_overlap_and_stay_inside() -> None:
    from computegov.charts.policy import MAX_LABELS, _chip_frame

    # 30 chips packed around TPP 2,000-2,600 and PD 3-4: most labels cannot fit.
    chips = [
        Chip(
            name=f"Chip {k:02d}",
            peak_flop_per_s={"bf16": (125 + 2 * k) * T},
            die_area_mm2=600 + 7 * k,
            datacenter=True,
        )
        for k in range(30)
    ]
    frame = _chip_frame(chips, get_rule("2024-12"), 480, 400)
    boxes = _label_boxes(frame, 480, 400)
    assert 0 < len(boxes) < MAX_LABELS  # the cluster cannot hold every candidate label
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[2] <= 480 and a[1] >= 0 and a[3] <= 400
        for b in boxes[i + 1 :]:
            assert not (
                a[0] < b[2] - 1e-6
                and b[0] < a[2] - 1e-6
                and a[1] < b[3] - 1e-6
                and b[1] < a[3] - 1e-6
            )


def test_well_known_chips_are_labelled_first() -> None:
    from computegov.charts.policy import _chip_frame

    chips = [
        Chip(
            name="NVIDIA HGX H20",
            peak_flop_per_s={"fp8": 296 * T},
            die_area_mm2=814,
            datacenter=True,
        ),
        *[
            Chip(
                name=f"Other {k}", peak_flop_per_s={"fp8": (290 + k) * T}, die_area_mm2=800 + 3 * k
            )
            for k in range(12)
        ],
    ]
    frame = _chip_frame(chips, get_rule("2024-12"), 480, 400)
    assert frame.loc[frame["chip"] == "NVIDIA HGX H20", "label"].item() == "HGX H20"


def test_axis_ticks_include_every_threshold_of_the_rule() -> None:
    spec = export_control_chart([], [get_rule("2024-12")]).to_dict()
    layer = spec["hconcat"][0]["layer"][0]["encoding"]
    assert {1600, 2400, 4800} <= set(layer["x"]["axis"]["values"])
    assert {1.6, 3.2, 5.92} <= set(layer["y"]["axis"]["values"])
