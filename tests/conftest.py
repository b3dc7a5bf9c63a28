"""Shared fixtures: isolate every test from the user's real config and data dirs."""

from __future__ import annotations

import operator
import os
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("COMPUTEGOV_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("COMPUTEGOV_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("COMPUTEGOV_CACHE_DIR", str(base / "cache"))


# ---- pytest-xdist: what the workers counted, summed in the controller's terminal summary -------

#: Key of the hostile-CLI sweep's counts in a worker's ``workeroutput`` (tests/cli/test_cli_hostile.py
#: counts its cases; tests/cli/conftest.py prints them in a serial run, this file under xdist).
_HOSTILE_COUNTS = "computegov_hostile_cli_counts"
_worker_counts: dict[str, float] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is None:  # not an xdist worker
        return
    for name, module in list(sys.modules.items()):
        if name.endswith("test_cli_hostile") and getattr(module, "_counts", {}).get("cases"):
            workeroutput[_HOSTILE_COUNTS] = {**module._counts, "commands": len(module.COMMANDS)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    counts = getattr(node, "workeroutput", {}).get(_HOSTILE_COUNTS)
    for key, value in (counts or {}).items():
        merged = max if key == "commands" else operator.add
        _worker_counts[key] = merged(_worker_counts.get(key, 0), value)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    c = _worker_counts
    if c.get("cases"):
        terminalreporter.write_line(
            f"hostile CLI sweep: {c['cases']:.0f} cases ({c['fixed']:.0f} fixed values over "
            f"{c['parameters']:.0f} parameters, {c['cases'] - c['fixed']:.0f} hypothesis draws) "
            f"of {c['commands']:.0f} commands; {c['seconds']:.1f} s inside the commands (all workers)"
        )
