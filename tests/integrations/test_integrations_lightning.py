"""A tiny Lightning module through ``lightning.Trainer`` with ``ComputegovLightningCallback``, to a
report that verifies and a registry on loopback that takes it."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning")

from integration_helpers import report_totals, submit, verify_ok  # noqa: E402

from computegov.integrations.lightning import ComputegovLightningCallback  # noqa: E402

BATCH, STEPS = 8, 5


class _Regressor(L.LightningModule):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.01)


def _fit(tmp_path: Path, key: Path) -> ComputegovLightningCallback:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    data = torch.utils.data.TensorDataset(torch.randn(64, 16, generator=g), torch.randn(64, 1, generator=g))
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH)
    callback = ComputegovLightningCallback(tmp_path / "pl" / "run.jsonl", key_path=key, interval_steps=2, energy=None)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = L.Trainer(max_steps=STEPS, accelerator="cpu", devices=1, logger=False,
                            enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                            callbacks=[callback], default_root_dir=str(tmp_path / "out"))
        trainer.fit(_Regressor(), loader)
    return callback


def test_lightning_fit_becomes_a_signed_report_that_verifies(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    callback = _fit(tmp_path, keypair[0])
    totals = report_totals(callback, tmp_path / "pl")
    assert totals["steps"] == STEPS
    # forward 2·b·(16·32 + 32·1), backward twice that less the first layer's input gradient
    per_step = 3 * 2 * BATCH * (16 * 32 + 32) - 2 * BATCH * 16 * 32
    assert totals["flop"] == pytest.approx(STEPS * per_step, rel=0.02)
    verify_ok(callback.report.path, keypair[1])


@pytest.mark.network
def test_lightning_report_is_taken_by_a_registry(
    tmp_path: Path, keypair: tuple[Path, Path], registry_url: tuple[str, str]
) -> None:
    callback = _fit(tmp_path, keypair[0])
    got = submit(callback.report.path, tmp_path / "pl" / "run.jsonl", *registry_url)
    assert got["report"]["total_flop"] == callback.report.statement["predicate"]["totals"]["flop"]
