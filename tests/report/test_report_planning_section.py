"""The report's planning section shows failures and goodput beside cost, as the planner gives them."""

from __future__ import annotations

import html
import re

import pytest


def test_planning_section_has_goodput_and_interruptions_of_the_planner() -> None:
    pytest.importorskip("computegov.planning")
    from computegov.catalog import load_catalog
    from computegov.planning import PlanRequest, plan
    from computegov.report.section import ReportContext
    from computegov.report.sections.planning import REFERENCE_RUN, build

    catalog = load_catalog(user_config=False)
    section = build(ReportContext(catalog=catalog))
    assert section.id == "planning"
    text = html.unescape(section.html)
    best = plan(PlanRequest(**REFERENCE_RUN), catalog, top=1).options[0].to_dict()
    goodput = best["reliability"]["goodput"]["central"]
    interruptions = best["reliability"]["expected_unexpected_interruptions"]["central"]
    rows = re.findall(r"<tr>(.*?)</tr>", text, re.S)
    first = re.findall(r"<td[^>]*>(.*?)</td>", rows[1], re.S)  # rows[0] is the header
    assert first[0].startswith(best["chip"])
    assert first[4].startswith(f"{interruptions:.0f} (")
    assert first[5].startswith(f"{100 * goodput:.1f} (")
    assert 0.5 < goodput < 1.0
