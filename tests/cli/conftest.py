"""CLI test helpers: the hostile-input sweep reports how many cases it tried."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, module in list(sys.modules.items()):
        if name.endswith("test_cli_hostile") and hasattr(module, "summary_line"):
            line = module.summary_line()
            if line:
                terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _scratch_working_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every CLI test in a scratch directory.

    Commands write beside the working directory when a path option is empty (``keys new
    --out ''`` writes ``./computegov.key``); the sweep tries exactly that, and it must not leave
    files in the checkout.
    """
    monkeypatch.chdir(tmp_path)
