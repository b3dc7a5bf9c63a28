"""The report's outlook section: fans, binding shares, table, tornado and the anchor check, from the public functions."""

from __future__ import annotations

import re

from computegov.catalog import load_catalog
from computegov.report.section import ReportContext
from computegov.report.sections import outlook


def test_section_shows_the_charts_the_year_table_the_tornado_and_the_anchor_check() -> None:
    section = outlook.build(ReportContext(load_catalog(), seed=3))
    assert section.id == "outlook" and section.order == outlook.ORDER
    for chart in ("outlook-fan", "outlook-binding", "outlook-tornado"):
        assert chart in section.html
    text = re.sub(r"<[^>]+>", " ", section.html)
    for year in range(2026, 2036):
        assert str(year) in text
    assert "Which input moves the 2030 answer most" in text
    assert "Sevilla et al. (2024)" in text
    verdicts = re.findall(r"<td[^>]*>(yes|NO)</td>", section.html)
    assert verdicts == ["yes"] * 4  # one per anchored constraint: each 2030 median within x3
