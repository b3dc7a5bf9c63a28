"""What the framework callbacks share: their arguments and the calls into one :class:`MeteredRun`.

:class:`MeteredCallback` holds the ledger path and the meter's arguments and drives a
:class:`~computegov.integrations.run.MeteredRun` (start, step begin and end, checkpoint, finish).
The Hugging Face and Lightning callbacks subclass it beside their framework's base class and only
translate their framework's hooks into these calls, so both meter a run the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from computegov.integrations.run import MeteredRun

__all__ = ["MeteredCallback"]


class MeteredCallback:
    """A framework-neutral callback: the meter and the signed ledger of one run.

    Args:
        ledger_path: the ledger file; the report is written beside it.
        key_path: Ed25519 private key (None: one is made next to the ledger).
        chip: the accelerator's catalogue name, or None when not in the catalogue.
        chip_count: accelerators in the run (all ranks).
        metadata: extra run facts for the ledger (``model``, ``code_revision``...).
        interval_steps: steps per meter interval (what a step is depends on the framework).
        meter_options: passed on to :class:`~computegov.measure.ComputeMeter`.

    Attributes:
        run: the :class:`~computegov.integrations.run.MeteredRun` (from the training start).
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

    def _start(self, model: Any, trainer: str, rank: int) -> None:
        """Start metering ``model`` and open the ledger (``trainer`` goes into its metadata)."""
        meta = dict(self._args.get("metadata") or {})
        meta.setdefault("model", type(model).__name__)
        meta.setdefault("trainer", trainer)
        self.run = MeteredRun(model, self.ledger_path, **{**self._args, "metadata": meta}, rank=rank)

    def _begin_step(self) -> None:
        """A step starts."""
        if self.run is not None:
            self.run.begin_step()

    def _end_step(self) -> None:
        """The step is done."""
        if self.run is not None:
            self.run.end_step()

    def _checkpoint(self, step: int, model: Any) -> None:
        """Digest ``model``'s state at ``step`` (nothing before the start or without a model)."""
        if self.run is not None and model is not None:
            self.run.checkpoint(step, model.state_dict())

    def _finish(self, step: int, model: Any) -> None:
        """Digest the final state, close the meter and write the signed report (rank 0)."""
        if self.run is None:
            return
        self._checkpoint(step, model)
        self.report = self.run.finish({"optimizer_steps": step})
