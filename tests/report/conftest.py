"""One full report per test session (it takes a few seconds), built through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture(scope="session")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from computegov.cli import app

    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out
