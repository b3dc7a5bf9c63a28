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

from typing import Any

from lightning.pytorch.callbacks import Callback

from computegov.integrations.callback import MeteredCallback

__all__ = ["ComputegovLightningCallback"]


class ComputegovLightningCallback(MeteredCallback, Callback):
    """Meter a ``lightning.Trainer`` fit into a signed ledger and report.

    Takes the arguments of :class:`~computegov.integrations.callback.MeteredCallback`; a step is
    one training batch, and ``run`` is set in ``on_train_start``.
    """

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Start metering the module and open the ledger."""
        self._start(pl_module, "lightning.Trainer", int(trainer.global_rank))

    def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
        """A training batch starts."""
        self._begin_step()

    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        """The batch's forward, backward and optimiser step are done."""
        self._end_step()

    def on_save_checkpoint(self, trainer: Any, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        """Digest the module's state at the step Lightning saved."""
        self._checkpoint(int(trainer.global_step), pl_module)

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        """Close the meter and write the signed report (rank 0)."""
        self._finish(int(trainer.global_step), pl_module)
