"""A Lightning callback that meters the run and writes a signed compute report.

Three lines take a Lightning run to a signed report::

    from computegov.integrations.lightning import ComputegovLightningCallback
    trainer = L.Trainer(max_steps=1000,
                        callbacks=[ComputegovLightningCallback("run/run.jsonl", key_path="keys/computegov.key")])
    trainer.fit(module, loader)        # run/run.jsonl and run/run.report.json, signed

A step is one training batch (``on_train_batch_start`` to ``on_train_batch_end``: forward,
backward and, under automatic optimisation, the optimiser step); with
``accumulate_grad_batches=k`` a step is one micro-batch. Every checkpoint Lightning saves is
digested into the ledger. Needs the ``lightning`` extra (``pip install 'computegov[lightning]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lightning.pytorch.callbacks import Callback

from computegov.integrations.run import MeteredRun

__all__ = ["ComputegovLightningCallback"]


class ComputegovLightningCallback(Callback):
    """Meter a ``lightning.Trainer`` fit into a signed ledger and report.

    Args:
        ledger_path: the ledger file; the report is written beside it.
        key_path: Ed25519 private key (None: one is made next to the ledger).
        chip: the accelerator's catalogue name, or None when not in the catalogue.
        chip_count: accelerators in the run (all ranks).
        metadata: extra run facts for the ledger (``model``, ``code_revision``...).
        interval_steps: batches per meter interval.
        meter_options: passed on to :class:`~computegov.measure.ComputeMeter`.

    Attributes:
        run: the :class:`~computegov.integrations.run.MeteredRun` (from ``on_train_start``).
        report: the signed report after training ended (rank 0), else None.
    """

    def __init__(
        self,
        ledger_path: str | Path,
        *,
        key_path: str | Path | None = None,
        chip: str | None = None,
        chip_count: int = 1,
        metadata: dict[str, Any] | None = None,
        interval_steps: int = 10,
        **meter_options: Any,
    ) -> None:
        super().__init__()
        self._args: dict[str, Any] = {
            "key_path": key_path,
            "chip": chip,
            "chip_count": chip_count,
            "metadata": metadata,
            "interval_steps": interval_steps,
            **meter_options,
        }
        self.ledger_path = Path(ledger_path)
        self.run: MeteredRun | None = None
        self.report: Any = None

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Start metering the module and open the ledger."""
        meta = dict(self._args.get("metadata") or {})
        meta.setdefault("model", type(pl_module).__name__)
        meta.setdefault("trainer", "lightning.Trainer")
        self.run = MeteredRun(
            pl_module, self.ledger_path, **{**self._args, "metadata": meta}, rank=int(trainer.global_rank)
        )

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        """A training batch starts."""
        if self.run is not None:
            self.run.begin_step()

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        """The batch's forward, backward and optimiser step are done."""
        if self.run is not None:
            self.run.end_step()

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        """Digest the module's state at the step Lightning saved."""
        if self.run is not None:
            self.run.checkpoint(int(trainer.global_step), pl_module.state_dict())

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        """Close the meter and write the signed report (rank 0)."""
        if self.run is None:
            return
        self.run.checkpoint(int(trainer.global_step), pl_module.state_dict())
        self.report = self.run.finish({"optimizer_steps": int(trainer.global_step)})
