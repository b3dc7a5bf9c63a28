"""The report builder: discovery, ordering, failing sections, self-containment, the CLI."""

from __future__ import annotations

import logging
import re
import sys
import textwrap
from pathlib import Path

import pytest
from report_helpers import FULL_REPORT_SECTIONS
from typer.testing import CliRunner

from computegov.charts.base import ATTRIBUTION
from computegov.cli import app
from computegov.report.build import build_report, discover_sections


@pytest.fixture()
def fake_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "fake_report_sections"
    package.mkdir()
    (package / "__init__.py").write_text("")
    common = "from computegov.report.section import Section\n"
    (package / "late.py").write_text(
        common
        + "def build(ctx):\n    return Section(id='late', title='Late', html='<p>late body</p>', order=90)\n"
    )
    (package / "early.py").write_text(
        common
        + "def build(ctx):\n    return Section(id='early', title='Early', html='<p>early body</p>', order=5)\n"
    )
    (package / "broken.py").write_text(
        textwrap.dedent(
            """
            ORDER = 50
            def build(ctx):
                raise RuntimeError("boom <b>")
            """
        )
    )
    (package / "unimportable.py").write_text("import computegov_no_such_module\n")
    (package / "helpers.py").write_text("X = 1\n")  # no build(): not a section
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fake_report_sections"
    for name in list(sys.modules):
        if name.startswith("fake_report_sections"):
            del sys.modules[name]


def test_sections_are_discovered_sorted_and_failures_are_boxed_and_logged(
    fake_sections: str, caplog: pytest.LogCaptureFixture
) -> None:
    names = {b.name for b in discover_sections(fake_sections)}
    assert names == {"late", "early", "broken", "unimportable"}
    with caplog.at_level(logging.ERROR, logger="computegov.report.build"):
        page = build_report([], sections_package=fake_sections)
    assert (
        page.index("early body")
        < page.index("section failed: RuntimeError: boom &lt;b&gt;")
        < page.index("late body")
    )
    assert "section failed: ModuleNotFoundError" in page
    assert any("broken" in r.getMessage() for r in caplog.records)
    assert any("unimportable" in r.getMessage() for r in caplog.records)


def test_full_report_is_self_contained_with_every_section(full_report: Path) -> None:
    page = full_report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "vegaEmbed" in page
    assert page.count(ATTRIBUTION) >= 2  # header and footer (and every chart)
    for section_id in FULL_REPORT_SECTIONS:
        start = page.index(f'<section id="{section_id}">')
        body = page[start : page.index("</section>", start)]
        assert "section failed" not in body, body[:500]
    assert "doubling time (years)" in page
    assert "n = " in page and "chips have a launch price" in page
    assert "Peak training FLOP/s" in page and "CLI --metric" in page  # titles for people


def test_report_command_reports_size_and_time(full_report: Path) -> None:
    assert full_report.stat().st_size > 500_000  # the inlined JavaScript alone is ~0.9 MB


def test_report_json_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "-o", str(tmp_path / "r.html"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"sections"' in result.output and '"trends"' in result.output
