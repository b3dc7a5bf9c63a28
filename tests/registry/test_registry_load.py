"""The load benchmark runs end to end on a small load: every accepted report stored once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "registry_load.py"


@pytest.mark.slow
@pytest.mark.network
def test_small_load_run_stores_every_accepted_report_once() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--clients", "2", "--reports", "6", "--reads", "4", "--time-limit", "60", "--json"],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(proc.stdout)
    for r in results:
        assert r["exactly_once"] and r["n_errors"] == 0
        assert r["accepted"] == r["stored"] == 12
