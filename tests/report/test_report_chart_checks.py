"""The report skips altair's per-part checks while building, but every chart is still checked whole."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from altair.utils import schemapi

from computegov.report.build import build_report


@pytest.fixture()
def chart_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    package = tmp_path / "chart_report_sections"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "charts.py").write_text(textwrap.dedent(
        """
        import altair as alt
        from altair.utils import schemapi
        from computegov.charts.base import chart_html
        from computegov.report.section import Section
        SEEN = []
        HASHES = []
        def build(ctx):
            SEEN.append(schemapi.DEBUG_MODE)
            HASHES.extend(schemapi._FromDict.hash_schema(alt.X._schema) for _ in range(2))
            good = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q", y="b:N")
            return Section(id="charts", title="Charts", html=chart_html(good, "good"), order=1)
        """
    ))
    (package / "invalid.py").write_text(textwrap.dedent(
        """
        import altair as alt
        from computegov.charts.base import chart_html
        from computegov.report.section import Section
        def build(ctx):
            bad = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x=alt.X("a:Q", bin="often"))
            return Section(id="invalid", title="Invalid", html=chart_html(bad, "bad"), order=2)
        """
    ))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "chart_report_sections"
    for name in list(sys.modules):
        if name.startswith("chart_report_sections"):
            del sys.modules[name]


def test_per_part_checks_are_off_while_building_and_back_on_after(chart_sections: str) -> None:
    import altair as alt

    assert schemapi.DEBUG_MODE
    hash_before = vars(schemapi._FromDict)["hash_schema"]
    plain = schemapi._FromDict.hash_schema(alt.X._schema)
    page = build_report([], sections_package=chart_sections, cache=False)
    module = sys.modules[f"{chart_sections}.charts"]
    assert module.SEEN == [False]
    assert [plain, plain] == module.HASHES  # remembered hashes are the plain ones
    assert schemapi.DEBUG_MODE  # restored
    assert vars(schemapi._FromDict)["hash_schema"] is hash_before
    assert 'data-chart-for="good"' in page


def test_an_invalid_chart_still_fails_its_section(chart_sections: str) -> None:
    page = build_report([], sections_package=chart_sections, cache=False)
    assert "section failed: SchemaValidationError" in page
