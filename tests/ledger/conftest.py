"""Shared fixtures: one real demo run (ledger, report, checkpoints, key) per test session."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class DemoRun:
    dir: Path
    ledger: Path
    report: Path
    public_key: Path
    private_key: Path
    checkpoints: tuple[Path, ...]


@pytest.fixture(scope="session")
def demo_run_master(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    from computegov.ledger.demo import run_demo_with_ledger

    d = tmp_path_factory.mktemp("demo")
    res = run_demo_with_ledger(steps=40, ledger_path=d / "run.jsonl", seed=3, checkpoint_every=10)
    return DemoRun(
        d,
        res.ledger_path,
        res.report_path,
        d / "computegov.pub",
        d / "computegov.key",
        res.checkpoint_paths,
    )


@pytest.fixture()
def demo_run(demo_run_master: DemoRun, tmp_path: Path) -> DemoRun:
    """A private copy of the session's demo run that a test may damage."""
    dst = tmp_path / "run"
    shutil.copytree(demo_run_master.dir, dst)
    m = demo_run_master
    return DemoRun(
        dst,
        dst / m.ledger.name,
        dst / m.report.name,
        dst / m.public_key.name,
        dst / m.private_key.name,
        tuple(dst / p.relative_to(m.dir) for p in m.checkpoints),
    )


@pytest.fixture(params=["orjson", "stdlib"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with each ledger body parser (orjson when installed, the stdlib fallback)."""
    from computegov.ledger import records

    if request.param == "orjson" and records._ORJSON_LOADS is None:
        pytest.skip("orjson not installed")
    if request.param == "stdlib":
        monkeypatch.setattr(records, "_ORJSON_LOADS", None)
    return str(request.param)
