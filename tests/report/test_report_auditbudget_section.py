"""The report's audit-budget section: segments vs f and δ (closed form), one report's cost, a funder's year."""

from __future__ import annotations

import html
import math
import re
import time

import pytest


def _rows(text: str) -> list[list[str]]:
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", text, re.S)]


def _miss(total: int, faked: int, n: int) -> float:
    """Hypergeometric P(no faked segment among n), with math.comb: an independent closed form."""
    return math.comb(total - faked, n) / math.comb(total, n)


@pytest.fixture(scope="module")
def section() -> object:
    from computegov.catalog import load_catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections.auditbudget import build

    return build(ReportContext(catalog=load_catalog(user_config=False)))


def test_segment_table_is_the_smallest_n_of_the_hypergeometric_closed_form(section: object) -> None:
    from computegov.report.sections.auditbudget import DELTAS, FAKE_FRACTIONS, SEGMENTS

    rows = _rows(html.unescape(section.html))  # type: ignore[attr-defined]
    table = [r for r in rows if r and re.fullmatch(r"[0-9.e-]+", r[0]) and len(r) == len(DELTAS) + 1]
    assert [float(r[0]) for r in table] == list(FAKE_FRACTIONS)
    for row in table:
        faked = math.ceil(float(row[0]) * SEGMENTS - 1e-9)
        for delta, cell in zip(DELTAS, row[1:], strict=True):
            n = int(cell)
            assert _miss(SEGMENTS, faked, n) <= delta < _miss(SEGMENTS, faked, n - 1)


def test_section_states_the_cost_of_one_audit_and_a_funders_year(section: object) -> None:
    from computegov.registry.auditbudget import audit_budget
    from computegov.report.sections.auditbudget import (
        CHIP,
        REFERENCE_DELTA,
        REFERENCE_FAKE,
        SEGMENTS,
    )

    text = html.unescape(section.html)  # type: ignore[attr-defined]
    assert section.id == "audit-budget" and 'id="audit-budget-chart"' in text  # type: ignore[attr-defined]
    from computegov.catalog import load_catalog

    one = audit_budget(SEGMENTS, REFERENCE_FAKE, REFERENCE_DELTA, total_flop=1e25,
                       chip=load_catalog(user_config=False).get(CHIP))
    assert one.cost_usd is not None and f"{one.cost_usd[1]:,.0f}" in text and f"USD ({one.dollar_year})" in text
    years = _rows(text)[-6:]
    assert {r[1] for r in years} == {"1e+25", "1e+26"}
    for r in years:  # "29 (22–37)": a count with its p10–p90
        mid, lo, hi = (float(x) for x in re.findall(r"[0-9.]+", r[2]))
        assert lo <= mid <= hi


def test_section_is_fast_once_the_shared_data_is_loaded(section: object) -> None:
    """Under 2 s with altair and the thresholds forecast's data already loaded, as in a full report build."""
    from computegov.catalog import load_catalog
    from computegov.report.section import ReportContext
    from computegov.report.sections.auditbudget import build

    ctx = ReportContext(catalog=load_catalog(user_config=False))
    start = time.perf_counter()
    again = build(ctx)
    assert time.perf_counter() - start < 2.0
    assert again.html == section.html  # type: ignore[attr-defined]  # same seed, same numbers
