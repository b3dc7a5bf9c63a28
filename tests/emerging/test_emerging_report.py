"""The report's emerging-hardware section: discovered, cheap, with its chart and its table."""

from __future__ import annotations

import time

import computegov
from computegov.report.build import discover_sections
from computegov.report.section import ReportContext
from computegov.report.sections import emerging


def test_section_is_discovered_and_builds_a_chart_and_a_table_quickly() -> None:
    assert "emerging" in {s.name for s in discover_sections()}
    ctx = ReportContext(catalog=computegov.load_catalog())
    started = time.perf_counter()
    section = emerging.build(ctx)
    elapsed = time.perf_counter() - started
    assert section.id == "emerging" and section.order == emerging.ORDER
    assert 'id="emerging-claims"' in section.html  # the chart
    assert "Not comparable" in section.html and "x record at date" in section.html
    assert section.html.count("<tr>") >= 6  # header + the comparable claims
    assert elapsed < 5.0  # about 1.7 s cold on two shared cores, 0.4 s warm
