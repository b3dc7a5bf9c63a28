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

from typing import Any

from transformers import TrainerCallback

from computegov.integrations.callback import MeteredCallback

__all__ = ["ComputegovCallback"]


class ComputegovCallback(MeteredCallback, TrainerCallback):
    """Meter a ``transformers.Trainer`` run into a signed ledger and report.

    Takes the arguments of :class:`~computegov.integrations.callback.MeteredCallback`; a step is
    one optimiser step, and ``run`` is set in ``on_train_begin``.
    """

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        """Start metering ``model`` and open the ledger."""
        self._start(model, "transformers.Trainer", 0 if state.is_world_process_zero else 1)

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """An optimiser step starts."""
        self._begin_step()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """The optimiser step is done."""
        self._end_step()

    def on_save(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        """Digest the model's state at the step the ``Trainer`` saved."""
        self._checkpoint(int(state.global_step), model)

    def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        """Close the meter and write the signed report (rank 0)."""
        self._finish(int(state.global_step), model)
