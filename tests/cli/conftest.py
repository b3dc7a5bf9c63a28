"""CLI test helpers: the hostile-input sweep reports how many cases it tried."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, module in list(sys.modules.items()):
        if name.endswith("test_cli_hostile") and hasattr(module, "summary_line"):
            line = module.summary_line()
            if line:
                terminalreporter.write_line(line)
