"""`MeteredRun`: the meter and the signed ledger of one training run, as one object.

A training loop, a Hugging Face ``Trainer`` callback and a Lightning callback all need the same
four things: a :class:`~computegov.measure.ComputeMeter` on the model whose interval records
go straight into a :class:`~computegov.ledger.recorder.RunRecorder`, checkpoint digests in the
same ledger, and at the end the meter's last interval flushed and the signed report written.
This module owns that wiring so the integrations stay a few lines each::

    run = MeteredRun(model, "run/run.jsonl", key_path="keys/computegov.key", chip="H100 SXM")
    for batch in loader:
        with run.step():
            loss = loss_fn(model(batch)); loss.backward(); opt.step(); opt.zero_grad()
    report = run.finish({"tokens": 2.0e9})     # run/run.report.json, signed

Only rank 0 of a ``torch.distributed`` job writes the ledger (every rank meters; the summary
combines them); the folder of the ledger is created when missing.
"""

from __future__ import annotations

import contextlib
import logging
import platform
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from computegov.errors import InputError

if TYPE_CHECKING:
    import torch

    from computegov.ledger.report import ComputeReport
    from computegov.measure import ComputeMeter
    from computegov.measure.summary import MeterSummary

__all__ = ["MeteredRun"]

log = logging.getLogger(__name__)


class MeteredRun:
    """A meter and a ledger recorder wired together for one training run.

    Args:
        model: the root module being trained (the meter hooks its forward calls).
        ledger_path: where the JSON-lines ledger goes (``run/run.jsonl``); the signed report is
            written beside it (``run/run.report.json``). Missing folders are created.
        key_path: the Ed25519 private key (``computegov keys new``); None: a key is made next to
            the ledger on first use (as :class:`~computegov.ledger.recorder.RunRecorder` does).
        chip: the accelerator's catalogue name (``"H100 SXM"``), or None when the run is on a
            device the catalogue does not hold (a verifier then needs its own peak FLOP/s).
        chip_count: accelerators the run uses (all ranks together).
        metadata: more run facts for the ledger (``model``, ``code_revision``...); ``hardware``
            and ``parameters`` are filled in from the other arguments when absent.
        interval_steps: steps per meter interval record.
        rank: this process's rank (None: from ``torch.distributed`` when initialised, else 0);
            only rank 0 writes the ledger and the report.
        meter_options: passed on to :class:`~computegov.measure.ComputeMeter` (``precision``,
            ``peak_flop_per_s``, ``energy``, ``tokens_per_step``...).

    Raises:
        InputError: ``chip_count`` or ``interval_steps`` is not a positive integer.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        ledger_path: str | Path,
        *,
        key_path: str | Path | None = None,
        chip: str | None = None,
        chip_count: int = 1,
        metadata: Mapping[str, Any] | None = None,
        interval_steps: int = 10,
        rank: int | None = None,
        **meter_options: Any,
    ) -> None:
        from computegov.ledger.recorder import RunRecorder
        from computegov.measure import ComputeMeter
        from computegov.measure.meter import count_model_params

        if isinstance(chip_count, bool) or not isinstance(chip_count, int) or chip_count < 1:
            raise InputError(f"chip_count must be a positive integer, got {chip_count!r}")
        if isinstance(interval_steps, bool) or not isinstance(interval_steps, int) or interval_steps < 1:
            raise InputError(f"interval_steps must be a positive integer, got {interval_steps!r}")
        self.model = model
        self.ledger_path = Path(ledger_path)
        self.rank = _rank() if rank is None else rank
        self.report: ComputeReport | None = None
        self._checkpointed_step: int | None = None
        meta = dict(metadata or {})
        meta.setdefault("parameters", int(count_model_params(model)))
        meta.setdefault(
            "hardware",
            {
                "chip": chip or f"{platform.machine()} (not in the catalogue)",
                "chip_count": chip_count,
                "in_catalogue": chip is not None,
            },
        )
        meta.setdefault("meter", {"name": "computegov.measure.ComputeMeter", "interval_steps": interval_steps})
        self._recorder: RunRecorder | None = None
        if self.rank == 0:
            self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
            if key_path is not None and not Path(key_path).is_file():
                raise InputError(f"{key_path}: no signing key there (make one with `computegov keys new`)")
        # The meter first: a chip name it cannot find leaves no ledger file behind.
        self.meter: ComputeMeter = ComputeMeter(
            model,
            chip=chip,
            sink=self._sink if self.rank == 0 else None,
            interval_steps=interval_steps,
            **meter_options,
        )
        if self.rank == 0:
            self._recorder = RunRecorder(self.ledger_path, key_path, meta)

    def _sink(self, record: dict[str, Any]) -> None:
        if self._recorder is not None:
            self._recorder.record_measurement(record)

    @property
    def steps(self) -> int:
        """Steps the meter has seen begin (0 before the first)."""
        return int(self.meter._next_index)

    def begin_step(self, tokens: int | None = None) -> None:
        """Open a training step (callback-style loops); see :meth:`step`."""
        self.meter.begin_step(tokens=tokens)

    def end_step(self, failed: BaseException | None = None) -> None:
        """Close the open training step (after the optimiser step)."""
        self.meter.end_step(failed)

    @contextlib.contextmanager
    def step(self, tokens: int | None = None) -> Iterator[None]:
        """Measure the block as one training step: forward, backward and optimiser step."""
        with self.meter.step(tokens=tokens):
            yield

    def checkpoint(
        self, step: int, state_dict: Mapping[str, Any] | None = None, path: str | Path | None = None
    ) -> None:
        """Record the digest of the model's state at ``step`` (steps completed) in the ledger.

        The meter's open interval is closed first, so no interval straddles a checkpoint. A
        second call for the step last recorded is ignored (a framework's own save and the end
        of training often fall on the same step).

        Args:
            step: training steps completed.
            state_dict: the state to digest (default: the model's ``state_dict()``).
            path: a checkpoint file to digest too (saved with ``torch.save`` when missing).
        """
        if step == self._checkpointed_step:
            return
        self._checkpointed_step = step
        with contextlib.suppress(Exception):  # never stop training for the meter
            self.meter.local_summary()
        if self._recorder is not None:
            state = state_dict if state_dict is not None else self.model.state_dict()
            self._recorder.record_checkpoint(step, state, path)

    def finish(self, summary: Mapping[str, Any] | None = None) -> ComputeReport | None:
        """Close the meter and, on rank 0, the ledger; write and return the signed report.

        Args:
            summary: extra facts for the report's ``claims`` (``tokens`` when the meter could
                not count them, ``samples``...).

        Returns:
            The signed report on rank 0 (also kept as :attr:`report`), None on other ranks.
        """
        totals: MeterSummary = self.meter.close()
        if self._recorder is None:
            return None
        if self.report is None:
            facts = dict(summary or {})
            if "tokens" not in facts and totals.tokens is not None:
                facts["tokens"] = totals.tokens
            self.report = self._recorder.finish(facts)
        return self.report


def _rank() -> int:
    """This process's rank under ``torch.distributed`` (0 when not initialised)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return int(dist.get_rank())
    return 0
