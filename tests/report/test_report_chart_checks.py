"""The report converts charts without altair's checks while it builds; the tests check every chart.

While sections build, altair's check of each part of a chart and of each whole chart against
the Vega-Lite schema are off (``build._altair_for_many_charts``, ``charts.base.many_charts``):
they were about a third of the time charts took. Every chart the full report holds is checked
here instead, with altair's own validator, so a chart the report makes that is not valid
Vega-Lite still fails: in these tests rather than in a user's build.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from altair.utils import schemapi
from report_helpers import chart_specs, vega_lite_error

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
            SEEN.append((schemapi.DEBUG_MODE, getattr(schemapi._todict, "plain", None) is not None))
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


def test_every_chart_of_the_full_report_is_valid_vega_lite(full_report: Path) -> None:
    page = full_report.read_text(encoding="utf-8")
    specs = chart_specs(page)
    assert len(specs) == page.count('class="vega-chart') >= 20  # every chart found, and there are many
    errors = {chart_id: error for chart_id, spec in specs.items() if (error := vega_lite_error(spec))}
    assert not errors


def test_per_part_checks_are_off_while_building_and_back_on_after(chart_sections: str) -> None:
    import altair as alt

    assert schemapi.DEBUG_MODE
    hash_before = vars(schemapi._FromDict)["hash_schema"]
    todict_before, copy_before = schemapi._todict, schemapi._deep_copy
    plain = schemapi._FromDict.hash_schema(alt.X._schema)
    page = build_report([], sections_package=chart_sections, cache=False)
    module = sys.modules[f"{chart_sections}.charts"]
    assert module.SEEN == [(False, True)]  # no per-part checks; the quick conversion in place
    assert [plain, plain] == module.HASHES  # remembered hashes are the plain ones
    assert schemapi.DEBUG_MODE  # restored
    assert vars(schemapi._FromDict)["hash_schema"] is hash_before
    assert schemapi._todict is todict_before and schemapi._deep_copy is copy_before
    assert 'data-chart-for="good"' in page


def test_an_invalid_chart_built_unchecked_is_caught_by_the_chart_check(chart_sections: str) -> None:
    page = build_report([], sections_package=chart_sections, cache=False)
    assert "section failed" not in page  # not checked while building ...
    specs = chart_specs(page)
    assert set(specs) == {"good", "bad"}
    assert vega_lite_error(specs["good"]) is None
    error = vega_lite_error(specs["bad"])  # ... but the check the tests run on the full report fails it
    assert error is not None and "often" in error
