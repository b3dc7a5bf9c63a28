"""One full report per test session (it takes a few seconds), built through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture(scope="session")
def report_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache folder the session's full report was built with (empty before it)."""
    return tmp_path_factory.mktemp("report-cache")


@pytest.fixture(scope="session")
def full_report(tmp_path_factory: pytest.TempPathFactory, report_cache_dir: Path) -> Path:
    from computegov.cli import app

    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "-o", str(out)], env={"COMPUTEGOV_CACHE_DIR": str(report_cache_dir)})
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out
