"""The export-control chart and report section."""

from __future__ import annotations

from computegov.catalog.chip import Chip
from computegov.charts.policy import export_control_chart, region_cells
from computegov.policy.rules import get_rule

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
