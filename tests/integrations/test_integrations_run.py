"""A plain PyTorch loop through ``MeteredRun`` to a signed report that verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from integration_helpers import submit, verify_ok  # noqa: E402

from computegov.errors import InputError  # noqa: E402
from computegov.integrations import MeteredRun  # noqa: E402


def _tiny() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def _loop(run: MeteredRun, model: torch.nn.Module, opt: torch.optim.Optimizer, steps: int) -> None:
    for s in range(steps):
        x = torch.randn(8, 16, generator=torch.Generator().manual_seed(s))
        with run.step(tokens=8):
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()


def test_plain_loop_writes_a_signed_report_in_a_new_folder(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    model, opt = _tiny()
    ledger = tmp_path / "not" / "yet" / "run.jsonl"  # folders created as needed
    run = MeteredRun(model, ledger, key_path=keypair[0], interval_steps=4, energy=None)
    _loop(run, model, opt, 10)
    run.checkpoint(10)
    report = run.finish()
    assert report is not None and report.path == ledger.with_name("run.report.json")
    totals = report.statement["predicate"]["totals"]
    # 3 matmul FLOP counts per linear layer (forward, input grad, weight grad) minus the first
    # layer's input gradient: 2·b·(16·32 + 32·4) forward, twice that backward less 2·b·16·32.
    b = 8
    per_step = 2 * b * (16 * 32 + 32 * 4) * 3 - 2 * b * 16 * 32
    assert totals["steps"] == 10
    assert totals["flop"] == pytest.approx(10 * per_step, rel=0.02)
    assert totals["tokens"] == 80
    verify_ok(report.path, keypair[1])


def test_a_checkpoint_at_the_same_step_is_recorded_once(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    model, opt = _tiny()
    run = MeteredRun(model, tmp_path / "run.jsonl", key_path=keypair[0], energy=None)
    _loop(run, model, opt, 3)
    run.checkpoint(3)
    run.checkpoint(3)
    run.finish()
    kinds = [json.loads(line)["body"]["kind"] for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert kinds.count("checkpoint") == 1


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    model, _ = _tiny()
    with pytest.raises(InputError, match="chip_count"):
        MeteredRun(model, tmp_path / "run.jsonl", chip_count=0)
    with pytest.raises(InputError, match="no signing key"):
        MeteredRun(model, tmp_path / "run.jsonl", key_path=tmp_path / "missing.key")
    assert not (tmp_path / "run.jsonl").exists()


@pytest.mark.network
def test_plain_loop_report_is_taken_by_a_registry(
    tmp_path: Path, keypair: tuple[Path, Path], registry_url: tuple[str, str]
) -> None:
    model, opt = _tiny()
    run = MeteredRun(model, tmp_path / "run.jsonl", key_path=keypair[0], energy=None)
    _loop(run, model, opt, 4)
    report = run.finish()
    assert report is not None and report.path is not None
    got = submit(report.path, tmp_path / "run.jsonl", *registry_url)
    assert got["report"]["total_flop"] == report.statement["predicate"]["totals"]["flop"]
