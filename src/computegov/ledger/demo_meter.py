"""The demo's stand-in meter, used when :mod:`computegov.measure` is unavailable or not wanted.

It times steps with ``time.perf_counter`` (s) and counts FLOP with torch's
``FlopCounterMode``, emitting interval records in the meter's schema (``seconds``, ``flop``,
``time_start_unix_s``...), so the ledger and its verifier cannot tell the two apart.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

__all__ = ["StandInMeter"]


class StandInMeter:
    """Times and FLOP-counts every step; emits an interval record every ``interval_steps``.

    Args:
        sink: called with each interval record (the recorder's ``record_measurement``).
        interval_steps: steps per interval record.
    """

    name = "computegov.ledger.demo stand-in meter (torch FlopCounterMode)"

    def __init__(self, sink: Callable[[dict[str, Any]], Any], interval_steps: int) -> None:
        self.sink = sink
        self.interval_steps = interval_steps
        self._steps = 0
        self._flop = 0
        self._seconds = 0.0
        self._t0: float | None = None
        self._first = 0
        self._tokens = 0

    def step(self, *, tokens: int) -> Any:
        """A context manager measuring one step of ``tokens`` tokens (as ``ComputeMeter.step``)."""
        from torch.utils.flop_counter import FlopCounterMode

        @contextlib.contextmanager
        def ctx() -> Any:
            if self._t0 is None:
                self._t0 = time.time()
            start = time.perf_counter()
            counter = FlopCounterMode(display=False)
            with counter:
                yield
            self._seconds += time.perf_counter() - start
            self._flop += int(counter.get_total_flops())
            self._steps += 1
            self._tokens += tokens
            if self._steps == self.interval_steps:
                self.flush()

        return ctx()

    def flush(self) -> None:
        """Emit the open interval's record (nothing when no step ran since the last one)."""
        if not self._steps:
            return
        now = time.time()
        self.sink(
            {
                "kind": "interval",
                "step_first": self._first,
                "step_last": self._first + self._steps - 1,
                "steps": self._steps,
                "flop": self._flop,
                "tokens": self._tokens,
                "seconds": self._seconds,
                "time_start_unix_s": self._t0,
                "time_end_unix_s": now,
                "energy_j": None,
            }
        )
        self._first += self._steps
        self._steps, self._flop, self._seconds, self._tokens, self._t0 = 0, 0, 0.0, 0, None

    def close(self) -> None:
        """Emit the last interval's record."""
        self.flush()
