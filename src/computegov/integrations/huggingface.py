"""A Hugging Face ``Trainer`` callback that meters the run and writes a signed compute report.

Three lines take a ``Trainer`` run to a signed report::

    from computegov.integrations.huggingface import ComputegovCallback
    trainer = Trainer(model=model, args=args, train_dataset=ds,
                      callbacks=[ComputegovCallback("run/run.jsonl", key_path="keys/computegov.key")])
    trainer.train()                    # run/run.jsonl and run/run.report.json, signed

A step is one optimiser step (``on_step_begin`` to ``on_step_end``: every micro-batch of a
gradient-accumulation group, the backward passes and the optimiser step), tokens are the
elements of the ``input_ids`` the model sees, and every checkpoint the ``Trainer`` saves is
digested into the ledger. Needs the ``hf`` extra (``pip install 'computegov[hf]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from computegov.integrations.run import MeteredRun

__all__ = ["ComputegovCallback"]


class ComputegovCallback(TrainerCallback):
    """Meter a ``transformers.Trainer`` run into a signed ledger and report.

    Args:
        ledger_path: the ledger file; the report is written beside it.
        key_path: Ed25519 private key (None: one is made next to the ledger).
        chip: the accelerator's catalogue name, or None when not in the catalogue.
        chip_count: accelerators in the run (all ranks).
        metadata: extra run facts for the ledger (``model``, ``code_revision``...).
        interval_steps: optimiser steps per meter interval.
        meter_options: passed on to :class:`~computegov.measure.ComputeMeter`.

    Attributes:
        run: the :class:`~computegov.integrations.run.MeteredRun` (from ``on_train_begin``).
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

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        """Start metering ``model`` and open the ledger."""
        meta = dict(self._args.get("metadata") or {})
        meta.setdefault("model", type(model).__name__)
        meta.setdefault("trainer", "transformers.Trainer")
        rank = 0 if state.is_world_process_zero else 1
        self.run = MeteredRun(model, self.ledger_path, **{**self._args, "metadata": meta}, rank=rank)

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """An optimiser step starts."""
        if self.run is not None:
            self.run.begin_step()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """The optimiser step is done."""
        if self.run is not None:
            self.run.end_step()

    def on_save(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        """Digest the model's state at the step the ``Trainer`` saved."""
        if self.run is not None and model is not None:
            self.run.checkpoint(int(state.global_step), model.state_dict())

    def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        """Close the meter and write the signed report (rank 0)."""
        if self.run is None:
            return
        if model is not None:
            self.run.checkpoint(int(state.global_step), model.state_dict())
        self.report = self.run.finish({"optimizer_steps": int(state.global_step)})
