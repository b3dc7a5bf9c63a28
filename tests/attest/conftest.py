"""Shared fixtures: one real demo run (ledger + signed report) and a real swtpm when installed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Run:
    dir: Path
    ledger: Path
    report: Path
    private_key: Path
    public_key: Path


@pytest.fixture(scope="session")
def run_master(tmp_path_factory: pytest.TempPathFactory) -> Run:
    from computegov.ledger.demo import run_demo_with_ledger

    d = tmp_path_factory.mktemp("attest-run")
    res = run_demo_with_ledger(steps=6, ledger_path=d / "run.jsonl", seed=1, checkpoint_every=3)
    return Run(d, res.ledger_path, res.report_path, d / "computegov.key", d / "computegov.pub")


@pytest.fixture()
def run(run_master: Run, tmp_path: Path) -> Run:
    """A private copy of the session's run that a test may change."""
    dst = tmp_path / "run"
    shutil.copytree(run_master.dir, dst)
    m = run_master
    return Run(dst, dst / m.ledger.name, dst / m.report.name, dst / m.private_key.name,
               dst / m.public_key.name)


def _missing_tpm_binaries() -> list[str]:
    from computegov.attest.tpm_producer import tpm_tools_missing

    return (["swtpm"] if shutil.which("swtpm") is None else []) + tpm_tools_missing()


@pytest.fixture(scope="session")
def swtpm(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real software TPM (swtpm socket mode) on a loopback port, stopped after the session."""
    missing = _missing_tpm_binaries()
    if missing:
        pytest.skip(f"needs swtpm and tpm2-tools (apt-get install swtpm tpm2-tools): {', '.join(missing)} missing")
    from computegov.attest.tpm_producer import Swtpm

    tpm = Swtpm(tmp_path_factory.mktemp("swtpm-state")).start()
    try:
        yield tpm
    finally:
        tpm.stop()
